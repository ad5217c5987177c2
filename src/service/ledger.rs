//! While the scholar is in school: the payment ledger (record, hold, release, cancel, return; totals against
//! the budget), progress reports and the hold on payments while one is overdue, reported status changes and
//! their effects (in-school breach with the amount to repay), continuation into the next year, and the end
//! of support.

use chrono::NaiveDate;
use diesel::Connection;
use serde::Serialize;

use super::access::{managed_award, managed_call, readable_award, require_officer};
use super::award_state::as_seen;
use super::awards::{contract_figures, move_award, officer_context, schedule_year, status_of, terms_of, year_start};
use super::report_holds::{apply_report_holds, report_facts, HELD_FOR_REPORT};
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::award::{may_continue, next_award_status, AwardAction, AwardStatus};
use crate::domain::dates::{latest_supported_graduation, BEYOND_SUPPORT};
use crate::domain::payment::{
    in_school_breach_amount, next_payment_status, receipt_errors, term_starts, totals_by_status, LedgerEntry,
    PaymentAction, PaymentStatus, PaymentTotals,
};
use crate::domain::progress::{ChangeDecision, ChangeEffect, StatusChange};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::store::audit::AuditEntry;
use crate::store::awards::{self as store, AwardChange, PaymentChange};
use crate::store::{now, outbox, programmes};

pub use crate::store::awards::{Award, ChangeRow, PaymentRow, ReportRow};

/// Why a held payment is held.
pub const HELD_BY_OFFICER: &str = "officer";
pub const HELD_FOR_LEAVE: &str = "leave_of_absence";

fn entries(payments: &[PaymentRow]) -> Result<Vec<LedgerEntry>, AppError> {
    payments
        .iter()
        .map(|p| {
            let status = PaymentStatus::parse(&p.status)
                .ok_or_else(|| AppError::Internal(format!("payment {} has unknown status", p.id)))?;
            Ok(LedgerEntry { status, paid_on: p.paid_on, amount_minor: p.amount_minor })
        })
        .collect()
}

pub fn totals(payments: &[PaymentRow]) -> Result<PaymentTotals, AppError> {
    totals_by_status(&entries(payments)?).map_err(|key| AppError::Internal(key.into()))
}

/// Everything the award pages and the API show about one award.
#[derive(Debug, Clone, Serialize)]
pub struct AwardFile {
    pub award: Award,
    pub application: crate::store::applications::Application,
    pub call_title: String,
    pub programme_name: String,
    pub funder: String,
    pub payments: Vec<PaymentRow>,
    pub totals: PaymentTotals,
    pub reports: Vec<ReportRow>,
    pub overdue_reports: Vec<NaiveDate>,
    pub changes: Vec<ChangeRow>,
    pub contract: super::awards::ContractFigures,
    /// School years this award may be supported (planned, or more after a later graduation).
    pub years_allowed: u32,
}

/// Loads an award for someone allowed to read it, as it stands now, writing nothing: an offer past its
/// deadline reads as lapsed, and the reports more than 30 days late are listed (their holds are applied by
/// the job runner and by the POSTs that touch the ledger). Read in one transaction so that its parts agree.
pub fn award_file(conn: &mut DbConn, actor: &Actor, award_id: i64) -> Result<AwardFile, AppError> {
    conn.transaction(|conn| {
        let (found, application) = readable_award(conn, actor, award_id)?;
        let at = now();
        let award = as_seen(found, at);
        let today = at.date();
        let listing = programmes::call_listing(conn, award.call_id)?;
        let payments = store::payments_of(conn, award_id)?;
        let reports = store::reports_of(conn, award_id)?;
        let overdue_reports = crate::domain::progress::overdue_reports(&report_facts(&reports), today);
        let contract = contract_figures(conn, &award)?;
        Ok(AwardFile {
            totals: totals(&payments)?,
            years_allowed: support_years_allowed(&award, &contract.terms),
            contract,
            changes: store::changes_of(conn, award_id)?,
            call_title: listing.call.title,
            programme_name: listing.programme.name,
            funder: listing.organisation_name,
            award,
            application,
            payments,
            reports,
            overdue_reports,
        })
    })
}

/// What an officer does to one payment.
pub enum PaymentCommand {
    Pay { paid_on: Option<NaiveDate>, reference: String },
    Hold,
    Release,
    Cancel,
    Return,
}

/// The award a payment belongs to, if the actor is an officer of its funder: checked before any field of a
/// payment form is read, so that a refused form shows nothing of another funder's award.
pub fn award_of_payment(conn: &mut DbConn, actor: &Actor, payment_id: i64) -> Result<i64, AppError> {
    require_officer(actor)?;
    let payment = store::find_payment(conn, payment_id)?;
    Ok(managed_award(conn, actor, payment.award_id)?.0.id)
}

