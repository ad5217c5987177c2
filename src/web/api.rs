//! The JSON API under `/api/v1`: bearer tokens (stored hashed, revocable), read access to calls and
//! applications with the same scoping as the pages, and the OpenAPI document.

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
    cfg.route("/tokens", web::post().to(issue_token))
        .route("/tokens/current", web::delete().to(revoke_token))
        .route("/calls", web::get().to(list_calls))
        .route("/calls/{id}", web::get().to(get_call))
        .route("/applications", web::get().to(list_applications))
        .route("/applications/{id}", web::get().to(get_application))
        .route("/openapi.json", web::get().to(openapi))
        .default_service(web::to(|| async { Err::<HttpResponse, _>(AppError::NotFound) }));
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
        .run(move |conn| users::user_for_api_token(conn, &hash_secret(&token)))
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
    let token = state.db.run(move |conn| accounts::issue_api_token(conn, &body.email, &body.password, &addr)).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({"token": token, "token_type": "Bearer"})))
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

fn application_json(a: &store::Application) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "call_id": a.call_id, "reference": a.reference, "status": a.status, "eligibility": a.eligibility,
        "eligibility_reasons": a.reasons(), "full_name": a.full_name, "home_county": a.home_county,
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

async fn openapi() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(OPENAPI)
}

const OPENAPI: &str = include_str!("openapi.json");
