//! Review of applications by a panel: the call's rubric, a reviewer's score sheet and its total, the
//! conflict-of-interest declaration that must come before scoring, averages, and the even random assignment.
//!
//! Scores are kept as hundredths of a point (0..=10,000 for a 100-point rubric) so that no float is stored,
//! compared or averaged: 87.5 points is 8,750.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::matching::prng::SplitMix64;
use super::FieldErrors;

/// Hundredths of a point in one point.
pub const HUNDREDTHS_PER_POINT: u32 = 100;
/// A rubric's weights add up to this: a total score is out of 100 points.
pub const WEIGHT_TOTAL: u32 = 100;
/// Bounds that keep a rubric readable on one screen and its exact total within 128-bit arithmetic
/// (the common denominator is at most the lcm of the criteria's maximum points).
pub const MAX_CRITERIA: usize = 16;
pub const MAX_POINTS_PER_CRITERION: u32 = 100;

/// One thing reviewers score, on a scale of `0..=max_points`, counting `weight` of the 100 points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    /// Short identifier, `[a-z0-9_]`, used in field names (`score_<key>`).
    pub key: String,
    pub label: String,
    pub max_points: u32,
    pub weight: u32,
}

/// A call's rubric: the criteria, and the average total (out of 100) below which no award is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    pub criteria: Vec<Criterion>,
    /// Whole points out of 100; an application is fundable when its average ≥ `minimum_fundable × 100` hundredths.
    pub minimum_fundable: u32,
}

/// One reviewer's points per criterion key.
pub type ScoreSheet = BTreeMap<String, u32>;

impl Rubric {
    /// Checks the rubric; fields are `criteria`, `weights`, `minimum_fundable` and
    /// `criterion_<index>_{key,label,max_points}` (index from 0, as the form lists them).
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.criteria.is_empty() {
            errors.insert("criteria".into(), "error-required".into());
        } else if self.criteria.len() > MAX_CRITERIA {
            errors.insert("criteria".into(), "error-too-many-criteria".into());
        }
        let mut seen = BTreeSet::new();
        for (index, criterion) in self.criteria.iter().enumerate() {
            let field = |name: &str| format!("criterion_{index}_{name}");
            let key_ok = !criterion.key.is_empty()
                && criterion.key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                errors.insert(field("key"), "error-criterion-key-format".into());
            } else if !seen.insert(criterion.key.as_str()) {
                errors.insert(field("key"), "error-criterion-key-duplicate".into());
            }
            if criterion.label.trim().is_empty() {
                errors.insert(field("label"), "error-required".into());
            }
            if !(1..=MAX_POINTS_PER_CRITERION).contains(&criterion.max_points) {
                errors.insert(field("max_points"), "error-range-1-100".into());
            }
        }
        let weight_sum: u64 = self.criteria.iter().map(|c| u64::from(c.weight)).sum();
        if !self.criteria.is_empty() && weight_sum != u64::from(WEIGHT_TOTAL) {
            errors.insert("weights".into(), "error-weights-sum-100".into());
        }
        if self.minimum_fundable > WEIGHT_TOTAL {
            errors.insert("minimum_fundable".into(), "error-range-0-100".into());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// What is wrong with a score sheet, keyed `score_<criterion key>`: a criterion left unscored, points
    /// above its maximum, or a key the rubric does not have.
    pub fn sheet_errors(&self, sheet: &ScoreSheet) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for criterion in &self.criteria {
            let field = format!("score_{}", criterion.key);
            match sheet.get(&criterion.key) {
                None => {
                    errors.insert(field, "error-required".into());
                }
                Some(points) if *points > criterion.max_points => {
                    errors.insert(field, "error-score-above-maximum".into());
                }
                Some(_) => {}
            }
        }
        for key in sheet.keys() {
            if !self.criteria.iter().any(|c| &c.key == key) {
                errors.insert(format!("score_{key}"), "error-unknown-criterion".into());
            }
        }
        errors
    }

    /// The sheet's total in hundredths of a point out of 100:
    /// `10,000 × Σ (pointsᵢ / maxᵢ × weightᵢ) / Σ weightᵢ`, summed as an exact fraction and rounded half up
    /// once at the end, so that e.g. three criteria at 1/3 of the points each give exactly 33.33, not a sum of
    /// three separately rounded parts. With a valid rubric `Σ weightᵢ = 100`.
    pub fn total_hundredths(&self, sheet: &ScoreSheet) -> Result<u32, FieldErrors> {
        self.validate()?;
        let errors = self.sheet_errors(sheet);
        if !errors.is_empty() {
            return Err(errors);
        }
        let weight_sum: u128 = self.criteria.iter().map(|c| u128::from(c.weight)).sum();
        // Σ pointsᵢ × weightᵢ / maxᵢ as numerator / denominator, reduced after each step.
        let (mut numerator, mut denominator) = (0_u128, 1_u128);
        for criterion in &self.criteria {
            let points = u128::from(sheet.get(&criterion.key).copied().unwrap_or(0));
            let max = u128::from(criterion.max_points);
            let term = points * u128::from(criterion.weight);
            let common = denominator / gcd(denominator, max) * max;
            numerator = numerator * (common / denominator) + term * (common / max);
            denominator = common;
            let divisor = gcd(numerator, denominator).max(1);
            numerator /= divisor;
            denominator /= divisor;
        }
        let scaled = numerator * u128::from(WEIGHT_TOTAL * HUNDREDTHS_PER_POINT);
        let total = div_round_half_up(scaled, denominator * weight_sum);
        Ok(u32::try_from(total).unwrap_or(u32::MAX))
    }

    /// The minimum fundable score in hundredths, for comparison with an average.
    pub fn minimum_fundable_hundredths(&self) -> u32 {
        self.minimum_fundable.saturating_mul(HUNDREDTHS_PER_POINT)
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

fn div_round_half_up(numerator: u128, denominator: u128) -> u128 {
    let quotient = numerator / denominator;
    if numerator % denominator >= denominator - numerator % denominator {
        quotient + 1
    } else {
        quotient
    }
}

/// A reviewer's statement about one assigned application, made before they may score it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictDeclaration {
    /// No conflict of interest: the reviewer may score.
    None,
    /// A conflict of interest: the reviewer is recused from this application.
    Conflict,
}

