//! The awards the bearer may read, with the contract's figures and the payment ledger.

use actix_web::{web, HttpRequest, HttpResponse};

use super::api_actor;
use crate::error::AppError;
use crate::web::AppState;

fn award_json(a: &crate::store::awards::Award) -> serde_json::Value {
    let time = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339());
    serde_json::json!({
        "id": a.id, "application_id": a.application_id, "call_id": a.call_id, "status": a.status,
        "support_years": a.support_years, "years_confirmed": a.years_confirmed, "currency": a.currency,
        "annual_tuition_minor": a.annual_tuition_minor, "stipend_monthly_minor": a.stipend_monthly_minor,
        "lump_sum_yearly_minor": a.lump_sum_yearly_minor, "total_cost_minor": a.total_cost_minor,
        "terms_effective_from": a.terms_effective_from, "support_starts_on": a.support_starts_on,
        "expected_graduation": a.expected_graduation, "offer_deadline": time(a.offer_deadline),
        "accepted_at": time(a.accepted_at), "countersigned_at": time(a.countersigned_at),
        "breach_on": a.breach_on, "breach_amount_minor": a.breach_amount_minor,
    })
}

/// Awards the caller may read: a scholar's own (once offered), or those of the funder's calls.
pub(super) async fn list_awards(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let awards = state.db.run(move |conn| crate::service::awards::list_readable(conn, &actor)).await?;
    let items: Vec<_> = awards
        .iter()
        .map(|(award, full_name, reference)| {
            let mut json = award_json(award);
            json["full_name"] = full_name.clone().into();
            json["reference"] = reference.clone().into();
            json
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "awards": items })))
}

/// The award the path names, if the caller may read it.
async fn readable_award(
    state: &AppState,
    req: &HttpRequest,
    path: web::Path<i64>,
) -> Result<crate::service::ledger::AwardFile, AppError> {
    let actor = api_actor(state, req).await?;
    let id = path.into_inner();
    state.db.run(move |conn| crate::service::ledger::award_file(conn, &actor, id)).await
}

/// One award with its contract: support, obligation (planned and confirmed so far) and the worked damages.
pub(super) async fn get_award(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let file = readable_award(&state, &req, path).await?;
    let mut json = award_json(&file.award);
    let c = &file.contract;
    json["contract"] = serde_json::json!({
        "obligated_service_years": c.planned.obligated_service_years.to_string(),
        "obligated_days": c.planned.obligated_days,
        "confirmed_obligated_service_years": c.confirmed.obligated_service_years.to_string(),
        "start_window_days": c.planned.start_window_days,
        "damages_multiplier": c.planned.damages_multiplier.to_string(),
        "damages_annual_interest_rate": c.planned.damages_annual_interest_rate.to_string(),
        "damages_minimum_minor": c.planned.damages_minimum_minor,
        "worked_damages_minor": c.planned.worked_damages_minor,
        "accepted_name": file.award.accepted_name,
    });
    Ok(HttpResponse::Ok().json(json))
}

/// An award's payment ledger with its totals.
pub(super) async fn get_ledger(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let file = readable_award(&state, &req, path).await?;
    let payments: Vec<_> = file
        .payments
        .iter()
        .map(|p| {
            serde_json::json!({
                "id": p.id, "support_year": p.support_year, "kind": p.kind, "payee": p.payee, "note": p.note,
                "due_on": p.due_on, "amount_minor": p.amount_minor, "status": p.status, "paid_on": p.paid_on,
                "reference": p.reference, "held_for": p.held_for,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "award_id": file.award.id, "currency": file.award.currency, "payments": payments, "totals": file.totals,
    })))
}
