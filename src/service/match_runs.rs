//! Match runs: the engine's instance built from a cycle's rows, runs queued for the job runner, their figures
//! and comparison, publication with four eyes (one coordinator proposes, another publishes), and each
//! scholar's placement explained from the published run's own input and report.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::access::{cycle_to_change, readable_cycle};
use super::swaps::Links;
use super::Actor;
use crate::db::{read_snapshot, write_transaction, DbConn};
use crate::domain::jobs::Job;
use crate::domain::matching::explanation::{explain_applicant, Explanation};
use crate::domain::matching::instance::Instance;
use crate::domain::matching::instance::{ApplicantInput, FacilityInput};
use crate::domain::matching::json::{parse_request, report_text, run_match_report};
use crate::domain::matching::report::MatchReport;
use crate::domain::matching::{Algorithm, MatchRequest, Proposing};
use crate::domain::placement::facility_eligible;
use crate::domain::role::Role;
use crate::domain::second_round::{self, Round};
use crate::error::AppError;
use crate::i18n::I18n;
use crate::store::audit::AuditEntry;
use crate::store::match_runs::{self as store, CycleScholar, FacilityFacts, NewPlacement};

pub use crate::store::match_runs::Run;
pub use crate::store::placement_cycles::Cycle;
use crate::store::{jobs, now, outbox};

/// The rules a coordinator may choose for a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunRules {
    pub algorithm: Algorithm,
    pub proposing: Proposing,
    pub seed: u64,
}

impl RunRules {
    /// Reads the form's choice: `deferred-acceptance` (applicants propose), `deferred-acceptance-facilities`,
    /// `serial-dictatorship`, `lottery` (with the seed).
    pub fn parse(choice: &str, seed: u64) -> Option<RunRules> {
        let (algorithm, proposing) = match choice {
            "" | "deferred-acceptance" => (Algorithm::DeferredAcceptance, Proposing::Applicants),
            "deferred-acceptance-facilities" => (Algorithm::DeferredAcceptance, Proposing::Facilities),
            "serial-dictatorship" => (Algorithm::SerialDictatorship, Proposing::Applicants),
            "lottery" => (Algorithm::Lottery, Proposing::Applicants),
            _ => return None,
        };
        let seed = if algorithm == Algorithm::Lottery { seed } else { 0 };
        Some(RunRules { algorithm, proposing, seed })
    }

    fn algorithm_name(self) -> &'static str {
        match self.algorithm {
            Algorithm::DeferredAcceptance => "deferred-acceptance",
            Algorithm::SerialDictatorship => "serial-dictatorship",
            Algorithm::Lottery => "lottery",
        }
    }

    fn proposing_name(self) -> &'static str {
        match self.proposing {
            Proposing::Applicants => "applicants",
            Proposing::Facilities => "facilities",
        }
    }
}

/// The id a scholar has in the engine's instance and report: the award's reference (its application's), or
/// `award-<id>` for an award without one.
fn engine_id(reference: Option<&str>, award_id: i64) -> String {
    reference.map_or_else(|| format!("award-{award_id}"), str::to_owned)
}

