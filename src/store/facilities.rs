//! The facility registry: health facilities that can receive bonded graduates.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{coordinator_counties, facilities, facility_need_scores, facility_supervisors, users};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Facility {
    pub id: i64,
    pub registry_key: String,
    pub code: Option<String>,
    pub name: String,
    pub keph_level: Option<i32>,
    pub facility_type: String,
    pub owner_type: String,
    pub county: String,
    pub sub_county: String,
    pub ward: String,
    pub beds: i32,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    pub services: String,
    /// The current need score (0–25, 26 for dental; higher is needier), copied from the newest entry of
    /// its history in `facility_need_scores`.
    pub need_score: Option<i32>,
    pub need_score_source: String,
    pub need_score_effective: Option<chrono::NaiveDate>,
    pub eligible: bool,
    /// Eligibility must be recertified by this date; after it the facility is not eligible.
    pub eligible_until: Option<chrono::NaiveDate>,
    pub version: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = facilities)]
pub struct NewFacility {
    pub registry_key: String,
    pub code: Option<String>,
    pub name: String,
    pub keph_level: Option<i32>,
    pub facility_type: String,
    pub owner_type: String,
    pub county: String,
    pub sub_county: String,
    pub ward: String,
    pub beds: i32,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    pub services: String,
}

/// Every registry key already stored, so that an import adds only what is new (and so runs twice safely).
pub fn existing_keys(conn: &mut DbConn) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(facilities::table.select(facilities::registry_key).load::<String>(conn)?.into_iter().collect())
}

pub fn insert_batch(conn: &mut DbConn, batch: &[NewFacility]) -> Result<usize, AppError> {
    let mut inserted = 0;
    // SQLite limits bound parameters per statement; 13 columns × 500 rows stays well below it.
    // Multi-row INSERT does not cross the multi-backend connection, so it is sent to each backend directly.
    for chunk in batch.chunks(500) {
        let insert = diesel::insert_into(facilities::table).values(chunk);
        inserted += match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(inserted)
}

pub fn count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(facilities::table.count().get_result(conn)?)
}

pub fn counties(conn: &mut DbConn) -> Result<Vec<(String, i64)>, AppError> {
    Ok(facilities::table
        .group_by(facilities::county)
        .select((facilities::county, diesel::dsl::count_star()))
        .order(facilities::county.asc())
        .load(conn)?)
}

/// What the registry's search narrows by. `counties` and `only_ids` are the actor's scope (a coordinator's
/// counties, a supervisor's facilities); the rest is what the reader asked for.
#[derive(Debug, Clone, Default)]
pub struct FacilityFilter {
    pub search: Option<String>,
    pub county: Option<String>,
    pub sub_county: Option<String>,
    pub keph_level: Option<i32>,
    pub facility_type: Option<String>,
    pub owner_type: Option<String>,
    pub min_score: Option<i32>,
    pub eligible: Option<bool>,
    pub counties: Option<Vec<String>>,
    pub only_ids: Option<Vec<i64>>,
    /// The keyset cursor: the last (name, id) of the previous page.
    pub after: Option<(String, i64)>,
}

