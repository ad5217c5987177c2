//! Match runs and published placements: the rows, the facts of a cycle the engine's instance is built from,
//! and the guarded updates that move a run (computed, proposed, published) exactly once.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::exactly_one;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{
    applications, awards, cycle_region_caps, cycle_scholars, facilities, match_run_files, match_run_lines, match_runs,
    placement_cycles, placements, scholar_choices, users, vacancies,
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
    /// The report's figures as JSON (`service::match_runs::RunSummary`), kept when the run is computed.
    #[serde(skip)]
    pub summary: Option<String>,
    /// A second round's answer deadline for the placements it makes (the main run's is the cycle's).
    pub answer_deadline: Option<NaiveDateTime>,
}

pub struct NewRun<'a> {
    pub cycle_id: i64,
    pub algorithm: &'a str,
    pub proposing: &'a str,
    pub seed: i64,
    pub input: &'a str,
    pub created_by: i64,
    pub round: i32,
    pub answer_deadline: Option<NaiveDateTime>,
}

/// A run's columns without the frozen input and the report, which weigh tens of megabytes each for a national
/// cycle: what lists and a run's page read (`find` reads a whole run).
macro_rules! run_columns {
    ($input:expr, $report:expr) => {
        (
            match_runs::id,
            match_runs::cycle_id,
            match_runs::algorithm,
            match_runs::proposing,
            match_runs::seed,
            match_runs::status,
            $input,
            $report,
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
            match_runs::summary,
            match_runs::answer_deadline,
        )
    };
}

/// A run's columns without its files (read as `None`).
macro_rules! run_without_files {
    () => {
        run_columns!(
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>("NULL"),
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>("NULL")
        )
    };
}

pub fn insert(conn: &mut DbConn, run: &NewRun) -> Result<i64, AppError> {
    let id = diesel::insert_into(match_runs::table)
        .values((
            match_runs::cycle_id.eq(run.cycle_id),
            match_runs::algorithm.eq(run.algorithm),
            match_runs::proposing.eq(run.proposing),
            match_runs::seed.eq(run.seed),
            match_runs::status.eq("queued"),
            match_runs::created_by.eq(run.created_by),
            match_runs::created_at.eq(super::now()),
            match_runs::round.eq(run.round),
            match_runs::answer_deadline.eq(run.answer_deadline),
        ))
        .returning(match_runs::id)
        .get_result(conn)?;
    diesel::insert_into(match_run_files::table)
        .values((match_run_files::run_id.eq(id), match_run_files::input.eq(run.input)))
        .execute(conn)?;
    Ok(id)
}

/// A whole run, with its input and report (tens of megabytes for a national cycle: pages read
/// [`find_without_files`]).
pub fn find(conn: &mut DbConn, id: i64) -> Result<Run, AppError> {
    Ok(match_runs::table
        .inner_join(match_run_files::table)
        .filter(match_runs::id.eq(id))
        .select(run_columns!(match_run_files::input.nullable(), match_run_files::report))
        .first(conn)?)
}

/// A cycle's runs, newest first, for lists, without their files.
pub fn of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<Run>, AppError> {
    Ok(match_runs::table
        .filter(match_runs::cycle_id.eq(cycle_id))
        .order(match_runs::id.desc())
        .select(run_without_files!())
        .load(conn)?)
}

/// One run without its files (`input` and `report` read as `None`).
pub fn find_without_files(conn: &mut DbConn, id: i64) -> Result<Run, AppError> {
    Ok(match_runs::table.find(id).select(run_without_files!()).first(conn)?)
}

/// The runs published for a cycle (its main run, and a second round if any), the second round first, without
/// their files.
pub fn published_of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<Run>, AppError> {
    Ok(match_runs::table
        .filter(match_runs::cycle_id.eq(cycle_id))
        .filter(match_runs::status.eq("published"))
        .order(match_runs::round.desc())
        .select(run_without_files!())
        .load(conn)?)
}

/// Whether a computed run has a line (placed or not) for the scholar.
pub fn holds_scholar(conn: &mut DbConn, run_id: i64, cycle_scholar_id: i64) -> Result<bool, AppError> {
    Ok(diesel::select(diesel::dsl::exists(
        match_run_lines::table
            .filter(match_run_lines::run_id.eq(run_id))
            .filter(match_run_lines::cycle_scholar_id.eq(cycle_scholar_id)),
    ))
    .get_result(conn)?)
}

