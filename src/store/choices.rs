//! A scholar's place in a placement cycle, their ranked choices, the facilities they may search, and the
//! partner they name.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::domain::placement::BINDING_AWARD_STATUSES;
use crate::error::AppError;
use crate::schema::{applications, awards, cycle_scholars, facilities, placement_cycles, scholar_choices, vacancies};
use crate::store::placement_cycles::Cycle;

/// A scholar's place in a cycle, with the application's reference and name.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Place {
    pub id: i64,
    pub cycle_id: i64,
    pub award_id: i64,
    pub allowed_counties: Option<String>,
    pub partner_request: Option<i64>,
    pub version: i32,
    pub reference: Option<String>,
    pub full_name: String,
}

type PlaceColumns = (
    cycle_scholars::id,
    cycle_scholars::cycle_id,
    cycle_scholars::award_id,
    cycle_scholars::allowed_counties,
    cycle_scholars::partner_request,
    cycle_scholars::version,
    applications::reference,
    applications::full_name,
);

const PLACE_COLUMNS: PlaceColumns = (
    cycle_scholars::id,
    cycle_scholars::cycle_id,
    cycle_scholars::award_id,
    cycle_scholars::allowed_counties,
    cycle_scholars::partner_request,
    cycle_scholars::version,
    applications::reference,
    applications::full_name,
);

/// The cycles a user takes part in as a scholar (included, with a binding award), oldest cycle first.
pub fn places_of_user(conn: &mut DbConn, user_id: i64) -> Result<Vec<(Place, Cycle)>, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table))
        .inner_join(placement_cycles::table)
        .filter(applications::applicant_id.eq(user_id))
        .filter(cycle_scholars::included.eq(true))
        .filter(awards::status.eq_any(BINDING_AWARD_STATUSES))
        .select((PLACE_COLUMNS, placement_cycles::all_columns))
        .order(placement_cycles::id)
        .load(conn)?)
}

/// The user's place in one cycle, if they are a scholar in it.
pub fn place_of_user(conn: &mut DbConn, user_id: i64, cycle_id: i64) -> Result<Option<Place>, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(applications::applicant_id.eq(user_id))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(cycle_scholars::included.eq(true))
        .filter(awards::status.eq_any(BINDING_AWARD_STATUSES))
        .select(PLACE_COLUMNS)
        .first(conn)
        .optional()?)
}

/// A place by its id, if it is an included scholar of the cycle.
pub fn place(conn: &mut DbConn, cycle_id: i64, id: i64) -> Result<Option<Place>, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(cycle_scholars::id.eq(id))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(cycle_scholars::included.eq(true))
        .filter(awards::status.eq_any(BINDING_AWARD_STATUSES))
        .select(PLACE_COLUMNS)
        .first(conn)
        .optional()?)
}

/// The included scholar of the cycle whose award's application has this reference.
pub fn place_by_reference(conn: &mut DbConn, cycle_id: i64, reference: &str) -> Result<Option<Place>, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(applications::reference.eq(reference))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(cycle_scholars::included.eq(true))
        .filter(awards::status.eq_any(BINDING_AWARD_STATUSES))
        .select(PLACE_COLUMNS)
        .first(conn)
        .optional()?)
}

/// Whether any application carries this reference (so that "unknown" and "not in this cycle" differ).
pub fn reference_exists(conn: &mut DbConn, reference: &str) -> Result<bool, AppError> {
    let n: i64 = applications::table.filter(applications::reference.eq(reference)).count().get_result(conn)?;
    Ok(n > 0)
}

/// How many included scholars of the cycle name this place as their partner.
pub fn named_by_count(conn: &mut DbConn, place_id: i64) -> Result<i64, AppError> {
    Ok(cycle_scholars::table
        .filter(cycle_scholars::partner_request.eq(place_id))
        .filter(cycle_scholars::included.eq(true))
        .count()
        .get_result(conn)?)
}