/// The engine's instance for a cycle, as `ruralserve match --input` reads it. Applicants are the included
/// scholars (id: the award's reference), by reference; facilities are those with a vacancy row and those a
/// scholar listed, by registry key. A facility not eligible on `day`, or without a vacancy, has capacity 0:
/// that is how "no seat" reaches the engine. The same rows give the same bytes.
///
/// A second round (`domain::second_round`) takes only the scholars who never held a placement, and counts
/// the live placements against each facility's seats, floor and county cap.
pub fn build_request(
    conn: &mut DbConn,
    cycle: &Cycle,
    rules: RunRules,
    day: NaiveDate,
    round: Round,
) -> Result<MatchRequest<String>, AppError> {
    let mut scholars = store::included_scholars(conn, cycle.id)?;
    // The live placements by facility and by county: none before publication.
    let mut live_at: HashMap<i64, i64> = HashMap::new();
    let mut live_in: HashMap<String, i64> = HashMap::new();
    if round == Round::Second {
        let placed = crate::store::placements::ever_placed(conn, cycle.id)?;
        scholars.retain(|s| second_round::takes_part(true, placed.contains(&s.id)));
        for (facility, county, n) in crate::store::placements::live_by_facility(conn, cycle.id)? {
            live_at.insert(facility, n);
            *live_in.entry(county).or_default() += n;
        }
    }
    let reference_of: HashMap<i64, String> =
        scholars.iter().map(|s| (s.id, engine_id(s.reference.as_deref(), s.award_id))).collect();
    let partner_of: HashMap<i64, Option<i64>> = scholars.iter().map(|s| (s.id, s.partner_request)).collect();
    // The facilities with a vacancy row, then those only a list names: their keys, for the lists.
    let vacancies = store::vacancies(conn, cycle.id)?;
    let mut key_of: HashMap<i64, String> = vacancies.iter().map(|(f, _)| (f.id, f.registry_key.clone())).collect();
    let listed: Vec<(i64, i64)> =
        store::choices(conn, cycle.id)?.into_iter().filter(|(scholar, _)| reference_of.contains_key(scholar)).collect();
    let unlisted: Vec<i64> = listed
        .iter()
        .map(|&(_, facility)| facility)
        .filter(|id| !key_of.contains_key(id))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let unlisted = store::facilities_by_id(conn, &unlisted)?;
    key_of.extend(unlisted.iter().map(|f| (f.id, f.registry_key.clone())));
    let mut choices: HashMap<i64, Vec<String>> = HashMap::new();
    for (scholar, facility) in listed {
        if let Some(key) = key_of.get(&facility) {
            choices.entry(scholar).or_default().push(key.clone());
        }
    }
    let mut applicants: Vec<ApplicantInput<String>> = scholars
        .iter()
        .map(|s| {
            let allowed_regions = match &s.allowed_counties {
                None => None,
                Some(text) => Some(serde_json::from_str::<Vec<String>>(text).map_err(|e| {
                    AppError::Internal(format!("cycle scholar {} has bad allowed counties: {e}", s.id))
                })?),
            };
            // A couple: each names the other, and both are still in the cycle.
            let partner = s
                .partner_request
                .filter(|p| partner_of.get(p).copied().flatten() == Some(s.id))
                .and_then(|p| reference_of.get(&p).cloned());
            Ok(ApplicantInput {
                id: reference_of.get(&s.id).cloned().unwrap_or_default(),
                preferences: choices.remove(&s.id).unwrap_or_default(),
                priority_tier: Some(i64::from(s.priority_tier)),
                score: s.score_hundredths.map(|h| f64::from(h) / 100.0),
                allowed_regions,
                partner,
            })
        })
        .collect::<Result<_, AppError>>()?;
    applicants.sort_by(|a, b| a.id.cmp(&b.id));

    let mut facilities: BTreeMap<String, FacilityInput<String>> = BTreeMap::new();
    // The cycle's floor at a facility of `seats` (what a second round still owes is `floor_left`'s).
    let floor = |need: Option<i32>, seats: i64| -> Option<i64> {
        let threshold = cycle.floor_need_score?;
        let minimum = i64::from(cycle.floor_minimum).min(seats);
        (need? >= threshold && minimum > 0).then_some(minimum)
    };
    for (facility, seats) in vacancies {
        let live = live_at.get(&facility.id).copied().unwrap_or(0);
        let seats = i64::from(seats);
        let capacity = if facility_eligible(facility.eligible, facility.eligible_until, day) {
            second_round::freed_seats(seats, live)
        } else {
            0
        };
        let minimum = second_round::floor_left(floor(facility.need_score, seats), live, capacity);
        facilities.insert(
            facility.registry_key.clone(),
            FacilityInput {
                id: facility.registry_key,
                capacity,
                region: Some(facility.county),
                need_score: facility.need_score.map(f64::from),
                preferences: None,
                minimum,
            },
        );
    }
    for facility in unlisted {
        facilities.insert(
            facility.registry_key.clone(),
            FacilityInput {
                id: facility.registry_key,
                capacity: 0,
                region: Some(facility.county),
                need_score: facility.need_score.map(f64::from),
                preferences: None,
                minimum: None,
            },
        );
    }
    let regional_caps = store::region_caps(conn, cycle.id)?
        .into_iter()
        .map(|(county, cap)| {
            let live = live_in.get(&county).copied().unwrap_or(0);
            (county, second_round::cap_left(i64::from(cap), live))
        })
        .collect();
    Ok(MatchRequest {
        algorithm: rules.algorithm,
        proposing: rules.proposing,
        seed: (rules.algorithm == Algorithm::Lottery).then_some(rules.seed),
        applicants,
        facilities: facilities.into_values().collect(),
        regional_caps,
    })
}