/// Stores a queued run's outcome: the report (`done`) or the engine's message (`failed`). A run that is no
/// longer queued (already computed by another worker) is left alone: returns false.
pub fn finish(
    conn: &mut DbConn,
    id: i64,
    outcome: Result<(&str, &str), &str>,
    at: NaiveDateTime,
) -> Result<bool, AppError> {
    let target = match_runs::table.filter(match_runs::id.eq(id)).filter(match_runs::status.eq("queued"));
    let rows = match outcome {
        Ok((report, summary)) => {
            let rows = diesel::update(target)
                .set((
                    match_runs::status.eq("done"),
                    match_runs::summary.eq(summary),
                    match_runs::finished_at.eq(at),
                    match_runs::version.eq(match_runs::version + 1),
                ))
                .execute(conn)?;
            if rows == 1 {
                diesel::update(match_run_files::table.find(id))
                    .set(match_run_files::report.eq(report))
                    .execute(conn)?;
            }
            rows
        }
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

/// Bumps a published cycle's version, on the version read in the same transaction: two second rounds
/// published at once queue on the cycle's row, and only the first finds its version.
pub fn touch_published_cycle(conn: &mut DbConn, cycle_id: i64, version: i32) -> Result<(), AppError> {
    let rows = diesel::update(
        placement_cycles::table
            .filter(placement_cycles::id.eq(cycle_id))
            .filter(placement_cycles::status.eq("published"))
            .filter(placement_cycles::version.eq(version)),
    )
    .set(placement_cycles::version.eq(placement_cycles::version + 1))
    .execute(conn)?;
    exactly_one(rows, "error-conflict-stale")
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

/// Every (cycle scholar, facility id) of the cycle's choices, by scholar then rank: ids only: a national cycle
/// has two million, and the caller maps the few thousand facility ids to their registry keys once.
pub fn choices(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(scholar_choices::table
        .inner_join(cycle_scholars::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .order((scholar_choices::cycle_scholar_id.asc(), scholar_choices::rank.asc()))
        .select((scholar_choices::cycle_scholar_id, scholar_choices::facility_id))
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

/// Facilities by id.
pub fn facilities_by_id(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<FacilityFacts>, AppError> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1_000) {
        found.extend(
            facilities::table
                .filter(facilities::id.eq_any(chunk))
                .select(FACILITY_COLUMNS)
                .load::<FacilityFacts>(conn)?,
        );
    }
    Ok(found)
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

/// Where a run's placements come from: the main run, or a second round with its own answer deadline.
pub enum RunOrigin {
    Main,
    SecondRound { answer_by: NaiveDateTime },
}

pub fn insert_placements(
    conn: &mut DbConn,
    run_id: i64,
    rows: &[NewPlacement],
    at: NaiveDateTime,
    origin: &RunOrigin,
) -> Result<(), AppError> {
    let (origin, answer_by) = match origin {
        RunOrigin::Main => ("run", None),
        RunOrigin::SecondRound { answer_by } => ("second_round", Some(*answer_by)),
    };
    for p in rows {
        diesel::insert_into(placements::table)
            .values((
                placements::run_id.eq(run_id),
                placements::cycle_scholar_id.eq(p.cycle_scholar_id),
                placements::award_id.eq(p.award_id),
                placements::facility_id.eq(p.facility_id),
                placements::choice_rank.eq(p.choice_rank),
                placements::published_at.eq(at),
                placements::origin.eq(origin),
                placements::answer_by.eq(answer_by),
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

/// One scholar's line of a computed run.
#[derive(Debug, Clone)]
pub struct NewRunLine {
    pub run_id: i64,
    pub position: i32,
    pub cycle_scholar_id: i64,
    pub reference: String,
    pub facility_id: Option<i64>,
    pub choice_rank: Option<i32>,
    pub reason: Option<String>,
}

/// Writes a run's lines, a few hundred rows per statement (under both backends' limits on bound values).
/// A multi-row INSERT does not cross the multi-backend connection, so each backend is called directly; values
/// are bound one by one (a `None` as NULL: SQLite's multi-row INSERT has no DEFAULT).
pub fn insert_lines(conn: &mut DbConn, lines: &[NewRunLine]) -> Result<(), AppError> {
    for chunk in lines.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|l| {
                (
                    match_run_lines::run_id.eq(l.run_id),
                    match_run_lines::position.eq(l.position),
                    match_run_lines::cycle_scholar_id.eq(l.cycle_scholar_id),
                    match_run_lines::reference.eq(&l.reference),
                    match_run_lines::facility_id.eq(l.facility_id),
                    match_run_lines::choice_rank.eq(l.choice_rank),
                    match_run_lines::reason.eq(l.reason.as_deref()),
                )
            })
            .collect();
        let insert = diesel::insert_into(match_run_lines::table).values(&rows);
        match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(())
}

/// A run's line as its page shows it, with the scholar's and the facility's names.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct RunLine {
    pub position: i32,
    pub reference: String,
    pub name: String,
    pub facility: Option<String>,
    pub facility_name: Option<String>,
    pub choice_rank: Option<i32>,
    pub reason: Option<String>,
}

/// The lines of a run with positions in `from..to`, in order: one page, read by the primary key.
pub fn lines(conn: &mut DbConn, run_id: i64, from: i32, to: i32) -> Result<Vec<RunLine>, AppError> {
    Ok(match_run_lines::table
        .inner_join(cycle_scholars::table.inner_join(awards::table.inner_join(applications::table)))
        .left_join(facilities::table)
        .filter(match_run_lines::run_id.eq(run_id))
        .filter(match_run_lines::position.ge(from))
        .filter(match_run_lines::position.lt(to))
        .order(match_run_lines::position.asc())
        .select((
            match_run_lines::position,
            match_run_lines::reference,
            applications::full_name,
            facilities::registry_key.nullable(),
            facilities::name.nullable(),
            match_run_lines::choice_rank,
            match_run_lines::reason,
        ))
        .load(conn)?)
}

/// Each scholar of a cycle by the reference the engine knows them by (the application's reference).
/// Rows: (reference, award id, cycle scholar id).
pub fn scholar_ids(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(Option<String>, i64, i64)>, AppError> {
    Ok(cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .select((applications::reference, cycle_scholars::award_id, cycle_scholars::id))
        .load(conn)?)
}
