//! Placement cycles: the scholars about to graduate, the facilities' vacancies and the scholars' choices for
//! one funder's programmes and one cadre.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{coordinator_counties, placement_cycles};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Cycle {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub cadre: String,
    pub graduation_from: NaiveDate,
    pub graduation_until: NaiveDate,
    pub choices_open_at: NaiveDateTime,
    pub choices_close_at: NaiveDateTime,
    pub match_on: NaiveDate,
    pub publish_on: NaiveDate,
    pub acceptance_deadline: NaiveDateTime,
    pub appeal_until: NaiveDate,
    pub service_start_from: NaiveDate,
    pub service_start_until: NaiveDate,
    pub max_choices: i32,
    pub floor_need_score: Option<i32>,
    pub floor_minimum: i32,
    pub status: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Cycle, AppError> {
    Ok(placement_cycles::table.find(id).first(conn)?)
}

/// The counties a placement coordinator is limited to; empty means every county.
pub fn counties_of_coordinator(conn: &mut DbConn, user_id: i64) -> Result<Vec<String>, AppError> {
    Ok(coordinator_counties::table
        .filter(coordinator_counties::user_id.eq(user_id))
        .select(coordinator_counties::county)
        .order(coordinator_counties::county)
        .load(conn)?)
}

// ---- Cycles: listing, creating, their programmes, floors and regional caps ----

use crate::schema::{
    applications, awards, calls, cycle_region_caps, cycle_scholars, facilities, placement_cycle_programmes, programmes,
    vacancies,
};
use crate::store::facilities::Facility;
use crate::store::programmes::Programme;

/// The cycles of one organisation (or of all, for an administrator), newest first.
pub fn list(conn: &mut DbConn, organisation_id: Option<i64>) -> Result<Vec<Cycle>, AppError> {
    let mut query = placement_cycles::table.order(placement_cycles::id.desc()).into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(placement_cycles::organisation_id.eq(org));
    }
    Ok(query.load(conn)?)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = placement_cycles)]