impl ConflictDeclaration {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictDeclaration::None => "none",
            ConflictDeclaration::Conflict => "conflict",
        }
    }

    pub fn parse(s: &str) -> Option<ConflictDeclaration> {
        [ConflictDeclaration::None, ConflictDeclaration::Conflict].into_iter().find(|d| d.as_str() == s)
    }
}

/// The declaration state machine of one assignment (`current` is `None` until the reviewer declares).
/// A reviewer who declared no conflict may still recuse later (their scores are then discarded, since
/// a conflicted score must not count); a recusal is final, otherwise it would protect nothing.
pub fn next_declaration(
    current: Option<ConflictDeclaration>,
    declared: ConflictDeclaration,
) -> Result<ConflictDeclaration, &'static str> {
    match (current, declared) {
        (None, declared) => Ok(declared),
        (Some(ConflictDeclaration::None), ConflictDeclaration::Conflict) => Ok(ConflictDeclaration::Conflict),
        (Some(ConflictDeclaration::None), ConflictDeclaration::None) => Err("error-already-declared"),
        (Some(ConflictDeclaration::Conflict), _) => Err("error-recused"),
    }
}

/// Whether the assigned reviewer may read the application (essays, documents) and score it: only once they
/// have declared no conflict, never after a conflict. Before declaring they see who the applicant is (name,
/// institution, home area), which is what they need to know whether they have a conflict.
pub fn may_review(declaration: Option<ConflictDeclaration>) -> Result<(), &'static str> {
    match declaration {
        None => Err("error-declare-first"),
        Some(ConflictDeclaration::Conflict) => Err("error-recused"),
        Some(ConflictDeclaration::None) => Ok(()),
    }
}

/// The average of several reviewers' totals, in hundredths, rounded half up; `None` when nobody has scored.
pub fn average_hundredths(totals: &[u32]) -> Option<u32> {
    if totals.is_empty() {
        return None;
    }
    let sum: u128 = totals.iter().map(|t| u128::from(*t)).sum();
    let average = div_round_half_up(sum, totals.len() as u128);
    Some(u32::try_from(average).unwrap_or(u32::MAX))
}

