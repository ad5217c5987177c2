//! Appeals against a placement: filing, the guarded decision, the reassignment they lead to, and the people an
//! appeal's notices go to.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::exactly_one;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{
    applications, awards, cycle_scholars, facilities, facility_supervisors, placement_appeals, placements, users,
    vacancies,
};

/// One appeal, every column.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Appeal {
    pub id: i64,
    pub placement_id: i64,
    pub reason_code: String,
    pub reason_text: String,
    #[serde(skip)]
    pub document_key: Option<String>,
    pub document_name: Option<String>,
    pub status: String,
    pub decision_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub new_placement_id: Option<i64>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

pub struct NewAppeal<'a> {
    pub placement_id: i64,
    pub reason_code: &'a str,
    pub reason_text: &'a str,
    pub document_key: Option<&'a str>,
    pub document_name: Option<&'a str>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// Files an appeal; a second pending appeal on the same placement is refused by the `one_pending` index.
pub fn insert(conn: &mut DbConn, appeal: &NewAppeal) -> Result<i64, AppError> {
    let inserted = diesel::insert_into(placement_appeals::table)
        .values((
            placement_appeals::placement_id.eq(appeal.placement_id),
            placement_appeals::reason_code.eq(appeal.reason_code),
            placement_appeals::reason_text.eq(appeal.reason_text),
            placement_appeals::document_key.eq(appeal.document_key),
            placement_appeals::document_name.eq(appeal.document_name),
            placement_appeals::created_by.eq(appeal.created_by),
            placement_appeals::created_at.eq(appeal.created_at),
        ))
        .returning(placement_appeals::id)
        .get_result(conn);
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if crate::db::is_unique_violation(&e) => Err(AppError::Conflict("appeal-error-pending".into())),
        Err(e) => Err(e.into()),
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Appeal, AppError> {
    placement_appeals::table.find(id).first(conn).optional()?.ok_or(AppError::NotFound)
}

/// The appeals against any of these placement records (a scholar's history), newest first.
pub fn of_placements(conn: &mut DbConn, placement_ids: &[i64]) -> Result<Vec<Appeal>, AppError> {
    Ok(placement_appeals::table
        .filter(placement_appeals::placement_id.eq_any(placement_ids.to_vec()))
        .order(placement_appeals::id.desc())
        .load(conn)?)
}

/// An appeal in a cycle's list: who appealed and where they are placed.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct AppealRow {
    #[serde(flatten)]
    pub appeal: Appeal,
    pub full_name: String,
    pub reference: Option<String>,
    pub facility_name: String,
    pub county: String,
}

/// Every appeal of a cycle, oldest first (the service puts the pending ones on top).
pub fn of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<AppealRow>, AppError> {
    Ok(placement_appeals::table
        .inner_join(placements::table.on(placements::id.eq(placement_appeals::placement_id)))
        .inner_join(cycle_scholars::table.on(cycle_scholars::id.eq(placements::cycle_scholar_id)))
        .inner_join(awards::table.on(awards::id.eq(cycle_scholars::award_id)))
        .inner_join(applications::table.on(applications::id.eq(awards::application_id)))
        .inner_join(facilities::table.on(facilities::id.eq(placements::facility_id)))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .order(placement_appeals::id.asc())
        .select((
            placement_appeals::all_columns,
            applications::full_name,
            applications::reference,
            facilities::name,
            facilities::county,
        ))
        .load(conn)?)
}

/// Who a cycle scholar is, for the notices: their account, e-mail, language, name and reference.
#[derive(Debug, Clone, Queryable)]
pub struct ScholarContact {
    pub user_id: i64,
    pub email: String,
    pub language: String,
    pub full_name: String,
    pub reference: Option<String>,
    pub cycle_id: i64,
    pub allowed_counties: Option<String>,
}

pub fn scholar_contact(conn: &mut DbConn, cycle_scholar_id: i64) -> Result<ScholarContact, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table.inner_join(users::table)))
        .filter(cycle_scholars::id.eq(cycle_scholar_id))
        .select((
            users::id,
            users::email,
            users::language,
            applications::full_name,
            applications::reference,
            cycle_scholars::cycle_id,
            cycle_scholars::allowed_counties,
        ))
        .first(conn)?)
}

/// The e-mail and language of an organisation's placement coordinators still able to log in.
pub fn coordinators_of(conn: &mut DbConn, organisation_id: i64) -> Result<Vec<(String, String)>, AppError> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::role.eq("placement_coordinator"))
        .filter(users::disabled.eq(false))
        .order(users::id)
        .select((users::email, users::language))
        .load(conn)?)
}

/// The e-mail and language of a facility's supervisors.
pub fn supervisors_of(conn: &mut DbConn, facility_id: i64) -> Result<Vec<(String, String)>, AppError> {
    Ok(facility_supervisors::table
        .inner_join(users::table)
        .filter(facility_supervisors::facility_id.eq(facility_id))
        .filter(users::disabled.eq(false))
        .order(users::id)
        .select((users::email, users::language))
        .load(conn)?)
}

/// Decides a pending appeal if it is still at `version`: of two coordinators deciding at once, exactly one
/// succeeds and the other gets `appeal-error-changed`.
pub fn decide(
    conn: &mut DbConn,
    appeal: &Appeal,
    version: i32,
    status: &str,
    reason: &str,
    by: i64,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let rows = diesel::update(
        placement_appeals::table
            .filter(placement_appeals::id.eq(appeal.id))
            .filter(placement_appeals::version.eq(version))
            .filter(placement_appeals::status.eq("pending")),
    )
    .set((
        placement_appeals::status.eq(status),
        placement_appeals::decision_reason.eq(reason),
        placement_appeals::decided_by.eq(by),
        placement_appeals::decided_at.eq(at),
        placement_appeals::version.eq(version + 1),
    ))
    .execute(conn)?;
    exactly_one(rows, "appeal-error-changed")
}

/// Records the placement an upheld appeal's reassignment made, once, if the appeal is still at `version`.
pub fn set_new_placement(conn: &mut DbConn, appeal_id: i64, version: i32, placement_id: i64) -> Result<(), AppError> {
    let rows = diesel::update(
        placement_appeals::table
            .filter(placement_appeals::id.eq(appeal_id))
            .filter(placement_appeals::version.eq(version))
            .filter(placement_appeals::status.eq("upheld"))
            .filter(placement_appeals::new_placement_id.is_null()),
    )
    .set((placement_appeals::new_placement_id.eq(placement_id), placement_appeals::version.eq(version + 1)))
    .execute(conn)?;
    exactly_one(rows, "appeal-error-changed")
}

/// Takes the row lock of a facility's vacancy in a cycle (a write that changes nothing), so that two moves
/// into or out of one facility are counted one after the other on PostgreSQL; SQLite's single writer already
/// serialises them. Returns whether the facility has a vacancy row in the cycle.
pub fn lock_vacancy(conn: &mut DbConn, cycle_id: i64, facility_id: i64) -> Result<bool, AppError> {
    let rows = diesel::update(
        vacancies::table.filter(vacancies::cycle_id.eq(cycle_id)).filter(vacancies::facility_id.eq(facility_id)),
    )
    .set(vacancies::seats.eq(vacancies::seats))
    .execute(conn)?;
    Ok(rows > 0)
}
