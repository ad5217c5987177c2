//! Transfers in service: a request to move a started placement to another facility, decided by a placement
//! coordinator; the facilities a scholar may be transferred to; a programme's limit on transfers.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::exactly_one;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{
    applications, awards, calls, cycle_scholars, facilities, placement_transfers, placements, programmes, vacancies,
};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Transfer {
    pub id: i64,
    pub placement_id: i64,
    pub to_facility_id: i64,
    pub reason: String,
    pub effective_on: NaiveDate,
    pub status: String,
    pub requested_by: i64,
    pub requested_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub new_placement_id: Option<i64>,
    pub version: i32,
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Transfer, AppError> {
    placement_transfers::table.find(id).first(conn).optional()?.ok_or(AppError::NotFound)
}

/// The request waiting for a decision on a placement, if any (at most one, by `placement_transfers_one_open`).
pub fn open_of_placement(conn: &mut DbConn, placement_id: i64) -> Result<Option<Transfer>, AppError> {
    Ok(placement_transfers::table
        .filter(placement_transfers::placement_id.eq(placement_id))
        .filter(placement_transfers::status.eq("requested"))
        .first(conn)
        .optional()?)
}

pub struct NewTransfer<'a> {
    pub placement_id: i64,
    pub to_facility_id: i64,
    pub reason: &'a str,
    pub effective_on: NaiveDate,
    pub requested_by: i64,
}

pub fn insert(conn: &mut DbConn, t: &NewTransfer, at: NaiveDateTime) -> Result<i64, AppError> {
    Ok(diesel::insert_into(placement_transfers::table)
        .values((
            placement_transfers::placement_id.eq(t.placement_id),
            placement_transfers::to_facility_id.eq(t.to_facility_id),
            placement_transfers::reason.eq(t.reason),
            placement_transfers::effective_on.eq(t.effective_on),
            placement_transfers::requested_by.eq(t.requested_by),
            placement_transfers::requested_at.eq(at),
        ))
        .returning(placement_transfers::id)
        .get_result(conn)?)
}

/// Records a decision on a request still at `version` and waiting: of two coordinators deciding at once,
/// exactly one changes the row, the other gets `transfer-error-changed`.
pub fn decide(
    conn: &mut DbConn,
    transfer: &Transfer,
    status: &str,
    by: i64,
    at: NaiveDateTime,
    reason: Option<&str>,
    new_placement_id: Option<i64>,
) -> Result<(), AppError> {
    let rows = diesel::update(
        placement_transfers::table
            .filter(placement_transfers::id.eq(transfer.id))
            .filter(placement_transfers::version.eq(transfer.version))
            .filter(placement_transfers::status.eq("requested")),
    )
    .set((
        placement_transfers::status.eq(status),
        placement_transfers::decided_by.eq(by),
        placement_transfers::decided_at.eq(at),
        placement_transfers::decision_reason.eq(reason),
        placement_transfers::new_placement_id.eq(new_placement_id),
        placement_transfers::version.eq(transfer.version + 1),
    ))
    .execute(conn)?;
    exactly_one(rows, "transfer-error-changed")
}

/// A transfer as the coordinator's list shows it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct TransferRow {
    pub id: i64,
    pub placement_id: i64,
    pub award_id: i64,
    pub from_facility_id: i64,
    pub to_facility_id: i64,
    pub to_facility_name: String,
    pub to_county: String,
    pub reason: String,
    pub effective_on: NaiveDate,
    pub status: String,
    pub requested_at: NaiveDateTime,
    pub decision_reason: Option<String>,
    pub version: i32,
    pub full_name: String,
    pub reference: Option<String>,
}

/// The transfers of a cycle's placements, waiting ones first, then newest first.
pub fn of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<TransferRow>, AppError> {
    let mut rows: Vec<TransferRow> = placement_transfers::table
        .inner_join(facilities::table)
        .inner_join(
            placements::table
                .on(placements::id.eq(placement_transfers::placement_id))
                .inner_join(cycle_scholars::table)
                .inner_join(awards::table.inner_join(applications::table)),
        )
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .select((
            placement_transfers::id,
            placement_transfers::placement_id,
            placements::award_id,
            placements::facility_id,
            placement_transfers::to_facility_id,
            facilities::name,
            facilities::county,
            placement_transfers::reason,
            placement_transfers::effective_on,
            placement_transfers::status,
            placement_transfers::requested_at,
            placement_transfers::decision_reason,
            placement_transfers::version,
            applications::full_name,
            applications::reference,
        ))
        .order(placement_transfers::requested_at.desc())
        .load(conn)?;
    rows.sort_by_key(|r| r.status != "requested");
    Ok(rows)
}

/// The transfers asked for a scholar's placements in a cycle (every record of theirs), newest first.
pub fn of_scholar(conn: &mut DbConn, cycle_scholar_id: i64) -> Result<Vec<Transfer>, AppError> {
    let ids: Vec<i64> = placements::table
        .filter(placements::cycle_scholar_id.eq(cycle_scholar_id))
        .select(placements::id)
        .load(conn)?;
    Ok(placement_transfers::table
        .filter(placement_transfers::placement_id.eq_any(ids))
        .order(placement_transfers::requested_at.desc())
        .load(conn)?)
}

/// How many transfers an award has had: its placement records that a transfer made.
pub fn count_of_award(conn: &mut DbConn, award_id: i64) -> Result<i64, AppError> {
    Ok(placements::table
        .filter(placements::award_id.eq(award_id))
        .filter(placements::origin.eq("transfer"))
        .count()
        .get_result(conn)?)
}

/// The programme behind an award: (id, limit on transfers, `None` meaning no limit).
pub fn programme_limit(conn: &mut DbConn, award_id: i64) -> Result<(i64, Option<i32>), AppError> {
    Ok(awards::table
        .inner_join(calls::table.inner_join(programmes::table))
        .filter(awards::id.eq(award_id))
        .select((programmes::id, programmes::max_transfers))
        .first(conn)?)
}

/// Sets a programme's limit on transfers (`None`: no limit).
pub fn set_max_transfers(conn: &mut DbConn, programme_id: i64, max: Option<i32>) -> Result<(), AppError> {
    let rows =
        diesel::update(programmes::table.find(programme_id)).set(programmes::max_transfers.eq(max)).execute(conn)?;
    exactly_one(rows, "error-not-found")
}

/// A facility a scholar may be transferred to.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Destination {
    pub id: i64,
    pub name: String,
    pub county: String,
    pub registry_key: String,
    #[serde(skip)]
    pub eligible: bool,
    #[serde(skip)]
    pub eligible_until: Option<NaiveDate>,
}

/// The facilities offered in the cycle (with a vacancy row), by county and name: the service decides which of
/// them the bond and the facility's eligibility on the day allow.
pub fn offered_in_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<Destination>, AppError> {
    Ok(vacancies::table
        .inner_join(facilities::table)
        .filter(vacancies::cycle_id.eq(cycle_id))
        .select((
            facilities::id,
            facilities::name,
            facilities::county,
            facilities::registry_key,
            facilities::eligible,
            facilities::eligible_until,
        ))
        .order((facilities::county.asc(), facilities::name.asc()))
        .load(conn)?)
}

/// One facility as a destination.
pub fn destination(conn: &mut DbConn, facility_id: i64) -> Result<Option<Destination>, AppError> {
    Ok(facilities::table
        .filter(facilities::id.eq(facility_id))
        .select((
            facilities::id,
            facilities::name,
            facilities::county,
            facilities::registry_key,
            facilities::eligible,
            facilities::eligible_until,
        ))
        .first(conn)
        .optional()?)
}
