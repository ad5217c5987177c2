//! Server-side sessions: the cookie carries only a random key; its state lives here, so that log-out,
//! "log out everywhere" and disabling a user take effect at once on every server.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::sessions;

pub fn load(conn: &mut DbConn, key_hash: &str, now: NaiveDateTime) -> Result<Option<String>, AppError> {
    Ok(sessions::table
        .filter(sessions::session_key_hash.eq(key_hash))
        .filter(sessions::expires_at.gt(now))
        .select(sessions::state)
        .first(conn)
        .optional()?)
}

pub fn insert(
    conn: &mut DbConn,
    key_hash: &str,
    user_id: Option<i64>,
    state: &str,
    expires_at: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::session_key_hash.eq(key_hash),
            sessions::user_id.eq(user_id),
            sessions::state.eq(state),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Updates a session; returns false when it no longer exists (logged out elsewhere or expired and purged).
pub fn update(
    conn: &mut DbConn,
    key_hash: &str,
    user_id: Option<i64>,
    state: &str,
    expires_at: NaiveDateTime,
) -> Result<bool, AppError> {
    let n = diesel::update(sessions::table.find(key_hash))
        .set((sessions::user_id.eq(user_id), sessions::state.eq(state), sessions::expires_at.eq(expires_at)))
        .execute(conn)?;
    Ok(n == 1)
}

/// Moves the idle expiry forward. Skipped while the stored expiry is less than a minute behind, so that a
/// burst of page views does not write (and on PostgreSQL commit) once per request.
pub fn touch(conn: &mut DbConn, key_hash: &str, expires_at: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(
        sessions::table.find(key_hash).filter(sessions::expires_at.lt(expires_at - chrono::Duration::seconds(60))),
    )
    .set(sessions::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, key_hash: &str) -> Result<(), AppError> {
    diesel::delete(sessions::table.find(key_hash)).execute(conn)?;
    Ok(())
}

pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> Result<usize, AppError> {
    Ok(diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?)
}

pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)?)
}
