//! The ranked list of a call: priority tier first, then average score, then the stated tie-break, with the
//! reason for every position; ineligible, below-minimum and unscored applications are listed apart.

use std::cmp::Ordering;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::eligibility::IneligibilityReason;
use super::review::HUNDREDTHS_PER_POINT;

/// A rule that puts an applicant in a priority tier. A call lists its rules in order; the first rule an
/// applicant meets is their tier (0 is the best), and applicants who meet none share the last tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum PriorityRule {
    ContinuingScholar,
    /// The applicant's home district is on the funder's list (compared trimmed and case-insensitively).
    UnderservedHomeArea {
        districts: Vec<String>,
    },
    DisadvantagedBackground,
}

/// What the ranking needs to know about one application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub application_id: i64,
    pub eligible: bool,
    pub ineligibility_reasons: Vec<IneligibilityReason>,
    /// Average of the reviewers' totals, in hundredths of a point; `None` until someone has scored.
    pub average_score: Option<u32>,
    pub continuing: bool,
    pub home_district: String,
    pub disadvantaged: bool,
    pub expected_graduation: Option<NaiveDate>,
    pub submitted_at: NaiveDateTime,
}

/// Why an applicant is in their tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum TierReason {
    ContinuingScholar,
    UnderservedHomeArea { district: String },
    DisadvantagedBackground,
    NoPriorityRule,
}

/// Why an entry stands where it does relative to the entry just above it: the first ranking key that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum PlaceReason {
    /// Nobody is above.
    Top,
    /// The one above is in a better (lower-numbered) tier.
    LowerTier { tier_above: usize },
    /// Same tier; the one above scored higher.
    LowerScore { score_above: u32 },
    /// Same tier and score; the one above graduates earlier (or this applicant gave no date).
    LaterGraduation { graduation_above: NaiveDate, graduation: Option<NaiveDate> },
    /// Same tier, score and graduation; the one above submitted earlier.
    LaterSubmission { submitted_above: NaiveDateTime },
    /// Everything equal; the lower application number goes first.
    HigherApplicationNumber { application_above: i64 },
}

