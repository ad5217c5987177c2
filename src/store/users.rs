//! Users, their single-use e-mailed tokens, API tokens, and log-in attempts (for slowing down guessing).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{api_tokens, login_attempts, login_slots, throttle_events, user_tokens, users};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    #[serde(skip)]
    pub password_hash: String,
    pub full_name: String,
    pub role: String,
    pub organisation_id: Option<i64>,
    pub email_verified: bool,
    pub disabled: bool,
    pub language: String,
    pub created_at: NaiveDateTime,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: &'a str,
    pub role: &'a str,
    pub organisation_id: Option<i64>,
    pub email_verified: bool,
    pub language: &'a str,
}

pub fn insert(conn: &mut DbConn, new: &NewUser) -> Result<i64, AppError> {
    diesel::insert_into(users::table)
        .values((
            users::email.eq(new.email),
            users::password_hash.eq(new.password_hash),
            users::full_name.eq(new.full_name),
            users::role.eq(new.role),
            users::organisation_id.eq(new.organisation_id),
            users::email_verified.eq(new.email_verified),
            users::disabled.eq(false),
            users::language.eq(new.language),
            users::created_at.eq(super::now()),
        ))
        .returning(users::id)
        .get_result(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                AppError::field("email", "error-email-taken")
            } else {
                e.into()
            }
        })
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<User, AppError> {
    Ok(users::table.find(id).first(conn)?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, AppError> {
    Ok(users::table.filter(users::email.eq(email)).first(conn).optional()?)
}

pub fn staff_of(conn: &mut DbConn, organisation_id: Option<i64>) -> Result<Vec<User>, AppError> {
    let mut query = users::table.filter(users::role.ne("applicant")).into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(users::organisation_id.eq(org));
    }
    Ok(query.order(users::email.asc()).load(conn)?)
}

pub fn set_password(conn: &mut DbConn, id: i64, hash: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(id)).set(users::password_hash.eq(hash)).execute(conn)?;
    Ok(())
}

pub fn set_verified(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
    diesel::update(users::table.find(id)).set(users::email_verified.eq(true)).execute(conn)?;
    Ok(())
}

pub fn set_disabled(conn: &mut DbConn, id: i64, disabled: bool) -> Result<(), AppError> {
    diesel::update(users::table.find(id)).set(users::disabled.eq(disabled)).execute(conn)?;
    Ok(())
}

pub fn set_language(conn: &mut DbConn, id: i64, language: &str) -> Result<(), AppError> {
    diesel::update(users::table.find(id)).set(users::language.eq(language)).execute(conn)?;
    Ok(())
}

// ---- single-use tokens (e-mail verification, password reset) ----

pub fn insert_token(
    conn: &mut DbConn,
    user_id: i64,
    purpose: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::user_id.eq(user_id),
            user_tokens::purpose.eq(purpose),
            user_tokens::token_hash.eq(token_hash),
            user_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks a live token used and returns its user; `None` when unknown, used or expired. The UPDATE's
/// condition makes the use single even when two requests race.
pub fn consume_token(conn: &mut DbConn, purpose: &str, token_hash: &str) -> Result<Option<i64>, AppError> {
    let now = super::now();
    let found: Option<(i64, i64)> = user_tokens::table
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::token_hash.eq(token_hash))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(now))
        .select((user_tokens::id, user_tokens::user_id))
        .first(conn)
        .optional()?;
    let Some((token_id, user_id)) = found else {
        return Ok(None);
    };
    let updated = diesel::update(user_tokens::table.find(token_id).filter(user_tokens::used_at.is_null()))
        .set(user_tokens::used_at.eq(now))
        .execute(conn)?;
    Ok((updated == 1).then_some(user_id))
}

/// Whether an unused, unexpired token of this purpose has this hash; reads only.
pub fn token_usable(conn: &mut DbConn, purpose: &str, token_hash: &str) -> Result<bool, AppError> {
    let found: i64 = user_tokens::table
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::token_hash.eq(token_hash))
        .filter(user_tokens::used_at.is_null())
        .filter(user_tokens::expires_at.gt(super::now()))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

/// Marks every unused token of this purpose of the user used, so that no older link works after a reset.
pub fn use_up_tokens(conn: &mut DbConn, user_id: i64, purpose: &str) -> Result<usize, AppError> {
    Ok(diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user_id))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(super::now()))
    .execute(conn)?)
}

// ---- API tokens ----

/// An API token as its owner sees it in their list (never the secret, which only its hash stands for).
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn insert_api_token(
    conn: &mut DbConn,
    user_id: i64,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(super::now()),
            api_tokens::expires_at.eq(expires_at),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?)
}

/// The user a live token stands for: not revoked, not expired, and the account not disabled.
pub fn user_for_api_token(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> Result<Option<User>, AppError> {
    Ok(api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(now))
        .filter(users::disabled.eq(false))
        .select(users::all_columns)
        .first(conn)
        .optional()?)
}

