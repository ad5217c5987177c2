//! The award page: the support, the service obligation in plain figures, the ledger of one support year, the
//! progress reports and the status changes; shown again with a refused form's errors, or as the contract.

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::money::format_amount_in;
use crate::domain::obligation::ExactDecimal;
use crate::domain::role::Role;
use crate::error::FieldErrors;
use crate::service::ledger::{self, Award, ChangeRow, PaymentRow, ReportRow};
use crate::service::now;
use crate::web::page::{render_status, PageResult, Visitor};
use crate::web::AppState;

/// A programme term as the contract states it: `1` rather than `1.0`, `0.5` as typed.
fn term(value: f64) -> String {
    ExactDecimal::from_f64_shortest(value).map(|d| d.to_string()).unwrap_or_else(|_| value.to_string())
}

/// A yearly rate as a percentage: 0.05 → "5".
fn percent(rate: ExactDecimal) -> String {
    ExactDecimal::from_billionths(rate.billionths().saturating_mul(100)).to_string()
}

/// `?year=N` shows that support year's payments (the latest confirmed by default), so the page stays light
/// however many years an award runs.
#[derive(serde::Deserialize)]
pub(super) struct YearQuery {
    #[serde(default, deserialize_with = "crate::web::query::year")]
    year: Option<i32>,
}

pub(super) async fn award_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<YearQuery>,
) -> PageResult {
    let page = AwardPage { year: query.year, ..AwardPage::default() };
    award_page_with(&state, &visitor, path.into_inner(), page).await
}

/// How the award page is shown: with a form's errors (and 422), as the printable contract, or for a year.
pub(super) struct AwardPage {
    /// What the visitor typed, shown again with the errors.
    pub(super) values: AwardValues,
    pub(super) errors: FieldErrors,
    pub(super) status: StatusCode,
    pub(super) template: &'static str,
    pub(super) year: Option<i32>,
}

impl Default for AwardPage {
    fn default() -> Self {
        AwardPage {
            values: AwardValues::default(),
            errors: FieldErrors::new(),
            status: StatusCode::OK,
            template: "award/award.html",
            year: None,
        }
    }
}

impl AwardPage {
    pub(super) fn refused(errors: FieldErrors) -> Self {
        AwardPage { errors, status: StatusCode::UNPROCESSABLE_ENTITY, ..AwardPage::default() }
    }

    pub(super) fn refused_with(values: AwardValues, errors: FieldErrors) -> Self {
        AwardPage { values, ..AwardPage::refused(errors) }
    }
}

/// The free text of the award page's forms, shown again as typed when a form is refused.
#[derive(Default, Serialize)]
pub(super) struct AwardValues {
    /// The scholar's name typed as their signature.
    pub(super) typed_name: String,
    /// The note to a reported change.
    pub(super) note: String,
}

/// The award page and the printable contract: one award as its reader may see it.
#[derive(Serialize)]
struct AwardFilePage<'a> {
    award: &'a Award,
    application: ScholarSummary<'a>,
    call_title: &'a str,
    programme: &'a str,
    funder: &'a str,
    support: Support,
    obligation: Obligation,
    deadline: Option<String>,
    accepted_at: Option<String>,
    countersigned_at: Option<String>,
    breach_amount: Option<String>,
    payments: Vec<PaymentLine<'a>>,
    shown_year: i32,
    years: Vec<i32>,
    may_continue: bool,
    totals: Totals,
    reports: &'a [ReportRow],
    overdue: &'a [NaiveDate],
    changes: &'a [ChangeRow],
    is_officer: bool,
    is_scholar: bool,
    errors: FieldErrors,
    values: AwardValues,
    today: NaiveDate,
    on_leave: bool,
    default_deadline: String,
}

#[derive(Serialize)]
struct ScholarSummary<'a> {
    full_name: &'a str,
    reference: Option<&'a str>,
    id: i64,
}

/// The support in the award's currency, as the reader writes amounts.
#[derive(Serialize)]
struct Support {
    years: i32,
    tuition: String,
    stipend: String,
    lump_sum: String,
    yearly: String,
    total: String,
    starts: Option<NaiveDate>,
    terms_per_year: i32,
}

