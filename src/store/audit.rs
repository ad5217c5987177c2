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

/// Records one change. `before` and `after` are any serialisable snapshot of the record.
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConn,
    origin: &Origin,
    action: &str,
    entity: &str,
    entity_id: impl ToString,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), AppError> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::actor_id.eq(origin.actor_id),
            audit_events::action.eq(action),
            audit_events::entity.eq(entity),
            audit_events::entity_id.eq(entity_id.to_string()),
            audit_events::before_value.eq(before.map(snapshot)),
            audit_events::after_value.eq(after.map(snapshot)),
            audit_events::client_addr.eq(&origin.client_addr),
            audit_events::at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

fn snapshot<T: Serialize>(value: &T) -> String {
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