pub struct NewCycle<'a> {
    pub organisation_id: i64,
    pub title: &'a str,
    pub cadre: &'a str,
    pub graduation_from: NaiveDate,
    pub graduation_until: NaiveDate,
    pub choices_open_at: NaiveDateTime,
    pub choices_close_at: NaiveDateTime,
    pub match_on: NaiveDate,
    pub publish_on: NaiveDate,
    pub acceptance_deadline: NaiveDateTime,
    pub appeal_until: NaiveDate,
    pub service_start_from: NaiveDate,
    pub service_start_until: NaiveDate,
    pub max_choices: i32,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, cycle: &NewCycle, programme_ids: &[i64]) -> Result<i64, AppError> {
    let id: i64 =
        diesel::insert_into(placement_cycles::table).values(cycle).returning(placement_cycles::id).get_result(conn)?;
    for programme_id in programme_ids {
        diesel::insert_into(placement_cycle_programmes::table)
            .values((
                placement_cycle_programmes::cycle_id.eq(id),
                placement_cycle_programmes::programme_id.eq(programme_id),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn programmes_of(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<Programme>, AppError> {
    Ok(placement_cycle_programmes::table
        .inner_join(programmes::table)
        .filter(placement_cycle_programmes::cycle_id.eq(cycle_id))
        .order(programmes::name)
        .select(programmes::all_columns)
        .load(conn)?)
}

pub fn set_floor(
    conn: &mut DbConn,
    cycle_id: i64,
    version: i32,
    need_score: Option<i32>,
    minimum: i32,
) -> Result<(), AppError> {
    let n = diesel::update(
        placement_cycles::table.filter(placement_cycles::id.eq(cycle_id)).filter(placement_cycles::version.eq(version)),
    )
    .set((
        placement_cycles::floor_need_score.eq(need_score),
        placement_cycles::floor_minimum.eq(minimum),
        placement_cycles::version.eq(version + 1),
    ))
    .execute(conn)?;
    crate::store::exactly_one(n, "error-conflict-stale")
}

pub fn region_caps(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(String, i32)>, AppError> {
    Ok(cycle_region_caps::table
        .filter(cycle_region_caps::cycle_id.eq(cycle_id))
        .order(cycle_region_caps::county)
        .select((cycle_region_caps::county, cycle_region_caps::cap))
        .load(conn)?)
}

/// Sets a county's cap (adding it when new); returns the cap it had before.
pub fn put_region_cap(conn: &mut DbConn, cycle_id: i64, county: &str, cap: i32) -> Result<Option<i32>, AppError> {
    let key = cycle_region_caps::table
        .filter(cycle_region_caps::cycle_id.eq(cycle_id))
        .filter(cycle_region_caps::county.eq(county));
    let before: Option<i32> = key.select(cycle_region_caps::cap).first(conn).optional()?;
    if before.is_some() {
        diesel::update(key).set(cycle_region_caps::cap.eq(cap)).execute(conn)?;
    } else {
        diesel::insert_into(cycle_region_caps::table)
            .values((
                cycle_region_caps::cycle_id.eq(cycle_id),
                cycle_region_caps::county.eq(county),
                cycle_region_caps::cap.eq(cap),
            ))
            .execute(conn)?;
    }
    Ok(before)
}

pub fn delete_region_cap(conn: &mut DbConn, cycle_id: i64, county: &str) -> Result<Option<i32>, AppError> {
    let key = cycle_region_caps::table
        .filter(cycle_region_caps::cycle_id.eq(cycle_id))
        .filter(cycle_region_caps::county.eq(county));
    let before: Option<i32> = key.select(cycle_region_caps::cap).first(conn).optional()?;
    diesel::delete(key).execute(conn)?;
    Ok(before)
}

// ---- Scholars in a cycle ----

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct CycleScholar {
    pub id: i64,
    pub cycle_id: i64,
    pub award_id: i64,
    pub included: bool,
    pub membership_note: String,
    pub priority_tier: i32,
    pub tier_reason: String,
    #[serde(skip)]
    pub tier_document_key: Option<String>,
    pub score_hundredths: Option<i32>,
    pub allowed_counties: Option<String>,
    pub partner_request: Option<i64>,
    pub version: i32,
}

/// A scholar in the cycle with who they are: the name and reference of the award's application, and the
/// award's expected graduation.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ListedScholar {
    #[serde(flatten)]
    pub scholar: CycleScholar,
    pub full_name: String,
    pub reference: Option<String>,
    pub expected_graduation: Option<NaiveDate>,
}

pub fn scholars_of(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<ListedScholar>, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .order((applications::full_name, cycle_scholars::id))
        .select((
            cycle_scholars::all_columns,
            applications::full_name,
            applications::reference,
            awards::expected_graduation,
        ))
        .load(conn)?)
}

pub fn find_scholar(conn: &mut DbConn, cycle_id: i64, scholar_id: i64) -> Result<CycleScholar, AppError> {
    Ok(cycle_scholars::table
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(cycle_scholars::id.eq(scholar_id))
        .first(conn)?)
}

pub fn scholar_of_award(conn: &mut DbConn, cycle_id: i64, award_id: i64) -> Result<Option<CycleScholar>, AppError> {
    Ok(cycle_scholars::table
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(cycle_scholars::award_id.eq(award_id))
        .first(conn)
        .optional()?)
}

/// A binding award that a cycle may take in: the award, its application and call, and its programme's bond.
#[derive(Debug, Clone, Queryable)]
pub struct Candidate {
    pub award_id: i64,
    pub status: String,
    pub expected_graduation: Option<NaiveDate>,
    pub application_id: i64,
    pub call_id: i64,
    pub programme_id: i64,
    pub organisation_id: i64,
    pub cadre: String,
    pub bond_counties: Option<String>,
}

fn candidate_columns() -> (
    awards::id,
    awards::status,
    awards::expected_graduation,
    awards::application_id,
    awards::call_id,
    programmes::id,
    programmes::organisation_id,
    programmes::cadre,
    programmes::bond_counties,
) {
    (
        awards::id,
        awards::status,
        awards::expected_graduation,
        awards::application_id,
        awards::call_id,
        programmes::id,
        programmes::organisation_id,
        programmes::cadre,
        programmes::bond_counties,
    )
}

/// The binding awards of these programmes whose expected graduation falls in the window.
pub fn binding_awards(
    conn: &mut DbConn,
    programme_ids: &[i64],
    statuses: &[&str],
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<Candidate>, AppError> {
    Ok(awards::table
        .inner_join(calls::table.inner_join(programmes::table))
        .filter(programmes::id.eq_any(programme_ids))
        .filter(awards::status.eq_any(statuses))
        .filter(awards::expected_graduation.ge(from))
        .filter(awards::expected_graduation.le(until))
        .order(awards::id)
        .select(candidate_columns())
        .load(conn)?)
}

/// The award whose application carries this reference, with its programme.
pub fn candidate_by_reference(conn: &mut DbConn, reference: &str) -> Result<Option<Candidate>, AppError> {
    Ok(awards::table
        .inner_join(calls::table.inner_join(programmes::table))
        .inner_join(applications::table)
        .filter(applications::reference.eq(reference))
        .order(awards::id.desc())
        .select(candidate_columns())
        .first(conn)
        .optional()?)
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cycle_scholars)]
pub struct NewScholar<'a> {
    pub cycle_id: i64,
    pub award_id: i64,
    pub membership_note: &'a str,
    pub score_hundredths: Option<i32>,
    pub allowed_counties: Option<&'a str>,
}

pub fn insert_scholar(conn: &mut DbConn, scholar: &NewScholar) -> Result<i64, AppError> {
    Ok(diesel::insert_into(cycle_scholars::table).values(scholar).returning(cycle_scholars::id).get_result(conn)?)
}

pub fn set_membership(conn: &mut DbConn, scholar: &CycleScholar, included: bool, note: &str) -> Result<(), AppError> {
    let n = diesel::update(
        cycle_scholars::table
            .filter(cycle_scholars::id.eq(scholar.id))
            .filter(cycle_scholars::version.eq(scholar.version)),
    )
    .set((
        cycle_scholars::included.eq(included),
        cycle_scholars::membership_note.eq(note),
        cycle_scholars::version.eq(scholar.version + 1),
    ))
    .execute(conn)?;
    crate::store::exactly_one(n, "error-conflict-stale")
}

pub fn set_tier(
    conn: &mut DbConn,
    scholar: &CycleScholar,
    tier: i32,
    reason: &str,
    document_key: Option<&str>,
) -> Result<(), AppError> {
    let n = diesel::update(
        cycle_scholars::table
            .filter(cycle_scholars::id.eq(scholar.id))
            .filter(cycle_scholars::version.eq(scholar.version)),
    )
    .set((
        cycle_scholars::priority_tier.eq(tier),
        cycle_scholars::tier_reason.eq(reason),
        cycle_scholars::tier_document_key.eq(document_key),
        cycle_scholars::version.eq(scholar.version + 1),
    ))
    .execute(conn)?;
    crate::store::exactly_one(n, "error-conflict-stale")
}

// ---- Vacancies ----

/// A facility with seats in a cycle.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct VacancyRow {
    pub seats: i32,
    #[serde(flatten)]
    pub facility: Facility,
}

/// The cycle's vacancies, optionally in one county.
pub fn vacancies_of(conn: &mut DbConn, cycle_id: i64, county: Option<&str>) -> Result<Vec<VacancyRow>, AppError> {
    let mut query = vacancies::table
        .inner_join(facilities::table)
        .filter(vacancies::cycle_id.eq(cycle_id))
        .order((facilities::county, facilities::name, facilities::id))
        .select((vacancies::seats, facilities::all_columns))
        .into_boxed();
    if let Some(one) = county {
        query = query.filter(facilities::county.eq(one.to_string()));
    }
    Ok(query.load(conn)?)
}

pub fn facility_by_code(conn: &mut DbConn, code: &str) -> Result<Option<Facility>, AppError> {
    Ok(facilities::table.filter(facilities::code.eq(code)).first(conn).optional()?)
}

/// Sets a facility's seats in the cycle (adding the vacancy when new); returns the seats it had before.
pub fn put_vacancy(
    conn: &mut DbConn,
    cycle_id: i64,
    facility_id: i64,
    seats: i32,
    by: i64,
    at: NaiveDateTime,
) -> Result<Option<i32>, AppError> {
    let key = vacancies::table.filter(vacancies::cycle_id.eq(cycle_id)).filter(vacancies::facility_id.eq(facility_id));
    let before: Option<i32> = key.select(vacancies::seats).first(conn).optional()?;
    if before.is_some() {
        diesel::update(key)
            .set((vacancies::seats.eq(seats), vacancies::updated_by.eq(by), vacancies::updated_at.eq(at)))
            .execute(conn)?;
    } else {
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(cycle_id),
                vacancies::facility_id.eq(facility_id),
                vacancies::seats.eq(seats),
                vacancies::updated_by.eq(by),
                vacancies::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(before)
}

/// The cycle's figures: scholars included and taken out, facilities with seats, seats in all.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CycleCounts {
    pub scholars: i64,
    pub removed: i64,
    pub facilities: i64,
    pub seats: i64,
}

pub fn counts(conn: &mut DbConn, cycle_id: i64) -> Result<CycleCounts, AppError> {
    let included: Vec<bool> = cycle_scholars::table
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .select(cycle_scholars::included)
        .load(conn)?;
    let seats: Vec<i32> = vacancies::table
        .filter(vacancies::cycle_id.eq(cycle_id))
        .filter(vacancies::seats.gt(0))
        .select(vacancies::seats)
        .load(conn)?;
    Ok(CycleCounts {
        scholars: included.iter().filter(|i| **i).count() as i64,
        removed: included.iter().filter(|i| !**i).count() as i64,
        facilities: seats.len() as i64,
        seats: seats.iter().map(|s| i64::from(*s)).sum(),
    })
}

/// Records a programme's bond counties (JSON array; None: anywhere).
pub fn set_bond_counties(conn: &mut DbConn, programme_id: i64, counties: Option<&str>) -> Result<(), AppError> {
    diesel::update(programmes::table.find(programme_id)).set(programmes::bond_counties.eq(counties)).execute(conn)?;
    Ok(())
}
