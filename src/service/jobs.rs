//! The job runner: everything that happens because time passed (an offer's deadline, a report falling
//! overdue) and the e-mail delivery, run by a worker that `serve` starts and that `ruralserve worker` runs
//! alone. Each round runs what is due at the `now` it is given (the tests give their own clock). A job's
//! work and its removal commit together; a failure rolls the work back and keeps the job, with its error,
//! for a later try, so nothing is lost and administrators see it.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::NaiveDateTime;

use crate::db::{write_transaction, Db, DbConn};
use crate::domain::jobs::{next_sweep, retry_at, Job};
use crate::error::AppError;
use crate::mail::Mailer;
use crate::store::audit::Origin;
use crate::store::awards as awards_store;
use crate::store::jobs::{self as store, JobRow};
use crate::store::{now, outbox};

/// How often a worker looks for due work.
pub const POLL_EVERY: StdDuration = StdDuration::from_secs(5);

/// Jobs claimed at a time: a worker holds no more than this under its lease.
const BATCH: i64 = 50;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub done: usize,
    pub failed: usize,
    pub mails_sent: usize,
}

/// Where the changes the jobs make come from, in the audit trail: no user, the worker.
pub fn worker_origin() -> Origin {
    Origin { actor_id: None, client_addr: "worker".into() }
}

/// Runs every job due at `now` (including those the round itself makes due, such as a sweep's), then
/// delivers the e-mails due, if a mail server is configured; without one they stay in the outbox for the
/// development mailbox.
pub fn run_due(conn: &mut DbConn, now: NaiveDateTime, mailer: Option<&Mailer>) -> Result<Round, AppError> {
    let mut round = Round::default();
    loop {
        let claimed = store::claim_due(conn, now, BATCH)?;
        if claimed.is_empty() {
            break;
        }
        for job in &claimed {
            if run_one(conn, job, now)? {
                round.done += 1;
            } else {
                round.failed += 1;
            }
        }
    }
    if let Some(mailer) = mailer {
        round.mails_sent = crate::mail::deliver_due(conn, mailer, now)?;
    }
    Ok(round)
}

/// Runs one claimed job: its work and its removal in one transaction, or, if either fails, the failure
/// recorded with a later try. Returns whether it was done.
fn run_one(conn: &mut DbConn, job: &JobRow, now: NaiveDateTime) -> Result<bool, AppError> {
    let Some(lease) = job.leased_until else {
        return Err(AppError::Internal(format!("job {} was run without a lease", job.id)));
    };
    // A match run's engine works before the transaction, reading only, so that a long run does not hold
    // the database's write lock; its outcome is stored in the transaction with the job's removal.
    let computed = match Job::parse(&job.kind, &job.payload) {
        Ok(Job::MatchRun { run_id }) => Some(super::match_runs::compute(conn, run_id)),
        _ => None,
    };
    let outcome = write_transaction(conn, |conn| {
        let parsed = Job::parse(&job.kind, &job.payload).map_err(AppError::Internal)?;
        match (parsed, computed) {
            (Job::MatchRun { run_id }, Some(computed)) => {
                super::match_runs::store_outcome(conn, run_id, computed?, now)?
            }
            (parsed, _) => perform(conn, parsed, now)?,
        }
        store::complete(conn, job.id, lease)
    });
    match outcome {
        Ok(()) => Ok(true),
        Err(e) => {
            tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %e, "job failed; will retry");
            store::fail(conn, job.id, lease, &e.to_string(), retry_at(now, job.attempts))?;
            Ok(false)
        }
    }
}