/// The award a reported change belongs to, if the actor is an officer of its funder (checked first, as above).
pub fn award_of_change(conn: &mut DbConn, actor: &Actor, change_id: i64) -> Result<i64, AppError> {
    require_officer(actor)?;
    let change = store::find_change(conn, change_id)?;
    Ok(managed_award(conn, actor, change.award_id)?.0.id)
}

/// Records a change to one payment: paid (date and reference), held, released, cancelled or returned.
pub fn record_payment(
    conn: &mut DbConn,
    actor: &Actor,
    payment_id: i64,
    version: i32,
    command: &PaymentCommand,
) -> Result<(), AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let found = store::find_payment(conn, payment_id)?;
        let (award, _) = managed_award(conn, actor, found.award_id)?;
        // An overdue report holds the payment even if nobody has looked at the ledger since it fell due.
        apply_report_holds(conn, &actor.origin(), &award, now().date())?;
        let payment = store::find_payment(conn, payment_id)?;
        if payment.held_for.as_deref() == Some(HELD_FOR_REPORT) && !matches!(command, PaymentCommand::Cancel) {
            return Err(AppError::Conflict("error-held-until-report".into()));
        }
        if payment.version != version {
            return Err(AppError::Conflict("error-conflict-stale".into()));
        }
        let from = PaymentStatus::parse(&payment.status)
            .ok_or_else(|| AppError::Internal(format!("payment {payment_id} has unknown status")))?;
        let action = match command {
            PaymentCommand::Pay { paid_on, reference } => {
                let errors = receipt_errors(*paid_on, reference, now().date());
                if !errors.is_empty() {
                    return Err(AppError::Validation(errors));
                }
                PaymentAction::Pay { paid_on: *paid_on, reference }
            }
            PaymentCommand::Hold => PaymentAction::Hold,
            PaymentCommand::Release => PaymentAction::Release,
            PaymentCommand::Cancel => PaymentAction::Cancel,
            PaymentCommand::Return => PaymentAction::Return,
        };
        if matches!(command, PaymentCommand::Pay { .. }) && award.status != AwardStatus::Active.as_str() {
            return Err(AppError::Conflict("error-award-not-active".into()));
        }
        let next = next_payment_status(from, &action).map_err(|key| AppError::Conflict(key.into()))?;
        let (paid_on, reference) = match command {
            PaymentCommand::Pay { paid_on, reference } => (*paid_on, Some(reference.trim())),
            _ => (payment.paid_on, payment.reference.as_deref()),
        };
        let held_for = (next == PaymentStatus::Held).then_some(HELD_BY_OFFICER);
        store::set_payment(
            conn,
            payment_id,
            version,
            &PaymentChange { status: next.as_str(), paid_on, reference, held_for, note: &payment.note },
        )?;
        AuditEntry::new(&format!("payment_{}", next.as_str()), "award", award.id).before(&payment).after(&serde_json::json!({"payment_id": payment_id, "status": next.as_str(), "paid_on": paid_on, "reference": reference}),).record(conn, &actor.origin())
    })
}

/// Totals of a call's ledger and of its programme's (all its calls), against their budgets.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerSummary {
    pub call_budget_minor: i64,
    pub call: PaymentTotals,
    pub programme_budget_minor: i64,
    pub programme: PaymentTotals,
    pub currency: String,
}

