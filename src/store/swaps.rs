//! Swaps between scholars of a cycle (`placement_swaps`), their swap wishes (`swap_wishes`), and the seats
//! (live placements with their scholar and facility) a swap reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::exactly_one;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{
    applications, awards, cycle_scholars, facilities, placement_swaps, placements, swap_wishes, users,
};

/// The statuses of a placement that can still be swapped: answered or not, but service not started.
pub const SWAPPABLE: [&str; 2] = ["published", "accepted"];

/// A placement with what a swap needs of its scholar and facility.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Seat {
    pub placement_id: i64,
    pub version: i32,
    pub status: String,
    pub facility_id: i64,
    pub cycle_scholar_id: i64,
    pub cycle_id: i64,
    /// The scholar's bond (JSON array of counties), NULL meaning anywhere.
    pub allowed_counties: Option<String>,
    pub reference: Option<String>,
    pub full_name: String,
    pub user_id: i64,
    pub email: String,
    pub language: String,
    pub facility_name: String,
    pub county: String,
}

type SeatColumns = (
    placements::id,
    placements::version,
    placements::status,
    placements::facility_id,
    placements::cycle_scholar_id,
    cycle_scholars::cycle_id,
    cycle_scholars::allowed_counties,
    applications::reference,
    applications::full_name,
    users::id,
    users::email,
    users::language,
    facilities::name,
    facilities::county,
);

const SEAT_COLUMNS: SeatColumns = (
    placements::id,
    placements::version,
    placements::status,
    placements::facility_id,
    placements::cycle_scholar_id,
    cycle_scholars::cycle_id,
    cycle_scholars::allowed_counties,
    applications::reference,
    applications::full_name,
    users::id,
    users::email,
    users::language,
    facilities::name,
    facilities::county,
);

macro_rules! seats {
    () => {
        placements::table
            .inner_join(cycle_scholars::table)
            .inner_join(awards::table.inner_join(applications::table.inner_join(users::table)))
            .inner_join(facilities::table)
    };
}

