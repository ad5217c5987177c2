//! The audit trail: who did what to which record, when, from where, before and after. Rows are only
//! ever inserted, in the same transaction as the change they describe.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::audit_events;

/// Where a change came from: the acting user (if any) and their address.
#[derive(Debug, Clone)]
pub struct Origin {
    pub actor_id: Option<i64>,
    pub client_addr: String,
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub client_addr: String,
    pub at: NaiveDateTime,
}

/// One change for the trail: what was done to which record, with a snapshot of it before and after when there
/// is one, written in the caller's transaction:
/// `AuditEntry::new("approve_award", "award", award.id).before(&old).after(&new).record(conn, &origin)?`.
#[derive(Debug, Clone)]
#[must_use = "an audit entry is written only by `record`"]
pub struct AuditEntry<'a> {
    action: &'a str,
    entity: &'a str,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

impl<'a> AuditEntry<'a> {
    pub fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Self {
        AuditEntry { action, entity, entity_id: entity_id.to_string(), before: None, after: None }
    }

    /// The record as it was: any serialisable snapshot.
    pub fn before<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.before = Some(snapshot(value));
        self
    }

    /// The record as it is now, or what the change did.
    pub fn after<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        self.after = Some(snapshot(value));
        self
    }

    /// Writes the entry, with who made the change and from where.
    pub fn record(self, conn: &mut DbConn, origin: &Origin) -> Result<(), AppError> {
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::actor_id.eq(origin.actor_id),
                audit_events::action.eq(self.action),
                audit_events::entity.eq(self.entity),
                audit_events::entity_id.eq(self.entity_id),
                audit_events::before_value.eq(self.before),
                audit_events::after_value.eq(self.after),
                audit_events::client_addr.eq(&origin.client_addr),
                audit_events::at.eq(super::now()),
            ))
            .execute(conn)?;
        Ok(())
    }
}

fn snapshot<T: Serialize + ?Sized>(value: &T) -> String {
    // Serialising plain row structs cannot fail; keep a marker rather than lose the audit row if it ever does.
    serde_json::to_string(value).unwrap_or_else(|e| format!("\"unserialisable: {e}\""))
}

pub fn trail(conn: &mut DbConn, entity: &str, entity_id: &str) -> Result<Vec<AuditEvent>, AppError> {
    Ok(audit_events::table
        .filter(audit_events::entity.eq(entity))
        .filter(audit_events::entity_id.eq(entity_id))
        .order(audit_events::id.asc())
        .load(conn)?)
}

pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<AuditEvent>, AppError> {
    Ok(audit_events::table.order(audit_events::id.desc()).limit(limit).load(conn)?)
}