pub fn call_summary(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<LedgerSummary, AppError> {
    let listing = managed_call(conn, actor, call_id)?;
    let calls: Vec<_> = programmes::calls_of_organisation(conn, Some(listing.programme.organisation_id))?
        .into_iter()
        .filter(|l| l.programme.id == listing.programme.id)
        .collect();
    let call_ids: Vec<i64> = calls.iter().map(|l| l.call.id).collect();
    Ok(LedgerSummary {
        call_budget_minor: listing.call.budget_minor,
        call: totals(&store::payments_of_calls(conn, &[call_id])?)?,
        programme_budget_minor: calls.iter().map(|l| l.call.budget_minor).sum(),
        programme: totals(&store::payments_of_calls(conn, &call_ids)?)?,
        currency: listing.call.currency,
    })
}

/// Every payment of a call's awards, for the CSV export, with the scholar's application reference and name.
pub fn call_ledger(
    conn: &mut DbConn,
    actor: &Actor,
    call_id: i64,
) -> Result<Vec<(PaymentRow, Award, String, String)>, AppError> {
    write_transaction(conn, |conn| {
        managed_call(conn, actor, call_id)?;
        let awards = store::of_call(conn, call_id)?;
        let mut rows = Vec::new();
        for payment in store::payments_of_calls(conn, &[call_id])? {
            if let Some(award) = awards.iter().find(|a| a.id == payment.award_id) {
                let application = crate::store::applications::find(conn, award.application_id)?;
                rows.push((payment, award.clone(), application.reference.unwrap_or_default(), application.full_name));
            }
        }
        AuditEntry::new("export_ledger", "call", call_id).after(&rows.len()).record(conn, &actor.origin())?;
        Ok(rows)
    })
}

/// The scholar's own active award, for reports and status changes.
fn own_active_award(conn: &mut DbConn, actor: &Actor, award_id: i64) -> Result<Award, AppError> {
    if actor.role != Role::Applicant {
        return Err(AppError::NotFound);
    }
    let (award, _) = readable_award(conn, actor, award_id)?;
    if award.status != AwardStatus::Active.as_str() {
        return Err(AppError::Conflict("error-award-not-active".into()));
    }
    Ok(award)
}

/// Whether the actor may send this report now (before the file is stored, so nobody else makes the server
/// write anything): the scholar's own active award, a report of it not yet received.
pub fn check_report_upload(conn: &mut DbConn, actor: &Actor, award_id: i64, report_id: i64) -> Result<(), AppError> {
    own_active_award(conn, actor, award_id)?;
    let report = store::find_report(conn, report_id)?;
    if report.award_id != award_id {
        return Err(AppError::NotFound);
    }
    if report.received_at.is_some() {
        return Err(AppError::Conflict("error-report-already-in".into()));
    }
    Ok(())
}

/// The scholar's progress report for one term arrives with its transcript (already stored under
/// `transcript_key`); payments held for an overdue report are released if no other is overdue.
pub fn receive_report(
    conn: &mut DbConn,
    actor: &Actor,
    award_id: i64,
    report_id: i64,
    transcript_key: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let award = own_active_award(conn, actor, award_id)?;
        let report = store::find_report(conn, report_id)?;
        if report.award_id != award_id {
            return Err(AppError::NotFound);
        }
        store::receive_report(conn, report_id, transcript_key)?;
        apply_report_holds(conn, &actor.origin(), &award, now().date())?;
        AuditEntry::new("submit_progress_report", "award", award_id)
            .after(&serde_json::json!({"report_id": report_id, "due_on": report.due_on}))
            .record(conn, &actor.origin())
    })
}

/// A report and its transcript's storage key, if the actor may read the award.
pub fn report_transcript(conn: &mut DbConn, actor: &Actor, award_id: i64, report_id: i64) -> Result<String, AppError> {
    readable_award(conn, actor, award_id)?;
    let report = store::find_report(conn, report_id)?;
    match (report.award_id == award_id, report.transcript_key) {
        (true, Some(key)) => Ok(key),
        _ => Err(AppError::NotFound),
    }
}

/// An award whose changes the actor may report: the scholar's own, or one of the funder's (an officer records
/// what the school reports, such as a dismissal). Checked before the form's fields are read.
pub fn award_to_report_on(conn: &mut DbConn, actor: &Actor, award_id: i64) -> Result<Award, AppError> {
    match actor.role {
        Role::Applicant => Ok(readable_award(conn, actor, award_id)?.0),
        Role::ProgrammeOfficer => Ok(managed_award(conn, actor, award_id)?.0),
        _ => Err(AppError::NotFound),
    }
}

/// The scholar (or an officer, from the school's word) reports a change: leave, repeat year, new graduation
/// date, withdrawal, dismissal; an officer then approves or refuses it.
pub fn report_change(
    conn: &mut DbConn,
    actor: &Actor,
    award_id: i64,
    change: StatusChange,
    note: &str,
) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        let award = award_to_report_on(conn, actor, award_id)?;
        let terms = terms_of(conn, &award)?;
        let mut errors = change.errors(now().date(), award.support_starts_on, terms.max_support_years);
        if change == StatusChange::Dismissal && actor.role != Role::ProgrammeOfficer {
            // A dismissal is the school's decision, reported to the funder's officer, not by the scholar.
            errors.insert("kind".into(), "error-dismissal-officer-only".into());
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        if award.status != AwardStatus::Active.as_str() {
            return Err(AppError::Conflict("error-award-not-active".into()));
        }
        let date = match change {
            StatusChange::NewGraduationDate(d) => Some(d),
            _ => None,
        };
        let id = store::insert_change(conn, award_id, change.as_str(), date, note.trim(), actor.user_id)?;
        AuditEntry::new("report_status_change", "award", award_id).after(&change).record(conn, &actor.origin())?;
        Ok(id)
    })
}

