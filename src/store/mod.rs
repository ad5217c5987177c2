//! Queries, one module per aggregate. Functions take `&mut DbConn` and typed arguments and return rows
//! or domain types; no HTTP here.

pub mod appeals;
pub mod applications;
pub mod audit;
pub mod awards;
pub mod choices;
pub mod compliance;
pub mod facilities;
pub mod jobs;
pub mod match_runs;
pub mod organisations;
pub mod outbox;
pub mod placement_answers;
pub mod placement_cycles;
pub mod placements;
pub mod programmes;
pub mod reviews;
pub mod service_periods;
pub mod sessions;
pub mod swaps;
pub mod transfers;
pub mod users;

/// A guarded UPDATE changed nothing: someone else changed the row first, or it is no longer in the state the
/// guard asked for. `refusal` is the message key that says which.
pub(crate) fn exactly_one(rows: usize, refusal: &str) -> Result<(), crate::error::AppError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(crate::error::AppError::Conflict(refusal.into()))
    }
}

/// The current time in UTC, as every timestamp column stores it.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
