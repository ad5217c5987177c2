//! The applications the bearer may read, with the funder list's filters.

use actix_web::{web, HttpRequest, HttpResponse};

use super::api_actor;
use crate::error::AppError;
use crate::service::applications::{self as service, Application, PAGE_SIZE};
use crate::store::applications as store;
use crate::web::funder::ListQuery;
use crate::web::AppState;

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

/// The API has no reader's language: reasons are stated in English, as the OpenAPI document's strings.
fn english_reasons(a: &Application) -> Vec<String> {
    let reasons = a.reasons();
    match crate::i18n::I18n::shared() {
        Some(i18n) => reasons.iter().map(|r| i18n.reason("en", r)).collect(),
        None => reasons.into_iter().map(|r| r.key).collect(),
    }
}

fn application_json(a: &Application) -> serde_json::Value {
    serde_json::json!({
        "id": a.id, "call_id": a.call_id, "reference": a.reference, "status": a.status, "eligibility": a.eligibility,
        "eligibility_reasons": english_reasons(a), "full_name": a.full_name, "home_county": a.home_county,
        "home_sub_county": a.home_sub_county, "cadre": a.cadre, "institution": a.institution,
        "submitted_at": a.submitted_at.map(|t| t.and_utc().to_rfc3339()),
    })
}

/// A page of the applications the bearer may read.
#[derive(serde::Serialize)]
struct ApplicationsBody {
    applications: Vec<serde_json::Value>,
    total: i64,
    page: i64,
    page_size: i64,
}

pub(super) async fn list_applications(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let q = query.into_inner();
    check_enum_filters(&q)?;
    let (filter, page) = (q.filter(), q.page());
    let figures = state.list_cache.clone();
    let (applications, total) =
        state.db.run(move |conn| service::readable_list(conn, &actor, &filter, page, &figures)).await?;
    let items: Vec<serde_json::Value> = applications.iter().map(application_json).collect();
    Ok(HttpResponse::Ok().json(ApplicationsBody { applications: items, total, page, page_size: PAGE_SIZE }))
}

pub(super) async fn get_application(
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