/// The service obligation in plain figures, as the contract states it.
#[derive(Serialize)]
struct Obligation {
    years: String,
    days: i64,
    confirmed_years: i32,
    confirmed_service_years: String,
    per_year: String,
    minimum: String,
    start_window_days: u32,
    multiplier: String,
    interest: String,
    damages_minimum: String,
    worked: String,
    in_school_multiplier: String,
}

#[derive(Serialize)]
struct PaymentLine<'a> {
    p: &'a PaymentRow,
    amount: String,
}

#[derive(Serialize)]
struct Totals {
    scheduled: String,
    paid: String,
    held: String,
    returned: String,
    cancelled: String,
}

pub(super) async fn award_page_with(state: &AppState, visitor: &Visitor, id: i64, view: AwardPage) -> PageResult {
    let AwardPage { values, errors, status, template, year } = view;
    let actor = visitor.actor()?;
    let file = state.db.run(move |conn| ledger::award_file(conn, &actor, id)).await?;
    let currency = file.award.currency.clone();
    let money = |minor: i64| format_amount_in(minor, &currency, &visitor.lang);
    let tz = state.config.time_zone;
    let local = |t| crate::web::page::local_time(state, t);
    let c = &file.contract;
    let a = &file.award;
    let yearly = a.total_cost_minor / i64::from(a.support_years.max(1));
    let shown_year = year.unwrap_or(a.years_confirmed).clamp(1, a.years_confirmed.max(1));
    let payments = file
        .payments
        .iter()
        .filter(|p| p.support_year == shown_year)
        .map(|p| PaymentLine { p, amount: money(p.amount_minor) })
        .collect();
    let page = AwardFilePage {
        award: a,
        application: ScholarSummary {
            full_name: &file.application.full_name,
            reference: file.application.reference.as_deref(),
            id: file.application.id,
        },
        call_title: &file.call_title,
        programme: &file.programme_name,
        funder: &file.funder,
        support: Support {
            years: a.support_years,
            tuition: money(a.annual_tuition_minor),
            stipend: money(a.stipend_monthly_minor),
            lump_sum: money(a.lump_sum_yearly_minor),
            yearly: money(yearly),
            total: money(a.total_cost_minor),
            starts: a.support_starts_on,
            terms_per_year: a.school_terms_per_year,
        },
        obligation: Obligation {
            years: c.planned.obligated_service_years.to_string(),
            days: c.planned.obligated_days,
            confirmed_years: a.years_confirmed,
            confirmed_service_years: c.confirmed.obligated_service_years.to_string(),
            per_year: term(c.terms.service_years_per_support_year),
            minimum: term(c.terms.min_service_years),
            start_window_days: c.planned.start_window_days,
            multiplier: c.planned.damages_multiplier.to_string(),
            interest: percent(c.planned.damages_annual_interest_rate),
            damages_minimum: money(c.planned.damages_minimum_minor),
            worked: money(c.planned.worked_damages_minor),
            in_school_multiplier: term(c.terms.in_school_breach_multiplier),
        },
        deadline: a.offer_deadline.map(local),
        accepted_at: a.accepted_at.map(local),
        countersigned_at: a.countersigned_at.map(local),
        breach_amount: a.breach_amount_minor.map(money),
        payments,
        shown_year,
        years: (1..=a.years_confirmed).collect(),
        may_continue: i64::from(a.years_confirmed) < i64::from(file.years_allowed),
        totals: Totals {
            scheduled: money(file.totals.scheduled),
            paid: money(file.totals.paid),
            held: money(file.totals.held),
            returned: money(file.totals.returned),
            cancelled: money(file.totals.cancelled),
        },
        reports: &file.reports,
        overdue: &file.overdue_reports,
        changes: &file.changes,
        is_officer: visitor.role() == Some(Role::ProgrammeOfficer),
        is_scholar: visitor.role() == Some(Role::Applicant),
        errors,
        values,
        today: now().date(),
        on_leave: file.payments.iter().any(|p| p.held_for.as_deref() == Some(ledger::HELD_FOR_LEAVE)),
        default_deadline: (now() + chrono::Duration::days(14))
            .and_utc()
            .with_timezone(&tz)
            .format("%Y-%m-%dT%H:%M")
            .to_string(),
    };
    render_status(state, visitor, template, &page, status)
}
