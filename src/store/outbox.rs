//! The outbox: every e-mail is written here in the same transaction as the change that causes it, then
//! delivered by the job runner (`service::jobs`), which claims due messages here as it claims due jobs;
//! a message is only marked sent after the SMTP server accepted it.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::outbox;

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub fn enqueue(conn: &mut DbConn, recipient: &str, subject: &str, body: &str) -> Result<i64, AppError> {
    let now = super::now();
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::recipient.eq(recipient),
            outbox::subject.eq(subject),
            outbox::body.eq(body),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .returning(outbox::id)
        .get_result(conn)?)
}

/// Claims up to `limit` due messages by pushing their next attempt past `lease_until`, so that another
/// server process does not send them too. PostgreSQL skips rows another process holds; SQLite has one
/// writer at a time, so the claiming transaction alone is enough there.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxMessage>, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let due = outbox::table
            .filter(outbox::status.eq("pending"))
            .filter(outbox::next_attempt_at.le(now))
            .order(outbox::id.asc())
            .limit(limit);
        let messages: Vec<OutboxMessage> = match conn {
            DbConn::Pg(pg) => due.for_update().skip_locked().load(pg)?,
            DbConn::Sqlite(_) => due.load(conn)?,
        };
        let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set(outbox::next_attempt_at.eq(lease_until))
            .execute(conn)?;
        Ok(messages)
    })
}

pub fn mark_sent(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(outbox::table.find(id))
        .set((outbox::status.eq("sent"), outbox::sent_at.eq(at), outbox::attempts.eq(outbox::attempts + 1)))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt; the message stays pending and is tried again at `retry_at`.
pub fn mark_failed(conn: &mut DbConn, id: i64, error: &str, retry_at: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
            outbox::next_attempt_at.eq(retry_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Messages whose last delivery failed and that wait for their next try, next first, for administrators.
pub fn failing(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxMessage>, AppError> {
    Ok(outbox::table
        .filter(outbox::status.eq("pending"))
        .filter(outbox::last_error.is_not_null())
        .order((outbox::next_attempt_at.asc(), outbox::id.asc()))
        .limit(limit)
        .load(conn)?)
}

pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxMessage>, AppError> {
    Ok(outbox::table.order(outbox::id.desc()).limit(limit).load(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<OutboxMessage, AppError> {
    Ok(outbox::table.find(id).first(conn)?)
}

/// The newest message to a recipient (used by the tests and the demo to follow e-mailed links).
pub fn latest_to(conn: &mut DbConn, recipient: &str) -> Result<Option<OutboxMessage>, AppError> {
    Ok(outbox::table.filter(outbox::recipient.eq(recipient)).order(outbox::id.desc()).first(conn).optional()?)
}
