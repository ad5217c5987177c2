//! Hard eligibility rules run at submission. A failed rule makes the application ineligible with a
//! stated reason; it is still kept and shown to the funder, flagged. A reason is kept as a message key with
//! its values, so that each reader sees it in their own language.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::cadre::canonical_cadre;

/// A yes/no question a call asks; one answer disqualifies, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityQuestion {
    pub key: String,
    pub text: String,
    /// The answer that makes the applicant ineligible.
    pub disqualifying_answer: bool,
    pub reason: String,
}

/// Why an application is ineligible: a message key of `locales/` and the values it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IneligibilityReason {
    pub key: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
}

impl IneligibilityReason {
    pub fn new(key: &str) -> IneligibilityReason {
        IneligibilityReason { key: key.to_string(), args: BTreeMap::new() }
    }

    pub fn with(mut self, name: &str, value: &str) -> IneligibilityReason {
        self.args.insert(name.to_string(), value.to_string());
        self
    }

    /// A reason stated in words of their own (an officer's question, or a row kept before reasons had keys).
    pub fn as_recorded(text: &str) -> IneligibilityReason {
        IneligibilityReason::new(REASON_AS_RECORDED).with("text", text)
    }

    /// A reason read from its stored form: a key with values, or, from rows written before keys, the
    /// English sentence, which gets its key back when it is one of the built-in ones.
    pub fn from_stored(value: serde_json::Value) -> Option<IneligibilityReason> {
        match value {
            serde_json::Value::String(text) => Some(
                legacy_key(&text)
                    .map(IneligibilityReason::new)
                    .or_else(|| legacy_cadre_reason(&text))
                    .unwrap_or_else(|| IneligibilityReason::as_recorded(&text)),
            ),
            other => serde_json::from_value(other).ok(),
        }
    }
}

/// The message that shows a reason's own words unchanged.
pub const REASON_AS_RECORDED: &str = "reason-as-recorded";

/// The key of a built-in reason from the English sentence stored before reasons had keys.
fn legacy_key(text: &str) -> Option<&'static str> {
    match text {
        "Not enrolled full-time" => Some("reason-not-full-time"),
        "Already under another service obligation" => Some("reason-question-other-obligation"),
        "Earlier default on a service obligation" => Some("reason-question-earlier-default"),
        "Not a citizen of the funding country" => Some("reason-question-citizen"),
        _ => None,
    }
}

/// The cadre reason from its English sentence, `Cadre "medicine" is outside this programme's cadre (nursing)`,
/// with the cadres as keys when the list knows them.
fn legacy_cadre_reason(text: &str) -> Option<IneligibilityReason> {
    let rest = text.strip_prefix("Cadre \"")?;
    let (cadre, rest) = rest.split_once("\" is outside this programme's cadre (")?;
    let programme_cadre = rest.strip_suffix(')')?;
    let key = |c: &str| canonical_cadre(c).map(String::from).unwrap_or_else(|| c.to_string());
    Some(
        IneligibilityReason::new("reason-cadre-outside")
            .with("cadre", &key(cadre))
            .with("programme_cadre", &key(programme_cadre)),
    )
}

/// The message key of a standard question's text and of its reason; an officer's own questions have none
/// and are shown in the words they were written in.
pub fn question_text_key(question_key: &str) -> String {
    format!("question-{}", question_key.replace('_', "-"))
}

fn question_reason(q: &EligibilityQuestion) -> IneligibilityReason {
    if standard_questions().iter().any(|s| s.key == q.key) {
        IneligibilityReason::new(&format!("reason-question-{}", q.key.replace('_', "-")))
    } else {
        IneligibilityReason::as_recorded(&q.reason)
    }
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
    pub reasons: Vec<IneligibilityReason>,
}

/// Runs every rule and collects every reason, not just the first, so the funder sees the whole picture.
pub fn assess(facts: &EligibilityFacts, questions: &[EligibilityQuestion]) -> EligibilityOutcome {
    let mut reasons = Vec::new();
    if !facts.programme_cadre.is_empty() && !facts.cadre.eq_ignore_ascii_case(facts.programme_cadre) {
        reasons.push(
            IneligibilityReason::new("reason-cadre-outside")
                .with("cadre", facts.cadre)
                .with("programme_cadre", facts.programme_cadre),
        );
    }
    if facts.enrolled_full_time == Some(false) {
        reasons.push(IneligibilityReason::new("reason-not-full-time"));
    }
    for q in questions {
        let answer = facts.answers.iter().find(|(k, _)| *k == q.key).map(|(_, a)| *a);
        if answer == Some(q.disqualifying_answer) {
            reasons.push(question_reason(q));
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
        assert_eq!(outcome.reasons, vec![IneligibilityReason::new("reason-question-other-obligation")]);
    }

    #[test]
    fn every_failed_rule_is_reported() {
        let answers = vec![("earlier_default".to_string(), true), ("citizen".to_string(), false)];
        let f = EligibilityFacts { cadre: "medicine", enrolled_full_time: Some(false), ..facts(&answers) };
        let outcome = assess(&f, &standard_questions());
        assert_eq!(outcome.reasons.len(), 4, "{:?}", outcome.reasons);
        assert_eq!(
            outcome.reasons[0],
            IneligibilityReason::new("reason-cadre-outside")
                .with("cadre", "medicine")
                .with("programme_cadre", "nursing")
        );
    }

    #[test]
    fn an_officers_own_question_keeps_its_words_as_the_reason() {
        let own = EligibilityQuestion {
            key: "custom_1".into(),
            text: "Do you hold a driving licence?".into(),
            disqualifying_answer: false,
            reason: "No driving licence".into(),
        };
        let answers = vec![("custom_1".to_string(), false)];
        let outcome = assess(&facts(&answers), &[own]);
        assert_eq!(outcome.reasons, vec![IneligibilityReason::as_recorded("No driving licence")]);
    }

    #[test]
    fn reasons_stored_as_english_sentences_are_read_back_with_their_keys() {
        let stored = serde_json::json!([
            "Not enrolled full-time",
            "Cadre \"Medicine\" is outside this programme's cadre (nursing)",
            "Cadre \"x\" is outside",
            {"key": "reason-question-citizen"}
        ]);
        let read: Vec<_> =
            stored.as_array().into_iter().flatten().cloned().filter_map(IneligibilityReason::from_stored).collect();
        assert_eq!(
            read,
            vec![
                IneligibilityReason::new("reason-not-full-time"),
                IneligibilityReason::new("reason-cadre-outside")
                    .with("cadre", "medicine")
                    .with("programme_cadre", "nursing"),
                IneligibilityReason::as_recorded("Cadre \"x\" is outside"),
                IneligibilityReason::new("reason-question-citizen"),
            ]
        );
    }
}
