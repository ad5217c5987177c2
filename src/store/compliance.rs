//! Compliance flags: what a compliance coordinator must look at (a declined or unanswered placement, a service
//! not started in its window), each a possible service breach until cleared; and the coordinator's queue of the
//! open flags of an organisation's scholars, newest first, a page at a time by keyset (never OFFSET), with who
//! the scholar is and where they were placed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{applications, awards, calls, compliance_flags, facilities, placements, programmes};

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

/// An open flag as the queue lists it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct OpenFlag {
    pub id: i64,
    pub kind: String,
    pub detail: String,
    pub raised_at: NaiveDateTime,
    pub placement_id: Option<i64>,
    pub award_id: i64,
    pub full_name: String,
    pub reference: Option<String>,
}

/// Up to `limit` open flags of the organisation's awards (every organisation's for `None`), in (raised at,
/// id) order, newest first, after the flag `after` (the last of the previous page).
pub fn open_flags(
    conn: &mut DbConn,
    organisation_id: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<OpenFlag>, AppError> {
    let mut query = compliance_flags::table
        .inner_join(
            awards::table.inner_join(applications::table).inner_join(calls::table.inner_join(programmes::table)),
        )
        .filter(compliance_flags::resolved_at.is_null())
        .select((
            compliance_flags::id,
            compliance_flags::kind,
            compliance_flags::detail,
            compliance_flags::raised_at,
            compliance_flags::placement_id,
            compliance_flags::award_id,
            applications::full_name,
            applications::reference,
        ))
        .into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(programmes::organisation_id.eq(org));
    }
    if let Some(after) = after {
        let cursor: Option<NaiveDateTime> =
            compliance_flags::table.find(after).select(compliance_flags::raised_at).first(conn).optional()?;
        if let Some(raised) = cursor {
            query = query.filter(
                compliance_flags::raised_at
                    .lt(raised)
                    .or(compliance_flags::raised_at.eq(raised).and(compliance_flags::id.lt(after))),
            );
        }
    }
    Ok(query.order((compliance_flags::raised_at.desc(), compliance_flags::id.desc())).limit(limit).load(conn)?)
}

/// The facility name of each of these placements, as (placement id, facility name).
pub fn facility_names(conn: &mut DbConn, placement_ids: &[i64]) -> Result<Vec<(i64, String)>, AppError> {
    Ok(placements::table
        .inner_join(facilities::table)
        .filter(placements::id.eq_any(placement_ids.to_vec()))
        .select((placements::id, facilities::name))
        .load(conn)?)
}
