//! Compliance flags: what a compliance coordinator must look at (a declined or unanswered placement, a service
//! not started in its window), each a possible service breach until cleared.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::compliance_flags;

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Flag {
    pub id: i64,
    pub award_id: i64,
    pub placement_id: Option<i64>,
    pub kind: String,
    pub detail: String,
    pub raised_at: NaiveDateTime,
    pub resolved_at: Option<NaiveDateTime>,
    pub resolved_by: Option<i64>,
    pub resolution: Option<String>,
}

/// The kinds of flag (the `compliance_flags.kind` column's values).
pub const PLACEMENT_DECLINED: &str = "placement_declined";
pub const PLACEMENT_LAPSED: &str = "placement_lapsed";
pub const SERVICE_NOT_STARTED: &str = "service_not_started";

/// Raises a flag once per placement and kind: a job that runs twice raises it once. Returns whether it is new.
pub fn raise(
    conn: &mut DbConn,
    award_id: i64,
    placement_id: i64,
    kind: &str,
    detail: &str,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    let exists: i64 = compliance_flags::table
        .filter(compliance_flags::placement_id.eq(placement_id))
        .filter(compliance_flags::kind.eq(kind))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(compliance_flags::table)
        .values((
            compliance_flags::award_id.eq(award_id),
            compliance_flags::placement_id.eq(placement_id),
            compliance_flags::kind.eq(kind),
            compliance_flags::detail.eq(detail),
            compliance_flags::raised_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// The flags of an award, newest first.
pub fn of_award(conn: &mut DbConn, award_id: i64) -> Result<Vec<Flag>, AppError> {
    Ok(compliance_flags::table
        .filter(compliance_flags::award_id.eq(award_id))
        .order(compliance_flags::raised_at.desc())
        .load(conn)?)
}