/// Assigns `per_application` distinct reviewers to every application, evenly at random: each application in
/// turn takes the reviewers with the fewest assignments so far, ties broken by a seeded shuffle (SplitMix64),
/// which keeps every reviewer's load within one of every other's. The inputs are sorted and de-duplicated first,
/// so the same ids and seed give the same assignment in any input order; the result is sorted by
/// (application, reviewer). Refused when there are fewer reviewers than `per_application`.
pub fn assign_evenly(
    application_ids: &[i64],
    reviewer_ids: &[i64],
    per_application: usize,
    seed: u64,
) -> Result<Vec<(i64, i64)>, &'static str> {
    let applications: Vec<i64> = application_ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    let reviewers: Vec<i64> = reviewer_ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    if per_application > reviewers.len() {
        return Err("error-too-few-reviewers");
    }
    let mut rng = SplitMix64::new(seed);
    let mut order = applications.clone();
    shuffle(&mut order, &mut rng);
    let mut load = vec![0_usize; reviewers.len()];
    let mut pairs = Vec::with_capacity(applications.len() * per_application);
    for application in order {
        let mut candidates: Vec<usize> = (0..reviewers.len()).collect();
        shuffle(&mut candidates, &mut rng);
        // A stable sort keeps the shuffled order among equally loaded reviewers.
        candidates.sort_by_key(|&r| load[r]);
        for &r in candidates.iter().take(per_application) {
            load[r] += 1;
            pairs.push((application, reviewers[r]));
        }
    }
    pairs.sort_unstable();
    Ok(pairs)
}

