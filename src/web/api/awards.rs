//! The awards the bearer may read, with the contract's figures and the payment ledger.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::api_actor;
use crate::domain::payment::PaymentTotals;
use crate::error::AppError;
use crate::service::access::{self, Award};
use crate::service::ledger::{self, AwardFile};
use crate::web::AppState;

/// An award as the API shows it (times in UTC, money in minor units).
#[derive(Serialize)]
struct AwardBody<'a> {
    id: i64,
    application_id: i64,
    call_id: i64,
    status: &'a str,
    support_years: i32,
    years_confirmed: i32,
    currency: &'a str,
    annual_tuition_minor: i64,
    stipend_monthly_minor: i64,
    lump_sum_yearly_minor: i64,
    total_cost_minor: i64,
    terms_effective_from: NaiveDate,
    support_starts_on: Option<NaiveDate>,
    expected_graduation: Option<NaiveDate>,
    offer_deadline: Option<String>,
    accepted_at: Option<String>,
    countersigned_at: Option<String>,
    breach_on: Option<NaiveDate>,
    breach_amount_minor: Option<i64>,
}

impl<'a> From<&'a Award> for AwardBody<'a> {
    fn from(a: &'a Award) -> Self {
        let time = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339());
        AwardBody {
            id: a.id,
            application_id: a.application_id,
            call_id: a.call_id,
            status: &a.status,
            support_years: a.support_years,
            years_confirmed: a.years_confirmed,
            currency: &a.currency,
            annual_tuition_minor: a.annual_tuition_minor,
            stipend_monthly_minor: a.stipend_monthly_minor,
            lump_sum_yearly_minor: a.lump_sum_yearly_minor,
            total_cost_minor: a.total_cost_minor,
            terms_effective_from: a.terms_effective_from,
            support_starts_on: a.support_starts_on,
            expected_graduation: a.expected_graduation,
            offer_deadline: time(a.offer_deadline),
            accepted_at: time(a.accepted_at),
            countersigned_at: time(a.countersigned_at),
            breach_on: a.breach_on,
            breach_amount_minor: a.breach_amount_minor,
        }
    }
}

/// An award in the list, with the scholar's name and the application's reference.
#[derive(Serialize)]
struct ListedAwardBody<'a> {
    #[serde(flatten)]
    award: AwardBody<'a>,
    full_name: &'a str,
    reference: Option<&'a str>,
}

#[derive(Serialize)]
struct AwardsBody<'a> {
    awards: Vec<ListedAwardBody<'a>>,
}

/// Awards the caller may read: a scholar's own (once offered), or those of the funder's calls.
pub(super) async fn list_awards(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let awards = state.db.run(move |conn| access::readable_awards(conn, &actor)).await?;
    let awards = awards
        .iter()
        .map(|(award, full_name, reference)| ListedAwardBody {
            award: AwardBody::from(award),
            full_name,
            reference: reference.as_deref(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(AwardsBody { awards }))
}

/// The award the path names, if the caller may read it.
async fn readable_award(state: &AppState, req: &HttpRequest, path: web::Path<i64>) -> Result<AwardFile, AppError> {
    let actor = api_actor(state, req).await?;
    let id = path.into_inner();
    state.db.run(move |conn| ledger::award_file(conn, &actor, id)).await
}

/// An award with its contract: support, obligation (planned and confirmed so far) and the worked damages.
#[derive(Serialize)]
struct AwardWithContractBody<'a> {
    #[serde(flatten)]
    award: AwardBody<'a>,
    contract: ContractBody<'a>,
}

/// The contract's figures; exact decimals as text, so that no figure is rounded on the way.
#[derive(Serialize)]
struct ContractBody<'a> {
    obligated_service_years: String,
    obligated_days: i64,
    confirmed_obligated_service_years: String,
    start_window_days: u32,
    damages_multiplier: String,
    damages_annual_interest_rate: String,
    damages_minimum_minor: i64,
    worked_damages_minor: i64,
    accepted_name: Option<&'a str>,
}

/// One award with its contract: support, obligation (planned and confirmed so far) and the worked damages.
pub(super) async fn get_award(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let file = readable_award(&state, &req, path).await?;
    let c = &file.contract;
    let contract = ContractBody {
        obligated_service_years: c.planned.obligated_service_years.to_string(),
        obligated_days: c.planned.obligated_days,
        confirmed_obligated_service_years: c.confirmed.obligated_service_years.to_string(),
        start_window_days: c.planned.start_window_days,
        damages_multiplier: c.planned.damages_multiplier.to_string(),
        damages_annual_interest_rate: c.planned.damages_annual_interest_rate.to_string(),
        damages_minimum_minor: c.planned.damages_minimum_minor,
        worked_damages_minor: c.planned.worked_damages_minor,
        accepted_name: file.award.accepted_name.as_deref(),
    };
    Ok(HttpResponse::Ok().json(AwardWithContractBody { award: AwardBody::from(&file.award), contract }))
}

/// One payment of the ledger.
#[derive(Serialize)]
struct PaymentBody<'a> {
    id: i64,
    support_year: i32,
    kind: &'a str,
    payee: &'a str,
    note: &'a str,
    due_on: NaiveDate,
    amount_minor: i64,
    status: &'a str,
    paid_on: Option<NaiveDate>,
    reference: Option<&'a str>,
    held_for: Option<&'a str>,
}

#[derive(Serialize)]
struct LedgerBody<'a> {
    award_id: i64,
    currency: &'a str,
    payments: Vec<PaymentBody<'a>>,
    totals: &'a PaymentTotals,
}

/// An award's payment ledger with its totals.
pub(super) async fn get_ledger(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let file = readable_award(&state, &req, path).await?;
    let payments = file
        .payments
        .iter()
        .map(|p| PaymentBody {
            id: p.id,
            support_year: p.support_year,
            kind: &p.kind,
            payee: &p.payee,
            note: &p.note,
            due_on: p.due_on,
            amount_minor: p.amount_minor,
            status: &p.status,
            paid_on: p.paid_on,
            reference: p.reference.as_deref(),
            held_for: p.held_for.as_deref(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(LedgerBody {
        award_id: file.award.id,
        currency: &file.award.currency,
        payments,
        totals: &file.totals,
    }))
}
