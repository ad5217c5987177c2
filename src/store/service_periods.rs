//! Service at a facility: the periods a confirmed start opens and a transfer closes, the scholars a supervisor
//! expects (accepted, not yet started), and who is told about a start or a transfer.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::exactly_one;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{
    applications, awards, cycle_scholars, facilities, facility_supervisors, placement_cycles, placements,
    service_periods, users,
};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Period {
    pub id: i64,
    pub award_id: i64,
    pub placement_id: i64,
    pub facility_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
}

/// Opens a period (at most one is open per award, by the `service_periods_one_open` index).
pub fn open(
    conn: &mut DbConn,
    award_id: i64,
    placement_id: i64,
    facility_id: i64,
    starts_on: NaiveDate,
    at: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(service_periods::table)
        .values((
            service_periods::award_id.eq(award_id),
            service_periods::placement_id.eq(placement_id),
            service_periods::facility_id.eq(facility_id),
            service_periods::starts_on.eq(starts_on),
            service_periods::created_at.eq(at),
        ))
        .returning(service_periods::id)
        .get_result(conn)?)
}

/// The award's open period, if any.
pub fn open_of_award(conn: &mut DbConn, award_id: i64) -> Result<Option<Period>, AppError> {
    Ok(service_periods::table
        .filter(service_periods::award_id.eq(award_id))
        .filter(service_periods::ends_on.is_null())
        .first(conn)
        .optional()?)
}

/// Every period of an award, oldest first.
pub fn of_award(conn: &mut DbConn, award_id: i64) -> Result<Vec<Period>, AppError> {
    Ok(service_periods::table
        .filter(service_periods::award_id.eq(award_id))
        .order(service_periods::starts_on.asc())
        .load(conn)?)
}

/// Closes an open period on its last day; refused if it was closed meanwhile.
pub fn close(conn: &mut DbConn, period_id: i64, ends_on: NaiveDate) -> Result<(), AppError> {
    let rows = diesel::update(
        service_periods::table.filter(service_periods::id.eq(period_id)).filter(service_periods::ends_on.is_null()),
    )
    .set(service_periods::ends_on.eq(ends_on))
    .execute(conn)?;
    exactly_one(rows, "placement-error-changed")
}

/// A scholar whose placement at one of a supervisor's facilities is accepted or started.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Arrival {
    pub placement_id: i64,
    pub version: i32,
    pub status: String,
    pub facility_id: i64,
    pub published_at: NaiveDateTime,
    pub started_on: Option<NaiveDate>,
    pub start_late: bool,
    pub full_name: String,
    pub reference: Option<String>,
    pub cycle_title: String,
    pub service_start_from: NaiveDate,
    pub service_start_until: NaiveDate,
}

/// The accepted (arriving) and started placements at these facilities, by facility, status and name.
pub fn arrivals_at(conn: &mut DbConn, facility_ids: &[i64]) -> Result<Vec<Arrival>, AppError> {
    Ok(placements::table
        .inner_join(cycle_scholars::table.inner_join(placement_cycles::table))
        .inner_join(awards::table.inner_join(applications::table))
        .filter(placements::facility_id.eq_any(facility_ids.to_vec()))
        .filter(placements::status.eq_any(["accepted", "started"]))
        .select((
            placements::id,
            placements::version,
            placements::status,
            placements::facility_id,
            placements::published_at,
            placements::started_on,
            placements::start_late,
            applications::full_name,
            applications::reference,
            placement_cycles::title,
            placement_cycles::service_start_from,
            placement_cycles::service_start_until,
        ))
        .order((placements::facility_id.asc(), placements::status.asc(), applications::full_name.asc()))
        .load(conn)?)
}

/// The cycle's placements accepted and not started (the start-of-service job's concern).
pub fn accepted_in_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<super::placements::Placement>, AppError> {
    Ok(placements::table
        .inner_join(cycle_scholars::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(placements::status.eq("accepted"))
        .select(placements::all_columns)
        .order(placements::id.asc())
        .load(conn)?)
}

/// Who a placement belongs to, for the e-mails and the pages.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Holder {
    pub cycle_id: i64,
    pub user_id: i64,
    pub full_name: String,
    pub reference: Option<String>,
    pub email: String,
    pub language: String,
}

pub fn holder(conn: &mut DbConn, cycle_scholar_id: i64) -> Result<Holder, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table.inner_join(users::table)))
        .filter(cycle_scholars::id.eq(cycle_scholar_id))
        .select((
            cycle_scholars::cycle_id,
            users::id,
            applications::full_name,
            applications::reference,
            users::email,
            users::language,
        ))
        .first(conn)?)
}

/// (e-mail, language) of the supervisors attached to a facility.
pub fn supervisor_addresses(conn: &mut DbConn, facility_id: i64) -> Result<Vec<(String, String)>, AppError> {
    Ok(facility_supervisors::table
        .inner_join(users::table)
        .filter(facility_supervisors::facility_id.eq(facility_id))
        .filter(users::disabled.eq(false))
        .select((users::email, users::language))
        .order(users::email.asc())
        .load(conn)?)
}

/// (e-mail, language) of an organisation's staff with a role.
pub fn staff_addresses(conn: &mut DbConn, organisation_id: i64, role: &str) -> Result<Vec<(String, String)>, AppError> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::role.eq(role))
        .filter(users::disabled.eq(false))
        .select((users::email, users::language))
        .order(users::email.asc())
        .load(conn)?)
}

/// A facility's name and county.
pub fn facility_label(conn: &mut DbConn, facility_id: i64) -> Result<(String, String), AppError> {
    Ok(facilities::table.find(facility_id).select((facilities::name, facilities::county)).first(conn)?)
}
