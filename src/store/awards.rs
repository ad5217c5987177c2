//! Awards, their payment ledger, the scholar's progress reports and reported status changes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::domain::payment::ScheduledPayment;
use crate::error::AppError;
use crate::schema::{applications, awards, calls, payments, programmes, progress_reports, status_changes};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Award {
    pub id: i64,
    pub application_id: i64,
    pub call_id: i64,
    pub status: String,
    /// The school years of support the funding line costed (the whole support period).
    pub support_years: i32,
    pub annual_tuition_minor: i64,
    pub stipend_monthly_minor: i64,
    pub lump_sum_yearly_minor: i64,
    pub total_cost_minor: i64,
    pub currency: String,
    /// The programme terms in force on this date are the contract's terms.
    pub terms_effective_from: NaiveDate,
    pub proposed_by: i64,
    pub proposed_at: NaiveDateTime,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub offer_deadline: Option<NaiveDateTime>,
    pub accepted_name: Option<String>,
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_from: Option<String>,
    pub countersigned_by: Option<i64>,
    pub countersigned_at: Option<NaiveDateTime>,
    pub breach_amount_minor: Option<i64>,
    pub version: i32,
    pub support_starts_on: Option<NaiveDate>,
    pub school_terms_per_year: i32,
    pub years_confirmed: i32,
    pub expected_graduation: Option<NaiveDate>,
    pub breach_on: Option<NaiveDate>,
}

pub struct NewAward<'a> {
    pub application_id: i64,
    pub call_id: i64,
    pub support_years: i32,
    pub annual_tuition_minor: i64,
    pub stipend_monthly_minor: i64,
    pub lump_sum_yearly_minor: i64,
    pub total_cost_minor: i64,
    pub currency: &'a str,
    pub terms_effective_from: NaiveDate,
    pub proposed_by: i64,
    pub support_starts_on: NaiveDate,
    pub school_terms_per_year: i32,
    pub expected_graduation: Option<NaiveDate>,
}

/// Inserts a proposed award. One award per application, enforced by the database.
pub fn insert(conn: &mut DbConn, a: &NewAward) -> Result<i64, AppError> {
    diesel::insert_into(awards::table)
        .values((
            awards::application_id.eq(a.application_id),
            awards::call_id.eq(a.call_id),
            awards::status.eq("proposed"),
            awards::support_years.eq(a.support_years),
            awards::annual_tuition_minor.eq(a.annual_tuition_minor),
            awards::stipend_monthly_minor.eq(a.stipend_monthly_minor),
            awards::lump_sum_yearly_minor.eq(a.lump_sum_yearly_minor),
            awards::total_cost_minor.eq(a.total_cost_minor),
            awards::currency.eq(a.currency),
            awards::terms_effective_from.eq(a.terms_effective_from),
            awards::proposed_by.eq(a.proposed_by),
            awards::proposed_at.eq(super::now()),
            awards::version.eq(1),
            awards::support_starts_on.eq(a.support_starts_on),
            awards::school_terms_per_year.eq(a.school_terms_per_year),
            awards::years_confirmed.eq(1),
            awards::expected_graduation.eq(a.expected_graduation),
        ))
        .returning(awards::id)
        .get_result(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                AppError::Conflict("error-award-exists".into())
            } else {
                e.into()
            }
        })
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Award, AppError> {
    Ok(awards::table.find(id).first(conn)?)
}

pub fn of_call(conn: &mut DbConn, call_id: i64) -> Result<Vec<Award>, AppError> {
    Ok(awards::table.filter(awards::call_id.eq(call_id)).order(awards::id).load(conn)?)
}

/// The awards whose contract is running (status `active`), for the daily report-holds sweep.
pub fn active_ids(conn: &mut DbConn) -> Result<Vec<i64>, AppError> {
    Ok(awards::table.filter(awards::status.eq("active")).select(awards::id).order(awards::id).load(conn)?)
}

