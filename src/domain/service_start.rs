//! The start of service and transfers in service: which start dates a supervisor may confirm (and which are
//! flagged late), and when a transfer may take effect. No clock here: every rule gets the day it is judged on.

use chrono::{Duration, NaiveDate};

/// Why a confirmed start date is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartRefusal {
    /// Before the placement was published: the scholar could not have been there for it.
    BeforePlacement,
    /// A day that has not come yet: arrival is confirmed once it happened.
    InFuture,
}

impl StartRefusal {
    /// The message key shown next to the date field.
    pub fn message_key(self) -> &'static str {
        match self {
            StartRefusal::BeforePlacement => "start-error-before-placement",
            StartRefusal::InFuture => "start-error-future",
        }
    }
}

/// Checks a start date a supervisor confirms on `today`; `Ok(late)` when accepted, `late` meaning outside the
/// cycle's start-of-service window (accepted all the same, and flagged, because the scholar is there).
pub fn check_start(
    started_on: NaiveDate,
    published_on: NaiveDate,
    today: NaiveDate,
    window: (NaiveDate, NaiveDate),
) -> Result<bool, StartRefusal> {
    if started_on < published_on {
        return Err(StartRefusal::BeforePlacement);
    }
    if started_on > today {
        return Err(StartRefusal::InFuture);
    }
    Ok(!(window.0..=window.1).contains(&started_on))
}

/// Why a transfer is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferRefusal {
    /// The effective date is not after the first day of the current period (which would be left empty).
    NotAfterPeriodStart,
    /// The programme's limit on transfers is reached.
    LimitReached,
    /// The facility named is the one the scholar serves at.
    SameFacility,
}

impl TransferRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            TransferRefusal::NotAfterPeriodStart => "transfer-error-effective-date",
            TransferRefusal::LimitReached => "transfer-error-limit",
            TransferRefusal::SameFacility => "transfer-error-same-facility",
        }
    }
}

/// A transfer's effective date must come after the current period's first day.
pub fn check_effective(effective_on: NaiveDate, period_starts_on: NaiveDate) -> Result<(), TransferRefusal> {
    if effective_on <= period_starts_on {
        return Err(TransferRefusal::NotAfterPeriodStart);
    }
    Ok(())
}

/// The last day of the current period when a transfer takes effect on `effective_on`: the day before.
pub fn closing_day(effective_on: NaiveDate) -> NaiveDate {
    effective_on - Duration::days(1)
}

/// May one more transfer be approved after `done` of them, under the programme's limit (`None`: no limit)?
pub fn check_limit(done: i64, max_transfers: Option<i32>) -> Result<(), TransferRefusal> {
    match max_transfers {
        Some(max) if done >= i64::from(max) => Err(TransferRefusal::LimitReached),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn window() -> (NaiveDate, NaiveDate) {
        (d(2027, 9, 1), d(2027, 9, 30))
    }

    #[test]
    fn a_start_before_the_placement_is_refused() {
        let published = d(2027, 6, 5);
        assert_eq!(check_start(d(2027, 6, 4), published, d(2027, 9, 10), window()), Err(StartRefusal::BeforePlacement));
        assert_eq!(check_start(published, published, d(2027, 9, 10), window()), Ok(true), "the day itself, but late");
    }

    #[test]
    fn a_start_in_the_future_is_refused() {
        let today = d(2027, 9, 10);
        assert_eq!(check_start(d(2027, 9, 11), d(2027, 6, 5), today, window()), Err(StartRefusal::InFuture));
        assert_eq!(check_start(today, d(2027, 6, 5), today, window()), Ok(false));
    }

    #[test]
    fn a_start_outside_the_window_is_accepted_but_late() {
        let published = d(2027, 6, 5);
        let today = d(2027, 12, 1);
        assert_eq!(check_start(d(2027, 8, 31), published, today, window()), Ok(true));
        assert_eq!(check_start(d(2027, 9, 1), published, today, window()), Ok(false), "the window's first day");
        assert_eq!(check_start(d(2027, 9, 30), published, today, window()), Ok(false), "the window's last day");
        assert_eq!(check_start(d(2027, 10, 1), published, today, window()), Ok(true));
    }

    #[test]
    fn a_transfer_takes_effect_after_the_period_starts_and_closes_it_the_day_before() {
        let start = d(2027, 9, 1);
        assert_eq!(check_effective(start, start), Err(TransferRefusal::NotAfterPeriodStart));
        assert_eq!(check_effective(d(2027, 8, 1), start), Err(TransferRefusal::NotAfterPeriodStart));
        assert_eq!(check_effective(d(2027, 9, 2), start), Ok(()));
        assert_eq!(closing_day(d(2027, 9, 2)), start, "a one-day period");
        assert_eq!(closing_day(d(2028, 3, 1)), d(2028, 2, 29), "a leap year's last February day");
    }

    #[test]
    fn transfers_count_against_the_programmes_limit() {
        assert_eq!(check_limit(0, None), Ok(()));
        assert_eq!(check_limit(40, None), Ok(()), "no limit");
        assert_eq!(check_limit(0, Some(0)), Err(TransferRefusal::LimitReached), "no transfer allowed");
        assert_eq!(check_limit(1, Some(2)), Ok(()));
        assert_eq!(check_limit(2, Some(2)), Err(TransferRefusal::LimitReached));
    }
}
