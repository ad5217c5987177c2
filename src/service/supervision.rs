//! Who answers for which facility: the administrator attaches facility supervisors to facilities and limits
//! placement coordinators to counties; a facility supervisor sees the scholars placed at their facilities.

use serde::Serialize;

use super::administration::require_administrator;
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::place;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::audit::AuditEntry;
use crate::store::facilities::{self as store, Facility, PlacedScholar, SupervisorLink};
use crate::store::placement_cycles;
use crate::store::users::{self, User};

/// The administrator's supervisors page: every link, and the supervisors one can pick.
#[derive(Debug, Serialize)]
pub struct SupervisorsOverview {
    pub links: Vec<SupervisorLink>,
    pub supervisors: Vec<User>,
}

fn users_with_role(conn: &mut DbConn, role: Role) -> Result<Vec<User>, AppError> {
    Ok(users::staff_of(conn, None)?.into_iter().filter(|u| u.role == role.as_str()).collect())
}

pub fn supervisors_overview(conn: &mut DbConn, actor: &Actor) -> Result<SupervisorsOverview, AppError> {
    require_administrator(actor)?;
    Ok(SupervisorsOverview {
        links: store::all_supervisor_links(conn)?,
        supervisors: users_with_role(conn, Role::FacilitySupervisor)?,
    })
}

/// A facility named by what an administrator types: its registry code (`mfl:12345`) or its bare MFL code.
fn facility_by_code(conn: &mut DbConn, typed: &str) -> Result<Facility, AppError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(AppError::field("code", "error-required"));
    }
    let key = if typed.contains(':') { typed.to_string() } else { format!("mfl:{typed}") };
    store::find_by_key(conn, &key).map_err(|e| match e {
        AppError::NotFound => AppError::field("code", "error-facility-code-unknown"),
        other => other,
    })
}

fn supervisor(conn: &mut DbConn, user_id: Option<i64>) -> Result<User, AppError> {
    let user = match user_id {
        Some(id) => users::find(conn, id).ok(),
        None => None,
    };
    user.filter(|u| u.role == Role::FacilitySupervisor.as_str())
        .ok_or_else(|| AppError::field("user_id", "error-not-a-supervisor"))
}

/// Attaches a facility supervisor to a facility (attaching twice changes nothing).
pub fn attach_supervisor(conn: &mut DbConn, actor: &Actor, user_id: Option<i64>, code: &str) -> Result<(), AppError> {
    require_administrator(actor)?;
    write_transaction(conn, |conn| {
        let user = supervisor(conn, user_id);
        let facility = facility_by_code(conn, code);
        let (user, facility) = match (user, facility) {
            (Ok(u), Ok(f)) => (u, f),
            (Err(AppError::Validation(mut a)), Err(AppError::Validation(b))) => {
                a.extend(b);
                return Err(AppError::Validation(a));
            }
            (Err(e), _) | (_, Err(e)) => return Err(e),
        };
        if store::attach_supervisor(conn, user.id, facility.id, actor.user_id)? > 0 {
            let link = serde_json::json!({"user_id": user.id, "facility_id": facility.id, "registry_key": facility.registry_key});
            AuditEntry::new("facility.supervisor_attached", "facility", facility.id)
                .after(&link)
                .record(conn, &actor.origin())?;
        }
        Ok(())
    })
}

pub fn detach_supervisor(conn: &mut DbConn, actor: &Actor, user_id: i64, facility_id: i64) -> Result<(), AppError> {
    require_administrator(actor)?;
    write_transaction(conn, |conn| {
        if store::detach_supervisor(conn, user_id, facility_id)? == 0 {
            return Err(AppError::NotFound);
        }
        let link = serde_json::json!({"user_id": user_id, "facility_id": facility_id});
        AuditEntry::new("facility.supervisor_detached", "facility", facility_id)
            .before(&link)
            .record(conn, &actor.origin())
    })
}

/// A placement coordinator and the counties they are limited to (none: every county).
#[derive(Debug, Serialize)]
pub struct CoordinatorCounties {
    pub user: User,
    pub counties: Vec<String>,
}

pub fn coordinators(conn: &mut DbConn, actor: &Actor) -> Result<Vec<CoordinatorCounties>, AppError> {
    require_administrator(actor)?;
    users_with_role(conn, Role::PlacementCoordinator)?
        .into_iter()
        .map(|user| {
            Ok(CoordinatorCounties { counties: placement_cycles::counties_of_coordinator(conn, user.id)?, user })
        })
        .collect()
}

/// Limits a placement coordinator to the counties typed (separated by commas or new lines; none clears the
/// limit). Every name must be one of Kenya's 47 counties; the unknown ones are returned, nothing is changed.
pub fn set_coordinator_counties(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    typed: &str,
) -> Result<Result<(), Vec<String>>, AppError> {
    require_administrator(actor)?;
    let user = users::find(conn, user_id)?;
    if user.role != Role::PlacementCoordinator.as_str() {
        return Err(AppError::NotFound);
    }
    let mut counties = Vec::new();
    let mut unknown = Vec::new();
    for name in typed.split([',', '\n', ';']).map(str::trim).filter(|n| !n.is_empty()) {
        match place::canonical_county(name) {
            Some(c) if !counties.contains(&c.to_string()) => counties.push(c.to_string()),
            Some(_) => {}
            None => unknown.push(name.to_string()),
        }
    }
    if !unknown.is_empty() {
        return Ok(Err(unknown));
    }
    counties.sort();
    write_transaction(conn, |conn| {
        let before = placement_cycles::counties_of_coordinator(conn, user_id)?;
        store::set_coordinator_counties(conn, user_id, &counties)?;
        AuditEntry::new("user.placement_counties", "user", user_id)
            .before(&before)
            .after(&counties)
            .record(conn, &actor.origin())
    })?;
    Ok(Ok(()))
}

/// A supervisor's facility and the scholars placed there.
#[derive(Debug, Serialize)]
pub struct SupervisedFacility {
    pub facility: Facility,
    pub scholars: Vec<PlacedScholar>,
}

/// The facility supervisor's view: each of their facilities with the scholars placed there by a published
/// run, and the cycle's start-of-service window; nothing of any other facility.
pub fn supervised(conn: &mut DbConn, actor: &Actor) -> Result<Vec<SupervisedFacility>, AppError> {
    actor.require(&[Role::FacilitySupervisor])?;
    let ids = store::facilities_of_supervisor(conn, actor.user_id)?;
    let placed = store::placed_at(conn, &ids)?;
    let mut out = Vec::new();
    for id in ids {
        let facility = store::find(conn, id)?;
        let scholars = placed.iter().filter(|p| p.facility_id == id).cloned().collect();
        out.push(SupervisedFacility { facility, scholars });
    }
    out.sort_by(|a, b| a.facility.name.cmp(&b.facility.name));
    Ok(out)
}
