//! The hold on a scholar's payments while a progress report is overdue. Below both the awards (a countersigned
//! contract whose first report is already late is held at once), the ledger (the POSTs that touch it bring the
//! hold up to date first) and the job runner's daily check, so that none of them imports another for it.

use chrono::NaiveDate;

use crate::db::DbConn;
use crate::domain::award::AwardStatus;
use crate::domain::progress::ProgressReport;
use crate::error::AppError;
use crate::store::audit::{AuditEntry, Origin};
use crate::store::awards::{self as store, Award, ReportRow};

/// Why a payment held by this rule is held.
pub const HELD_FOR_REPORT: &str = "report_overdue";

pub(super) fn report_facts(reports: &[ReportRow]) -> Vec<ProgressReport> {
    reports.iter().map(|r| ProgressReport { due_on: r.due_on, received_on: r.received_at.map(|t| t.date()) }).collect()
}

/// Applies the progress-report rule to the ledger: while a report is more than 30 days late, the
/// scholar's scheduled payments are held; when none is, the payments held for that reason go back to
/// scheduled. Idempotent: the job runner applies it to every active award each day (the rule changes at a
/// day's start), and the POSTs that touch the ledger apply it first; a change it makes is audited as the
/// rule's, with the request (or `origin`) that found it.
pub fn apply_report_holds(conn: &mut DbConn, origin: &Origin, award: &Award, today: NaiveDate) -> Result<(), AppError> {
    if award.status != AwardStatus::Active.as_str() {
        return Ok(());
    }
    let overdue = crate::domain::progress::overdue_reports(&report_facts(&store::reports_of(conn, award.id)?), today);
    let (action, changed) = if overdue.is_empty() {
        ("release_payments_report_in", store::release_held(conn, award.id, HELD_FOR_REPORT)?)
    } else {
        ("hold_payments_report_overdue", store::hold_scheduled(conn, award.id, HELD_FOR_REPORT)?)
    };
    if changed > 0 {
        AuditEntry::new(action, "award", award.id)
            .after(&serde_json::json!({"payments": changed, "overdue_reports": overdue}))
            .record(conn, origin)?;
    }
    Ok(())
}