/// The round a new run of the cycle would be, for a coordinator who may change the cycle; refused once the
/// cycle has had its two rounds.
fn round_to_run(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(Cycle, Round), AppError> {
    let cycle = cycle_to_change(conn, actor, cycle_id)?;
    let published = cycle.status == "published";
    let second = published && second_round_published(conn, cycle_id)?;
    let round = second_round::round_now(published, second).map_err(|key| AppError::Conflict(key.into()))?;
    Ok((cycle, round))
}

/// Whether the cycle's second round is published.
fn second_round_published(conn: &mut DbConn, cycle_id: i64) -> Result<bool, AppError> {
    Ok(store::published_of_cycle(conn, cycle_id)?.iter().any(|r| r.round == Round::Second.number()))
}

/// The round a new run of the cycle would be, for the runs page (`None`: no run may be made).
pub fn next_round(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<Option<Round>, AppError> {
    match round_to_run(conn, actor, cycle_id) {
        Ok((_, round)) => Ok(Some(round)),
        Err(AppError::Conflict(_) | AppError::Forbidden | AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Queues a run: the instance is built and frozen now, the job runner computes it (woken at once). Returns the
/// run's id. While the cycle is open it is a main run; once published, a second round over the unplaced and
/// the freed seats, whose placements must be answered by `answer_deadline` (required then, ignored before).
///
/// The instance is read from one snapshot before the write transaction, not inside it: a national cycle's
/// (100,000 scholars, 2 million choices) takes seconds to read and to write out, and on SQLite a write
/// transaction would hold the only write lock meanwhile. The run is the cycle as it stood at that read; the
/// write re-checks that the cycle is still in the same round. The input is compact JSON (the `match` command
/// reads it the same).
pub fn create_run(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    rules: RunRules,
    answer_deadline: Option<NaiveDateTime>,
) -> Result<i64, AppError> {
    let at = now();
    let (input, round, answer_deadline) = read_snapshot(conn, |conn| {
        let (cycle, round) = round_to_run(conn, actor, cycle_id)?;
        let answer_deadline = match round {
            Round::Main => None,
            Round::Second => Some(
                second_round::check_answer_deadline(answer_deadline, at, cycle.service_start_until)
                    .map_err(AppError::Validation)?,
            ),
        };
        let request = build_request(conn, &cycle, rules, at.date(), round)?;
        if round == Round::Second {
            if request.applicants.is_empty() {
                return Err(AppError::Conflict("run-error-none-unplaced".into()));
            }
            if request.facilities.iter().all(|f| f.capacity == 0) {
                return Err(AppError::Conflict("run-error-no-freed-seats".into()));
            }
        }
        let input =
            serde_json::to_string(&request).map_err(|e| AppError::Internal(format!("instance JSON: {e}")))? + "\n";
        Ok((input, round, answer_deadline))
    })?;
    let id = write_transaction(conn, |conn| {
        if round_to_run(conn, actor, cycle_id)?.1 != round {
            return Err(AppError::Conflict("run-error-cycle-published".into()));
        }
        let id = store::insert(
            conn,
            &store::NewRun {
                cycle_id,
                algorithm: rules.algorithm_name(),
                proposing: rules.proposing_name(),
                seed: i64::try_from(rules.seed).unwrap_or(i64::MAX),
                input: &input,
                created_by: actor.user_id,
                round: round.number(),
                answer_deadline,
            },
        )?;
        jobs::enqueue(conn, Job::MatchRun { run_id: id }, now())?;
        let run = store::find_without_files(conn, id)?;
        AuditEntry::new("create_match_run", "match_run", id).after(&run).record(conn, &actor.origin())?;
        Ok(id)
    })?;
    super::jobs::wake();
    Ok(id)
}

/// The figures of a computed run its page shows, kept apart from the report so that the page need not read it.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct RunSummary {
    pub stats: crate::domain::matching::report::MatchStats,
    pub blocking_pairs: u64,
    /// Seats left empty at facilities at or above the cycle's floor score (none without a floor).
    pub unfilled_floor_seats: Option<u64>,
}

/// A computed run, ready to store: the report as `ruralserve match` writes it, its figures, one line per scholar.
pub struct Computed {
    report: String,
    summary: String,
    lines: Vec<store::NewRunLine>,
}

/// The engine's outcome for a queued run: the computed run or the refusal's message. `None` when the run is no
/// longer queued. Reads only: the job runner calls it before its transaction, so that a long run does not hold
/// the database's write lock.
pub fn compute(conn: &mut DbConn, run_id: i64) -> Result<Option<Result<Computed, String>>, AppError> {
    let run = store::find(conn, run_id)?;
    if run.status != "queued" {
        return Ok(None);
    }
    let (instance, report) = match run_match_report(run.input.as_deref().unwrap_or_default()) {
        Ok(done) => done,
        Err(e) => return Ok(Some(Err(e.to_string()))),
    };
    let text = report_text(&report).map_err(|e| AppError::Internal(format!("run {run_id} report: {e}")))?;
    let cycle = crate::store::placement_cycles::find(conn, run.cycle_id)?;
    let summary = RunSummary {
        unfilled_floor_seats: unfilled_floor_seats(&instance, &cycle, &report),
        stats: report.stats.clone(),
        blocking_pairs: report.blocking_pairs,
    };
    let summary = serde_json::to_string(&summary).map_err(|e| AppError::Internal(format!("run summary: {e}")))?;
    let lines = outcome_lines(conn, &run, &report)?;
    Ok(Some(Ok(Computed { report: text, summary, lines })))
}

/// The report's lines as rows: the placed by reference, then the unplaced by reference (the report's order).
fn outcome_lines(conn: &mut DbConn, run: &Run, report: &MatchReport) -> Result<Vec<store::NewRunLine>, AppError> {
    let scholar_of: HashMap<String, i64> = store::scholar_ids(conn, run.cycle_id)?
        .into_iter()
        .map(|(reference, award_id, id)| (engine_id(reference.as_deref(), award_id), id))
        .collect();
    let keys: Vec<String> =
        report.assignments.iter().map(|a| a.facility.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let facility_of: HashMap<String, i64> =
        store::facilities_by_key(conn, &keys)?.into_iter().map(|f| (f.registry_key, f.id)).collect();
    let scholar = |reference: &str| {
        scholar_of
            .get(reference)
            .copied()
            .ok_or_else(|| AppError::Internal(format!("run {} names unknown scholar {reference}", run.id)))
    };
    let placed =
        report.assignments.iter().map(|a| {
            Ok(store::NewRunLine {
                run_id: run.id,
                position: 0,
                cycle_scholar_id: scholar(&a.applicant)?,
                reference: a.applicant.clone(),
                facility_id: Some(facility_of.get(&a.facility).copied().ok_or_else(|| {
                    AppError::Internal(format!("run {} names unknown facility {}", run.id, a.facility))
                })?),
                choice_rank: Some(i32::try_from(a.choice_rank).unwrap_or(i32::MAX)),
                reason: None,
            })
        });
    let unplaced = report.unmatched.iter().map(|u| {
        Ok(store::NewRunLine {
            run_id: run.id,
            position: 0,
            cycle_scholar_id: scholar(&u.applicant)?,
            reference: u.applicant.clone(),
            facility_id: None,
            choice_rank: None,
            reason: Some(u.reason.clone()),
        })
    });
    let mut lines = placed.chain(unplaced).collect::<Result<Vec<_>, AppError>>()?;
    for (position, line) in lines.iter_mut().enumerate() {
        line.position = i32::try_from(position).map_err(|_| AppError::Internal("too many lines".into()))?;
    }
    Ok(lines)
}

/// Empty seats at facilities whose need score is at or above the cycle's floor score, from the run's instance.
fn unfilled_floor_seats(instance: &Instance, cycle: &Cycle, report: &MatchReport) -> Option<u64> {
    let threshold = f64::from(cycle.floor_need_score?);
    let mut filled: HashMap<&str, u64> = HashMap::new();
    for a in &report.assignments {
        *filled.entry(a.facility.as_str()).or_default() += 1;
    }
    Some(
        (0..instance.facility_count())
            .filter_map(|i| u32::try_from(i).ok())
            .filter(|&f| instance.facility(f).need_score.is_some_and(|n| n >= threshold))
            .map(|f| {
                let seats = u64::from(instance.facility(f).capacity);
                seats.saturating_sub(filled.get(instance.facility_id(f)).copied().unwrap_or(0))
            })
            .sum(),
    )
}

/// Stores a computed outcome (the job's work, in the runner's transaction).
pub fn store_outcome(
    conn: &mut DbConn,
    run_id: i64,
    outcome: Option<Result<Computed, String>>,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let Some(outcome) = outcome else { return Ok(()) };
    let status = if outcome.is_ok() { "done" } else { "failed" };
    let stored = match &outcome {
        Ok(computed) => Ok((computed.report.as_str(), computed.summary.as_str())),
        Err(message) => Err(message.as_str()),
    };
    if store::finish(conn, run_id, stored, at)? {
        if let Ok(computed) = &outcome {
            store::insert_lines(conn, &computed.lines)?;
        }
        AuditEntry::new("compute_match_run", "match_run", run_id)
            .after(&serde_json::json!({ "status": status }))
            .record(conn, &super::jobs::worker_origin())?;
    }
    Ok(())
}

/// The two files that let anyone rerun a run: the frozen input (`ruralserve match --input`) and the report
/// (the command's output).
#[derive(Debug, Clone, Copy)]
pub enum RunFile {
    Input,
    Report,
}

/// A run's file, byte for byte, for whoever may read the run; not found until the report is computed.
pub fn run_file(conn: &mut DbConn, actor: &Actor, run_id: i64, file: RunFile) -> Result<String, AppError> {
    readable_run(conn, actor, run_id)?;
    let run = store::find(conn, run_id)?;
    match file {
        RunFile::Input => run.input,
        RunFile::Report => run.report,
    }
    .ok_or(AppError::NotFound)
}

/// A run the actor may read (its cycle's coordinators, administrators), with its cycle; without its files
/// (`input` and `report` are `None`: `run_file` reads them).
pub fn readable_run(conn: &mut DbConn, actor: &Actor, run_id: i64) -> Result<(Run, Cycle), AppError> {
    let run = store::find_without_files(conn, run_id)?;
    let cycle = readable_cycle(conn, actor, run.cycle_id)?;
    Ok((run, cycle))
}

pub fn runs_of_cycle(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(Cycle, Vec<Run>), AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let runs = store::of_cycle(conn, cycle_id)?;
    Ok((cycle, runs))
}

pub fn parse_report(run: &Run) -> Result<Option<MatchReport>, AppError> {
    run.report
        .as_deref()
        .map(|text| serde_json::from_str(text).map_err(|e| AppError::Internal(format!("run {} report: {e}", run.id))))
        .transpose()
}

/// Lines of a run's outcome per page.
pub const LINES_PER_PAGE: i32 = 50;

/// A run's figures, if it was computed by this version (runs computed before kept their report only).
pub fn run_summary(run: &Run) -> Result<Option<RunSummary>, AppError> {
    run.summary
        .as_deref()
        .map(|text| serde_json::from_str(text).map_err(|e| AppError::Internal(format!("run {} summary: {e}", run.id))))
        .transpose()
}

/// One page of a run's placed or unplaced scholars.
#[derive(Debug, Clone, Serialize)]
pub struct LinePage {
    pub lines: Vec<store::RunLine>,
    pub page: u32,
    pub pages: u32,
}

/// A run, its figures and one page of each of its outcome's parts: the placed (by reference) and the unplaced.
#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    pub run: Run,
    pub cycle: Cycle,
    pub summary: Option<RunSummary>,
    /// Computed by an earlier version, which kept only the report (its figures are in `result.json`).
    pub figures_in_report_only: bool,
    pub placed: LinePage,
    pub unplaced: LinePage,
    /// Whether the actor may propose or publish it now.
    pub may_propose: bool,
    pub may_publish: bool,
    pub proposed_by_actor: bool,
}

/// Page `page` (from 1; past the end reads the last) of the `count` lines that start at position `first`.
fn line_page(conn: &mut DbConn, run_id: i64, first: u64, count: u64, page: u32) -> Result<LinePage, AppError> {
    let per_page = u64::try_from(LINES_PER_PAGE).unwrap_or(50);
    let pages = u32::try_from(count.div_ceil(per_page).max(1)).unwrap_or(u32::MAX);
    let page = page.clamp(1, pages);
    let from = first + u64::from(page - 1) * per_page;
    let to = (from + per_page).min(first + count);
    let position = |p: u64| i32::try_from(p).map_err(|_| AppError::Internal(format!("line position {p}")));
    let lines = if count == 0 { Vec::new() } else { store::lines(conn, run_id, position(from)?, position(to)?)? };
    Ok(LinePage { lines, page, pages })
}

/// The run's page: its figures and one page of lines of each kind, read by index (a national run has 100,000).
pub fn run_view(
    conn: &mut DbConn,
    actor: &Actor,
    run_id: i64,
    placed_page: u32,
    unplaced_page: u32,
) -> Result<RunView, AppError> {
    let (run, cycle) = readable_run(conn, actor, run_id)?;
    let summary = run_summary(&run)?;
    let (matched, unmatched) = summary.as_ref().map_or((0, 0), |s| (s.stats.matched, s.stats.unmatched));
    let placed = line_page(conn, run.id, 0, matched, placed_page)?;
    let unplaced = line_page(conn, run.id, matched, unmatched, unplaced_page)?;
    let coordinator = actor.role == Role::PlacementCoordinator && movable(conn, &run, &cycle)?;
    Ok(RunView {
        may_propose: coordinator && run.status == "done",
        may_publish: coordinator && run.status == "proposed",
        proposed_by_actor: run.proposed_by == Some(actor.user_id),
        figures_in_report_only: summary.is_none() && run.finished_at.is_some() && run.error.is_none(),
        summary,
        placed,
        unplaced,
        run,
        cycle,
    })
}

/// One scholar placed differently by two runs.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    pub reference: String,
    pub name: String,
    pub a: Option<String>,
    pub b: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub cycle: Cycle,
    pub a: Run,
    pub b: Run,
    pub report_a: MatchReport,
    pub report_b: MatchReport,
    pub differences: Vec<Difference>,
}

fn names_of(conn: &mut DbConn, cycle_id: i64) -> Result<HashMap<String, String>, AppError> {
    Ok(store::all_scholars(conn, cycle_id)?.into_iter().filter_map(|s| s.reference.map(|r| (r, s.name))).collect())
}

/// Two computed runs of one cycle side by side, and the scholars whose placement differs.
pub fn compare(conn: &mut DbConn, actor: &Actor, cycle_id: i64, a: i64, b: i64) -> Result<Comparison, AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let load = |conn: &mut DbConn, id: i64| -> Result<(Run, MatchReport), AppError> {
        let run = store::find(conn, id)?;
        if run.cycle_id != cycle_id {
            return Err(AppError::NotFound);
        }
        let report = parse_report(&run)?.ok_or_else(|| AppError::Conflict("run-error-not-computed".into()))?;
        Ok((run, report))
    };
    let (run_a, report_a) = load(conn, a)?;
    let (run_b, report_b) = load(conn, b)?;
    if run_a.round != run_b.round {
        return Err(AppError::Conflict("run-error-compare-rounds".into()));
    }
    let place = |r: &MatchReport| -> BTreeMap<String, String> {
        r.assignments.iter().map(|x| (x.applicant.clone(), x.facility.clone())).collect()
    };
    let (place_a, place_b) = (place(&report_a), place(&report_b));
    let everyone: BTreeSet<String> = report_a
        .assignments
        .iter()
        .map(|x| x.applicant.clone())
        .chain(report_a.unmatched.iter().map(|x| x.applicant.clone()))
        .chain(report_b.assignments.iter().map(|x| x.applicant.clone()))
        .chain(report_b.unmatched.iter().map(|x| x.applicant.clone()))
        .collect();
    let names = names_of(conn, cycle_id)?;
    let differences = everyone
        .into_iter()
        .filter(|r| place_a.get(r) != place_b.get(r))
        .map(|r| Difference {
            name: names.get(&r).cloned().unwrap_or_default(),
            a: place_a.get(&r).cloned(),
            b: place_b.get(&r).cloned(),
            reference: r,
        })
        .collect();
    Ok(Comparison { cycle, a: run_a, b: run_b, report_a, report_b, differences })
}

/// Whether a run may still be proposed or published: a main run while its cycle is open, a second round's
/// while the cycle is published and has no published second round.
fn movable(conn: &mut DbConn, run: &Run, cycle: &Cycle) -> Result<bool, AppError> {
    let round = run_round(run)?;
    let published = cycle.status == "published";
    let second = published && second_round_published(conn, cycle.id)?;
    Ok(second_round::run_movable(round, published, second))
}

fn run_round(run: &Run) -> Result<Round, AppError> {
    Round::from_number(run.round).ok_or_else(|| AppError::Internal(format!("run {} has round {}", run.id, run.round)))
}

/// A run the actor (a coordinator of the funder) may still move.
fn run_to_change(conn: &mut DbConn, actor: &Actor, run_id: i64) -> Result<(Run, Cycle), AppError> {
    let run = store::find_without_files(conn, run_id)?;
    let cycle = cycle_to_change(conn, actor, run.cycle_id)?;
    if !movable(conn, &run, &cycle)? {
        let key = if run_round(&run)? == Round::Main { "run-error-cycle-published" } else { "run-error-rounds-over" };
        return Err(AppError::Conflict(key.into()));
    }
    Ok((run, cycle))
}

/// A coordinator proposes a computed run for publication.
pub fn propose(conn: &mut DbConn, actor: &Actor, run_id: i64, version: i32) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (run, _) = run_to_change(conn, actor, run_id)?;
        if run.status != "done" {
            return Err(AppError::Conflict("run-error-not-proposable".into()));
        }
        store::propose(conn, run_id, version, actor.user_id, now())?;
        let after = store::find(conn, run_id)?;
        AuditEntry::new("propose_match_run", "match_run", run_id)
            .before(&run)
            .after(&after)
            .record(conn, &actor.origin())
    })
}

