//! The scholar's answer to a published placement (accept, or decline with a reason) by the cycle's deadline,
//! and the lapse of the unanswered ones when the deadline passes (the `placement_answer_due` job). A decline
//! or a lapse frees the seat (only live records count) and raises a compliance flag: the organisation's
//! compliance coordinators decide whether it breaches the bond.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::jobs::worker_origin;
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::jobs::lapse_due;
use crate::domain::placement_answer::{answer_open, deadline_of, read_decline, DECLINE_REASONS};
use crate::domain::placement_state::{PlacementEvent, PlacementStatus};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::store::audit::{AuditEntry, Origin};
use crate::store::match_runs::{self as runs_store, CycleScholar};
use crate::store::placement_answers::{self as store, Recipient};
use crate::store::placement_cycles::{self as cycles_store, Cycle};
use crate::store::placements::{self as placements_store, Placement, PlacementFacts};
use crate::store::{compliance, facilities, now, outbox};

/// What the scholar's result page shows of their answer.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerView {
    /// The scholar's latest placement record in the cycle (the live one, or the last closed one).
    pub placement: Option<Placement>,
    /// Whether the Accept and Decline forms are shown: a published record, before the deadline.
    pub may_answer: bool,
    /// The deadline has passed.
    pub deadline_passed: bool,
    /// The placement's answer deadline: the cycle's, or the second round's that placed the scholar.
    pub deadline: NaiveDateTime,
    pub decline_reasons: &'static [&'static str],
}

