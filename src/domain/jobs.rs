//! Time-driven work: what a job is (its kind and payload), when it is due, how long a worker may hold it,
//! and how far a failed one is pushed back. The runner (`service::jobs`) and the queue (`store::jobs`)
//! follow these rules; nothing here reads a clock, so every rule is tested with the time it is given.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound};
use serde::Deserialize;

/// One thing to do at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// An offer's deadline has passed: the offer lapses if the scholar has not answered.
    LapseOffer { award_id: i64 },
    /// Brings one award's holds for overdue progress reports up to date.
    ReportHolds { award_id: i64 },
    /// Once a day: a `ReportHolds` job for every active award, and the next sweep.
    ReportHoldsSweep,
    /// Computes a queued match run from its frozen input.
    MatchRun { run_id: i64 },
    /// A placement cycle's acceptance deadline has passed: its unanswered placements lapse.
    PlacementAnswerDue { cycle_id: i64 },
    /// The day after a cycle's start-of-service window: flags the scholars who accepted and have not started.
    ServiceStartDue { cycle_id: i64 },
}

/// The payload of a match run's job.
#[derive(Deserialize)]
struct RunRef {
    run_id: i64,
}

/// The payload of the jobs that concern one placement cycle.
#[derive(Deserialize)]
struct CycleRef {
    cycle_id: i64,
}

/// The payload of the jobs that concern one award.
#[derive(Deserialize)]
struct AwardRef {
    award_id: i64,
}