/// Claims the place for a change: bumps its version if it still has the one loaded, so that two changes made
/// from two tabs at once cannot both apply (on PostgreSQL this also locks the row until the commit).
pub fn claim(conn: &mut DbConn, place_id: i64, version: i32) -> Result<(), AppError> {
    let rows = diesel::update(cycle_scholars::table)
        .filter(cycle_scholars::id.eq(place_id))
        .filter(cycle_scholars::version.eq(version))
        .set(cycle_scholars::version.eq(version + 1))
        .execute(conn)?;
    super::exactly_one(rows, "error-conflict-stale")
}

pub fn set_partner_request(conn: &mut DbConn, place_id: i64, partner: Option<i64>) -> Result<(), AppError> {
    diesel::update(cycle_scholars::table)
        .filter(cycle_scholars::id.eq(place_id))
        .set(cycle_scholars::partner_request.eq(partner))
        .execute(conn)?;
    Ok(())
}

/// The facility ids of a scholar's list, rank 1 first.
pub fn ranked_ids(conn: &mut DbConn, place_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(scholar_choices::table
        .filter(scholar_choices::cycle_scholar_id.eq(place_id))
        .select(scholar_choices::facility_id)
        .order(scholar_choices::rank)
        .load(conn)?)
}

/// Replaces the list with `facility_ids`, ranked 1..N in that order.
pub fn replace_list(conn: &mut DbConn, place_id: i64, facility_ids: &[i64]) -> Result<(), AppError> {
    diesel::delete(scholar_choices::table.filter(scholar_choices::cycle_scholar_id.eq(place_id))).execute(conn)?;
    for (i, facility_id) in facility_ids.iter().enumerate() {
        let rank = i32::try_from(i + 1).map_err(|_| AppError::Internal("choice rank overflow".into()))?;
        diesel::insert_into(scholar_choices::table)
            .values((
                scholar_choices::cycle_scholar_id.eq(place_id),
                scholar_choices::rank.eq(rank),
                scholar_choices::facility_id.eq(facility_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A facility as the choices page shows it, with its seats in the cycle (none without a vacancy row).
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ChoosableFacility {
    pub id: i64,
    pub registry_key: String,
    pub name: String,
    pub county: String,
    pub sub_county: String,
    pub keph_level: Option<i32>,
    pub need_score: Option<i32>,
    pub eligible: bool,
    pub eligible_until: Option<NaiveDate>,
}

type FacilityColumns = (
    facilities::id,
    facilities::registry_key,
    facilities::name,
    facilities::county,
    facilities::sub_county,
    facilities::keph_level,
    facilities::need_score,
    facilities::eligible,
    facilities::eligible_until,
);

const FACILITY_COLUMNS: FacilityColumns = (
    facilities::id,
    facilities::registry_key,
    facilities::name,
    facilities::county,
    facilities::sub_county,
    facilities::keph_level,
    facilities::need_score,
    facilities::eligible,
    facilities::eligible_until,
);

/// A facility and its seats in the cycle, if the facility exists.
pub fn facility_in_cycle(
    conn: &mut DbConn,
    cycle_id: i64,
    facility_id: i64,
) -> Result<Option<(ChoosableFacility, Option<i32>)>, AppError> {
    let Some(facility) = facilities::table.find(facility_id).select(FACILITY_COLUMNS).first(conn).optional()? else {
        return Ok(None);
    };
    let seats = vacancies::table
        .filter(vacancies::cycle_id.eq(cycle_id))
        .filter(vacancies::facility_id.eq(facility_id))
        .select(vacancies::seats)
        .first(conn)
        .optional()?;
    Ok(Some((facility, seats)))
}

/// The listed facilities, in the list's order.
pub fn list_of(conn: &mut DbConn, place_id: i64) -> Result<Vec<(i32, ChoosableFacility)>, AppError> {
    Ok(scholar_choices::table
        .inner_join(facilities::table)
        .filter(scholar_choices::cycle_scholar_id.eq(place_id))
        .select((scholar_choices::rank, FACILITY_COLUMNS))
        .order(scholar_choices::rank)
        .load(conn)?)
}

/// How many facilities each place lists (for the cycles page).
pub fn list_length(conn: &mut DbConn, place_id: i64) -> Result<i64, AppError> {
    Ok(scholar_choices::table.filter(scholar_choices::cycle_scholar_id.eq(place_id)).count().get_result(conn)?)
}

/// What a scholar searches by; every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub county: Option<String>,
    pub keph_level: Option<i32>,
    pub min_need_score: Option<i32>,
    pub name: Option<String>,
}

/// Whom a search is for: the cycle, the day (for eligibility), the scholar's bond (`None` = anywhere) and what
/// they already listed.
#[derive(Debug, Clone)]
pub struct SearchScope<'a> {
    pub cycle_id: i64,
    pub today: NaiveDate,
    pub bond: Option<&'a [String]>,
    pub listed: &'a [i64],
}

/// One page of facilities a scholar may choose in the cycle: a vacancy with seats, eligible on the day, inside
/// the bond, not already listed; ordered by name then id, after the facility `after` (keyset).
pub fn search(
    conn: &mut DbConn,
    scope: &SearchScope,
    filter: &Search,
    after: Option<(String, i64)>,
    limit: i64,
) -> Result<Vec<ChoosableFacility>, AppError> {
    let SearchScope { cycle_id, today, bond, listed } = *scope;
    // "Has a vacancy" as EXISTS, not a join: the planner then walks the registry in name order and stops after
    // one page, instead of sorting all of a national cycle's 10,000 vacancies for every search (15 ms → 1 ms).
    let mut query = facilities::table
        .filter(diesel::dsl::exists(
            vacancies::table
                .filter(vacancies::facility_id.eq(facilities::id))
                .filter(vacancies::cycle_id.eq(cycle_id))
                .filter(vacancies::seats.gt(0)),
        ))
        .filter(facilities::eligible.eq(true))
        .filter(facilities::eligible_until.is_null().or(facilities::eligible_until.ge(today)))
        .filter(facilities::id.ne_all(listed.to_vec()))
        .select(FACILITY_COLUMNS)
        .order((facilities::name, facilities::id))
        .limit(limit)
        .into_boxed();
    if let Some(counties) = bond {
        query = query.filter(facilities::county.eq_any(counties.to_vec()));
    }
    if let Some(county) = &filter.county {
        query = query.filter(facilities::county.eq(county.clone()));
    }
    if let Some(level) = filter.keph_level {
        query = query.filter(facilities::keph_level.eq(level));
    }
    if let Some(score) = filter.min_need_score {
        query = query.filter(facilities::need_score.ge(score));
    }
    if let Some(name) = &filter.name {
        let pattern = format!("%{}%", name.to_lowercase().replace(['\\', '%', '_'], ""));
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(facilities.name) LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern),
        );
    }
    if let Some((name, id)) = after {
        query =
            query.filter(facilities::name.gt(name.clone()).or(facilities::name.eq(name).and(facilities::id.gt(id))));
    }
    Ok(query.load(conn)?)
}

/// A facility's name, for the keyset of the next page.
pub fn facility_name(conn: &mut DbConn, facility_id: i64) -> Result<Option<String>, AppError> {
    Ok(facilities::table.find(facility_id).select(facilities::name).first(conn).optional()?)
}

/// The counties that have a facility with a vacancy in the cycle (for the search's county list).
pub fn counties_with_vacancies(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<String>, AppError> {
    Ok(facilities::table
        .inner_join(vacancies::table.on(vacancies::facility_id.eq(facilities::id)))
        .filter(vacancies::cycle_id.eq(cycle_id))
        .filter(vacancies::seats.gt(0))
        .select(facilities::county)
        .distinct()
        .order(facilities::county)
        .load(conn)?)
}