/// Another coordinator publishes a proposed run: in one transaction the run becomes published, one placement
/// per assignment is written, and every scholar of the run gets an e-mail. A main run publishes its cycle; a
/// second round's placements carry its answer deadline, and the round is refused (to be run again) if a
/// scholar it places was placed meanwhile or a seat it fills was taken meanwhile: never over capacity.
pub fn publish(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    actor: &Actor,
    run_id: i64,
    version: i32,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (run, cycle) = run_to_change(conn, actor, run_id)?;
        if run.status != "proposed" {
            return Err(AppError::Conflict("run-error-not-publishable".into()));
        }
        if run.proposed_by == Some(actor.user_id) {
            return Err(AppError::Conflict("run-error-same-coordinator".into()));
        }
        let report = parse_report(&store::find(conn, run_id)?)?
            .ok_or_else(|| AppError::Conflict("run-error-not-computed".into()))?;
        let at = now();
        let origin = match run_round(&run)? {
            Round::Main => {
                store::publish_cycle(conn, cycle.id, cycle.version)?;
                store::RunOrigin::Main
            }
            Round::Second => {
                let answer_by = run
                    .answer_deadline
                    .ok_or_else(|| AppError::Internal(format!("second round {run_id} has no answer deadline")))?;
                if answer_by <= at {
                    return Err(AppError::Conflict("run-error-answer-deadline-passed".into()));
                }
                store::touch_published_cycle(conn, cycle.id, cycle.version)?;
                store::RunOrigin::SecondRound { answer_by }
            }
        };
        store::publish(conn, run_id, version, actor.user_id, at)?;
        let links = Links { i18n, public_url };
        let placed = place_and_tell(conn, &links, &cycle, run_id, &report, &origin, at)?;
        // The unanswered placements lapse at their deadline (one second after it: the deadline itself is in time).
        let deadline = match origin {
            store::RunOrigin::Main => {
                let due = crate::domain::jobs::service_start_due(cycle.service_start_until);
                jobs::enqueue(conn, Job::ServiceStartDue { cycle_id: cycle.id }, due)?;
                cycle.acceptance_deadline
            }
            store::RunOrigin::SecondRound { answer_by } => answer_by,
        };
        jobs::enqueue(conn, Job::PlacementAnswerDue { cycle_id: cycle.id }, crate::domain::jobs::lapse_due(deadline))?;
        let after = store::find_without_files(conn, run_id)?;
        AuditEntry::new("publish_match_run", "match_run", run_id)
            .before(&run)
            .after(&serde_json::json!({ "run": after, "placements": placed, "unplaced": report.unmatched.len() }))
            .record(conn, &actor.origin())
    })
}