fn parse_change(row: &ChangeRow) -> Result<StatusChange, AppError> {
    Ok(match row.kind.as_str() {
        "leave_of_absence" => StatusChange::LeaveOfAbsence,
        "repeat_year" => StatusChange::RepeatYear,
        "new_graduation_date" => StatusChange::NewGraduationDate(
            row.new_graduation_date.ok_or_else(|| AppError::Internal(format!("change {} has no date", row.id)))?,
        ),
        "withdrawal" => StatusChange::Withdrawal,
        "dismissal" => StatusChange::Dismissal,
        other => return Err(AppError::Internal(format!("change {} has unknown kind {other}", row.id))),
    })
}

/// An officer approves or refuses a reported change. An approved change takes effect: a leave holds the
/// scheduled payments, a repeat year or new date moves the expected graduation, and a withdrawal or
/// dismissal puts the award in in-school breach with the amount to repay computed from the ledger (the
/// unpaid payments are cancelled and the scholar is told through the outbox).
pub fn decide_change(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    change_id: i64,
    decision: ChangeDecision,
) -> Result<(), AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let row = store::find_change(conn, change_id)?;
        let (award, _) = managed_award(conn, actor, row.award_id)?;
        let current = row.decision.as_deref().map(|d| match d {
            "approved" => ChangeDecision::Approved,
            _ => ChangeDecision::Refused,
        });
        crate::domain::progress::decide_change(current, decision).map_err(|key| AppError::Conflict(key.into()))?;
        // An officer who reported a change (a dismissal, say) does not also approve it: it can set money owed.
        if row.reported_by == actor.user_id {
            return Err(AppError::Conflict("error-four-eyes".into()));
        }
        store::decide_change(conn, change_id, decision.as_str(), actor.user_id)?;
        AuditEntry::new("decide_status_change", "award", award.id)
            .before(&row)
            .after(&serde_json::json!({"change_id": change_id, "decision": decision.as_str()}))
            .record(conn, &actor.origin())?;
        if decision == ChangeDecision::Refused {
            return Ok(());
        }
        let change = parse_change(&row)?;
        if let StatusChange::NewGraduationDate(date) = change {
            // A date reported before the bounds existed is checked again rather than approved as it stands.
            let terms = terms_of(conn, &award)?;
            if date > latest_supported_graduation(award.support_starts_on, now().date(), terms.max_support_years) {
                return Err(AppError::Conflict(BEYOND_SUPPORT.into()));
            }
        }
        match change.effect(award.expected_graduation) {
            Some(ChangeEffect::HoldPayments) => {
                store::hold_scheduled(conn, award.id, HELD_FOR_LEAVE)?;
            }
            Some(ChangeEffect::MoveGraduation(date)) => store::set_expected_graduation(conn, award.id, date)?,
            Some(ChangeEffect::InSchoolBreach) => breach(conn, i18n, actor, &award)?,
            None => {}
        }
        Ok(())
    })
}

/// Puts an active award in in-school breach today: what was paid (× the programme's multiplier) is owed.
fn breach(conn: &mut DbConn, i18n: &I18n, actor: &Actor, award: &Award) -> Result<(), AppError> {
    let ctx = officer_context(award, actor);
    let next = next_award_status(status_of(award)?, AwardAction::Breach, &ctx)
        .map_err(|key| AppError::Conflict(key.into()))?;
    let terms = terms_of(conn, award)?;
    let today = now().date();
    let payments = store::payments_of(conn, award.id)?;
    let amount = in_school_breach_amount(&entries(&payments)?, terms.in_school_breach_multiplier, today)
        .map_err(|key| AppError::Conflict(key.into()))?;
    store::set_status(
        conn,
        award.id,
        award.version,
        next.as_str(),
        &AwardChange { breach: Some((today, amount)), ..AwardChange::default() },
    )?;
    store::cancel_unpaid(conn, award.id)?;
    let (scholar, _) = super::awards::scholar_of(conn, award)?;
    let lang = scholar.language.as_str();
    outbox::enqueue(
        conn,
        &scholar.email,
        &i18n.t(lang, "mail-breach-subject"),
        &i18n.t_args(
            lang,
            "mail-breach-body",
            &[("amount", crate::domain::money::format_amount_in(amount, &award.currency, lang))],
        ),
    )?;
    AuditEntry::new("in_school_breach", "award", award.id)
        .before(&serde_json::json!({"status": award.status}))
        .after(&serde_json::json!({"status": next.as_str(), "breach_on": today, "amount_minor": amount}))
        .record(conn, &actor.origin())
}