/// One page of the registry in (name, id) order, after the cursor: never OFFSET, so the thousandth page costs
/// what the first does. `today` decides eligibility (a lapsed recertification reads as not eligible).
pub fn search(
    conn: &mut DbConn,
    f: &FacilityFilter,
    today: chrono::NaiveDate,
    limit: i64,
) -> Result<Vec<Facility>, AppError> {
    use diesel::sql_types::Text;
    let mut q = facilities::table.into_boxed();
    if let Some(search) = &f.search {
        // `lower(…) LIKE lower(…)`: LIKE is case-insensitive on SQLite only.
        let pattern = format!("%{}%", search.to_lowercase().replace(['%', '_'], ""));
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(lower(facilities.name) LIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" OR lower(COALESCE(facilities.code, '')) LIKE ")
                .bind::<Text, _>(pattern.clone())
                .sql(" OR lower(facilities.registry_key) LIKE ")
                .bind::<Text, _>(pattern)
                .sql(")"),
        );
    }
    if let Some(c) = &f.county {
        q = q.filter(facilities::county.eq(c.clone()));
    }
    if let Some(c) = &f.sub_county {
        q = q.filter(facilities::sub_county.eq(c.clone()));
    }
    if let Some(l) = f.keph_level {
        q = q.filter(facilities::keph_level.eq(l));
    }
    if let Some(t) = &f.facility_type {
        q = q.filter(facilities::facility_type.eq(t.clone()));
    }
    if let Some(o) = &f.owner_type {
        q = q.filter(facilities::owner_type.eq(o.clone()));
    }
    if let Some(s) = f.min_score {
        q = q.filter(facilities::need_score.ge(s));
    }
    match f.eligible {
        Some(true) => q = q.filter(facilities::eligible.eq(true).and(facilities::eligible_until.ge(today))),
        Some(false) => {
            q = q.filter(
                facilities::eligible
                    .eq(false)
                    .or(facilities::eligible_until.is_null())
                    .or(facilities::eligible_until.lt(today)),
            )
        }
        None => {}
    }
    if let Some(counties) = &f.counties {
        q = q.filter(facilities::county.eq_any(counties.clone()));
    }
    if let Some(ids) = &f.only_ids {
        q = q.filter(facilities::id.eq_any(ids.clone()));
    }
    if let Some((name, id)) = &f.after {
        q = q.filter(
            facilities::name.gt(name.clone()).or(facilities::name.eq(name.clone()).and(facilities::id.gt(*id))),
        );
    }
    Ok(q.order((facilities::name.asc(), facilities::id.asc())).limit(limit).load(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Facility, AppError> {
    Ok(facilities::table.find(id).first(conn)?)
}

pub fn find_by_key(conn: &mut DbConn, registry_key: &str) -> Result<Facility, AppError> {
    Ok(facilities::table.filter(facilities::registry_key.eq(registry_key)).first(conn)?)
}

/// The facilities with these registry keys, by key (the CSV upload looks a file's codes up at once).
pub fn find_by_keys(
    conn: &mut DbConn,
    keys: &[String],
) -> Result<std::collections::HashMap<String, Facility>, AppError> {
    let mut found = std::collections::HashMap::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<Facility> =
            facilities::table.filter(facilities::registry_key.eq_any(chunk.to_vec())).load(conn)?;
        found.extend(rows.into_iter().map(|f| (f.registry_key.clone(), f)));
    }
    Ok(found)
}

/// The values the search form offers: the distinct types and owners (levels and counties are known lists).
pub fn distinct_types_and_owners(conn: &mut DbConn) -> Result<(Vec<String>, Vec<String>), AppError> {
    let types = facilities::table
        .select(facilities::facility_type)
        .distinct()
        .order(facilities::facility_type.asc())
        .load(conn)?;
    let owners =
        facilities::table.select(facilities::owner_type).distinct().order(facilities::owner_type.asc()).load(conn)?;
    Ok((types, owners))
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct NeedScoreEntry {
    pub id: i64,
    pub facility_id: i64,
    pub score: i32,
    pub source: String,
    pub effective_from: chrono::NaiveDate,
    pub recorded_by: Option<i64>,
    pub recorded_at: chrono::NaiveDateTime,
}

/// A facility's need-score history, newest effective date first (ties: the later entry first).
pub fn need_score_history(conn: &mut DbConn, facility_id: i64) -> Result<Vec<NeedScoreEntry>, AppError> {
    Ok(facility_need_scores::table
        .filter(facility_need_scores::facility_id.eq(facility_id))
        .order((facility_need_scores::effective_from.desc(), facility_need_scores::id.desc()))
        .load(conn)?)
}

pub fn insert_need_score(
    conn: &mut DbConn,
    facility_id: i64,
    score: i32,
    source: &str,
    effective_from: chrono::NaiveDate,
    recorded_by: Option<i64>,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(facility_need_scores::table)
        .values((
            facility_need_scores::facility_id.eq(facility_id),
            facility_need_scores::score.eq(score),
            facility_need_scores::source.eq(source),
            facility_need_scores::effective_from.eq(effective_from),
            facility_need_scores::recorded_by.eq(recorded_by),
            facility_need_scores::recorded_at.eq(super::now()),
        ))
        .returning(facility_need_scores::id)
        .get_result(conn)?)
}

/// Copies the history's current entry (latest effective date, ties: latest id) onto the facility's row and
/// moves its version on, if the row is still at `version`; 0 rows means someone changed it meanwhile.
pub fn refresh_current_score(conn: &mut DbConn, facility_id: i64, version: i32) -> Result<usize, AppError> {
    let current = need_score_history(conn, facility_id)?.into_iter().next();
    let (score, source, effective) = match current {
        Some(e) => (Some(e.score), e.source, Some(e.effective_from)),
        None => (None, String::new(), None),
    };
    Ok(diesel::update(facilities::table.filter(facilities::id.eq(facility_id)).filter(facilities::version.eq(version)))
        .set((
            facilities::need_score.eq(score),
            facilities::need_score_source.eq(source),
            facilities::need_score_effective.eq(effective),
            facilities::version.eq(version + 1),
        ))
        .execute(conn)?)
}

/// Records eligibility, if the row is still at `version`; 0 rows means someone changed it meanwhile.
pub fn set_eligibility(
    conn: &mut DbConn,
    facility_id: i64,
    version: i32,
    eligible: bool,
    until: Option<chrono::NaiveDate>,
) -> Result<usize, AppError> {
    Ok(diesel::update(facilities::table.filter(facilities::id.eq(facility_id)).filter(facilities::version.eq(version)))
        .set((
            facilities::eligible.eq(eligible),
            facilities::eligible_until.eq(until),
            facilities::version.eq(version + 1),
        ))
        .execute(conn)?)
}

/// A facility's id and the registry fields the demo rule reads: KEPH level, owner type, beds.
pub type RuleFigures = (i64, Option<i32>, String, i32);

/// The registry fields the demo rule reads, of every facility that has no need score yet.
pub fn without_need_score(conn: &mut DbConn) -> Result<Vec<RuleFigures>, AppError> {
    Ok(facilities::table
        .filter(facilities::need_score.is_null())
        .select((facilities::id, facilities::keph_level, facilities::owner_type, facilities::beds))
        .order(facilities::id.asc())
        .load(conn)?)
}

/// A need-score entry written in bulk (the demo's seeding).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = facility_need_scores)]
pub struct NewNeedScore {
    pub facility_id: i64,
    pub score: i32,
    pub source: String,
    pub effective_from: chrono::NaiveDate,
    pub recorded_by: Option<i64>,
    pub recorded_at: chrono::NaiveDateTime,
}

pub fn insert_need_scores(conn: &mut DbConn, rows: &[NewNeedScore]) -> Result<usize, AppError> {
    let mut inserted = 0;
    // Multi-row INSERT does not cross the multi-backend connection, so it is sent to each backend directly.
    for chunk in rows.chunks(500) {
        let insert = diesel::insert_into(facility_need_scores::table).values(chunk);
        inserted += match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(inserted)
}

/// Sets the same current score and eligibility on many facilities at once (the demo's seeding groups
/// facilities by score, so a few statements cover the whole registry).
pub fn set_current_in_bulk(
    conn: &mut DbConn,
    ids: &[i64],
    score: i32,
    source: &str,
    effective: chrono::NaiveDate,
    eligible: bool,
    until: Option<chrono::NaiveDate>,
) -> Result<usize, AppError> {
    let mut updated = 0;
    for chunk in ids.chunks(500) {
        updated += diesel::update(facilities::table.filter(facilities::id.eq_any(chunk.to_vec())))
            .set((
                facilities::need_score.eq(Some(score)),
                facilities::need_score_source.eq(source),
                facilities::need_score_effective.eq(Some(effective)),
                facilities::eligible.eq(eligible),
                facilities::eligible_until.eq(until),
                facilities::version.eq(facilities::version + 1),
            ))
            .execute(conn)?;
    }
    Ok(updated)
}

/// A supervisor attached to a facility.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct SupervisorLink {
    pub user_id: i64,
    pub full_name: String,
    pub email: String,
    pub facility_id: i64,
    pub facility_name: String,
    pub registry_key: String,
    pub county: String,
}

fn links() -> diesel::helper_types::InnerJoin<
    diesel::helper_types::InnerJoin<facility_supervisors::table, users::table>,
    facilities::table,
> {
    facility_supervisors::table.inner_join(users::table).inner_join(facilities::table)
}

const LINK_COLUMNS: (
    users::id,
    users::full_name,
    users::email,
    facilities::id,
    facilities::name,
    facilities::registry_key,
    facilities::county,
) = (
    users::id,
    users::full_name,
    users::email,
    facilities::id,
    facilities::name,
    facilities::registry_key,
    facilities::county,
);

pub fn supervisors_of(conn: &mut DbConn, facility_id: i64) -> Result<Vec<SupervisorLink>, AppError> {
    Ok(links()
        .filter(facility_supervisors::facility_id.eq(facility_id))
        .select(LINK_COLUMNS)
        .order(users::full_name.asc())
        .load(conn)?)
}

pub fn all_supervisor_links(conn: &mut DbConn) -> Result<Vec<SupervisorLink>, AppError> {
    Ok(links().select(LINK_COLUMNS).order((users::full_name.asc(), facilities::name.asc())).load(conn)?)
}

/// The facilities a supervisor answers for.
pub fn facilities_of_supervisor(conn: &mut DbConn, user_id: i64) -> Result<Vec<i64>, AppError> {
    Ok(facility_supervisors::table
        .filter(facility_supervisors::user_id.eq(user_id))
        .select(facility_supervisors::facility_id)
        .load(conn)?)
}

pub fn is_supervisor_of(conn: &mut DbConn, user_id: i64, facility_id: i64) -> Result<bool, AppError> {
    let n: i64 = facility_supervisors::table
        .filter(facility_supervisors::user_id.eq(user_id))
        .filter(facility_supervisors::facility_id.eq(facility_id))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn attach_supervisor(conn: &mut DbConn, user_id: i64, facility_id: i64, by: i64) -> Result<usize, AppError> {
    if is_supervisor_of(conn, user_id, facility_id)? {
        return Ok(0);
    }
    Ok(diesel::insert_into(facility_supervisors::table)
        .values((
            facility_supervisors::user_id.eq(user_id),
            facility_supervisors::facility_id.eq(facility_id),
            facility_supervisors::assigned_by.eq(by),
            facility_supervisors::assigned_at.eq(super::now()),
        ))
        .execute(conn)?)
}

pub fn detach_supervisor(conn: &mut DbConn, user_id: i64, facility_id: i64) -> Result<usize, AppError> {
    Ok(diesel::delete(
        facility_supervisors::table
            .filter(facility_supervisors::user_id.eq(user_id))
            .filter(facility_supervisors::facility_id.eq(facility_id)),
    )
    .execute(conn)?)
}

/// Replaces the counties a placement coordinator is limited to (none: every county).
pub fn set_coordinator_counties(conn: &mut DbConn, user_id: i64, counties: &[String]) -> Result<(), AppError> {
    diesel::delete(coordinator_counties::table.filter(coordinator_counties::user_id.eq(user_id))).execute(conn)?;
    for county in counties {
        diesel::insert_into(coordinator_counties::table)
            .values((coordinator_counties::user_id.eq(user_id), coordinator_counties::county.eq(county)))
            .execute(conn)?;
    }
    Ok(())
}

/// A scholar placed at a facility by a published run, as the facility's supervisor sees them.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct PlacedScholar {
    pub facility_id: i64,
    pub full_name: String,
    pub reference: Option<String>,
    pub cycle_title: String,
    pub cadre: String,
    pub service_start_from: chrono::NaiveDate,
    pub service_start_until: chrono::NaiveDate,
    /// The placement record's status (published, accepted, started…).
    pub status: String,
}

/// The scholars whose live placement record is at these facilities (a declined or lapsed one frees the seat
/// and is not listed), by facility and name. Placement records exist only once a run is published.
pub fn placed_at(conn: &mut DbConn, facility_ids: &[i64]) -> Result<Vec<PlacedScholar>, AppError> {
    use crate::domain::placement_state::PlacementStatus;
    use crate::schema::{applications, awards, cycle_scholars, placement_cycles, placements};
    Ok(placements::table
        .inner_join(cycle_scholars::table.inner_join(placement_cycles::table))
        .inner_join(awards::table.inner_join(applications::table))
        .filter(placements::facility_id.eq_any(facility_ids.to_vec()))
        .filter(placements::status.eq_any(PlacementStatus::LIVE))
        .select((
            placements::facility_id,
            applications::full_name,
            applications::reference,
            placement_cycles::title,
            placement_cycles::cadre,
            placement_cycles::service_start_from,
            placement_cycles::service_start_until,
            placements::status,
        ))
        .order((placements::facility_id.asc(), applications::full_name.asc()))
        .load(conn)?)
}
