//! The JSON API under `/api/v1`: bearer tokens (stored hashed, revocable), read access to calls and
//! applications with the same scoping as the pages, and the OpenAPI document.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::funder::{filter_for, ListQuery, PAGE_SIZE};
use super::AppState;
use crate::error::AppError;
use crate::service::accounts::{self, hash_secret};
use crate::service::{applications as service, Actor};
use crate::store::applications as store;
use crate::store::{now, programmes, users};

pub fn routes(cfg: &mut web::ServiceConfig) {
    // A malformed id names no resource: 404 in the API's JSON shape, like every other miss.
    cfg.app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .service(endpoint("/tokens", "GET, POST").route(web::post().to(issue_token)).route(web::get().to(list_tokens)))
        .service(endpoint("/tokens/current", "DELETE").route(web::delete().to(revoke_token)))
        .service(endpoint("/tokens/{id}", "DELETE").route(web::delete().to(revoke_token_by_id)))
        .service(endpoint("/calls", "GET").route(web::get().to(list_calls)))
        .service(endpoint("/calls/{id}", "GET").route(web::get().to(get_call)))
        .service(endpoint("/applications", "GET").route(web::get().to(list_applications)))
        .service(endpoint("/applications/{id}", "GET").route(web::get().to(get_application)))
        .service(endpoint("/awards", "GET").route(web::get().to(list_awards)))
        .service(endpoint("/awards/{id}", "GET").route(web::get().to(get_award)))
        .service(endpoint("/awards/{id}/payments", "GET").route(web::get().to(get_ledger)))
        .service(endpoint("/openapi.json", "GET").route(web::get().to(openapi)))
        .default_service(web::to(|| async { Err::<HttpResponse, _>(AppError::NotFound) }));
}

/// An API path whose undeclared methods answer 405 in the API's JSON shape, with the `Allow` header
/// naming those it has (as the OpenAPI document does).
fn endpoint(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        let mut response = actix_web::ResponseError::error_response(&AppError::MethodNotAllowed);
        response.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static(allow));
        Ok::<_, actix_web::Error>(response)
    }))
}

/// The filter values the OpenAPI document declares; anything else is refused rather than silently
/// matching nothing. An empty value means "no filter", as a browser's form sends it.
const STATUS_FILTERS: [&str; 2] = ["submitted", "withdrawn"];
const ELIGIBILITY_FILTERS: [&str; 2] = ["eligible", "ineligible"];

fn check_enum_filters(q: &ListQuery) -> Result<(), AppError> {
    let filters: [(&str, &Option<String>, &[&str]); 2] =
        [("status", &q.status, &STATUS_FILTERS), ("eligibility", &q.eligibility, &ELIGIBILITY_FILTERS)];
    for (name, value, allowed) in filters {
        let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
            continue;
        };
        if !allowed.contains(&value) {
            return Err(AppError::BadRequest(format!("{name}: {value:?} is not one of {}.", allowed.join(", "))));
        }
    }
    Ok(())
}

fn bearer(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

async fn api_actor(state: &AppState, req: &HttpRequest) -> Result<Actor, AppError> {
    let token = bearer(req).ok_or(AppError::Unauthenticated)?;
    let addr = super::page::client_addr(req, state);
    let user = state
        .db
        .run(move |conn| users::user_for_api_token(conn, &hash_secret(&token), now()))
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Actor::from_user(&user, &addr)
}

#[derive(Deserialize)]
struct TokenRequest {
    email: String,
    password: String,
}

async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<TokenRequest>,
) -> Result<HttpResponse, AppError> {
    let addr = super::page::client_addr(&req, &state);
    let body = body.into_inner();
    if !super::auth::wait_for_login_turn(&state, &body.email, &addr).await? {
        return Err(AppError::TooManyRequests);
    }
    let days = state.config.api_token_days;
    let issued =
        state.db.run(move |conn| accounts::issue_api_token(conn, &body.email, &body.password, &addr, days)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "token": issued.secret, "token_type": "Bearer", "expires_at": issued.expires_at.and_utc().to_rfc3339(),
    })))
}

/// The caller's live tokens (never their secrets).
async fn list_tokens(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let tokens = state.db.run(move |conn| accounts::api_tokens(conn, &actor)).await?;
    let items: Vec<_> = tokens
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id, "created_at": t.created_at.and_utc().to_rfc3339(),
                "expires_at": t.expires_at.and_utc().to_rfc3339(),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "tokens": items })))
}