/// One job's work, in the runner's transaction, with the existing use cases.
fn perform(conn: &mut DbConn, job: Job, now: NaiveDateTime) -> Result<(), AppError> {
    match job {
        Job::LapseOffer { award_id } => {
            // An offer whose deadline is later than this job was due for is looked at again then.
            if let Some(later) = super::awards::lapse_offer(conn, &worker_origin(), award_id, now)? {
                store::enqueue(conn, job, later)?;
            }
        }
        Job::ReportHolds { award_id } => {
            let award = awards_store::find(conn, award_id)?;
            super::report_holds::apply_report_holds(conn, &worker_origin(), &award, now.date())?;
        }
        Job::ReportHoldsSweep => {
            // One job per award, so that an award whose holds fail is retried (and shown) on its own.
            for award_id in awards_store::active_ids(conn)? {
                store::enqueue(conn, Job::ReportHolds { award_id }, now)?;
            }
            store::enqueue(conn, Job::ReportHoldsSweep, next_sweep(now))?;
        }
        Job::MatchRun { run_id } => {
            let computed = super::match_runs::compute(conn, run_id)?;
            super::match_runs::store_outcome(conn, run_id, computed, now)?;
        }
        Job::PlacementAnswerDue { cycle_id } => {
            // The runner has no state of its own: the texts come from the process's one translation layer.
            let i18n = crate::i18n::I18n::shared()
                .ok_or_else(|| AppError::Internal("the translations did not load".into()))?;
            if let Some(later) = super::placement_answers::lapse_unanswered(conn, i18n, cycle_id, now)? {
                store::enqueue(conn, job, later)?;
            }
        }
        Job::ServiceStartDue { cycle_id } => {
            let i18n = crate::i18n::I18n::shared()
                .ok_or_else(|| AppError::Internal("the shipped translations do not load".into()))?;
            super::service_start::flag_not_started(conn, i18n, &worker_origin(), cycle_id, now)?;
        }
    }
    Ok(())
}

/// The record a job works on: an award, or an outbox message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct RecordRef {
    pub entity: &'static str,
    pub id: i64,
}

/// A job or an e-mail whose last try failed, as administrators see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FailingWork {
    /// The job's kind, or `e_mail`.
    pub kind: String,
    /// None for a sweep, which works on every active award.
    pub record: Option<RecordRef>,
    pub attempts: i32,
    pub last_error: String,
    pub next_try: NaiveDateTime,
}

/// The jobs and e-mails that failed and wait for their next try, next first.
pub fn failing(conn: &mut DbConn, limit: i64) -> Result<Vec<FailingWork>, AppError> {
    let jobs = store::failing(conn, limit)?.into_iter().map(|j| FailingWork {
        record: Job::parse(&j.kind, &j.payload).ok().and_then(Job::record).map(|(entity, id)| RecordRef { entity, id }),
        kind: j.kind,
        attempts: j.attempts,
        last_error: j.last_error.unwrap_or_default(),
        next_try: j.due_at,
    });
    let mails = outbox::failing(conn, limit)?.into_iter().map(|m| FailingWork {
        kind: "e_mail".into(),
        record: Some(RecordRef { entity: "message", id: m.id }),
        attempts: m.attempts,
        last_error: m.last_error.unwrap_or_default(),
        next_try: m.next_attempt_at,
    });
    let mut all: Vec<FailingWork> = jobs.chain(mails).collect();
    all.sort_by_key(|w| w.next_try);
    Ok(all)
}

/// Wakes this process's worker before its next tick.
static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Asks this process's worker for a round now, after a use case committed a job someone is waiting for (a
/// match run): without it the run would wait up to [`POLL_EVERY`]. Other processes' workers still find the
/// job at their next tick.
pub fn wake() {
    WAKE.notify_one();
}

/// The worker: a round every [`POLL_EVERY`], or sooner when [`wake`]d, for as long as the process runs. Safe to run in several
/// processes on one database: each job and each e-mail is claimed by one of them.
pub async fn work(db: Db, mailer: Option<Mailer>) {
    let mailer = mailer.map(Arc::new);
    let mut tick = tokio::time::interval(POLL_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = WAKE.notified() => {}
        }
        let mailer = mailer.clone();
        match db.run(move |conn| run_due(conn, now(), mailer.as_deref())).await {
            Ok(round) if round != Round::default() => tracing::info!(?round, "job runner"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "job runner"),
        }
    }
}