/// One placement as a seat, whatever its status.
pub fn seat(conn: &mut DbConn, placement_id: i64) -> Result<Seat, AppError> {
    seats!()
        .filter(placements::id.eq(placement_id))
        .select(SEAT_COLUMNS)
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The seats of a cycle that can still be swapped, by placement id.
pub fn swappable_seats(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<Seat>, AppError> {
    Ok(seats!()
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(placements::status.eq_any(SWAPPABLE))
        .select(SEAT_COLUMNS)
        .order(placements::id)
        .load(conn)?)
}

/// One swap, every column.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Swap {
    pub id: i64,
    pub cycle_id: i64,
    pub proposer_placement_id: i64,
    pub partner_placement_id: i64,
    pub status: String,
    pub proposed_at: NaiveDateTime,
    pub agreed_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub version: i32,
}

pub fn insert(
    conn: &mut DbConn,
    cycle_id: i64,
    proposer: i64,
    partner: i64,
    at: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(placement_swaps::table)
        .values((
            placement_swaps::cycle_id.eq(cycle_id),
            placement_swaps::proposer_placement_id.eq(proposer),
            placement_swaps::partner_placement_id.eq(partner),
            placement_swaps::status.eq("proposed"),
            placement_swaps::proposed_at.eq(at),
        ))
        .returning(placement_swaps::id)
        .get_result(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Swap, AppError> {
    placement_swaps::table.find(id).first(conn).optional()?.ok_or(AppError::NotFound)
}

/// The swaps a placement takes part in, newest first.
pub fn of_placement(conn: &mut DbConn, placement_id: i64) -> Result<Vec<Swap>, AppError> {
    Ok(placement_swaps::table
        .filter(
            placement_swaps::proposer_placement_id
                .eq(placement_id)
                .or(placement_swaps::partner_placement_id.eq(placement_id)),
        )
        .order(placement_swaps::id.desc())
        .load(conn)?)
}

/// An open swap (proposed or agreed) between the two placements, either way round.
pub fn open_between(conn: &mut DbConn, a: i64, b: i64) -> Result<Option<Swap>, AppError> {
    Ok(placement_swaps::table
        .filter(placement_swaps::status.eq_any(["proposed", "agreed"]))
        .filter(
            (placement_swaps::proposer_placement_id.eq(a).and(placement_swaps::partner_placement_id.eq(b)))
                .or(placement_swaps::proposer_placement_id.eq(b).and(placement_swaps::partner_placement_id.eq(a))),
        )
        .first(conn)
        .optional()?)
}

/// The swaps of a cycle in one status, oldest first.
pub fn of_cycle(conn: &mut DbConn, cycle_id: i64, status: &str) -> Result<Vec<Swap>, AppError> {
    Ok(placement_swaps::table
        .filter(placement_swaps::cycle_id.eq(cycle_id))
        .filter(placement_swaps::status.eq(status))
        .order(placement_swaps::id)
        .load(conn)?)
}

/// What a move of a swap records besides its status.
#[derive(Debug, Default)]
pub struct SwapFacts {
    pub agreed_at: Option<NaiveDateTime>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
}

/// Moves the swap to `to` if it is still at the version and status read: of two people deciding at once,
/// exactly one succeeds.
pub fn set_status(conn: &mut DbConn, swap: &Swap, to: &str, facts: &SwapFacts) -> Result<(), AppError> {
    let rows = diesel::update(
        placement_swaps::table
            .filter(placement_swaps::id.eq(swap.id))
            .filter(placement_swaps::version.eq(swap.version))
            .filter(placement_swaps::status.eq(&swap.status)),
    )
    .set((
        placement_swaps::status.eq(to),
        placement_swaps::version.eq(swap.version + 1),
        placement_swaps::agreed_at.eq(facts.agreed_at.or(swap.agreed_at)),
        placement_swaps::decided_by.eq(facts.decided_by.or(swap.decided_by)),
        placement_swaps::decided_at.eq(facts.decided_at.or(swap.decided_at)),
        placement_swaps::decision_reason.eq(facts.decision_reason.clone().or(swap.decision_reason.clone())),
    ))
    .execute(conn)?;
    exactly_one(rows, "swap-error-changed")
}

/// A placement's swap wishes, rank 1 first: (rank, facility id, facility name, county).
pub fn wishes_of(conn: &mut DbConn, placement_id: i64) -> Result<Vec<(i32, i64, String, String)>, AppError> {
    Ok(swap_wishes::table
        .inner_join(facilities::table)
        .filter(swap_wishes::placement_id.eq(placement_id))
        .select((swap_wishes::rank, facilities::id, facilities::name, facilities::county))
        .order(swap_wishes::rank)
        .load(conn)?)
}

/// The wishes of every swappable placement of a cycle: (placement id, facility id), by placement then rank.
pub fn wishes_of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<(i64, i64)>, AppError> {
    Ok(swap_wishes::table
        .inner_join(placements::table.inner_join(cycle_scholars::table))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(placements::status.eq_any(SWAPPABLE))
        .select((swap_wishes::placement_id, swap_wishes::facility_id))
        .order((swap_wishes::placement_id, swap_wishes::rank))
        .load(conn)?)
}

/// Replaces a placement's wishes with `facility_ids`, ranked 1..N in that order.
pub fn replace_wishes(
    conn: &mut DbConn,
    placement_id: i64,
    facility_ids: &[i64],
    at: NaiveDateTime,
) -> Result<(), AppError> {
    clear_wishes(conn, placement_id)?;
    for (i, facility_id) in facility_ids.iter().enumerate() {
        let rank = i32::try_from(i + 1).map_err(|_| AppError::Internal("wish rank overflow".into()))?;
        diesel::insert_into(swap_wishes::table)
            .values((
                swap_wishes::placement_id.eq(placement_id),
                swap_wishes::rank.eq(rank),
                swap_wishes::facility_id.eq(facility_id),
                swap_wishes::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn clear_wishes(conn: &mut DbConn, placement_id: i64) -> Result<(), AppError> {
    diesel::delete(swap_wishes::table.filter(swap_wishes::placement_id.eq(placement_id))).execute(conn)?;
    Ok(())
}

/// Facilities' names and counties, by id.
pub fn facility_places(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<(i64, String, String)>, AppError> {
    Ok(facilities::table
        .filter(facilities::id.eq_any(ids.to_vec()))
        .select((facilities::id, facilities::name, facilities::county))
        .load(conn)?)
}

/// Serialises writers on one placement without changing it (an UPDATE of its version to itself, guarded by
/// it): two saves of the wishes from two tabs cannot interleave their rows.
pub fn claim_placement(conn: &mut DbConn, placement_id: i64, version: i32) -> Result<(), AppError> {
    let rows = diesel::update(
        placements::table.filter(placements::id.eq(placement_id)).filter(placements::version.eq(version)),
    )
    .set(placements::version.eq(version))
    .execute(conn)?;
    exactly_one(rows, "swap-error-changed")
}