/// An award with the scholar's name and the application's reference, for lists.
pub type AwardListing = (Award, String, Option<String>);

pub fn of_applicant(conn: &mut DbConn, applicant_id: i64) -> Result<Vec<AwardListing>, AppError> {
    Ok(awards::table
        .inner_join(applications::table)
        .filter(applications::applicant_id.eq(applicant_id))
        .select((awards::all_columns, applications::full_name, applications::reference))
        .order(awards::id)
        .load(conn)?)
}

/// Awards on the calls of an organisation (every organisation for `None`), newest first.
pub fn of_organisation(conn: &mut DbConn, organisation_id: Option<i64>) -> Result<Vec<AwardListing>, AppError> {
    let mut query = awards::table
        .inner_join(applications::table)
        .inner_join(calls::table.inner_join(programmes::table))
        .select((awards::all_columns, applications::full_name, applications::reference))
        .order(awards::id.desc())
        .into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(programmes::organisation_id.eq(org));
    }
    Ok(query.load(conn)?)
}

/// The organisation whose call the award is on.
pub fn owner_organisation(conn: &mut DbConn, award_id: i64) -> Result<i64, AppError> {
    Ok(awards::table
        .inner_join(calls::table.inner_join(programmes::table))
        .filter(awards::id.eq(award_id))
        .select(programmes::organisation_id)
        .first(conn)?)
}

/// What a state change writes besides the status.
#[derive(Default)]
pub struct AwardChange {
    pub decided_by: Option<i64>,
    pub offer_deadline: Option<NaiveDateTime>,
    pub accepted: Option<(String, String)>,
    pub countersigned_by: Option<i64>,
    pub breach: Option<(NaiveDate, i64)>,
}

/// Moves an award to `status` if nobody changed it since `version` was read: of two officers approving at
/// once, the second gets "this record changed" and nothing is approved twice.
pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    status: &str,
    change: &AwardChange,
) -> Result<(), AppError> {
    let now = super::now();
    let target = awards::table.find(id).filter(awards::version.eq(version));
    let n = diesel::update(target).set((awards::status.eq(status), awards::version.eq(version + 1))).execute(conn)?;
    super::exactly_one(n, "error-conflict-stale")?;
    let row = awards::table.find(id);
    if let Some(by) = change.decided_by {
        diesel::update(row).set((awards::decided_by.eq(by), awards::decided_at.eq(now))).execute(conn)?;
    }
    if let Some(deadline) = change.offer_deadline {
        diesel::update(row).set(awards::offer_deadline.eq(deadline)).execute(conn)?;
    }
    if let Some((name, from)) = &change.accepted {
        diesel::update(row)
            .set((awards::accepted_name.eq(name), awards::accepted_at.eq(now), awards::accepted_from.eq(from)))
            .execute(conn)?;
    }
    if let Some(by) = change.countersigned_by {
        diesel::update(row).set((awards::countersigned_by.eq(by), awards::countersigned_at.eq(now))).execute(conn)?;
    }
    if let Some((on, amount)) = change.breach {
        diesel::update(row).set((awards::breach_on.eq(on), awards::breach_amount_minor.eq(amount))).execute(conn)?;
    }
    Ok(())
}

/// One more confirmed school year (continuation), guarded by `version`.
pub fn confirm_year(conn: &mut DbConn, id: i64, version: i32, years_confirmed: i32) -> Result<(), AppError> {
    let n = diesel::update(awards::table.find(id).filter(awards::version.eq(version)))
        .set((awards::years_confirmed.eq(years_confirmed), awards::version.eq(version + 1)))
        .execute(conn)?;
    super::exactly_one(n, "error-conflict-stale")
}