/// Revokes one of the caller's tokens by its id (another user's answers 404).
async fn revoke_token_by_id(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    state.db.run(move |conn| accounts::revoke_api_token(conn, &actor, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn revoke_token(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let token = bearer(&req).ok_or(AppError::Unauthenticated)?;
    let revoked = state.db.run(move |conn| users::revoke_api_token(conn, &hash_secret(&token))).await?;
    if revoked == 0 {
        return Err(AppError::Unauthenticated);
    }
    Ok(HttpResponse::NoContent().finish())
}

fn call_json(l: &programmes::CallListing) -> serde_json::Value {
    serde_json::json!({
        "id": l.call.id, "title": l.call.title, "funder": l.organisation_name, "programme": l.programme.name,
        "cadre": l.programme.cadre, "intake_year": l.call.intake_year, "opens_at": l.call.opens_at.and_utc().to_rfc3339(),
        "closes_at": l.call.closes_at.and_utc().to_rfc3339(), "seats": l.call.seats, "budget_minor": l.call.budget_minor,
        "currency": l.call.currency, "required_documents": l.call.required_document_kinds(),
    })
}

/// Open calls are public, as on the site.
async fn list_calls(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let calls = state.db.run(|conn| programmes::open_calls(conn, now())).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"calls": calls.iter().map(call_json).collect::<Vec<_>>()})))
}

async fn get_call(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let listing = state.db.run(move |conn| programmes::call_listing(conn, id)).await?;
    Ok(HttpResponse::Ok().json(call_json(&listing)))
}

/// The API has no reader's language: reasons are stated in English, as the OpenAPI document's strings.
fn english_reasons(a: &store::Application) -> Vec<String> {
    let reasons = a.reasons();
    match crate::i18n::I18n::shared() {
        Some(i18n) => reasons.iter().map(|r| i18n.reason("en", r)).collect(),
        None => reasons.into_iter().map(|r| r.key).collect(),
    }
}

fn application_json(a: &store::Application) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "call_id": a.call_id, "reference": a.reference, "status": a.status, "eligibility": a.eligibility,
        "eligibility_reasons": english_reasons(a), "full_name": a.full_name, "home_county": a.home_county,
        "home_sub_county": a.home_sub_county, "cadre": a.cadre, "institution": a.institution,
        "submitted_at": a.submitted_at.map(|t| t.and_utc().to_rfc3339()),
    })
}

async fn list_applications(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let q = query.into_inner();
    check_enum_filters(&q)?;
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let (items, total) = state
        .db
        .run(move |conn| {
            if actor.role == crate::domain::role::Role::Applicant {
                let own: Vec<serde_json::Value> =
                    store::of_applicant(conn, actor.user_id)?.iter().map(|(a, _, _)| application_json(a)).collect();
                let total = own.len() as i64;
                return Ok((own, total));
            }
            if actor.role == crate::domain::role::Role::Reviewer {
                let own: Vec<serde_json::Value> =
                    service::readable_by_reviewer(conn, &actor)?.iter().map(application_json).collect();
                let total = own.len() as i64;
                return Ok((own, total));
            }
            if !actor.role.reads_applications() {
                return Err(AppError::Forbidden);
            }
            let filter = filter_for(actor.organisation_scope()?, &q);
            let ids: Vec<i64> =
                store::list(conn, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE)?.into_iter().map(|r| r.id).collect();
            let mut items = Vec::with_capacity(ids.len());
            for id in ids {
                items.push(application_json(&store::find(conn, id)?));
            }
            Ok((items, store::count(conn, &filter)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"applications": items, "total": total, "page": page, "page_size": PAGE_SIZE})))
}

async fn get_application(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    let (application, documents) = state
        .db
        .run(move |conn| {
            let a = service::readable(conn, &actor, id)?;
            Ok((a, store::documents(conn, id)?))
        })
        .await?;
    let mut json = application_json(&application);
    json["documents"] = serde_json::to_value(&documents).unwrap_or_default();
    Ok(HttpResponse::Ok().json(json))
}

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
async fn list_awards(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
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
async fn get_award(
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
async fn get_ledger(
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

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

const OPENAPI: &str = include_str!("openapi.json");
