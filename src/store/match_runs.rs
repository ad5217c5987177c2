//! Match runs and published placements: the rows, the facts of a cycle the engine's instance is built from,
//! and the guarded updates that move a run (computed, proposed, published) exactly once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::exactly_one;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{
    applications, awards, cycle_region_caps, cycle_scholars, facilities, match_runs, placement_cycles, placements,
    scholar_choices, users, vacancies,
};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Run {
    pub id: i64,
    pub cycle_id: i64,
    pub algorithm: String,
    pub proposing: String,
    pub seed: i64,
    pub status: String,
    #[serde(skip)]
    pub input: Option<String>,
    #[serde(skip)]
    pub report: Option<String>,
    pub error: Option<String>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub proposed_by: Option<i64>,
    pub proposed_at: Option<NaiveDateTime>,
    pub published_by: Option<i64>,
    pub published_at: Option<NaiveDateTime>,
    pub version: i32,
    /// 1 for a cycle's main run, 2 for a second round over freed seats.
    pub round: i32,
}

pub struct NewRun<'a> {
    pub cycle_id: i64,
    pub algorithm: &'a str,
    pub proposing: &'a str,
    pub seed: i64,
    pub input: &'a str,
    pub created_by: i64,
}

pub fn insert(conn: &mut DbConn, run: &NewRun) -> Result<i64, AppError> {
    Ok(diesel::insert_into(match_runs::table)
        .values((
            match_runs::cycle_id.eq(run.cycle_id),
            match_runs::algorithm.eq(run.algorithm),
            match_runs::proposing.eq(run.proposing),
            match_runs::seed.eq(run.seed),
            match_runs::status.eq("queued"),
            match_runs::input.eq(run.input),
            match_runs::created_by.eq(run.created_by),
            match_runs::created_at.eq(super::now()),
        ))
        .returning(match_runs::id)
        .get_result(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Run, AppError> {
    Ok(match_runs::table.find(id).first(conn)?)
}

/// A cycle's runs, newest first, for lists: without the frozen input and the report, which weigh tens of
/// megabytes each for a national cycle (`find` reads a whole run).
pub fn of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<Run>, AppError> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Nullable, Text};
    Ok(match_runs::table
        .filter(match_runs::cycle_id.eq(cycle_id))
        .order(match_runs::id.desc())
        .select((
            match_runs::id,
            match_runs::cycle_id,
            match_runs::algorithm,
            match_runs::proposing,
            match_runs::seed,
            match_runs::status,
            sql::<Nullable<Text>>("NULL"),
            sql::<Nullable<Text>>("NULL"),
            match_runs::error,
            match_runs::created_by,
            match_runs::created_at,
            match_runs::finished_at,
            match_runs::proposed_by,
            match_runs::proposed_at,
            match_runs::published_by,
            match_runs::published_at,
            match_runs::version,
            match_runs::round,
        ))
        .load(conn)?)
}

/// The run published for a cycle, if any.
pub fn published_of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Option<Run>, AppError> {
    Ok(match_runs::table
        .filter(match_runs::cycle_id.eq(cycle_id))
        .filter(match_runs::status.eq("published"))
        .first(conn)
        .optional()?)
}

/// Stores a queued run's outcome: the report (`done`) or the engine's message (`failed`). A run that is no
/// longer queued (already computed by another worker) is left alone: returns false.
pub fn finish(conn: &mut DbConn, id: i64, outcome: Result<&str, &str>, at: NaiveDateTime) -> Result<bool, AppError> {
    let target = match_runs::table.filter(match_runs::id.eq(id)).filter(match_runs::status.eq("queued"));
    let rows = match outcome {
        Ok(report) => diesel::update(target)
            .set((
                match_runs::status.eq("done"),
                match_runs::report.eq(report),
                match_runs::finished_at.eq(at),
                match_runs::version.eq(match_runs::version + 1),
            ))
            .execute(conn)?,
        Err(message) => diesel::update(target)
            .set((
                match_runs::status.eq("failed"),
                match_runs::error.eq(message),
                match_runs::finished_at.eq(at),
                match_runs::version.eq(match_runs::version + 1),
            ))
            .execute(conn)?,
    };
    Ok(rows == 1)
}

/// `done` → `proposed`, on the version shown.
pub fn propose(conn: &mut DbConn, id: i64, version: i32, by: i64, at: NaiveDateTime) -> Result<(), AppError> {
    let rows = diesel::update(
        match_runs::table
            .filter(match_runs::id.eq(id))
            .filter(match_runs::status.eq("done"))
            .filter(match_runs::version.eq(version)),
    )
    .set((
        match_runs::status.eq("proposed"),
        match_runs::proposed_by.eq(by),
        match_runs::proposed_at.eq(at),
        match_runs::version.eq(match_runs::version + 1),
    ))
    .execute(conn)?;
    exactly_one(rows, "error-conflict-stale")
}

/// `proposed` → `published`, on the version shown, by someone other than the proposer.
pub fn publish(conn: &mut DbConn, id: i64, version: i32, by: i64, at: NaiveDateTime) -> Result<(), AppError> {
    let rows = diesel::update(
        match_runs::table
            .filter(match_runs::id.eq(id))
            .filter(match_runs::status.eq("proposed"))
            .filter(match_runs::version.eq(version))
            .filter(match_runs::proposed_by.ne(by)),
    )
    .set((
        match_runs::status.eq("published"),
        match_runs::published_by.eq(by),
        match_runs::published_at.eq(at),
        match_runs::version.eq(match_runs::version + 1),
    ))
    .execute(conn)?;
    exactly_one(rows, "error-conflict-stale")
}

/// An open cycle becomes published, on the version read in the same transaction: of two publications of one
/// cycle only the first wins.
pub fn publish_cycle(conn: &mut DbConn, cycle_id: i64, version: i32) -> Result<(), AppError> {
    let rows = diesel::update(
        placement_cycles::table
            .filter(placement_cycles::id.eq(cycle_id))
            .filter(placement_cycles::status.eq("open"))
            .filter(placement_cycles::version.eq(version)),
    )
    .set((placement_cycles::status.eq("published"), placement_cycles::version.eq(placement_cycles::version + 1)))
    .execute(conn)?;
    exactly_one(rows, "run-error-cycle-published")
}

/// One scholar of a cycle with what the instance and the pages need.
#[derive(Debug, Clone, Queryable)]
pub struct CycleScholar {
    pub id: i64,
    pub award_id: i64,
    pub priority_tier: i32,
    pub score_hundredths: Option<i32>,
    pub allowed_counties: Option<String>,
    pub partner_request: Option<i64>,
    /// The award's reference: its application's.
    pub reference: Option<String>,
    pub name: String,
    pub email: String,
    pub language: String,
    pub user_id: i64,
}

type ScholarColumns = (
    cycle_scholars::id,
    cycle_scholars::award_id,
    cycle_scholars::priority_tier,
    cycle_scholars::score_hundredths,
    cycle_scholars::allowed_counties,
    cycle_scholars::partner_request,
    applications::reference,
    applications::full_name,
    users::email,
    users::language,
    users::id,
);

const SCHOLAR_COLUMNS: ScholarColumns = (
    cycle_scholars::id,
    cycle_scholars::award_id,
    cycle_scholars::priority_tier,
    cycle_scholars::score_hundredths,
    cycle_scholars::allowed_counties,
    cycle_scholars::partner_request,
    applications::reference,
    applications::full_name,
    users::email,
    users::language,
    users::id,
);

/// The cycle's included scholars, by reference.
pub fn included_scholars(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<CycleScholar>, AppError> {
    scholars(conn, cycle_id, true)
}

/// Every scholar of the cycle, taken out or not (the names of a run computed before a change).
pub fn all_scholars(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<CycleScholar>, AppError> {
    scholars(conn, cycle_id, false)
}

fn scholars(conn: &mut DbConn, cycle_id: i64, only_included: bool) -> Result<Vec<CycleScholar>, AppError> {
    let mut query = cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table.inner_join(users::table)))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .order((applications::reference.asc(), cycle_scholars::id.asc()))
        .select(SCHOLAR_COLUMNS)
        .into_boxed();
    if only_included {
        query = query.filter(cycle_scholars::included.eq(true));
    }
    Ok(query.load(conn)?)
}

/// The actor's own membership of a cycle, as a scholar.
pub fn scholar_of_user(conn: &mut DbConn, cycle_id: i64, user_id: i64) -> Result<Option<CycleScholar>, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table.inner_join(users::table)))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(users::id.eq(user_id))
        .select(SCHOLAR_COLUMNS)
        .first(conn)
        .optional()?)
}

