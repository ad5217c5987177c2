//! Appeals against a published placement: the reasons a scholar may give, and which facilities a scholar whose
//! appeal was upheld may be moved to (the rule the page lists by and the write re-checks).

use chrono::NaiveDate;

use super::placement::{county_within, facility_eligible};

/// The reasons a scholar may appeal for; "other" needs the free text.
pub const APPEAL_REASONS: [&str; 6] = ["health", "family_care", "safety", "bond_error", "unsuitable", "other"];

/// The reason code as posted, if it is one of the list.
pub fn parse_reason(code: &str) -> Option<&'static str> {
    APPEAL_REASONS.iter().copied().find(|r| *r == code.trim())
}

/// An appeal's reason as typed: the code from the list and the free text; the text is required for "other".
/// Returns (field, message key) when refused.
pub fn check_reason(code: &str, text: &str) -> Result<&'static str, (&'static str, &'static str)> {
    let reason = parse_reason(code).ok_or(("reason_code", "appeal-error-reason"))?;
    if reason == "other" && text.trim().is_empty() {
        return Err(("reason_text", "appeal-error-text-required"));
    }
    Ok(reason)
}

/// An appeal may be filed up to and including the cycle's `appeal_until` day.
pub fn appeal_window_open(appeal_until: NaiveDate, today: NaiveDate) -> bool {
    today <= appeal_until
}

/// A facility offered in the cycle, as the rule reads it.
#[derive(Debug, Clone)]
pub struct Destination {
    pub facility_id: i64,
    pub county: String,
    pub eligible: bool,
    pub eligible_until: Option<NaiveDate>,
    /// The seats its vacancy row offers in this cycle.
    pub seats: i32,
    /// The cycle's live placements there now.
    pub taken: i64,
}

/// The facility the scholar would leave.
#[derive(Debug, Clone)]
pub struct Origin {
    pub facility_id: i64,
    pub need_score: Option<i32>,
    /// The cycle's live placements there now, the scholar's included.
    pub live: i64,
}

/// The cycle's floor: facilities with a need score of at least `need_score` should keep `minimum` placements.
#[derive(Debug, Clone, Copy)]
pub struct Floor {
    pub need_score: Option<i32>,
    pub minimum: i32,
}

/// Why a facility does not qualify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    SameFacility,
    NotEligible,
    NoFreeSeat,
    OutsideBond,
    /// Moving the scholar out would leave their current facility below the floor.
    BreaksFloor,
}

impl Refusal {
    /// The message key that says it.
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::SameFacility => "reassign-error-same",
            Refusal::NotEligible => "reassign-error-not-eligible",
            Refusal::NoFreeSeat => "reassign-error-full",
            Refusal::OutsideBond => "reassign-error-bond",
            Refusal::BreaksFloor => "reassign-error-floor",
        }
    }
}

/// Whether moving one scholar out of `origin` keeps the floor. The rule: when the floor has a need score and
/// the facility's need score is at least that score, and the facility holds at least `minimum` live
/// placements now, it must still hold at least `minimum` after the move (so `live - 1 >= minimum`). A facility
/// already below the floor, or under the floor's need score, or with no need score, or a cycle without a floor
/// (no score, or a minimum of 0) never refuses: the move cannot make a floor breach that was not there.
pub fn floor_allows_leaving(origin: &Origin, floor: Floor) -> bool {
    let Some(floor_score) = floor.need_score else { return true };
    let covered = origin.need_score.is_some_and(|s| s >= floor_score);
    let minimum = i64::from(floor.minimum);
    !(covered && origin.live >= minimum && origin.live - 1 < minimum)
}