/// Fisher–Yates.
fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn criterion(key: &str, max_points: u32, weight: u32) -> Criterion {
        Criterion { key: key.into(), label: key.replace('_', " "), max_points, weight }
    }

    fn rubric() -> Rubric {
        Rubric {
            criteria: vec![
                criterion("academic", 10, 40),
                criterion("rural_commitment", 5, 40),
                criterion("essay", 3, 20),
            ],
            minimum_fundable: 70,
        }
    }

    fn sheet(pairs: &[(&str, u32)]) -> ScoreSheet {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn a_sound_rubric_is_valid() {
        assert_eq!(rubric().validate(), Ok(()));
    }

    #[test]
    fn weights_must_sum_to_100() {
        let mut r = rubric();
        r.criteria[2].weight = 21;
        let errors = r.validate().expect_err("weights sum to 101");
        assert_eq!(errors.get("weights").map(String::as_str), Some("error-weights-sum-100"));
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn each_bad_criterion_is_named() {
        let r = Rubric {
            criteria: vec![criterion("academic", 0, 50), criterion("academic", 5, 30), criterion("Essay!", 101, 20)],
            minimum_fundable: 101,
        };
        let errors = r.validate().expect_err("four faults");
        assert_eq!(errors.get("criterion_0_max_points").map(String::as_str), Some("error-range-1-100"));
        assert_eq!(errors.get("criterion_1_key").map(String::as_str), Some("error-criterion-key-duplicate"));
        assert_eq!(errors.get("criterion_2_key").map(String::as_str), Some("error-criterion-key-format"));
        assert_eq!(errors.get("criterion_2_max_points").map(String::as_str), Some("error-range-1-100"));
        assert_eq!(errors.get("minimum_fundable").map(String::as_str), Some("error-range-0-100"));
        assert_eq!(errors.len(), 5);
    }

    #[test]
    fn a_rubric_needs_criteria_with_labels_and_not_too_many() {
        let empty = Rubric { criteria: vec![], minimum_fundable: 70 };
        assert_eq!(empty.validate().expect_err("empty").get("criteria").map(String::as_str), Some("error-required"));
        let many = Rubric {
            criteria: (0..17).map(|i| criterion(&format!("c{i}"), 5, if i == 0 { 4 } else { 6 })).collect(),
            minimum_fundable: 70,
        };
        let errors = many.validate().expect_err("17 criteria");
        assert_eq!(errors.get("criteria").map(String::as_str), Some("error-too-many-criteria"));
        let mut unlabelled = rubric();
        unlabelled.criteria[1].label = "  ".into();
        let errors = unlabelled.validate().expect_err("blank label");
        assert_eq!(errors.get("criterion_1_label").map(String::as_str), Some("error-required"));
    }

    #[test]
    fn a_sheet_must_score_every_criterion_within_its_maximum() {
        let errors = rubric().sheet_errors(&sheet(&[("academic", 11), ("essay", 3), ("charm", 1)]));
        assert_eq!(errors.get("score_academic").map(String::as_str), Some("error-score-above-maximum"));
        assert_eq!(errors.get("score_rural_commitment").map(String::as_str), Some("error-required"));
        assert_eq!(errors.get("score_charm").map(String::as_str), Some("error-unknown-criterion"));
        assert!(!errors.contains_key("score_essay"));
        assert_eq!(errors.len(), 3);
        assert!(rubric().sheet_errors(&sheet(&[("academic", 0), ("rural_commitment", 5), ("essay", 3)])).is_empty());
    }

    #[test]
    fn totals_are_weighted_shares_in_hundredths() {
        let r = rubric();
        assert_eq!(r.total_hundredths(&sheet(&[("academic", 10), ("rural_commitment", 5), ("essay", 3)])), Ok(10_000));
        assert_eq!(r.total_hundredths(&sheet(&[("academic", 0), ("rural_commitment", 0), ("essay", 0)])), Ok(0));
        // 8/10 × 40 + 4/5 × 40 + 2/3 × 20 = 32 + 32 + 13.333… = 77.33 → 7,733.
        assert_eq!(r.total_hundredths(&sheet(&[("academic", 8), ("rural_commitment", 4), ("essay", 2)])), Ok(7_733));
        // 1/3 × 20 = 6.666… → 6.67 (half up on the exact sum, not per part).
        assert_eq!(r.total_hundredths(&sheet(&[("academic", 0), ("rural_commitment", 0), ("essay", 1)])), Ok(667));
    }

    #[test]
    fn the_total_is_rounded_once_on_the_exact_sum() {
        let thirds = Rubric {
            criteria: vec![criterion("a", 3, 33), criterion("b", 3, 33), criterion("c", 3, 34)],
            minimum_fundable: 0,
        };
        // 1/3 × (33 + 33 + 34) = 33.333… → 3,333; rounding each part first would give 11.00 + 11.00 + 11.33.
        assert_eq!(thirds.total_hundredths(&sheet(&[("a", 1), ("b", 1), ("c", 1)])), Ok(3_333));
        // 1/8 of 1 point weight: 0.125 → 12.5 hundredths → 13 (half up).
        let eighth = Rubric { criteria: vec![criterion("a", 8, 1), criterion("b", 1, 99)], minimum_fundable: 0 };
        assert_eq!(eighth.total_hundredths(&sheet(&[("a", 1), ("b", 0)])), Ok(13));
    }

    #[test]
    fn a_total_is_refused_for_a_bad_sheet_or_rubric() {
        let errors = rubric().total_hundredths(&sheet(&[("academic", 3)])).expect_err("incomplete");
        assert_eq!(errors.get("score_essay").map(String::as_str), Some("error-required"));
        let mut bad = rubric();
        bad.criteria[0].weight = 0;
        let errors = bad.total_hundredths(&sheet(&[("academic", 1), ("rural_commitment", 1), ("essay", 1)]));
        assert!(errors.expect_err("bad rubric").contains_key("weights"));
    }

    #[test]
    fn the_minimum_fundable_is_compared_in_hundredths() {
        assert_eq!(rubric().minimum_fundable_hundredths(), 7_000);
    }

    #[test]
    fn declarations_round_trip_through_their_names() {
        for d in [ConflictDeclaration::None, ConflictDeclaration::Conflict] {
            assert_eq!(ConflictDeclaration::parse(d.as_str()), Some(d));
        }
        assert_eq!(ConflictDeclaration::parse("maybe"), None);
    }

    #[test]
    fn every_allowed_declaration() {
        use ConflictDeclaration::*;
        assert_eq!(next_declaration(Option::None, None), Ok(None));
        assert_eq!(next_declaration(Option::None, Conflict), Ok(Conflict));
        assert_eq!(next_declaration(Some(None), Conflict), Ok(Conflict));
    }

    #[test]
    fn every_refused_declaration() {
        use ConflictDeclaration::*;
        assert_eq!(next_declaration(Some(None), None), Err("error-already-declared"));
        assert_eq!(next_declaration(Some(Conflict), None), Err("error-recused"));
        assert_eq!(next_declaration(Some(Conflict), Conflict), Err("error-recused"));
    }

    #[test]
    fn a_reviewer_declares_before_scoring_and_a_conflict_recuses() {
        assert_eq!(may_review(None), Err("error-declare-first"));
        assert_eq!(may_review(Some(ConflictDeclaration::Conflict)), Err("error-recused"));
        assert_eq!(may_review(Some(ConflictDeclaration::None)), Ok(()));
    }

    #[test]
    fn averages_round_half_up_in_hundredths() {
        assert_eq!(average_hundredths(&[]), None);
        assert_eq!(average_hundredths(&[7_733]), Some(7_733));
        // (8,000 + 7,001) / 2 = 7,500.5 → 7,501.
        assert_eq!(average_hundredths(&[8_000, 7_001]), Some(7_501));
        // (7,000 + 7,000 + 7,001) / 3 = 7,000.33 → 7,000.
        assert_eq!(average_hundredths(&[7_000, 7_000, 7_001]), Some(7_000));
    }

    #[test]
    fn assignment_needs_enough_reviewers() {
        assert_eq!(assign_evenly(&[1, 2], &[10, 10, 11], 3, 1), Err("error-too-few-reviewers"));
        assert_eq!(assign_evenly(&[1, 2], &[10, 11], 0, 1), Ok(vec![]));
        assert_eq!(assign_evenly(&[], &[10, 11], 2, 1), Ok(vec![]));
    }

    #[test]
    fn assignment_is_reproducible_from_its_seed() {
        let apps: Vec<i64> = (1..=7).collect();
        let reviewers = [10, 11, 12, 13];
        let first = assign_evenly(&apps, &reviewers, 2, 42).expect("enough reviewers");
        assert_eq!(first.len(), 14);
        assert_eq!(assign_evenly(&apps, &reviewers, 2, 42), Ok(first.clone()));
        let reversed: Vec<i64> = apps.iter().rev().copied().collect();
        assert_eq!(assign_evenly(&reversed, &[13, 12, 11, 10], 2, 42), Ok(first.clone()));
        assert!((0..20).any(|seed| assign_evenly(&apps, &reviewers, 2, seed).ok() != Some(first.clone())));
    }

    proptest! {
        #[test]
        fn assignment_is_balanced_and_never_repeats_a_reviewer(
            apps in proptest::collection::vec(1_i64..200, 0..40),
            reviewers in proptest::collection::vec(1_i64..30, 1..12),
            per in 0_usize..4,
            seed in any::<u64>(),
        ) {
            let distinct_apps: BTreeSet<i64> = apps.iter().copied().collect();
            let distinct_reviewers: BTreeSet<i64> = reviewers.iter().copied().collect();
            let result = assign_evenly(&apps, &reviewers, per, seed);
            if per > distinct_reviewers.len() {
                prop_assert_eq!(result, Err("error-too-few-reviewers"));
                return Ok(());
            }
            let pairs = result.expect("enough reviewers");
            prop_assert_eq!(pairs.len(), distinct_apps.len() * per);
            let unique: BTreeSet<(i64, i64)> = pairs.iter().copied().collect();
            prop_assert_eq!(unique.len(), pairs.len());
            for app in &distinct_apps {
                prop_assert_eq!(pairs.iter().filter(|(a, _)| a == app).count(), per);
            }
            let loads: Vec<usize> =
                distinct_reviewers.iter().map(|r| pairs.iter().filter(|(_, x)| x == r).count()).collect();
            let (min, max) = (loads.iter().min().copied().unwrap_or(0), loads.iter().max().copied().unwrap_or(0));
            prop_assert!(max - min <= 1, "loads {:?}", loads);
        }

        #[test]
        fn totals_stay_between_0_and_100_points(a in 0_u32..=7, b in 0_u32..=9, c in 0_u32..=1) {
            let r = Rubric {
                criteria: vec![criterion("a", 7, 50), criterion("b", 9, 30), criterion("c", 1, 20)],
                minimum_fundable: 0,
            };
            let total = r.total_hundredths(&sheet(&[("a", a), ("b", b), ("c", c)])).expect("valid sheet");
            prop_assert!(total <= 10_000);
            // Exact check against the common denominator 63: 10,000 × (a×50×9 + b×30×7 + c×20×63) / (63 × 100).
            let numerator = 100 * (a * 450 + b * 210 + c * 1260);
            let expected = (2 * numerator + 63) / (2 * 63);
            prop_assert_eq!(total, expected);
        }
    }
}