/// Every (cycle scholar, rank, registry key) of the cycle's choices, by scholar then rank.
pub fn choices(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(i64, i32, String)>, AppError> {
    Ok(scholar_choices::table
        .inner_join(cycle_scholars::table)
        .inner_join(facilities::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .order((scholar_choices::cycle_scholar_id.asc(), scholar_choices::rank.asc()))
        .select((scholar_choices::cycle_scholar_id, scholar_choices::rank, facilities::registry_key))
        .load(conn)?)
}

/// A facility as the instance and the pages see it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct FacilityFacts {
    pub id: i64,
    pub registry_key: String,
    pub name: String,
    pub county: String,
    pub need_score: Option<i32>,
    pub eligible: bool,
    pub eligible_until: Option<NaiveDate>,
}

type FacilityColumns = (
    facilities::id,
    facilities::registry_key,
    facilities::name,
    facilities::county,
    facilities::need_score,
    facilities::eligible,
    facilities::eligible_until,
);

const FACILITY_COLUMNS: FacilityColumns = (
    facilities::id,
    facilities::registry_key,
    facilities::name,
    facilities::county,
    facilities::need_score,
    facilities::eligible,
    facilities::eligible_until,
);

/// The cycle's vacancies: each facility with its seats.
pub fn vacancies(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(FacilityFacts, i32)>, AppError> {
    Ok(vacancies::table
        .inner_join(facilities::table)
        .filter(vacancies::cycle_id.eq(cycle_id))
        .select((FACILITY_COLUMNS, vacancies::seats))
        .load(conn)?)
}

/// Facilities by registry key (those a list names).
pub fn facilities_by_key(conn: &mut DbConn, keys: &[String]) -> Result<Vec<FacilityFacts>, AppError> {
    let mut found = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(500) {
        found.extend(
            facilities::table
                .filter(facilities::registry_key.eq_any(chunk))
                .select(FACILITY_COLUMNS)
                .load::<FacilityFacts>(conn)?,
        );
    }
    Ok(found)
}

pub fn region_caps(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(String, i32)>, AppError> {
    Ok(cycle_region_caps::table
        .filter(cycle_region_caps::cycle_id.eq(cycle_id))
        .order(cycle_region_caps::county)
        .select((cycle_region_caps::county, cycle_region_caps::cap))
        .load(conn)?)
}

pub struct NewPlacement {
    pub cycle_scholar_id: i64,
    pub award_id: i64,
    pub facility_id: i64,
    pub choice_rank: i32,
}

pub fn insert_placements(
    conn: &mut DbConn,
    run_id: i64,
    rows: &[NewPlacement],
    at: NaiveDateTime,
) -> Result<(), AppError> {
    for p in rows {
        diesel::insert_into(placements::table)
            .values((
                placements::run_id.eq(run_id),
                placements::cycle_scholar_id.eq(p.cycle_scholar_id),
                placements::award_id.eq(p.award_id),
                placements::facility_id.eq(p.facility_id),
                placements::choice_rank.eq(p.choice_rank),
                placements::published_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A published placement as the API lists it.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct PlacementRow {
    pub id: i64,
    pub run_id: Option<i64>,
    pub award_id: i64,
    pub reference: Option<String>,
    pub facility: String,
    pub facility_name: String,
    pub county: String,
    pub choice_rank: Option<i32>,
    pub published_at: NaiveDateTime,
    /// The record's status (`domain::placement_state`): a declined, lapsed or reassigned record stays listed.
    pub status: String,
}

/// The placements of a cycle; only the given user's when `user_id` is set.
pub fn placements_of_cycle(
    conn: &mut DbConn,
    cycle_id: i64,
    user_id: Option<i64>,
) -> Result<Vec<PlacementRow>, AppError> {
    let mut query = placements::table
        .inner_join(cycle_scholars::table)
        .inner_join(facilities::table)
        .inner_join(awards::table.inner_join(applications::table))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .select((
            placements::id,
            placements::run_id,
            placements::award_id,
            applications::reference,
            facilities::registry_key,
            facilities::name,
            facilities::county,
            placements::choice_rank,
            placements::published_at,
            placements::status,
        ))
        .order((applications::reference.asc(), placements::id.asc()))
        .into_boxed();
    if let Some(user) = user_id {
        query = query.filter(applications::applicant_id.eq(user));
    }
    Ok(query.load(conn)?)
}

/// The cycles the user is a scholar of (for the API's scoping).
pub fn user_in_cycle(conn: &mut DbConn, cycle_id: i64, user_id: i64) -> Result<bool, AppError> {
    Ok(scholar_of_user(conn, cycle_id, user_id)?.is_some())
}