/// Whether the scholar leaving `origin` (bond: `bond`, None = anywhere) may be moved to `to` on `today`:
/// not the current facility, eligible on the day, a free seat (seats minus live placements, never over
/// capacity), inside the bond, and the current facility's floor kept. The cadre needs no check: a cycle is one
/// cadre and its vacancies are the cycle's.
pub fn qualifies(
    to: &Destination,
    origin: &Origin,
    bond: Option<&[String]>,
    floor: Floor,
    today: NaiveDate,
) -> Result<(), Refusal> {
    if to.facility_id == origin.facility_id {
        return Err(Refusal::SameFacility);
    }
    if !facility_eligible(to.eligible, to.eligible_until, today) {
        return Err(Refusal::NotEligible);
    }
    if i64::from(to.seats) - to.taken < 1 {
        return Err(Refusal::NoFreeSeat);
    }
    if !county_within(bond, &to.county) {
        return Err(Refusal::OutsideBond);
    }
    if !floor_allows_leaving(origin, floor) {
        return Err(Refusal::BreaksFloor);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, 10).unwrap()
    }

    fn to() -> Destination {
        Destination {
            facility_id: 2,
            county: "Turkana".into(),
            eligible: true,
            eligible_until: None,
            seats: 2,
            taken: 1,
        }
    }

    fn from() -> Origin {
        Origin { facility_id: 1, need_score: Some(20), live: 3 }
    }

    const NO_FLOOR: Floor = Floor { need_score: None, minimum: 0 };

    #[test]
    fn a_free_seat_at_an_eligible_facility_in_the_bond_qualifies() {
        let bond = vec!["Turkana".to_string()];
        assert_eq!(qualifies(&to(), &from(), Some(&bond), NO_FLOOR, today()), Ok(()));
        assert_eq!(qualifies(&to(), &from(), None, NO_FLOOR, today()), Ok(()));
    }

    #[test]
    fn never_the_same_facility() {
        let same = Destination { facility_id: 1, ..to() };
        assert_eq!(qualifies(&same, &from(), None, NO_FLOOR, today()), Err(Refusal::SameFacility));
    }

    #[test]
    fn never_over_capacity() {
        let full = Destination { taken: 2, ..to() };
        assert_eq!(qualifies(&full, &from(), None, NO_FLOOR, today()), Err(Refusal::NoFreeSeat));
        let over = Destination { taken: 3, ..to() };
        assert_eq!(qualifies(&over, &from(), None, NO_FLOOR, today()), Err(Refusal::NoFreeSeat));
        let none = Destination { seats: 0, taken: 0, ..to() };
        assert_eq!(qualifies(&none, &from(), None, NO_FLOOR, today()), Err(Refusal::NoFreeSeat));
    }

    #[test]
    fn not_eligible_or_lapsed_on_the_day_is_refused() {
        let off = Destination { eligible: false, ..to() };
        assert_eq!(qualifies(&off, &from(), None, NO_FLOOR, today()), Err(Refusal::NotEligible));
        let lapsed = Destination { eligible_until: NaiveDate::from_ymd_opt(2027, 1, 9), ..to() };
        assert_eq!(qualifies(&lapsed, &from(), None, NO_FLOOR, today()), Err(Refusal::NotEligible));
        let last_day = Destination { eligible_until: Some(today()), ..to() };
        assert_eq!(qualifies(&last_day, &from(), None, NO_FLOOR, today()), Ok(()));
    }

    #[test]
    fn outside_the_bond_is_refused() {
        let bond = vec!["Samburu".to_string(), "Marsabit".to_string()];
        assert_eq!(qualifies(&to(), &from(), Some(&bond), NO_FLOOR, today()), Err(Refusal::OutsideBond));
    }

    #[test]
    fn the_floor_refuses_a_move_that_drops_a_needy_facility_below_its_minimum() {
        let floor = Floor { need_score: Some(18), minimum: 3 };
        // 3 live, minimum 3, score 20 ≥ 18: leaving makes 2 < 3.
        assert_eq!(qualifies(&to(), &from(), None, floor, today()), Err(Refusal::BreaksFloor));
        // 4 live: 3 stay.
        let more = Origin { live: 4, ..from() };
        assert_eq!(qualifies(&to(), &more, None, floor, today()), Ok(()));
        // Under the floor's need score, or without a score: the floor does not cover it.
        let less_needy = Origin { need_score: Some(17), ..from() };
        assert_eq!(qualifies(&to(), &less_needy, None, floor, today()), Ok(()));
        let unscored = Origin { need_score: None, ..from() };
        assert_eq!(qualifies(&to(), &unscored, None, floor, today()), Ok(()));
        // Already below the floor: the move cannot make a breach that was not there.
        let below = Origin { live: 2, ..from() };
        assert_eq!(qualifies(&to(), &below, None, floor, today()), Ok(()));
        // A floor of minimum 0 never refuses.
        assert!(floor_allows_leaving(&from(), Floor { need_score: Some(0), minimum: 0 }));
        let last = Origin { live: 1, ..from() };
        assert!(!floor_allows_leaving(&last, Floor { need_score: Some(20), minimum: 1 }));
    }

    #[test]
    fn reasons_come_from_the_list_and_other_needs_words() {
        assert_eq!(check_reason("health", ""), Ok("health"));
        assert_eq!(check_reason("other", "  "), Err(("reason_text", "appeal-error-text-required")));
        assert_eq!(check_reason("other", "my reason"), Ok("other"));
        assert_eq!(check_reason("", "x"), Err(("reason_code", "appeal-error-reason")));
        assert_eq!(check_reason("bribe", "x"), Err(("reason_code", "appeal-error-reason")));
    }

    #[test]
    fn the_window_includes_its_last_day() {
        let until = today();
        assert!(appeal_window_open(until, today()));
        assert!(appeal_window_open(until, today() - chrono::Duration::days(3)));
        assert!(!appeal_window_open(until, today() + chrono::Duration::days(1)));
    }
}