/// Moves the expected graduation; a new version, so a decision taken on the old date is refused as stale.
pub fn set_expected_graduation(conn: &mut DbConn, id: i64, date: NaiveDate) -> Result<(), AppError> {
    diesel::update(awards::table.find(id))
        .set((awards::expected_graduation.eq(date), awards::version.eq(awards::version + 1)))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub award_id: i64,
    pub kind: String,
    pub payee: String,
    pub due_on: NaiveDate,
    pub amount_minor: i64,
    pub status: String,
    pub paid_on: Option<NaiveDate>,
    pub reference: Option<String>,
    pub note: String,
    pub version: i32,
    pub support_year: i32,
    pub held_for: Option<String>,
}

pub fn insert_schedule(conn: &mut DbConn, award_id: i64, schedule: &[ScheduledPayment]) -> Result<(), AppError> {
    for p in schedule {
        let note = match p.kind {
            crate::domain::payment::PaymentKind::Tuition { term } => format!("term {term}"),
            _ => String::new(),
        };
        diesel::insert_into(payments::table)
            .values((
                payments::award_id.eq(award_id),
                payments::kind.eq(p.kind.as_str()),
                payments::payee.eq(p.payee.as_str()),
                payments::due_on.eq(p.due_on),
                payments::amount_minor.eq(p.amount_minor),
                payments::status.eq("scheduled"),
                payments::note.eq(note),
                payments::version.eq(1),
                payments::support_year.eq(i32::try_from(p.support_year).unwrap_or(i32::MAX)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn payments_of(conn: &mut DbConn, award_id: i64) -> Result<Vec<PaymentRow>, AppError> {
    Ok(payments::table.filter(payments::award_id.eq(award_id)).order((payments::due_on, payments::id)).load(conn)?)
}

pub fn find_payment(conn: &mut DbConn, id: i64) -> Result<PaymentRow, AppError> {
    Ok(payments::table.find(id).first(conn)?)
}

/// Every payment of the awards on a call (or a programme's calls), with the award's application id.
pub fn payments_of_calls(conn: &mut DbConn, call_ids: &[i64]) -> Result<Vec<PaymentRow>, AppError> {
    Ok(payments::table
        .inner_join(awards::table)
        .filter(awards::call_id.eq_any(call_ids))
        .select(payments::all_columns)
        .order((payments::award_id, payments::due_on, payments::id))
        .load(conn)?)
}

/// What a payment's change writes besides its status.
pub struct PaymentChange<'a> {
    pub status: &'a str,
    pub paid_on: Option<NaiveDate>,
    pub reference: Option<&'a str>,
    pub held_for: Option<&'a str>,
    pub note: &'a str,
}

/// Changes one payment if nobody changed it since `version` was read.
pub fn set_payment(conn: &mut DbConn, id: i64, version: i32, c: &PaymentChange) -> Result<(), AppError> {
    let n = diesel::update(payments::table.find(id).filter(payments::version.eq(version)))
        .set((
            payments::status.eq(c.status),
            payments::paid_on.eq(c.paid_on),
            payments::reference.eq(c.reference),
            payments::held_for.eq(c.held_for),
            payments::note.eq(c.note),
            payments::version.eq(version + 1),
        ))
        .execute(conn)?;
    super::exactly_one(n, "error-conflict-stale")
}

/// Holds every scheduled payment of an award for `reason`; returns how many.
pub fn hold_scheduled(conn: &mut DbConn, award_id: i64, reason: &str) -> Result<usize, AppError> {
    Ok(diesel::update(payments::table.filter(payments::award_id.eq(award_id)).filter(payments::status.eq("scheduled")))
        .set((payments::status.eq("held"), payments::held_for.eq(reason), payments::version.eq(payments::version + 1)))
        .execute(conn)?)
}

/// Releases the payments held for `reason` (and only those: an officer's own hold stays).
pub fn release_held(conn: &mut DbConn, award_id: i64, reason: &str) -> Result<usize, AppError> {
    Ok(diesel::update(
        payments::table
            .filter(payments::award_id.eq(award_id))
            .filter(payments::status.eq("held"))
            .filter(payments::held_for.eq(reason)),
    )
    .set((
        payments::status.eq("scheduled"),
        payments::held_for.eq(None::<String>),
        payments::version.eq(payments::version + 1),
    ))
    .execute(conn)?)
}

/// Cancels every payment not yet made (scheduled or held); returns how many.
pub fn cancel_unpaid(conn: &mut DbConn, award_id: i64) -> Result<usize, AppError> {
    Ok(diesel::update(
        payments::table.filter(payments::award_id.eq(award_id)).filter(payments::status.eq_any(["scheduled", "held"])),
    )
    .set((
        payments::status.eq("cancelled"),
        payments::held_for.eq(None::<String>),
        payments::version.eq(payments::version + 1),
    ))
    .execute(conn)?)
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub award_id: i64,
    pub due_on: NaiveDate,
    pub received_at: Option<NaiveDateTime>,
    pub enrolment_confirmed: bool,
    pub transcript_key: Option<String>,
}

pub fn insert_reports(conn: &mut DbConn, award_id: i64, due: &[NaiveDate]) -> Result<(), AppError> {
    for day in due {
        diesel::insert_into(progress_reports::table)
            .values((
                progress_reports::award_id.eq(award_id),
                progress_reports::due_on.eq(day),
                progress_reports::enrolment_confirmed.eq(false),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn reports_of(conn: &mut DbConn, award_id: i64) -> Result<Vec<ReportRow>, AppError> {
    Ok(progress_reports::table
        .filter(progress_reports::award_id.eq(award_id))
        .order(progress_reports::due_on)
        .load(conn)?)
}

pub fn find_report(conn: &mut DbConn, id: i64) -> Result<ReportRow, AppError> {
    Ok(progress_reports::table.find(id).first(conn)?)
}

/// Marks a report received, once: a second submission of the same report is refused.
pub fn receive_report(conn: &mut DbConn, id: i64, transcript_key: &str) -> Result<(), AppError> {
    let n = diesel::update(progress_reports::table.find(id).filter(progress_reports::received_at.is_null()))
        .set((
            progress_reports::received_at.eq(super::now()),
            progress_reports::enrolment_confirmed.eq(true),
            progress_reports::transcript_key.eq(transcript_key),
        ))
        .execute(conn)?;
    super::exactly_one(n, "error-report-already-in")
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub award_id: i64,
    pub kind: String,
    pub new_graduation_date: Option<NaiveDate>,
    pub note: String,
    pub reported_by: i64,
    pub reported_at: NaiveDateTime,
    pub decision: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
}

pub fn insert_change(
    conn: &mut DbConn,
    award_id: i64,
    kind: &str,
    new_graduation_date: Option<NaiveDate>,
    note: &str,
    reported_by: i64,
) -> Result<i64, AppError> {
    Ok(diesel::insert_into(status_changes::table)
        .values((
            status_changes::award_id.eq(award_id),
            status_changes::kind.eq(kind),
            status_changes::new_graduation_date.eq(new_graduation_date),
            status_changes::note.eq(note),
            status_changes::reported_by.eq(reported_by),
            status_changes::reported_at.eq(super::now()),
        ))
        .returning(status_changes::id)
        .get_result(conn)?)
}

pub fn changes_of(conn: &mut DbConn, award_id: i64) -> Result<Vec<ChangeRow>, AppError> {
    Ok(status_changes::table.filter(status_changes::award_id.eq(award_id)).order(status_changes::id).load(conn)?)
}

pub fn find_change(conn: &mut DbConn, id: i64) -> Result<ChangeRow, AppError> {
    Ok(status_changes::table.find(id).first(conn)?)
}

/// Records the decision on a change, once.
pub fn decide_change(conn: &mut DbConn, id: i64, decision: &str, by: i64) -> Result<(), AppError> {
    let n = diesel::update(status_changes::table.find(id).filter(status_changes::decision.is_null()))
        .set((
            status_changes::decision.eq(decision),
            status_changes::decided_by.eq(by),
            status_changes::decided_at.eq(super::now()),
        ))
        .execute(conn)?;
    super::exactly_one(n, "error-already-decided")
}
