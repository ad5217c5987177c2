//! The job queue: time-driven work waiting in the database, claimed by workers under a lease so that with
//! several servers each job runs once (PostgreSQL skips the rows another worker is claiming; SQLite's
//! single writer claims one worker at a time). A job's row goes in the same transaction as the work it did.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::domain::jobs::{lease_until, Job};
use crate::error::AppError;
use crate::schema::jobs;

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub due_at: NaiveDateTime,
    /// Times a worker took it (a worker that died while holding it counts too).
    pub attempts: i32,
    pub leased_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    /// Higher first among due jobs.
    pub priority: i32,
}

/// Adds a job due at `due_at`, in the caller's transaction (so it exists exactly when the change that
/// calls for it does).
pub fn enqueue(conn: &mut DbConn, job: Job, due_at: NaiveDateTime) -> Result<i64, AppError> {
    Ok(diesel::insert_into(jobs::table)
        .values((
            jobs::kind.eq(job.kind()),
            jobs::payload.eq(job.payload()),
            jobs::due_at.eq(due_at),
            jobs::attempts.eq(0),
            jobs::created_at.eq(super::now()),
            jobs::priority.eq(job.priority()),
        ))
        .returning(jobs::id)
        .get_result(conn)?)
}

/// Claims up to `limit` jobs due at `now` that no live lease holds, higher priority first, then oldest due
/// first, and leases them to the caller until [`lease_until`]`(now)`. The rows come back as claimed (attempts counted, lease set).
pub fn claim_due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<JobRow>, AppError> {
    let lease = lease_until(now);
    crate::db::write_transaction(conn, |conn| {
        let due = jobs::table
            .filter(jobs::due_at.le(now))
            .filter(jobs::leased_until.is_null().or(jobs::leased_until.le(now)))
            .order((jobs::priority.desc(), jobs::due_at.asc(), jobs::id.asc()))
            .limit(limit);
        let mut claimed: Vec<JobRow> = match conn {
            DbConn::Pg(pg) => due.for_update().skip_locked().load(pg)?,
            // The IMMEDIATE transaction holds SQLite's only write lock: no other worker claims meanwhile.
            DbConn::Sqlite(_) => due.load(conn)?,
        };
        let ids: Vec<i64> = claimed.iter().map(|j| j.id).collect();
        diesel::update(jobs::table.filter(jobs::id.eq_any(&ids)))
            .set((jobs::leased_until.eq(lease), jobs::attempts.eq(jobs::attempts + 1)))
            .execute(conn)?;
        for job in &mut claimed {
            job.leased_until = Some(lease);
            job.attempts += 1;
        }
        Ok(claimed)
    })
}

/// Removes a done job, if the caller still holds it under `lease`; otherwise (its lease ran out and
/// another worker took it over) refuses, so that the caller's transaction and its work roll back.
pub fn complete(conn: &mut DbConn, id: i64, lease: NaiveDateTime) -> Result<(), AppError> {
    let removed =
        diesel::delete(jobs::table.filter(jobs::id.eq(id)).filter(jobs::leased_until.eq(lease))).execute(conn)?;
    if removed == 1 {
        Ok(())
    } else {
        Err(AppError::Internal(format!("job {id} was taken over by another worker when its lease ran out")))
    }
}

/// Records a failed attempt: the job is released with its error and tried again at `retry_at`. Does
/// nothing if the caller no longer holds it (another worker took it over and will record its own outcome).
pub fn fail(
    conn: &mut DbConn,
    id: i64,
    lease: NaiveDateTime,
    error: &str,
    retry_at: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(jobs::table.filter(jobs::id.eq(id)).filter(jobs::leased_until.eq(lease)))
        .set((jobs::last_error.eq(error), jobs::due_at.eq(retry_at), jobs::leased_until.eq(None::<NaiveDateTime>)))
        .execute(conn)?;
    Ok(())
}

/// Jobs that failed at least once and wait for their next try, next first, for administrators.
pub fn failing(conn: &mut DbConn, limit: i64) -> Result<Vec<JobRow>, AppError> {
    Ok(jobs::table
        .filter(jobs::last_error.is_not_null())
        .order((jobs::due_at.asc(), jobs::id.asc()))
        .limit(limit)
        .load(conn)?)
}