impl Job {
    /// The names the `jobs.kind` column holds.
    pub fn kind(self) -> &'static str {
        match self {
            Job::LapseOffer { .. } => "lapse_offer",
            Job::ReportHolds { .. } => "report_holds",
            Job::ReportHoldsSweep => "report_holds_sweep",
            Job::MatchRun { .. } => "match_run",
            Job::PlacementAnswerDue { .. } => "placement_answer_due",
            Job::ServiceStartDue { .. } => "service_start_due",
        }
    }

    /// Among due jobs, higher runs first: a coordinator is waiting for a match run, while a batch of routine
    /// checks (100,000 of them after a national intake) can wait a few seconds.
    pub fn priority(self) -> i32 {
        match self {
            Job::MatchRun { .. } => 10,
            _ => 0,
        }
    }

    /// The JSON the `jobs.payload` column holds.
    pub fn payload(self) -> String {
        match self {
            Job::MatchRun { run_id } => format!(r#"{{"run_id":{run_id}}}"#),
            Job::PlacementAnswerDue { cycle_id } => format!(r#"{{"cycle_id":{cycle_id}}}"#),
            Job::ServiceStartDue { cycle_id } => format!(r#"{{"cycle_id":{cycle_id}}}"#),
            _ => match self.record() {
                Some((_, award_id)) => format!(r#"{{"award_id":{award_id}}}"#),
                None => "{}".into(),
            },
        }
    }

    /// Reads a stored job back; the error says what is wrong with the row.
    pub fn parse(kind: &str, payload: &str) -> Result<Job, String> {
        let award = || {
            serde_json::from_str::<AwardRef>(payload)
                .map(|r| r.award_id)
                .map_err(|e| format!("{kind} job with a bad payload {payload:?}: {e}"))
        };
        match kind {
            "lapse_offer" => Ok(Job::LapseOffer { award_id: award()? }),
            "report_holds" => Ok(Job::ReportHolds { award_id: award()? }),
            "report_holds_sweep" => Ok(Job::ReportHoldsSweep),
            "match_run" => serde_json::from_str::<RunRef>(payload)
                .map(|r| Job::MatchRun { run_id: r.run_id })
                .map_err(|e| format!("{kind} job with a bad payload {payload:?}: {e}")),
            "placement_answer_due" => serde_json::from_str::<CycleRef>(payload)
                .map(|r| Job::PlacementAnswerDue { cycle_id: r.cycle_id })
                .map_err(|e| format!("{kind} job with a bad payload {payload:?}: {e}")),
            "service_start_due" => serde_json::from_str::<CycleRef>(payload)
                .map(|r| Job::ServiceStartDue { cycle_id: r.cycle_id })
                .map_err(|e| format!("{kind} job with a bad payload {payload:?}: {e}")),
            other => Err(format!("unknown job kind {other:?}")),
        }
    }

    /// The record the job works on, as (entity, id), for the administrators' list.
    pub fn record(self) -> Option<(&'static str, i64)> {
        match self {
            Job::LapseOffer { award_id } | Job::ReportHolds { award_id } => Some(("award", award_id)),
            Job::MatchRun { run_id } => Some(("match_run", run_id)),
            Job::PlacementAnswerDue { cycle_id } => Some(("placement_cycle", cycle_id)),
            Job::ServiceStartDue { cycle_id } => Some(("placement_cycle", cycle_id)),
            Job::ReportHoldsSweep => None,
        }
    }
}

/// How long a claimed job (or e-mail) is reserved for the worker that claimed it. Past it, another worker
/// may take it over: a worker that died does not lose the job. Far longer than any job takes.
pub const LEASE_MINUTES: i64 = 5;

/// The end of a lease taken at `now`, in whole seconds so that it reads back equal from either database
/// (the worker proves it still holds the job by naming its lease).
pub fn lease_until(now: NaiveDateTime) -> NaiveDateTime {
    now.trunc_subsecs(0) + Duration::minutes(LEASE_MINUTES)
}

/// Minutes to wait before the next attempt after `attempts` tries: 1, 2, 4 … capped at six hours. Nothing
/// is ever dropped: a job that keeps failing keeps being tried, and administrators see it.
pub fn retry_delay_minutes(attempts: i32) -> i64 {
    let exponent = attempts.clamp(0, 9).unsigned_abs();
    (1_i64 << exponent).min(360)
}

/// When a job that failed after `attempts` tries is tried again.
pub fn retry_at(now: NaiveDateTime, attempts: i32) -> NaiveDateTime {
    now + Duration::minutes(retry_delay_minutes(attempts))
}

/// When an offer with this deadline lapses: the scholar may answer up to and including the deadline
/// itself, so the lapse is due one second after it, within the deadline's minute.
pub fn lapse_due(deadline: NaiveDateTime) -> NaiveDateTime {
    deadline + Duration::seconds(1)
}

/// When the start-of-service job of a cycle whose window ends on `until` is due: the next day's start, so
/// that a scholar confirmed on the window's last day is not flagged.
pub fn service_start_due(until: NaiveDate) -> NaiveDateTime {
    until.succ_opt().unwrap_or(until).and_time(NaiveTime::MIN)
}

/// When the next report-holds sweep is due: the next midnight (UTC) after `now`. A report becomes more
/// than 30 days late at a day's start, so one sweep a day at midnight applies every hold on its day.
pub fn next_sweep(now: NaiveDateTime) -> NaiveDateTime {
    let tomorrow = now.date().succ_opt().unwrap_or(now.date());
    tomorrow.and_time(NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 3, 1).and_then(|d| d.and_hms_opt(h, m, s)).expect("time")
    }

    #[test]
    fn every_kind_reads_back_as_written() {
        for job in [
            Job::LapseOffer { award_id: 7 },
            Job::ReportHolds { award_id: 9 },
            Job::ReportHoldsSweep,
            Job::MatchRun { run_id: 4 },
            Job::PlacementAnswerDue { cycle_id: 3 },
        ] {
            assert_eq!(Job::parse(job.kind(), &job.payload()), Ok(job));
        }
        assert_eq!(Job::LapseOffer { award_id: 7 }.payload(), r#"{"award_id":7}"#);
        assert_eq!(Job::LapseOffer { award_id: 7 }.record(), Some(("award", 7)));
        assert_eq!(Job::ReportHoldsSweep.record(), None);
        assert_eq!(Job::MatchRun { run_id: 4 }.payload(), r#"{"run_id":4}"#);
        assert_eq!(Job::MatchRun { run_id: 4 }.record(), Some(("match_run", 4)));
        assert_eq!(Job::PlacementAnswerDue { cycle_id: 3 }.payload(), r#"{"cycle_id":3}"#);
        assert_eq!(Job::PlacementAnswerDue { cycle_id: 3 }.record(), Some(("placement_cycle", 3)));
    }

    #[test]
    fn a_bad_row_is_named_not_guessed() {
        assert!(Job::parse("lapse_offer", "{}").is_err_and(|e| e.contains("lapse_offer")));
        assert!(Job::parse("send_fax", "{}").is_err_and(|e| e.contains("send_fax")));
    }

    #[test]
    fn retries_back_off_and_never_stop() {
        assert_eq!(retry_delay_minutes(0), 1);
        assert_eq!(retry_delay_minutes(1), 2);
        assert_eq!(retry_delay_minutes(3), 8);
        assert_eq!(retry_delay_minutes(50), 360);
        assert_eq!(retry_delay_minutes(-1), 1);
        assert_eq!(retry_at(at(10, 0, 0), 2), at(10, 4, 0));
    }

    #[test]
    fn a_lease_is_whole_seconds_five_minutes_on() {
        let now = at(10, 0, 30) + Duration::milliseconds(750);
        assert_eq!(lease_until(now), at(10, 5, 30));
    }

    #[test]
    fn an_offer_lapses_just_after_its_deadline_within_its_minute() {
        assert_eq!(lapse_due(at(17, 0, 0)), at(17, 0, 1));
    }

    #[test]
    fn the_sweep_comes_back_at_the_next_midnight() {
        let next = next_sweep(at(0, 0, 0));
        assert_eq!(next, at(0, 0, 0) + Duration::days(1));
        assert_eq!(next_sweep(at(23, 59, 59)), next);
    }

    #[test]
    fn the_start_of_service_job_runs_the_day_after_the_window_and_round_trips() {
        let until = NaiveDate::from_ymd_opt(2027, 9, 30).unwrap();
        assert_eq!(service_start_due(until), NaiveDate::from_ymd_opt(2027, 10, 1).unwrap().and_time(NaiveTime::MIN));
        let job = Job::ServiceStartDue { cycle_id: 3 };
        assert_eq!(Job::parse(job.kind(), &job.payload()), Ok(job));
        assert_eq!(job.kind(), "service_start_due");
        assert_eq!(job.record(), Some(("placement_cycle", 3)));
    }
}
