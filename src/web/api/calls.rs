//! The open calls.

use actix_web::{web, HttpResponse};

use crate::error::AppError;
use crate::store::{now, programmes};
use crate::web::AppState;

fn call_json(l: &programmes::CallListing) -> serde_json::Value {
    serde_json::json!({
        "id": l.call.id, "title": l.call.title, "funder": l.organisation_name, "programme": l.programme.name,
        "cadre": l.programme.cadre, "intake_year": l.call.intake_year, "opens_at": l.call.opens_at.and_utc().to_rfc3339(),
        "closes_at": l.call.closes_at.and_utc().to_rfc3339(), "seats": l.call.seats, "budget_minor": l.call.budget_minor,
        "currency": l.call.currency, "required_documents": l.call.required_document_kinds(),
    })
}

/// Open calls are public, as on the site.
pub(super) async fn list_calls(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let calls = state.db.run(|conn| programmes::open_calls(conn, now())).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"calls": calls.iter().map(call_json).collect::<Vec<_>>()})))
}

pub(super) async fn get_call(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let listing = state.db.run(move |conn| programmes::call_listing(conn, id)).await?;
    Ok(HttpResponse::Ok().json(call_json(&listing)))
}
