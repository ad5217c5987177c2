//! Reading dates from forms: the shape first (YYYY-MM-DD, or a local date and time), then the domain's
//! bounds, so that every form refuses 9999-12-31 the same way, next to its field.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};

use super::AppState;
use crate::domain::dates::check_within_reach;
use crate::store::now;

/// A date typed as YYYY-MM-DD, within reach of today; the error is the message key for the field.
pub fn read_date(text: &str) -> Result<NaiveDate, &'static str> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| "error-date")?;
    check_within_reach(date, now().date())
}

/// A local date and time typed in the installation's time zone, within reach of today, in UTC.
pub fn read_local_datetime(state: &AppState, text: &str) -> Result<NaiveDateTime, &'static str> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| "error-datetime")?;
    check_within_reach(naive.date(), now().date())?;
    state.config.time_zone.from_local_datetime(&naive).earliest().map(|t| t.naive_utc()).ok_or("error-datetime")
}
