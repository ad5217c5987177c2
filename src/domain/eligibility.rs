//! Hard eligibility rules run at submission. A failed rule makes the application ineligible with a
//! stated reason; it is still kept and shown to the funder, flagged.

use serde::{Deserialize, Serialize};

/// A yes/no question a call asks; one answer disqualifies, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityQuestion {
    pub key: String,
    pub text: String,
    /// The answer that makes the applicant ineligible.
    pub disqualifying_answer: bool,
    pub reason: String,
}

/// The questions most bonded-service programmes ask; a call starts from these.
pub fn standard_questions() -> Vec<EligibilityQuestion> {
    vec![
        EligibilityQuestion {
            key: "other_obligation".into(),
            text: "Are you already under a service obligation to another scholarship or employer?".into(),
            disqualifying_answer: true,
            reason: "Already under another service obligation".into(),
        },
        EligibilityQuestion {
            key: "earlier_default".into(),
            text: "Have you ever defaulted on a service obligation or a bonded scholarship?".into(),
            disqualifying_answer: true,
            reason: "Earlier default on a service obligation".into(),
        },
        EligibilityQuestion {
            key: "citizen".into(),
            text: "Are you a citizen of the country that funds this programme?".into(),
            disqualifying_answer: false,
            reason: "Not a citizen of the funding country".into(),
        },
    ]
}

/// The facts the built-in rules look at.
#[derive(Debug, Clone)]
pub struct EligibilityFacts<'a> {
    pub cadre: &'a str,
    pub programme_cadre: &'a str,
    pub enrolled_full_time: Option<bool>,
    /// (question key, answer)
    pub answers: &'a [(String, bool)],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EligibilityOutcome {
    pub eligible: bool,
    pub reasons: Vec<String>,
}

/// Runs every rule and collects every reason, not just the first, so the funder sees the whole picture.
pub fn assess(facts: &EligibilityFacts, questions: &[EligibilityQuestion]) -> EligibilityOutcome {
    let mut reasons = Vec::new();
    if !facts.programme_cadre.is_empty() && !facts.cadre.eq_ignore_ascii_case(facts.programme_cadre) {
        reasons.push(format!("Cadre {:?} is outside this programme's cadre ({})", facts.cadre, facts.programme_cadre));
    }
    if facts.enrolled_full_time == Some(false) {
        reasons.push("Not enrolled full-time".to_string());
    }
    for q in questions {
        let answer = facts.answers.iter().find(|(k, _)| *k == q.key).map(|(_, a)| *a);
        if answer == Some(q.disqualifying_answer) {
            reasons.push(q.reason.clone());
        }
    }
    EligibilityOutcome { eligible: reasons.is_empty(), reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(answers: &'a [(String, bool)]) -> EligibilityFacts<'a> {
        EligibilityFacts { cadre: "nursing", programme_cadre: "nursing", enrolled_full_time: Some(true), answers }
    }

    #[test]
    fn a_clean_applicant_is_eligible() {
        let answers = vec![
            ("other_obligation".to_string(), false),
            ("earlier_default".to_string(), false),
            ("citizen".to_string(), true),
        ];
        let outcome = assess(&facts(&answers), &standard_questions());
        assert!(outcome.eligible);
        assert!(outcome.reasons.is_empty());
    }

    #[test]
    fn another_obligation_makes_an_applicant_ineligible_with_the_reason() {
        let answers = vec![("other_obligation".to_string(), true), ("citizen".to_string(), true)];
        let outcome = assess(&facts(&answers), &standard_questions());
        assert!(!outcome.eligible);
        assert_eq!(outcome.reasons, vec!["Already under another service obligation".to_string()]);
    }

    #[test]
    fn every_failed_rule_is_reported() {
        let answers = vec![("earlier_default".to_string(), true), ("citizen".to_string(), false)];
        let f = EligibilityFacts { cadre: "medicine", enrolled_full_time: Some(false), ..facts(&answers) };
        let outcome = assess(&f, &standard_questions());
        assert_eq!(outcome.reasons.len(), 4, "{:?}", outcome.reasons);
        assert!(outcome.reasons[0].contains("outside this programme's cadre"));
    }
}