/// Continues an active award into its next school year: only while support years remain (see
/// [`support_years_allowed`]), the scholar is in good standing (no change awaiting a decision, not on leave) and
/// every report due so far is in. The next year's payments and reports are scheduled, and the obligation
/// the contract states grows by a year of support.
pub fn continue_award(conn: &mut DbConn, actor: &Actor, award_id: i64, version: i32) -> Result<i32, AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let (award, _) = managed_award(conn, actor, award_id)?;
        if award.version != version {
            return Err(AppError::Conflict("error-conflict-stale".into()));
        }
        if award.status != AwardStatus::Active.as_str() {
            return Err(AppError::Conflict("error-award-not-active".into()));
        }
        let today = now().date();
        let pending = store::changes_of(conn, award_id)?.iter().any(|c| c.decision.is_none());
        let on_leave =
            store::payments_of(conn, award_id)?.iter().any(|p| p.held_for.as_deref() == Some(HELD_FOR_LEAVE));
        let reports_in = store::reports_of(conn, award_id)?.iter().all(|r| r.received_at.is_some() || r.due_on > today);
        let terms = terms_of(conn, &award)?;
        let years = u32::try_from(award.years_confirmed).unwrap_or(u32::MAX);
        may_continue(!pending && !on_leave, reports_in, years, support_years_allowed(&award, &terms))
            .map_err(|key| AppError::Conflict(key.into()))?;
        // The next year is decided once the current year's last term has begun, so that its reports are due
        // and say whether the scholar is still in good standing: not in advance, which would grow the
        // obligation before the support is given.
        let current_start = year_start(&award, u32::try_from(award.years_confirmed).unwrap_or(1))?;
        let terms_per_year = u32::try_from(award.school_terms_per_year).unwrap_or(1);
        let last_term = term_starts(current_start, 1, terms_per_year)
            .map_err(|key| AppError::Conflict(key.into()))?
            .last()
            .map(|t| t.starts_on)
            .unwrap_or(current_start);
        if today < last_term {
            return Err(AppError::Conflict("error-continuation-too-early".into()));
        }
        let next_year = award.years_confirmed + 1;
        store::confirm_year(conn, award_id, version, next_year)?;
        schedule_year(conn, &award, u32::try_from(next_year).unwrap_or(u32::MAX))?;
        let continued = store::find(conn, award_id)?;
        apply_report_holds(conn, &actor.origin(), &continued, today)?;
        AuditEntry::new("continue_award", "award", award_id)
            .before(&serde_json::json!({"years_confirmed": award.years_confirmed}))
            .after(&serde_json::json!({"years_confirmed": next_year}))
            .record(conn, &actor.origin())?;
        Ok(next_year)
    })
}

/// The school years an award may be supported: those planned when it was costed, or more if an approved
/// change moved the graduation later (a repeated year), never past the programme's maximum.
pub fn support_years_allowed(award: &Award, terms: &crate::domain::programme::ProgrammeTerms) -> u32 {
    let planned = u32::try_from(award.support_years).unwrap_or(0);
    let needed = match (award.support_starts_on, award.expected_graduation) {
        (Some(start), Some(graduation)) => {
            crate::domain::funding::support_years(start, graduation, terms.max_support_years).unwrap_or(0)
        }
        _ => 0,
    };
    planned.max(needed)
}

/// Ends support (graduation, the last supported year, or continuation refused): payments not yet made are
/// cancelled and the service obligation bought by the confirmed years now runs.
pub fn end_support(conn: &mut DbConn, actor: &Actor, award_id: i64, version: i32) -> Result<(), AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let (award, _) = managed_award(conn, actor, award_id)?;
        move_award(conn, actor, &award, version, AwardAction::EndSupport, &AwardChange::default(), "end_support")?;
        store::cancel_unpaid(conn, award_id)?;
        Ok(())
    })
}

/// After a leave of absence: the payments held for it go back to scheduled.
pub fn resume_after_leave(conn: &mut DbConn, actor: &Actor, award_id: i64) -> Result<usize, AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let (award, _) = managed_award(conn, actor, award_id)?;
        if award.status != AwardStatus::Active.as_str() {
            return Err(AppError::Conflict("error-award-not-active".into()));
        }
        let released = store::release_held(conn, award.id, HELD_FOR_LEAVE)?;
        AuditEntry::new("resume_after_leave", "award", award_id)
            .after(&serde_json::json!({"released": released}))
            .record(conn, &actor.origin())?;
        Ok(released)
    })
}
