//! The open calls.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::error::AppError;
use crate::service::public_calls::{self as service, CallListing};
use crate::web::AppState;

/// A call as the API shows it (times in UTC, money in minor units).
#[derive(Serialize)]
struct CallBody {
    id: i64,
    title: String,
    funder: String,
    programme: String,
    cadre: String,
    intake_year: i32,
    opens_at: String,
    closes_at: String,
    seats: i32,
    budget_minor: i64,
    currency: String,
    required_documents: Vec<String>,
}

impl From<&CallListing> for CallBody {
    fn from(l: &CallListing) -> Self {
        CallBody {
            id: l.call.id,
            title: l.call.title.clone(),
            funder: l.organisation_name.clone(),
            programme: l.programme.name.clone(),
            cadre: l.programme.cadre.clone(),
            intake_year: l.call.intake_year,
            opens_at: l.call.opens_at.and_utc().to_rfc3339(),
            closes_at: l.call.closes_at.and_utc().to_rfc3339(),
            seats: l.call.seats,
            budget_minor: l.call.budget_minor,
            currency: l.call.currency.clone(),
            required_documents: l.call.required_document_kinds(),
        }
    }
}

#[derive(Serialize)]
struct CallsBody {
    calls: Vec<CallBody>,
}

/// Open calls are public, as on the site.
pub(super) async fn list_calls(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let calls = state.db.run(service::open).await?;
    Ok(HttpResponse::Ok().json(CallsBody { calls: calls.iter().map(CallBody::from).collect() }))
}

pub(super) async fn get_call(state: web::Data<AppState>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let listing = state.db.run(move |conn| service::listing(conn, id)).await?;
    Ok(HttpResponse::Ok().json(CallBody::from(&listing)))
}
