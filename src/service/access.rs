//! Who may act on a call or an award: the checks several use cases share (the review panel, the awards and the
//! ledger), in one place below them all so that none of those modules imports another for its access rules.
//! A record the actor may not see is "not found", so that ids of other funders cannot be probed.

use super::award_state::as_seen;
use super::Actor;
use crate::db::DbConn;
use crate::domain::award::AwardStatus;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::applications::{self, Application};
use crate::store::awards as store;
use crate::store::now;
use crate::store::placement_cycles::{self, Cycle};
use crate::store::programmes::{self, CallListing};

pub use crate::store::awards::Award;

/// The call, if the actor is a programme officer of the organisation that runs it (or an administrator
/// for reading). Anyone else gets "not found", so that calls of other funders cannot be probed.
pub fn managed_call(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<CallListing, AppError> {
    let listing = programmes::call_listing(conn, call_id)?;
    let staff = matches!(actor.role, Role::ProgrammeOfficer | Role::Administrator);
    if !staff || !actor.can_manage_organisation(listing.programme.organisation_id) {
        return Err(AppError::NotFound);
    }
    Ok(listing)
}

/// Only programme officers change a call's review and awards; administrators may look.
pub fn require_officer(actor: &Actor) -> Result<(), AppError> {
    actor.require(&[Role::ProgrammeOfficer])
}

/// The call, if the actor may change its review and awards: a programme officer of the funder. Checked before
/// any field of a form is read, so that a refused form never shows another funder's call.
pub fn call_to_change(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<CallListing, AppError> {
    require_officer(actor)?;
    managed_call(conn, actor, call_id)
}

/// An award and its call, if the actor is staff of the funder (officers act; administrators read).
pub fn managed_award(conn: &mut DbConn, actor: &Actor, award_id: i64) -> Result<(Award, CallListing), AppError> {
    let award = store::find(conn, award_id)?;
    let listing = managed_call(conn, actor, award.call_id)?;
    Ok((award, listing))
}

/// Statuses the scholar sees: nothing while the funder is still deciding.
fn visible_to_scholar(status: &str) -> bool {
    !matches!(AwardStatus::parse(status), Some(AwardStatus::Proposed | AwardStatus::Approved | AwardStatus::Rejected))
}

/// An award the actor may read: the funder's staff (officers, administrators) or the scholar it was offered to.
pub fn readable_award(conn: &mut DbConn, actor: &Actor, award_id: i64) -> Result<(Award, Application), AppError> {
    let award = store::find(conn, award_id)?;
    let application = applications::find(conn, award.application_id)?;
    let allowed = match actor.role {
        Role::Applicant => application.applicant_id == actor.user_id && visible_to_scholar(&award.status),
        Role::ProgrammeOfficer | Role::Administrator => {
            actor.can_manage_organisation(store::owner_organisation(conn, award_id)?)
        }
        _ => false,
    };
    if allowed {
        Ok((award, application))
    } else {
        tracing::warn!(actor = actor.user_id, award = award_id, "refused access to an award");
        Err(AppError::NotFound)
    }
}

/// The awards the actor may list: a scholar's own (once offered), or those of the funder's calls.
/// Each as it stands now (an offer past its deadline reads as lapsed).
pub fn readable_awards(conn: &mut DbConn, actor: &Actor) -> Result<Vec<store::AwardListing>, AppError> {
    let listed: Vec<store::AwardListing> = match actor.role {
        Role::Applicant => store::of_applicant(conn, actor.user_id)?
            .into_iter()
            .filter(|(a, _, _)| visible_to_scholar(&a.status))
            .collect(),
        Role::ProgrammeOfficer | Role::Administrator => store::of_organisation(conn, actor.organisation_scope()?)?,
        _ => return Err(AppError::Forbidden),
    };
    let at = now();
    Ok(listed.into_iter().map(|(award, name, reference)| (as_seen(award, at), name, reference)).collect())
}

/// The counties an actor may see and edit in placement: `None` means all of them (a coordinator with no
/// county listed, or an administrator); a coordinator limited to some counties gets those.
pub fn placement_counties(conn: &mut DbConn, actor: &Actor) -> Result<Option<Vec<String>>, AppError> {
    if actor.role != Role::PlacementCoordinator {
        return Ok(None);
    }
    let counties = placement_cycles::counties_of_coordinator(conn, actor.user_id)?;
    Ok(if counties.is_empty() { None } else { Some(counties) })
}

/// A placement cycle the actor may read: the placement coordinators of the funder that runs it, or an
/// administrator. Anyone else gets "not found", so that other funders' cycles cannot be probed.
pub fn readable_cycle(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<Cycle, AppError> {
    let cycle = placement_cycles::find(conn, cycle_id)?;
    let staff = matches!(actor.role, Role::PlacementCoordinator | Role::Administrator);
    if !staff || !actor.can_manage_organisation(cycle.organisation_id) {
        tracing::warn!(actor = actor.user_id, cycle = cycle_id, "refused access to a placement cycle");
        return Err(AppError::NotFound);
    }
    Ok(cycle)
}

/// A placement cycle the actor may change: a placement coordinator of the funder (administrators only read).
pub fn cycle_to_change(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<Cycle, AppError> {
    actor.require(&[Role::PlacementCoordinator])?;
    readable_cycle(conn, actor, cycle_id)
}
