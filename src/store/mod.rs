//! Queries, one module per aggregate. Functions take `&mut DbConn` and typed arguments and return rows
//! or domain types; no HTTP here.

pub mod applications;
pub mod audit;
pub mod awards;
pub mod facilities;
pub mod organisations;
pub mod outbox;
pub mod programmes;
pub mod reviews;
pub mod sessions;
pub mod users;

/// The current time in UTC, as every timestamp column stores it.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
