//! Placement records after publication: the scholar's live record, its guarded moves through
//! `domain::placement_state`, and the new record a reassignment, swap or transfer makes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use super::exactly_one;
use crate::db::DbConn;
use crate::domain::placement_state::{PlacementEvent, PlacementStatus};
use crate::error::AppError;
use crate::schema::placements;

/// One placement record, every column.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Placement {
    pub id: i64,
    pub run_id: Option<i64>,
    pub cycle_scholar_id: i64,
    pub award_id: i64,
    pub facility_id: i64,
    pub choice_rank: Option<i32>,
    pub published_at: NaiveDateTime,
    pub origin: String,
    pub previous_id: Option<i64>,
    pub status: String,
    pub answered_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
    pub started_on: Option<NaiveDate>,
    pub start_confirmed_by: Option<i64>,
    pub start_late: bool,
    pub ended_on: Option<NaiveDate>,
    pub version: i32,
    /// The answer deadline of a second round's placement; `None`: the cycle's acceptance deadline.
    pub answer_by: Option<NaiveDateTime>,
}

impl Placement {
    /// The record's status as the domain knows it.
    pub fn state(&self) -> Result<PlacementStatus, AppError> {
        PlacementStatus::parse(&self.status)
            .ok_or_else(|| AppError::Internal(format!("placement {} has unknown status {}", self.id, self.status)))
    }
}

/// The columns a move may set besides the status (`None` leaves a column as it is).
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = placements)]
pub struct PlacementFacts {
    pub answered_at: Option<NaiveDateTime>,
    pub decline_reason: Option<String>,
    pub started_on: Option<NaiveDate>,
    pub start_confirmed_by: Option<i64>,
    pub start_late: Option<bool>,
    pub ended_on: Option<NaiveDate>,
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Placement, AppError> {
    placements::table.find(id).first(conn).optional()?.ok_or(AppError::NotFound)
}

/// The scholar's current record in a cycle, if any (at most one, by the `placements_live` index).
pub fn live_of(conn: &mut DbConn, cycle_scholar_id: i64) -> Result<Option<Placement>, AppError> {
    Ok(placements::table
        .filter(placements::cycle_scholar_id.eq(cycle_scholar_id))
        .filter(placements::status.eq_any(PlacementStatus::LIVE))
        .first(conn)
        .optional()?)
}

/// Every record of a scholar in a cycle, oldest first: the history a scholar and a coordinator read.
pub fn history_of(conn: &mut DbConn, cycle_scholar_id: i64) -> Result<Vec<Placement>, AppError> {
    Ok(placements::table
        .filter(placements::cycle_scholar_id.eq(cycle_scholar_id))
        .order(placements::id.asc())
        .load(conn)?)
}

/// Moves a record by `event` if it is still at `version` in the state read: exactly one of two people deciding
/// at once succeeds, the other gets `placement-error-changed`. Returns the new state.
pub fn apply(
    conn: &mut DbConn,
    placement: &Placement,
    event: PlacementEvent,
    facts: &PlacementFacts,
) -> Result<PlacementStatus, AppError> {
    let to = placement.state()?.next(event).map_err(|_| AppError::Conflict("placement-error-state".into()))?;
    let target = placements::table
        .filter(placements::id.eq(placement.id))
        .filter(placements::version.eq(placement.version))
        .filter(placements::status.eq(&placement.status));
    let rows = if has_facts(facts) {
        diesel::update(target)
            .set((placements::status.eq(to.as_str()), placements::version.eq(placement.version + 1), facts))
            .execute(conn)?
    } else {
        diesel::update(target)
            .set((placements::status.eq(to.as_str()), placements::version.eq(placement.version + 1)))
            .execute(conn)?
    };
    exactly_one(rows, "placement-error-changed")?;
    Ok(to)
}

/// Diesel refuses an empty changeset, so a move with no facts sets the status alone.
fn has_facts(f: &PlacementFacts) -> bool {
    f.answered_at.is_some()
        || f.decline_reason.is_some()
        || f.started_on.is_some()
        || f.start_confirmed_by.is_some()
        || f.start_late.is_some()
        || f.ended_on.is_some()
}

/// What a new record that replaces `previous` says.
pub struct Successor<'a> {
    pub facility_id: i64,
    /// `appeal`, `swap`, `second_round` or `transfer`.
    pub origin: &'a str,
    pub status: PlacementStatus,
    pub choice_rank: Option<i32>,
    pub started_on: Option<NaiveDate>,
}

/// Writes the record that replaces `previous` (whose own move the caller applies first, so that the live index
/// never holds two). Returns its id.
pub fn insert_successor(
    conn: &mut DbConn,
    previous: &Placement,
    next: &Successor,
    at: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(placements::table)
        .values((
            placements::run_id.eq(previous.run_id),
            placements::cycle_scholar_id.eq(previous.cycle_scholar_id),
            placements::award_id.eq(previous.award_id),
            placements::facility_id.eq(next.facility_id),
            placements::choice_rank.eq(next.choice_rank),
            placements::published_at.eq(at),
            placements::origin.eq(next.origin),
            placements::previous_id.eq(previous.id),
            placements::status.eq(next.status.as_str()),
            placements::answered_at.eq(previous.answered_at),
            placements::started_on.eq(next.started_on),
            // A record moved before it was answered keeps its deadline.
            placements::answer_by.eq(previous.answer_by),
        ))
        .returning(placements::id)
        .get_result(conn)?)
}

/// How many live records each facility holds in a cycle (the seats taken), for the given facilities.
pub fn seats_taken(conn: &mut DbConn, cycle_id: i64, facility_ids: &[i64]) -> Result<Vec<(i64, i64)>, AppError> {
    use crate::schema::cycle_scholars;
    Ok(placements::table
        .inner_join(cycle_scholars::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(placements::facility_id.eq_any(facility_ids.to_vec()))
        .filter(placements::status.eq_any(PlacementStatus::LIVE))
        .group_by(placements::facility_id)
        .select((placements::facility_id, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The live records of a cycle by facility, with the facility's county: the seats taken, for a second round.
pub fn live_by_facility(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(i64, String, i64)>, AppError> {
    use crate::schema::{cycle_scholars, facilities};
    Ok(placements::table
        .inner_join(cycle_scholars::table)
        .inner_join(facilities::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(placements::status.eq_any(PlacementStatus::LIVE))
        .group_by(facilities::id)
        .select((facilities::id, facilities::county, diesel::dsl::count_star()))
        .load(conn)?)
}

/// The scholars of a cycle who ever held a placement record in it, live or closed.
pub fn ever_placed(conn: &mut DbConn, cycle_id: i64) -> Result<std::collections::HashSet<i64>, AppError> {
    use crate::schema::cycle_scholars;
    Ok(placements::table
        .inner_join(cycle_scholars::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .select(placements::cycle_scholar_id)
        .distinct()
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}
