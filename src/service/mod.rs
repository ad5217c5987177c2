//! Use cases: each opens a transaction, loads, applies a domain rule, writes, and writes the audit event
//! and any outbox message in the same transaction. Authorization is decided here, from the `Actor`, so
//! that the HTML pages and the JSON API share it.

pub mod access;
pub mod accounts;
pub mod administration;
pub mod appeals;
pub mod applications;
mod award_state;
pub mod awards;
pub mod choices;
pub mod compliance;
pub mod documents;
pub mod facilities;
pub mod jobs;
pub mod ledger;
/// Figures of the applications list kept until the next change (one cache per server, held by the web state).
pub mod list_cache;
pub mod match_runs;
pub mod placement_answers;
pub mod placement_cycles;
pub mod programmes;
/// Calls as the public sees them (the site and the API).
pub mod public_calls;
pub mod report_holds;
pub mod reviews;
pub mod service_start;
pub mod supervision;
pub mod swaps;
pub mod transfers;
pub mod vacancies;

/// The clock every use case reads (UTC, as stored); handlers take today's date from here too.
pub use crate::store::now;

use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::audit::Origin;
use crate::store::users::User;

/// The user a request acts for, with their organisation scope and where the request came from.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub organisation_id: Option<i64>,
    pub email: String,
    pub full_name: String,
    pub client_addr: String,
}

impl Actor {
    pub fn from_user(user: &User, client_addr: &str) -> Result<Actor, AppError> {
        let role =
            Role::parse(&user.role).ok_or_else(|| AppError::Internal(format!("user {} has unknown role", user.id)))?;
        Ok(Actor {
            user_id: user.id,
            role,
            organisation_id: user.organisation_id,
            email: user.email.clone(),
            full_name: user.full_name.clone(),
            client_addr: client_addr.to_string(),
        })
    }

    pub fn origin(&self) -> Origin {
        Origin { actor_id: Some(self.user_id), client_addr: self.client_addr.clone() }
    }

    pub fn require(&self, allowed: &[Role]) -> Result<(), AppError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The organisation whose records this actor may read: `None` means every organisation (administrators).
    pub fn organisation_scope(&self) -> Result<Option<i64>, AppError> {
        match self.role {
            Role::Administrator => Ok(None),
            Role::Applicant => Err(AppError::Forbidden),
            _ => self.organisation_id.map(Some).ok_or(AppError::Forbidden),
        }
    }

    /// May this actor act on records owned by `organisation_id`?
    pub fn can_manage_organisation(&self, organisation_id: i64) -> bool {
        self.role == Role::Administrator || self.organisation_id == Some(organisation_id)
    }
}