/// Writes a published run's placements and e-mails every scholar of it (placed, or not and why). Returns how
/// many placements were written.
fn place_and_tell(
    conn: &mut DbConn,
    links: &Links,
    cycle: &Cycle,
    run_id: i64,
    report: &MatchReport,
    origin: &store::RunOrigin,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let scholars: HashMap<String, CycleScholar> =
        store::all_scholars(conn, cycle.id)?.into_iter().filter_map(|s| s.reference.clone().map(|r| (r, s))).collect();
    let keys: Vec<String> =
        report.assignments.iter().map(|a| a.facility.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let facilities: HashMap<String, FacilityFacts> =
        store::facilities_by_key(conn, &keys)?.into_iter().map(|f| (f.registry_key.clone(), f)).collect();
    let link = format!("{}/my/placement/{}/result", links.public_url.trim_end_matches('/'), cycle.id);
    let i18n = links.i18n;
    let mut rows = Vec::with_capacity(report.assignments.len());
    for a in &report.assignments {
        let scholar = scholars
            .get(&a.applicant)
            .ok_or_else(|| AppError::Internal(format!("run {run_id} places unknown scholar {}", a.applicant)))?;
        let facility = facilities
            .get(&a.facility)
            .ok_or_else(|| AppError::Internal(format!("run {run_id} names unknown facility {}", a.facility)))?;
        rows.push(NewPlacement {
            cycle_scholar_id: scholar.id,
            award_id: scholar.award_id,
            facility_id: facility.id,
            choice_rank: i32::try_from(a.choice_rank).unwrap_or(i32::MAX).max(1),
        });
        let lang = scholar.language.as_str();
        outbox::enqueue(
            conn,
            &scholar.email,
            &i18n.t_args(lang, "mail-placed-subject", &[("cycle", cycle.title.clone())]),
            &i18n.t_args(
                lang,
                "mail-placed-body",
                &[
                    ("cycle", cycle.title.clone()),
                    ("facility", facility.name.clone()),
                    ("county", facility.county.clone()),
                    ("url", link.clone()),
                ],
            ),
        )?;
    }
    for u in &report.unmatched {
        let Some(scholar) = scholars.get(&u.applicant) else { continue };
        let lang = scholar.language.as_str();
        outbox::enqueue(
            conn,
            &scholar.email,
            &i18n.t_args(lang, "mail-unplaced-subject", &[("cycle", cycle.title.clone())]),
            &i18n.t_args(
                lang,
                "mail-unplaced-body",
                &[("cycle", cycle.title.clone()), ("reason", u.reason.clone()), ("url", link.clone())],
            ),
        )?;
    }
    if let store::RunOrigin::SecondRound { .. } = origin {
        check_round_still_fits(conn, cycle.id, &rows)?;
    }
    store::insert_placements(conn, run_id, &rows, at, origin)?;
    Ok(rows.len())
}

/// Before a second round's placements are written: none of its scholars holds a record yet, and every
/// facility it fills still has the seats (its vacancy rows locked first, in id order, so that a reassignment
/// into the same facility waits for this transaction on PostgreSQL).
fn check_round_still_fits(conn: &mut DbConn, cycle_id: i64, rows: &[NewPlacement]) -> Result<(), AppError> {
    let stale = || AppError::Conflict("run-error-round-stale".into());
    let placed = crate::store::placements::ever_placed(conn, cycle_id)?;
    if rows.iter().any(|p| placed.contains(&p.cycle_scholar_id)) {
        return Err(stale());
    }
    let mut adding: BTreeMap<i64, i64> = BTreeMap::new();
    for p in rows {
        *adding.entry(p.facility_id).or_default() += 1;
    }
    for &facility in adding.keys() {
        crate::store::appeals::lock_vacancy(conn, cycle_id, facility)?;
    }
    let live: HashMap<i64, i64> = crate::store::placements::live_by_facility(conn, cycle_id)?
        .into_iter()
        .map(|(facility, _, n)| (facility, n))
        .collect();
    let seats: HashMap<i64, i64> =
        store::vacancies(conn, cycle_id)?.into_iter().map(|(f, seats)| (f.id, i64::from(seats))).collect();
    for (facility, n) in adding {
        let held = live.get(&facility).copied().unwrap_or(0);
        if !second_round::still_fits(seats.get(&facility).copied().unwrap_or(0), held, n) {
            return Err(stale());
        }
    }
    Ok(())
}

/// A higher choice as the scholar's page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HigherChoiceView {
    pub choice_rank: u32,
    pub facility: String,
    pub facility_name: String,
    pub county: String,
    #[serde(flatten)]
    pub why: crate::domain::matching::explanation::WhyNot,
}

