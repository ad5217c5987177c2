//! A facility's need score (0–25, 26 for dental; higher is needier, like the US HPSA score), the checks on a
//! score someone records, eligibility as it reads on a day, and the demo's stated, reproducible rule that
//! computes a score from the registry's own fields (see `docs/need-score-rule.md`).

use chrono::NaiveDate;

use super::dates::{check_within_reach, IN_FUTURE};

/// The highest score; 26 is allowed for dental shortage areas only, as in the HPSA scale.
pub const MAX_SCORE: i32 = 26;

pub const ERROR_SCORE_RANGE: &str = "error-need-score-range";
pub const ERROR_SOURCE_REQUIRED: &str = "error-need-score-source";
pub const ERROR_RECERTIFY_REQUIRED: &str = "error-eligible-until-required";
pub const ERROR_RECERTIFY_PAST: &str = "error-eligible-until-past";

/// A score typed by a person: a whole number from 0 to 26.
pub fn check_score(score: i32) -> Result<i32, &'static str> {
    if (0..=MAX_SCORE).contains(&score) {
        Ok(score)
    } else {
        Err(ERROR_SCORE_RANGE)
    }
}

/// The source of a score names where it comes from (a survey, a ministry circular, the demo rule).
pub fn check_source(source: &str) -> Result<String, &'static str> {
    let s = source.trim();
    if s.is_empty() || s.chars().count() > 200 {
        Err(ERROR_SOURCE_REQUIRED)
    } else {
        Ok(s.to_string())
    }
}

/// The date a score takes effect: a score describes what is known, so it cannot take effect in the future.
pub fn check_effective(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let date = check_within_reach(date, today)?;
    if date > today {
        Err(IN_FUTURE)
    } else {
        Ok(date)
    }
}

/// Eligibility as recorded: an eligible facility needs a recertification date not already past.
pub fn check_eligibility(
    eligible: bool,
    until: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Option<NaiveDate>, &'static str> {
    match (eligible, until) {
        (false, _) => Ok(None),
        (true, None) => Err(ERROR_RECERTIFY_REQUIRED),
        (true, Some(d)) => {
            let d = check_within_reach(d, today)?;
            if d < today {
                Err(ERROR_RECERTIFY_PAST)
            } else {
                Ok(Some(d))
            }
        }
    }
}

/// Eligible on `today`: recorded as eligible, and the recertification date not passed (the day itself counts).
pub fn eligible_on(eligible: bool, until: Option<NaiveDate>, today: NaiveDate) -> bool {
    eligible && until.is_some_and(|d| d >= today)
}

/// The label stored as the source of every score the demo rule computes, and shown on the facility's page.
pub const DEMO_RULE_SOURCE: &str = "RuralServe demo rule v1 (KEPH level, owner, beds)";

/// The demo rule's threshold: a facility scoring at least this is recorded as eligible.
pub const DEMO_ELIGIBLE_FROM: i32 = 16;

/// The registry fields the demo rule reads.
pub struct RegistryFigures<'a> {
    pub keph_level: Option<i32>,
    pub owner_type: &'a str,
    pub beds: i32,
}

/// The demo rule (v1): level points + owner points + bed points, 0 to 25. Lower KEPH levels (dispensaries,
/// health centres: the first contact in rural areas) score higher; public facilities score higher than
/// faith-based and NGO ones, private practice scores nothing; a facility with no beds scores higher than a
/// small one, a large one nothing. It reads only the registry's own fields; no statistic is assumed.
pub fn demo_score(f: &RegistryFigures) -> i32 {
    let level = match f.keph_level {
        Some(2) => 10,
        Some(3) => 8,
        Some(4) => 5,
        Some(5) => 2,
        Some(6) => 0,
        _ => 5,
    };
    let owner = match f.owner_type.trim() {
        "Ministry of Health" => 10,
        "Faith Based Organization" | "Non-Governmental Organizations" => 6,
        _ => 0,
    };
    let beds = match f.beds {
        b if b <= 0 => 5,
        1..=49 => 3,
        _ => 0,
    };
    level + owner + beds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn scores_run_from_0_to_26() {
        assert_eq!(check_score(0), Ok(0));
        assert_eq!(check_score(26), Ok(26));
        assert_eq!(check_score(27), Err(ERROR_SCORE_RANGE));
        assert_eq!(check_score(-1), Err(ERROR_SCORE_RANGE));
    }

    #[test]
    fn a_score_needs_a_source_and_cannot_take_effect_in_the_future() {
        assert_eq!(check_source("  "), Err(ERROR_SOURCE_REQUIRED));
        assert_eq!(check_source(" MoH 2026 "), Ok("MoH 2026".into()));
        let today = d("2026-12-03");
        assert_eq!(check_effective(d("2026-12-03"), today), Ok(d("2026-12-03")));
        assert_eq!(check_effective(d("2026-12-04"), today), Err(IN_FUTURE));
    }

    #[test]
    fn eligibility_lapses_after_its_recertification_date() {
        let today = d("2026-12-03");
        assert!(eligible_on(true, Some(today), today));
        assert!(!eligible_on(true, Some(d("2026-12-02")), today));
        assert!(!eligible_on(true, None, today));
        assert!(!eligible_on(false, Some(d("2027-01-01")), today));
        assert_eq!(check_eligibility(true, None, today), Err(ERROR_RECERTIFY_REQUIRED));
        assert_eq!(check_eligibility(true, Some(d("2026-12-01")), today), Err(ERROR_RECERTIFY_PAST));
        assert_eq!(check_eligibility(false, Some(d("2027-01-01")), today), Ok(None));
    }

    #[test]
    fn the_demo_rule_is_stated_and_bounded() {
        let public_dispensary = RegistryFigures { keph_level: Some(2), owner_type: "Ministry of Health", beds: 0 };
        assert_eq!(demo_score(&public_dispensary), 25);
        let referral = RegistryFigures { keph_level: Some(6), owner_type: "Private Practice", beds: 500 };
        assert_eq!(demo_score(&referral), 0);
        let mission_centre = RegistryFigures { keph_level: Some(3), owner_type: "Faith Based Organization", beds: 12 };
        assert_eq!(demo_score(&mission_centre), 8 + 6 + 3);
        let private_clinic = RegistryFigures { keph_level: Some(2), owner_type: "Private Practice", beds: 0 };
        assert!(demo_score(&private_clinic) < DEMO_ELIGIBLE_FROM, "private practice is never eligible by the rule");
        for level in [None, Some(2), Some(3), Some(4), Some(5), Some(6)] {
            for owner in ["Ministry of Health", "Faith Based Organization", "Private Practice", ""] {
                for beds in [0, 1, 49, 50, 1000] {
                    let s = demo_score(&RegistryFigures { keph_level: level, owner_type: owner, beds });
                    assert!((0..=25).contains(&s));
                }
            }
        }
    }
}
