//! The queries behind a scholar's answer to a placement and the lapse at the deadline: a cycle's placements
//! still awaiting an answer, and who must hear of a decline or a lapse (the organisation's compliance and
//! placement coordinators).

use diesel::prelude::*;

use super::placements::Placement;
use crate::db::DbConn;
use crate::domain::placement_state::PlacementStatus;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::schema::{cycle_scholars, placements, users};

/// The cycle's placements still `published` (no answer yet), oldest first.
pub fn unanswered_of_cycle(conn: &mut DbConn, cycle_id: i64) -> Result<Vec<Placement>, AppError> {
    Ok(placements::table
        .inner_join(cycle_scholars::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(placements::status.eq(PlacementStatus::Published.as_str()))
        .order(placements::id.asc())
        .select(placements::all_columns)
        .load(conn)?)
}

/// A staff member to tell: e-mail and language.
#[derive(Debug, Clone, Queryable)]
pub struct Recipient {
    pub email: String,
    pub language: String,
}

/// The enabled users of an organisation with a role, by e-mail.
pub fn staff_of(conn: &mut DbConn, organisation_id: i64, role: Role) -> Result<Vec<Recipient>, AppError> {
    Ok(users::table
        .filter(users::organisation_id.eq(organisation_id))
        .filter(users::role.eq(role.as_str()))
        .filter(users::disabled.eq(false))
        .order(users::email.asc())
        .select((users::email, users::language))
        .load(conn)?)
}
