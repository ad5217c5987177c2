//! Sensible bounds for dates typed into forms: a slip of the keyboard (9999-12-31, 0202-01-01) must be
//! refused next to its field, not stored and acted on.

use chrono::{Months, NaiveDate};

/// A date in a request (a payment, a call's opening, the start of support, new terms) lies within this many
/// years of today: further out is a typing mistake, not a plan.
pub const REQUEST_DATE_REACH_YEARS: u32 = 10;

/// Nobody applying is older than this.
pub const OLDEST_APPLICANT_YEARS: u32 = 100;

/// The error keys, shown next to the field.
pub const TOO_FAR_PAST: &str = "error-date-too-far-past";
pub const TOO_FAR_FUTURE: &str = "error-date-too-far-future";
pub const BEYOND_SUPPORT: &str = "error-graduation-beyond-support";
pub const NOT_IN_FUTURE: &str = "error-date-not-in-future";
pub const IN_FUTURE: &str = "error-date-in-future";

fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(12 * years)).unwrap_or(NaiveDate::MIN)
}

fn years_after(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_add_months(Months::new(12 * years)).unwrap_or(NaiveDate::MAX)
}

/// Any date a request carries: within [`REQUEST_DATE_REACH_YEARS`] of today, either way.
pub fn check_within_reach(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    if date < years_before(today, REQUEST_DATE_REACH_YEARS) {
        Err(TOO_FAR_PAST)
    } else if date > years_after(today, REQUEST_DATE_REACH_YEARS) {
        Err(TOO_FAR_FUTURE)
    } else {
        Ok(date)
    }
}

/// A date of birth: before today, and not more than [`OLDEST_APPLICANT_YEARS`] ago.
pub fn check_date_of_birth(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    if date >= today {
        Err(IN_FUTURE)
    } else if date < years_before(today, OLDEST_APPLICANT_YEARS) {
        Err(TOO_FAR_PAST)
    } else {
        Ok(date)
    }
}

/// The latest graduation a programme can support: its maximum years of support counted from the start of
/// support (from today when no start is set yet).
pub fn latest_supported_graduation(
    support_starts: Option<NaiveDate>,
    today: NaiveDate,
    max_support_years: i32,
) -> NaiveDate {
    let from = support_starts.unwrap_or(today);
    years_after(from, u32::try_from(max_support_years).unwrap_or(0))
}

/// An expected (or new) graduation date: after today, and within the programme's maximum years of support.
pub fn check_graduation(
    date: NaiveDate,
    today: NaiveDate,
    support_starts: Option<NaiveDate>,
    max_support_years: i32,
) -> Result<NaiveDate, &'static str> {
    if date <= today {
        Err(NOT_IN_FUTURE)
    } else if date > latest_supported_graduation(support_starts, today, max_support_years) {
        Err(BEYOND_SUPPORT)
    } else {
        Ok(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    const TODAY: &str = "2026-12-03";

    #[test]
    fn a_date_within_ten_years_either_way_is_accepted() {
        let today = d(TODAY);
        for ok in ["2026-12-03", "2016-12-03", "2036-12-03", "2027-01-15"] {
            assert_eq!(check_within_reach(d(ok), today), Ok(d(ok)), "{ok}");
        }
    }

    #[test]
    fn a_date_far_in_the_past_or_future_is_refused() {
        let today = d(TODAY);
        assert_eq!(check_within_reach(d("9999-12-31"), today), Err(TOO_FAR_FUTURE));
        assert_eq!(check_within_reach(d("2036-12-04"), today), Err(TOO_FAR_FUTURE));
        assert_eq!(check_within_reach(d("0202-01-01"), today), Err(TOO_FAR_PAST));
        assert_eq!(check_within_reach(d("2016-12-02"), today), Err(TOO_FAR_PAST));
        assert_eq!(check_within_reach(NaiveDate::MAX, today), Err(TOO_FAR_FUTURE));
        assert_eq!(check_within_reach(NaiveDate::MIN, today), Err(TOO_FAR_PAST));
    }

    #[test]
    fn a_date_of_birth_is_in_the_past_and_within_a_lifetime() {
        let today = d(TODAY);
        assert_eq!(check_date_of_birth(d("2004-12-31"), today), Ok(d("2004-12-31")));
        assert_eq!(check_date_of_birth(d(TODAY), today), Err(IN_FUTURE));
        assert_eq!(check_date_of_birth(d("9999-12-31"), today), Err(IN_FUTURE));
        assert_eq!(check_date_of_birth(d("1900-01-01"), today), Err(TOO_FAR_PAST));
    }

    #[test]
    fn graduation_lies_after_today_and_within_the_maximum_years_of_support() {
        let today = d(TODAY);
        let start = Some(d("2027-09-01"));
        assert_eq!(check_graduation(d("2031-07-31"), today, start, 4), Ok(d("2031-07-31")));
        assert_eq!(check_graduation(d("2031-09-01"), today, start, 4), Ok(d("2031-09-01")));
        assert_eq!(check_graduation(d("2031-09-02"), today, start, 4), Err(BEYOND_SUPPORT));
        assert_eq!(check_graduation(d("9999-12-31"), today, start, 4), Err(BEYOND_SUPPORT));
        assert_eq!(check_graduation(d(TODAY), today, start, 4), Err(NOT_IN_FUTURE));
        assert_eq!(check_graduation(d("2020-01-01"), today, None, 4), Err(NOT_IN_FUTURE));
        // Support that started in 2024 for at most 4 years cannot carry a graduation in 2029.
        let started = Some(d("2024-09-01"));
        assert_eq!(check_graduation(d("2028-07-31"), today, started, 4), Ok(d("2028-07-31")));
        assert_eq!(check_graduation(d("2029-07-31"), today, started, 4), Err(BEYOND_SUPPORT));
        assert_eq!(latest_supported_graduation(None, today, 2), d("2028-12-03"));
        assert_eq!(latest_supported_graduation(None, today, 0), today);
    }
}