/// The scholar's own answer state in a published cycle; anyone else (or before publication) "not found",
/// as the result page itself answers.
pub fn answer_view(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<AnswerView, AppError> {
    actor.require(&[Role::Applicant]).map_err(|_| AppError::NotFound)?;
    let (scholar, cycle) = scholar_in_published(conn, actor, cycle_id)?;
    let placement = placements_store::history_of(conn, scholar.id)?.pop();
    let deadline = deadline_of(placement.as_ref().and_then(|p| p.answer_by), cycle.acceptance_deadline);
    let open = answer_open(deadline, now());
    let may_answer = open && placement.as_ref().is_some_and(|p| p.status == PlacementStatus::Published.as_str());
    Ok(AnswerView { placement, may_answer, deadline_passed: !open, deadline, decline_reasons: &DECLINE_REASONS })
}

fn scholar_in_published(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(CycleScholar, Cycle), AppError> {
    let scholar = runs_store::scholar_of_user(conn, cycle_id, actor.user_id)?.ok_or(AppError::NotFound)?;
    let cycle = cycles_store::find(conn, cycle_id)?;
    if cycle.status != "published" {
        return Err(AppError::NotFound);
    }
    Ok((scholar, cycle))
}

/// How the scholar answers.
#[derive(Debug, Clone)]
pub enum Answer {
    Accept,
    /// The reason's code (one of `DECLINE_REASONS`) and the scholar's own words.
    Decline {
        reason: String,
        text: String,
    },
}

/// Checks that the actor may answer in this cycle at all (a scholar of it), before any field is read.
pub fn check_scholar(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(), AppError> {
    actor.require(&[Role::Applicant])?;
    scholar_in_published(conn, actor, cycle_id).map(|_| ())
}

/// The scholar accepts or declines their published placement, shown at `version`, by the cycle's deadline.
/// Guarded: of two answers sent at once (two tabs, two phones), exactly one is recorded.
pub fn answer(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    actor: &Actor,
    cycle_id: i64,
    version: i32,
    answer: Answer,
) -> Result<PlacementStatus, AppError> {
    actor.require(&[Role::Applicant])?;
    write_transaction(conn, |conn| {
        let (scholar, cycle) = scholar_in_published(conn, actor, cycle_id)?;
        let placement = match placements_store::live_of(conn, scholar.id)? {
            Some(p) => p,
            None if placements_store::history_of(conn, scholar.id)?.is_empty() => {
                return Err(AppError::Conflict("answer-error-no-placement".into()))
            }
            None => return Err(AppError::Conflict("answer-error-answered".into())),
        };
        if placement.status != PlacementStatus::Published.as_str() {
            return Err(AppError::Conflict("answer-error-answered".into()));
        }
        let at = now();
        if !answer_open(deadline_of(placement.answer_by, cycle.acceptance_deadline), at) {
            return Err(AppError::Conflict("answer-error-deadline".into()));
        }
        if placement.version != version {
            return Err(AppError::Conflict("answer-error-changed".into()));
        }
        let (event, decline_reason) = match &answer {
            Answer::Accept => (PlacementEvent::Accept, None),
            Answer::Decline { reason, text } => {
                (PlacementEvent::Decline, Some(read_decline(reason, text).map_err(AppError::Validation)?))
            }
        };
        let facts =
            PlacementFacts { answered_at: Some(at), decline_reason: decline_reason.clone(), ..Default::default() };
        let to = guarded(placements_store::apply(conn, &placement, event, &facts))?;
        let after = placements_store::find(conn, placement.id)?;
        let action = if to == PlacementStatus::Accepted { "accept_placement" } else { "decline_placement" };
        AuditEntry::new(action, "placement", placement.id)
            .before(&placement)
            .after(&after)
            .record(conn, &actor.origin())?;

        let facility = facilities::find(conn, placement.facility_id)?;
        let lang = scholar.language.as_str();
        let common = [
            ("cycle", cycle.title.clone()),
            ("facility", facility.name.clone()),
            ("county", facility.county.clone()),
            ("name", scholar.name.clone()),
            ("reference", scholar.reference.clone().unwrap_or_default()),
        ];
        match decline_reason {
            None => {
                outbox::enqueue(
                    conn,
                    &scholar.email,
                    &i18n.t_args(lang, "mail-placement-accepted-subject", &common),
                    &i18n.t_args(lang, "mail-placement-accepted-body", &common),
                )?;
            }
            Some(reason) => {
                compliance::raise(conn, placement.award_id, placement.id, compliance::PLACEMENT_DECLINED, &reason, at)?;
                outbox::enqueue(
                    conn,
                    &scholar.email,
                    &i18n.t_args(lang, "mail-placement-declined-subject", &common),
                    &i18n.t_args(lang, "mail-placement-declined-body", &common),
                )?;
                let link = format!("{}/compliance", public_url.trim_end_matches('/'));
                let mut args = common.to_vec();
                args.push(("reason", reason));
                args.push(("url", link));
                for staff in store::staff_of(conn, cycle.organisation_id, Role::ComplianceCoordinator)? {
                    tell(conn, i18n, &staff, "mail-placement-declined-compliance", &args)?;
                }
            }
        }
        Ok(to)
    })
}

/// A guarded move that lost the race reads, for the scholar, as "your answer changed meanwhile".
fn guarded<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    result.map_err(|e| match e {
        AppError::Conflict(key) if key.starts_with("placement-error") => {
            AppError::Conflict("answer-error-changed".into())
        }
        other => other,
    })
}

fn tell(conn: &mut DbConn, i18n: &I18n, to: &Recipient, key: &str, args: &[(&str, String)]) -> Result<(), AppError> {
    let lang = to.language.as_str();
    outbox::enqueue(
        conn,
        &to.email,
        &i18n.t_args(lang, &format!("{key}-subject"), args),
        &i18n.t_args(lang, &format!("{key}-body"), args),
    )?;
    Ok(())
}

/// The `placement_answer_due` job's work, in the runner's transaction: every placement of the cycle still
/// unanswered past its deadline (the cycle's, or its second round's) lapses, with a flag, an e-mail to its
/// scholar, and one e-mail to each placement and compliance coordinator of the organisation listing them.
/// Running it again finds nothing left to lapse. Returns when to look again if a deadline is still ahead (the
/// cycle's was moved later, or a second round's placements wait for theirs).
pub fn lapse_unanswered(
    conn: &mut DbConn,
    i18n: &I18n,
    cycle_id: i64,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    let cycle = cycles_store::find(conn, cycle_id)?;
    let origin: Origin = worker_origin();
    let scholars: std::collections::HashMap<i64, CycleScholar> =
        runs_store::all_scholars(conn, cycle_id)?.into_iter().map(|s| (s.id, s)).collect();
    let shown = |t: NaiveDateTime| format!("{} UTC", t.format("%Y-%m-%d %H:%M"));
    let mut lapsed = Vec::new();
    let mut last_deadline = None;
    let mut next_look: Option<NaiveDateTime> = None;
    for placement in store::unanswered_of_cycle(conn, cycle_id)? {
        let deadline = deadline_of(placement.answer_by, cycle.acceptance_deadline);
        if answer_open(deadline, at) {
            let due = lapse_due(deadline);
            next_look = Some(next_look.map_or(due, |n| n.min(due)));
            continue;
        }
        match placements_store::apply(conn, &placement, PlacementEvent::Lapse, &PlacementFacts::default()) {
            Ok(_) => {}
            // Answered at the very last moment, after this job read it: the answer stands.
            Err(AppError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        let after = placements_store::find(conn, placement.id)?;
        AuditEntry::new("lapse_placement", "placement", placement.id)
            .before(&placement)
            .after(&after)
            .record(conn, &origin)?;
        let detail = format!("no answer by {}", shown(deadline));
        compliance::raise(conn, placement.award_id, placement.id, compliance::PLACEMENT_LAPSED, &detail, at)?;
        last_deadline = Some(last_deadline.map_or(deadline, |d: NaiveDateTime| d.max(deadline)));
        let facility = facilities::find(conn, placement.facility_id)?;
        let Some(scholar) = scholars.get(&placement.cycle_scholar_id) else { continue };
        let reference = scholar.reference.clone().unwrap_or_default();
        let args = [
            ("cycle", cycle.title.clone()),
            ("facility", facility.name.clone()),
            ("county", facility.county.clone()),
            ("deadline", shown(deadline)),
        ];
        let to = Recipient { email: scholar.email.clone(), language: scholar.language.clone() };
        tell(conn, i18n, &to, "mail-placement-lapsed", &args)?;
        lapsed.push(format!("- {} ({reference}), {}", scholar.name, facility.name));
    }
    if let (false, Some(deadline)) = (lapsed.is_empty(), last_deadline) {
        let args = [
            ("cycle", cycle.title.clone()),
            ("count", lapsed.len().to_string()),
            ("deadline", shown(deadline)),
            ("list", lapsed.join("\n")),
        ];
        let mut staff = store::staff_of(conn, cycle.organisation_id, Role::PlacementCoordinator)?;
        staff.extend(store::staff_of(conn, cycle.organisation_id, Role::ComplianceCoordinator)?);
        for member in &staff {
            tell(conn, i18n, member, "mail-placements-lapsed-staff", &args)?;
        }
    }
    // The cycle's own deadline moved later with nothing yet to lapse: look again then, as before.
    if answer_open(cycle.acceptance_deadline, at) {
        let due = lapse_due(cycle.acceptance_deadline);
        next_look = Some(next_look.map_or(due, |n| n.min(due)));
    }
    Ok(next_look)
}