/// Hundredths shown as points: 7733 → "77.33".
pub fn points(hundredths: u32) -> String {
    format!("{}.{:02}", hundredths / HUNDREDTHS_PER_POINT, hundredths % HUNDREDTHS_PER_POINT)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankedEntry {
    /// 1 for the first.
    pub position: usize,
    pub application_id: i64,
    /// 0 is the best tier; `rules.len()` when no rule was met.
    pub tier: usize,
    pub tier_reason: TierReason,
    pub average_score: u32,
    pub explanation: PlaceReason,
}

/// Why an application is not in the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum SetApartReason {
    Ineligible {
        reasons: Vec<IneligibilityReason>,
    },
    /// Scored, but the average (hundredths) is below the call's minimum (whole points).
    BelowMinimum {
        score: u32,
        minimum: u32,
    },
    NotScored,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetApart {
    pub application_id: i64,
    pub reason: SetApartReason,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranking {
    pub ranked: Vec<RankedEntry>,
    /// In application-number order.
    pub set_apart: Vec<SetApart>,
}

/// The tier of a candidate under the call's rules, and the rule that put them there.
pub fn tier_of(candidate: &Candidate, rules: &[PriorityRule]) -> (usize, TierReason) {
    for (index, rule) in rules.iter().enumerate() {
        let reason = match rule {
            PriorityRule::ContinuingScholar if candidate.continuing => Some(TierReason::ContinuingScholar),
            PriorityRule::UnderservedHomeArea { districts } => {
                let home = candidate.home_district.trim();
                let listed =
                    !home.is_empty() && districts.iter().any(|d| d.trim().to_lowercase() == home.to_lowercase());
                listed.then(|| TierReason::UnderservedHomeArea { district: home.to_string() })
            }
            PriorityRule::DisadvantagedBackground if candidate.disadvantaged => {
                Some(TierReason::DisadvantagedBackground)
            }
            _ => None,
        };
        if let Some(reason) = reason {
            return (index, reason);
        }
    }
    (rules.len(), TierReason::NoPriorityRule)
}

/// Ranks a call's candidates: tier ascending, average score descending, expected graduation ascending (no date
/// last), submission time ascending, application number ascending. The last key makes the order total, so the
/// result does not depend on the order of `candidates`. An eligible candidate is fundable when scored at or
/// above `minimum_fundable` whole points (× 100 hundredths).
pub fn rank(candidates: &[Candidate], rules: &[PriorityRule], minimum_fundable: u32) -> Ranking {
    let minimum_hundredths = minimum_fundable.saturating_mul(HUNDREDTHS_PER_POINT);
    let mut fundable = Vec::new();
    let mut set_apart = Vec::new();
    for candidate in candidates {
        let reason = match candidate.average_score {
            _ if !candidate.eligible => {
                Some(SetApartReason::Ineligible { reasons: candidate.ineligibility_reasons.clone() })
            }
            None => Some(SetApartReason::NotScored),
            Some(score) if score < minimum_hundredths => {
                Some(SetApartReason::BelowMinimum { score, minimum: minimum_fundable })
            }
            Some(score) => {
                let (tier, tier_reason) = tier_of(candidate, rules);
                fundable.push((candidate, score, tier, tier_reason));
                None
            }
        };
        if let Some(reason) = reason {
            set_apart.push(SetApart { application_id: candidate.application_id, reason });
        }
    }
    fundable.sort_by(|a, b| ranking_order(a.0, a.1, a.2, b.0, b.1, b.2));
    set_apart.sort_by_key(|s| s.application_id);

    let mut ranked: Vec<RankedEntry> = Vec::with_capacity(fundable.len());
    let mut above: Option<(&Candidate, u32, usize)> = None;
    for (candidate, score, tier, tier_reason) in fundable {
        let explanation = match above {
            None => PlaceReason::Top,
            Some((a, a_score, a_tier)) => place_reason(a, a_score, a_tier, candidate, score, tier),
        };
        ranked.push(RankedEntry {
            position: ranked.len() + 1,
            application_id: candidate.application_id,
            tier,
            tier_reason,
            average_score: score,
            explanation,
        });
        above = Some((candidate, score, tier));
    }
    Ranking { ranked, set_apart }
}

/// Earlier graduation first; an unknown date after every known one.
fn graduation_order(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn ranking_order(a: &Candidate, a_score: u32, a_tier: usize, b: &Candidate, b_score: u32, b_tier: usize) -> Ordering {
    a_tier
        .cmp(&b_tier)
        .then(b_score.cmp(&a_score))
        .then(graduation_order(a.expected_graduation, b.expected_graduation))
        .then(a.submitted_at.cmp(&b.submitted_at))
        .then(a.application_id.cmp(&b.application_id))
}

fn place_reason(
    above: &Candidate,
    above_score: u32,
    above_tier: usize,
    this: &Candidate,
    score: u32,
    tier: usize,
) -> PlaceReason {
    if above_tier != tier {
        return PlaceReason::LowerTier { tier_above: above_tier };
    }
    if above_score != score {
        return PlaceReason::LowerScore { score_above: above_score };
    }
    if above.expected_graduation != this.expected_graduation {
        if let Some(graduation_above) = above.expected_graduation {
            return PlaceReason::LaterGraduation { graduation_above, graduation: this.expected_graduation };
        }
    }
    if above.submitted_at != this.submitted_at {
        return PlaceReason::LaterSubmission { submitted_above: above.submitted_at };
    }
    PlaceReason::HigherApplicationNumber { application_above: above.application_id }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time")
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn candidate(id: i64, score: u32) -> Candidate {
        Candidate {
            application_id: id,
            eligible: true,
            ineligibility_reasons: vec![],
            average_score: Some(score),
            continuing: false,
            home_district: "Nairobi".into(),
            disadvantaged: false,
            expected_graduation: Some(day("2029-12-01")),
            submitted_at: at("2027-01-10 09:00"),
        }
    }

    fn rules() -> Vec<PriorityRule> {
        vec![
            PriorityRule::ContinuingScholar,
            PriorityRule::UnderservedHomeArea { districts: vec!["Turkana".into(), "Marsabit".into()] },
            PriorityRule::DisadvantagedBackground,
        ]
    }

    fn ids(ranking: &Ranking) -> Vec<i64> {
        ranking.ranked.iter().map(|e| e.application_id).collect()
    }

    #[test]
    fn the_first_rule_met_is_the_tier() {
        let both = Candidate { continuing: true, disadvantaged: true, ..candidate(1, 8000) };
        assert_eq!(tier_of(&both, &rules()), (0, TierReason::ContinuingScholar));
        let turkana = Candidate { home_district: " turkana ".into(), disadvantaged: true, ..candidate(2, 8000) };
        assert_eq!(tier_of(&turkana, &rules()), (1, TierReason::UnderservedHomeArea { district: "turkana".into() }));
        let poor = Candidate { disadvantaged: true, ..candidate(3, 8000) };
        assert_eq!(tier_of(&poor, &rules()), (2, TierReason::DisadvantagedBackground));
        assert_eq!(tier_of(&candidate(4, 8000), &rules()), (3, TierReason::NoPriorityRule));
        assert_eq!(tier_of(&both, &[]), (0, TierReason::NoPriorityRule));
        let blank = Candidate { home_district: String::new(), ..candidate(5, 8000) };
        let listing_blank = [PriorityRule::UnderservedHomeArea { districts: vec![String::new()] }];
        assert_eq!(tier_of(&blank, &listing_blank), (1, TierReason::NoPriorityRule));
    }

    #[test]
    fn scores_read_as_points_with_two_decimals() {
        assert_eq!(points(7_733), "77.33");
        assert_eq!(points(7_005), "70.05");
    }

    #[test]
    fn a_better_tier_outranks_a_higher_score() {
        let continuing = Candidate { continuing: true, ..candidate(1, 7_100) };
        let ranking = rank(&[candidate(2, 9_900), continuing], &rules(), 70);
        assert_eq!(ids(&ranking), vec![1, 2]);
        assert_eq!(ranking.ranked[0].explanation, PlaceReason::Top);
        assert_eq!(ranking.ranked[1].explanation, PlaceReason::LowerTier { tier_above: 0 });
        assert_eq!(ranking.ranked[1].tier, 3);
        assert_eq!(ranking.ranked[1].position, 2);
    }

    #[test]
    fn within_a_tier_the_higher_score_goes_first() {
        let ranking = rank(&[candidate(1, 7_500), candidate(2, 8_250)], &rules(), 70);
        assert_eq!(ids(&ranking), vec![2, 1]);
        assert_eq!(ranking.ranked[1].explanation, PlaceReason::LowerScore { score_above: 8_250 });
    }

    #[test]
    fn ties_go_to_earlier_graduation_with_no_date_last() {
        let later = Candidate { expected_graduation: Some(day("2030-06-01")), ..candidate(1, 8_000) };
        let unknown = Candidate { expected_graduation: None, ..candidate(2, 8_000) };
        let earlier = candidate(3, 8_000);
        let ranking = rank(&[unknown, later, earlier], &rules(), 70);
        assert_eq!(ids(&ranking), vec![3, 1, 2]);
        assert_eq!(
            ranking.ranked[1].explanation,
            PlaceReason::LaterGraduation { graduation_above: day("2029-12-01"), graduation: Some(day("2030-06-01")) }
        );
        assert_eq!(
            ranking.ranked[2].explanation,
            PlaceReason::LaterGraduation { graduation_above: day("2030-06-01"), graduation: None }
        );
    }

    #[test]
    fn then_earlier_submission_then_lower_number() {
        let late = Candidate { submitted_at: at("2027-01-20 09:00"), ..candidate(1, 8_000) };
        let early_b = candidate(5, 8_000);
        let early_a = candidate(4, 8_000);
        let ranking = rank(&[late, early_b, early_a], &rules(), 70);
        assert_eq!(ids(&ranking), vec![4, 5, 1]);
        assert_eq!(ranking.ranked[1].explanation, PlaceReason::HigherApplicationNumber { application_above: 4 });
        assert_eq!(
            ranking.ranked[2].explanation,
            PlaceReason::LaterSubmission { submitted_above: at("2027-01-10 09:00") }
        );
        let both_unknown = [
            Candidate { expected_graduation: None, ..candidate(7, 8_000) },
            Candidate { expected_graduation: None, submitted_at: at("2027-01-01 09:00"), ..candidate(8, 8_000) },
        ];
        let ranking = rank(&both_unknown, &[], 70);
        assert_eq!(ids(&ranking), vec![8, 7]);
        assert!(matches!(ranking.ranked[1].explanation, PlaceReason::LaterSubmission { .. }));
    }

    #[test]
    fn ineligible_unscored_and_below_minimum_are_set_apart_with_reasons() {
        let ineligible = Candidate {
            eligible: false,
            ineligibility_reasons: vec![IneligibilityReason::new("reason-not-full-time")],
            ..candidate(3, 9_000)
        };
        let unscored = Candidate { average_score: None, ..candidate(1, 0) };
        let ranking = rank(&[ineligible, candidate(4, 6_999), unscored, candidate(2, 7_000)], &rules(), 70);
        assert_eq!(ids(&ranking), vec![2], "exactly the minimum is fundable");
        assert_eq!(
            ranking.set_apart,
            vec![
                SetApart { application_id: 1, reason: SetApartReason::NotScored },
                SetApart {
                    application_id: 3,
                    reason: SetApartReason::Ineligible {
                        reasons: vec![IneligibilityReason::new("reason-not-full-time")]
                    }
                },
                SetApart { application_id: 4, reason: SetApartReason::BelowMinimum { score: 6_999, minimum: 70 } },
            ]
        );
    }

    #[test]
    fn rules_are_read_from_the_calls_json() {
        let json = r#"[{"rule":"continuing_scholar"},{"rule":"underserved_home_area","districts":["Turkana"]},
                       {"rule":"disadvantaged_background"}]"#;
        let parsed: Vec<PriorityRule> = serde_json::from_str(json).expect("rules");
        assert_eq!(
            parsed,
            vec![
                rules()[0].clone(),
                PriorityRule::UnderservedHomeArea { districts: vec!["Turkana".into()] },
                rules()[2].clone()
            ]
        );
    }

    fn arb_candidate() -> impl Strategy<Value = Candidate> {
        (
            any::<bool>(),
            proptest::option::of(6_000_u32..6_010),
            any::<bool>(),
            prop::sample::select(vec!["Turkana", "Nairobi", "Marsabit"]),
            any::<bool>(),
            proptest::option::of(0_i64..3),
            0_i64..3,
        )
            .prop_map(|(eligible, score, continuing, district, disadvantaged, grad, submitted)| Candidate {
                application_id: 0,
                eligible,
                ineligibility_reasons: if eligible { vec![] } else { vec![IneligibilityReason::new("reason")] },
                average_score: score,
                continuing,
                home_district: district.into(),
                disadvantaged,
                expected_graduation: grad.map(|d| day("2029-12-01") + chrono::Duration::days(d)),
                submitted_at: at("2027-01-10 09:00") + chrono::Duration::hours(submitted),
            })
    }

    fn key(
        c: &Candidate,
        tier: usize,
    ) -> (usize, std::cmp::Reverse<u32>, (bool, Option<NaiveDate>), NaiveDateTime, i64) {
        let graduation = (c.expected_graduation.is_none(), c.expected_graduation);
        (tier, std::cmp::Reverse(c.average_score.unwrap_or(0)), graduation, c.submitted_at, c.application_id)
    }

    proptest! {
        #[test]
        fn ranking_is_a_sorted_permutation_of_the_fundable_whatever_the_input_order(
            raw in proptest::collection::vec(arb_candidate(), 0..30),
            shuffle_seed in any::<u64>(),
        ) {
            let candidates: Vec<Candidate> = raw
                .into_iter()
                .enumerate()
                .map(|(i, c)| Candidate { application_id: i as i64 + 1, ..c })
                .collect();
            let minimum = 60;
            let ranking = rank(&candidates, &rules(), minimum);
            let fundable: std::collections::BTreeSet<i64> = candidates
                .iter()
                .filter(|c| c.eligible && c.average_score.is_some_and(|s| s >= minimum * 100))
                .map(|c| c.application_id)
                .collect();
            let ranked: std::collections::BTreeSet<i64> = ids(&ranking).into_iter().collect();
            prop_assert_eq!(ranked.len(), ranking.ranked.len());
            prop_assert_eq!(&ranked, &fundable);
            prop_assert_eq!(ranking.ranked.len() + ranking.set_apart.len(), candidates.len());
            let keys: Vec<_> = ranking
                .ranked
                .iter()
                .map(|e| {
                    let c = candidates.iter().find(|c| c.application_id == e.application_id).expect("known");
                    key(c, e.tier)
                })
                .collect();
            prop_assert!(keys.windows(2).all(|w| w[0] < w[1]));
            for (i, e) in ranking.ranked.iter().enumerate() {
                prop_assert_eq!(e.position, i + 1);
            }
            let mut shuffled = candidates.clone();
            let mut rng = crate::domain::matching::prng::SplitMix64::new(shuffle_seed);
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i as u64 + 1) as usize);
            }
            prop_assert_eq!(rank(&shuffled, &rules(), minimum), ranking);
        }
    }
}
