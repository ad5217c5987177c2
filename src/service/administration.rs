//! The administrator's use cases: organisations, the staff list, the audit trail, the development mailbox and
//! the work that failed and waits for its next try. Only administrators pass; everyone else is refused here,
//! so that no page has to remember it.

use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::audit::{self, AuditEntry};
use crate::store::{organisations, outbox, users};

pub use crate::store::audit::AuditEvent;
pub use crate::store::organisations::Organisation;
pub use crate::store::outbox::OutboxMessage;
pub use crate::store::users::User;

/// How many audit events the trail shows when no record is asked for.
const RECENT_EVENTS: i64 = 100;
/// How many messages the development mailbox shows.
const MAILBOX_MESSAGES: i64 = 50;
/// How many failing jobs and e-mails the jobs page lists.
const FAILING_WORK: i64 = 200;

/// Refuses everyone but administrators; checked by each use case here, and by a form's handler before it reads
/// the fields, so that a refused visitor never sees validation messages.
pub fn require_administrator(actor: &Actor) -> Result<(), AppError> {
    actor.require(&[Role::Administrator])
}

/// A new organisation as the administrator typed it, already checked for its shape.
pub struct NewOrganisation<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
}

/// Every organisation and every staff account, for the administrator's home page.
pub fn organisations_and_staff(conn: &mut DbConn, actor: &Actor) -> Result<(Vec<Organisation>, Vec<User>), AppError> {
    require_administrator(actor)?;
    Ok((organisations::all(conn)?, users::staff_of(conn, None)?))
}

/// Creates an organisation, with its audit event; a code already taken is refused next to the field.
pub fn create_organisation(conn: &mut DbConn, actor: &Actor, new: &NewOrganisation) -> Result<i64, AppError> {
    require_administrator(actor)?;
    write_transaction(conn, |conn| {
        let id = organisations::insert(conn, new.code, new.name, new.kind)?;
        AuditEntry::new("create_organisation", "organisation", id)
            .after(&serde_json::json!({"code": new.code, "name": new.name, "kind": new.kind}))
            .record(conn, &actor.origin())?;
        Ok(id)
    })
}

/// One record's audit trail (`entity` and its id), or the latest events when no entity is given.
pub fn audit_trail(conn: &mut DbConn, actor: &Actor, entity: &str, id: &str) -> Result<Vec<AuditEvent>, AppError> {
    require_administrator(actor)?;
    if entity.is_empty() {
        audit::recent(conn, RECENT_EVENTS)
    } else {
        audit::trail(conn, entity, id)
    }
}

/// The latest e-mails in the outbox, sent or not.
pub fn mailbox(conn: &mut DbConn, actor: &Actor) -> Result<Vec<OutboxMessage>, AppError> {
    require_administrator(actor)?;
    outbox::recent(conn, MAILBOX_MESSAGES)
}

/// The jobs and e-mails whose last try failed, next try first.
pub fn failing_work(conn: &mut DbConn, actor: &Actor) -> Result<Vec<super::jobs::FailingWork>, AppError> {
    require_administrator(actor)?;
    super::jobs::failing(conn, FAILING_WORK)
}

/// Creates a staff or administrator account, for an administrator (the shell creates them through
/// `accounts::create_staff` directly).
pub fn create_staff(conn: &mut DbConn, actor: &Actor, staff: &super::accounts::NewStaff) -> Result<i64, AppError> {
    require_administrator(actor)?;
    super::accounts::create_staff(conn, &actor.origin(), staff)
}
