//! The second round of a placement cycle. Once the main run is published, scholars decline, let the deadline
//! pass or are moved by an appeal, and their seats come free; the coordinator offers those seats to the
//! scholars the main run could not place, in a run over them only. The round has its own answer deadline
//! and is published with the same four eyes as the main run, once: a cycle has at most two rounds.
//!
//! The instance of the round is the main one with what is already taken subtracted: a facility offers the
//! seats its live placements leave free, a floor asks only for what its live placements do not yet cover,
//! and a regional cap counts the live placements in its county.

use chrono::{NaiveDate, NaiveDateTime};

use super::FieldErrors;

/// Which run of a cycle a new run would be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// The run over every scholar of the cycle, before publication.
    Main,
    /// The run over the unplaced and the freed seats, after publication.
    Second,
}

impl Round {
    /// As stored in `match_runs.round`.
    pub fn number(self) -> i32 {
        match self {
            Round::Main => 1,
            Round::Second => 2,
        }
    }

    pub fn from_number(n: i32) -> Option<Round> {
        match n {
            1 => Some(Round::Main),
            2 => Some(Round::Second),
            _ => None,
        }
    }
}

/// The round a run made now belongs to: the main one while the cycle is open, the second once it is
/// published and until a second round is published; after that, none (the refusal's message key).
pub fn round_now(cycle_published: bool, second_round_published: bool) -> Result<Round, &'static str> {
    match (cycle_published, second_round_published) {
        (false, _) => Ok(Round::Main),
        (true, false) => Ok(Round::Second),
        (true, true) => Err("run-error-rounds-over"),
    }
}

/// Whether a run of `round` may still be proposed or published: a main run while the cycle is open, a
/// second-round run while the cycle is published and no second round is.
pub fn run_movable(round: Round, cycle_published: bool, second_round_published: bool) -> bool {
    round_now(cycle_published, second_round_published) == Ok(round)
}

/// Who takes part in the second round: a scholar still in the cycle who never held a placement record in it.
/// A scholar who declined or let the deadline pass had their offer (the decline goes to compliance), and one
/// placed and moved since holds a record already.
pub fn takes_part(included: bool, ever_placed: bool) -> bool {
    included && !ever_placed
}

/// The seats a facility offers in the second round: its vacancy less its live placements, never below zero
/// (a vacancy lowered after publication leaves none).
pub fn freed_seats(seats: i64, live: i64) -> i64 {
    (seats - live).max(0)
}

/// What a floor still asks of the second round at a facility holding `live` placements and offering `free`
/// seats: the floor's minimum less what is held, at most the seats offered; `None` when nothing is asked.
pub fn floor_left(minimum: Option<i64>, live: i64, free: i64) -> Option<i64> {
    let left = (minimum? - live).min(free);
    (left > 0).then_some(left)
}

/// What a regional cap leaves for the second round once the county's live placements are counted.
pub fn cap_left(cap: i64, live: i64) -> i64 {
    (cap - live).max(0)
}

/// Checks the second round's answer deadline as typed (already read as a time): required, ahead of `now`,
/// and no later than the end of the cycle's start-of-service window, so that a scholar placed in the round
/// can still answer and then start in time.
pub fn check_answer_deadline(
    deadline: Option<NaiveDateTime>,
    now: NaiveDateTime,
    service_start_until: NaiveDate,
) -> Result<NaiveDateTime, FieldErrors> {
    let error = |key: &str| Err(FieldErrors::from([("answer_deadline".to_string(), key.to_string())]));
    let Some(deadline) = deadline else { return error("run-error-answer-deadline-missing") };
    if deadline <= now {
        return error("run-error-answer-deadline-past");
    }
    if deadline.date() > service_start_until {
        return error("run-error-answer-deadline-late");
    }
    Ok(deadline)
}

/// Whether a second-round placement still fits at publication: the facility's live placements plus those
/// the round adds stay within its vacancy. Seats may have been taken since the run was computed (an appeal
/// upheld onto a freed seat); the run is then refused, to be run again, rather than overfilling.
pub fn still_fits(seats: i64, live: i64, adding: i64) -> bool {
    live + adding <= seats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 2, day).and_then(|d| d.and_hms_opt(hour, 0, 0)).expect("time")
    }

    #[test]
    fn a_cycle_has_a_main_round_then_one_second_round_then_no_more() {
        assert_eq!(round_now(false, false), Ok(Round::Main));
        assert_eq!(round_now(true, false), Ok(Round::Second));
        assert_eq!(round_now(true, true), Err("run-error-rounds-over"));
        assert!(run_movable(Round::Main, false, false));
        assert!(!run_movable(Round::Main, true, false), "a main run of a published cycle is history");
        assert!(!run_movable(Round::Second, false, false), "no second round before publication");
        assert!(run_movable(Round::Second, true, false));
        assert!(!run_movable(Round::Second, true, true), "a second round is published once");
        for round in [Round::Main, Round::Second] {
            assert_eq!(Round::from_number(round.number()), Some(round));
        }
        assert_eq!(Round::from_number(3), None);
    }

    #[test]
    fn only_scholars_who_never_held_a_placement_take_part() {
        assert!(takes_part(true, false));
        assert!(!takes_part(true, true), "declined, lapsed or placed: they had their offer");
        assert!(!takes_part(false, false), "taken out of the cycle");
    }

    #[test]
    fn a_facility_offers_what_its_live_placements_leave_and_floors_and_caps_count_them() {
        assert_eq!(freed_seats(3, 1), 2);
        assert_eq!(freed_seats(2, 2), 0);
        assert_eq!(freed_seats(1, 2), 0, "a vacancy lowered below what is held offers nothing");
        assert_eq!(floor_left(Some(2), 1, 2), Some(1));
        assert_eq!(floor_left(Some(2), 0, 1), Some(1), "never more than the seats offered");
        assert_eq!(floor_left(Some(1), 1, 3), None, "the floor is already met");
        assert_eq!(floor_left(None, 0, 3), None);
        assert_eq!(cap_left(5, 2), 3);
        assert_eq!(cap_left(2, 3), 0);
    }

    #[test]
    fn the_answer_deadline_is_required_ahead_and_within_the_start_window() {
        let until = NaiveDate::from_ymd_opt(2027, 2, 28).expect("day");
        let now = at(10, 12);
        let key = |r: Result<NaiveDateTime, FieldErrors>| r.expect_err("refused")["answer_deadline"].clone();
        assert_eq!(key(check_answer_deadline(None, now, until)), "run-error-answer-deadline-missing");
        assert_eq!(key(check_answer_deadline(Some(now), now, until)), "run-error-answer-deadline-past");
        assert_eq!(key(check_answer_deadline(Some(at(9, 12)), now, until)), "run-error-answer-deadline-past");
        let late = NaiveDate::from_ymd_opt(2027, 3, 1).and_then(|d| d.and_hms_opt(0, 0, 0)).expect("time");
        assert_eq!(key(check_answer_deadline(Some(late), now, until)), "run-error-answer-deadline-late");
        assert_eq!(check_answer_deadline(Some(at(17, 17)), now, until), Ok(at(17, 17)));
        assert_eq!(check_answer_deadline(Some(at(28, 23)), now, until), Ok(at(28, 23)), "the window's last day");
    }

    #[test]
    fn publication_never_overfills_a_facility() {
        assert!(still_fits(2, 1, 1));
        assert!(!still_fits(2, 2, 1), "the freed seat was taken since the run");
        assert!(still_fits(2, 2, 0));
    }
}