/// The scholar's published placement and why not each higher choice.
#[derive(Debug, Clone, Serialize)]
pub struct ScholarResult {
    pub cycle: Cycle,
    pub reference: String,
    pub facility: Option<FacilityFacts>,
    pub choice_rank: Option<u32>,
    pub higher_choices: Vec<HigherChoiceView>,
    /// The engine's reason, for the unplaced.
    pub unplaced_reason: Option<String>,
}

/// The scholar's own result, once the cycle is published (before, "not found"). The explanation is computed
/// from the published run's stored input (re-parsed into the engine's instance) and the matching read back
/// from its stored report's assignments: the engine is not run again.
pub fn scholar_result(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<ScholarResult, AppError> {
    actor.require(&[Role::Applicant]).map_err(|_| AppError::NotFound)?;
    let scholar = store::scholar_of_user(conn, cycle_id, actor.user_id)?.ok_or(AppError::NotFound)?;
    // The second round's run if it holds the scholar, else the main run (runs computed before lines were kept
    // have none, and the main run holds every scholar of its time).
    let mut chosen = None;
    for run in store::published_of_cycle(conn, cycle_id)? {
        if run.round == Round::Main.number() || store::holds_scholar(conn, run.id, scholar.id)? {
            chosen = Some(run.id);
            break;
        }
    }
    let run = store::find(conn, chosen.ok_or(AppError::NotFound)?)?;
    let cycle = crate::store::placement_cycles::find(conn, cycle_id)?;
    let report = parse_report(&run)?.ok_or(AppError::NotFound)?;
    let reference = scholar.reference.clone().unwrap_or_default();
    let explanation = explain_from_run(&run, &report, &reference)?;
    let Some(explanation) = explanation else {
        // Not in the published run (added after it): nothing to show.
        return Err(AppError::NotFound);
    };
    let mut keys: Vec<String> = explanation.higher_choices.iter().map(|c| c.facility.clone()).collect();
    if let Some((f, _)) = &explanation.placed {
        keys.push(f.clone());
    }
    let facts: HashMap<String, FacilityFacts> =
        store::facilities_by_key(conn, &keys)?.into_iter().map(|f| (f.registry_key.clone(), f)).collect();
    let higher_choices = explanation
        .higher_choices
        .into_iter()
        .map(|c| HigherChoiceView {
            choice_rank: c.choice_rank,
            facility_name: facts.get(&c.facility).map(|f| f.name.clone()).unwrap_or_default(),
            county: facts.get(&c.facility).map(|f| f.county.clone()).unwrap_or_default(),
            facility: c.facility,
            why: c.why,
        })
        .collect();
    let unplaced_reason = report.unmatched.iter().find(|u| u.applicant == reference).map(|u| u.reason.clone());
    Ok(ScholarResult {
        cycle,
        facility: explanation.placed.as_ref().and_then(|(f, _)| facts.get(f).cloned()),
        choice_rank: explanation.placed.map(|(_, rank)| rank),
        higher_choices,
        unplaced_reason,
        reference,
    })
}

/// The explanation for one applicant of a computed run; `None` if the run does not hold them.
pub fn explain_from_run(run: &Run, report: &MatchReport, reference: &str) -> Result<Option<Explanation>, AppError> {
    let input = run.input.as_deref().unwrap_or_default();
    let (instance, _) =
        parse_request(input).map_err(|e| AppError::Internal(format!("run {} input no longer reads: {e}", run.id)))?;
    let Some(a) = instance.applicant_by_id(reference) else { return Ok(None) };
    let mut facility_of = vec![None; instance.applicant_count()];
    for line in &report.assignments {
        if let (Some(x), Some(f)) = (instance.applicant_by_id(&line.applicant), instance.facility_by_id(&line.facility))
        {
            facility_of[x as usize] = Some(f);
        }
    }
    Ok(Some(explain_applicant(&instance, &facility_of, a)))
}

/// The published placements of a cycle: all of them for its coordinators (and administrators), only their
/// own for a scholar in it; anyone else gets "not found".
pub fn placements(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<Vec<store::PlacementRow>, AppError> {
    if actor.role == Role::Applicant {
        if !store::user_in_cycle(conn, cycle_id, actor.user_id)? {
            return Err(AppError::NotFound);
        }
        return store::placements_of_cycle(conn, cycle_id, Some(actor.user_id));
    }
    readable_cycle(conn, actor, cycle_id)?;
    store::placements_of_cycle(conn, cycle_id, None)
}