/// The user's live tokens, newest first.
pub fn live_api_tokens(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> Result<Vec<ApiToken>, AppError> {
    Ok(api_tokens::table
        .filter(api_tokens::user_id.eq(user_id))
        .filter(api_tokens::revoked_at.is_null())
        .filter(api_tokens::expires_at.gt(now))
        .order(api_tokens::id.desc())
        .select((api_tokens::id, api_tokens::created_at, api_tokens::expires_at))
        .load(conn)?)
}

pub fn revoke_api_token(conn: &mut DbConn, token_hash: &str) -> Result<usize, AppError> {
    Ok(diesel::update(
        api_tokens::table.filter(api_tokens::token_hash.eq(token_hash)).filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(super::now()))
    .execute(conn)?)
}

/// Revokes one of the user's tokens; 0 when it is not theirs or already revoked.
pub fn revoke_api_token_of(conn: &mut DbConn, user_id: i64, token_id: i64) -> Result<usize, AppError> {
    Ok(diesel::update(
        api_tokens::table
            .find(token_id)
            .filter(api_tokens::user_id.eq(user_id))
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(super::now()))
    .execute(conn)?)
}

/// Revokes every token of the user (password reset, "log out everywhere", disabling).
pub fn revoke_api_tokens_of_user(conn: &mut DbConn, user_id: i64) -> Result<usize, AppError> {
    Ok(diesel::update(
        api_tokens::table.filter(api_tokens::user_id.eq(user_id)).filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(super::now()))
    .execute(conn)?)
}

// ---- log-in attempts ----

pub fn record_login_attempt(
    conn: &mut DbConn,
    email: &str,
    client_addr: &str,
    succeeded: bool,
) -> Result<(), AppError> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq(email),
            login_attempts::client_addr.eq(client_addr),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::attempted_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed attempts since `since`: for this account from this address, and for this address on any account.
pub struct RecentFailures {
    pub by_pair: i64,
    pub by_address: i64,
}

pub fn recent_failures(
    conn: &mut DbConn,
    email: &str,
    client_addr: &str,
    since: NaiveDateTime,
) -> Result<RecentFailures, AppError> {
    let failed_since = login_attempts::succeeded.eq(false).and(login_attempts::attempted_at.gt(since));
    let by_pair = login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::client_addr.eq(client_addr))
        .filter(failed_since)
        .count()
        .get_result(conn)?;
    let by_address = login_attempts::table
        .filter(login_attempts::client_addr.eq(client_addr))
        .filter(failed_since)
        .count()
        .get_result(conn)?;
    Ok(RecentFailures { by_pair, by_address })
}

/// Failed attempts on this account from every address since `since`.
pub fn account_failures_since(conn: &mut DbConn, email: &str, since: NaiveDateTime) -> Result<i64, AppError> {
    Ok(login_attempts::table
        .filter(login_attempts::email.eq(email))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::attempted_at.gt(since))
        .count()
        .get_result(conn)?)
}

// ---- log-in slots ----

/// Makes sure `subject` has a slot row, so that the write transaction that moves it can lock it. Outside
/// any transaction: two first attempts racing to create it leave one row, and the loser's unique violation
/// is harmless. Rows a day past their time are pruned here, which keeps the table to attacked subjects.
pub fn ensure_login_slot(conn: &mut DbConn, subject: &str) -> Result<(), AppError> {
    let exists: i64 = login_slots::table.filter(login_slots::subject.eq(subject)).count().get_result(conn)?;
    if exists > 0 {
        return Ok(());
    }
    let now = super::now();
    diesel::delete(login_slots::table.filter(login_slots::not_before.lt(now - chrono::Duration::days(1))))
        .execute(conn)?;
    match diesel::insert_into(login_slots::table)
        .values((login_slots::subject.eq(subject), login_slots::not_before.eq(now)))
        .execute(conn)
    {
        Ok(_) => Ok(()),
        Err(e) if crate::db::is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The slot row's time, locked until the end of the caller's write transaction (SQLite's IMMEDIATE
/// transaction already holds the write lock; PostgreSQL needs the row lock).
pub fn locked_login_slot(conn: &mut DbConn, subject: &str) -> Result<NaiveDateTime, AppError> {
    let query = login_slots::table.filter(login_slots::subject.eq(subject)).select(login_slots::not_before);
    Ok(match conn {
        DbConn::Pg(pg) => query.for_update().first(pg)?,
        DbConn::Sqlite(sqlite) => query.first(sqlite)?,
    })
}

pub fn set_login_slot(conn: &mut DbConn, subject: &str, not_before: NaiveDateTime) -> Result<(), AppError> {
    diesel::update(login_slots::table.filter(login_slots::subject.eq(subject)))
        .set(login_slots::not_before.eq(not_before))
        .execute(conn)?;
    Ok(())
}

/// The slot row's time, if the subject has one (for tests and the operator's eye).
pub fn login_slot(conn: &mut DbConn, subject: &str) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(login_slots::table
        .filter(login_slots::subject.eq(subject))
        .select(login_slots::not_before)
        .first(conn)
        .optional()?)
}

// ---- other rate limits ----

/// Counts one request of `action` by `subject` and says whether it is within `limit` per `window`.
/// Old events are pruned as we go, so the table stays small.
pub fn within_rate_limit(
    conn: &mut DbConn,
    action: &str,
    subject: &str,
    limit: i64,
    window: chrono::Duration,
) -> Result<bool, AppError> {
    let now = super::now();
    diesel::delete(throttle_events::table.filter(throttle_events::at.lt(now - chrono::Duration::days(1))))
        .execute(conn)?;
    let recent: i64 = throttle_events::table
        .filter(throttle_events::action.eq(action))
        .filter(throttle_events::subject.eq(subject))
        .filter(throttle_events::at.gt(now - window))
        .count()
        .get_result(conn)?;
    diesel::insert_into(throttle_events::table)
        .values((throttle_events::action.eq(action), throttle_events::subject.eq(subject), throttle_events::at.eq(now)))
        .execute(conn)?;
    Ok(recent < limit)
}
