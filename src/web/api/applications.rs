//! The applications the bearer may read, with the funder list's filters.

use actix_web::{web, HttpRequest, HttpResponse};

use super::api_actor;
use crate::error::AppError;
use crate::service::applications::{self as service, Application, Document, PAGE_SIZE};
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

/// An application as the API shows it; with its documents when one application is asked for.
#[derive(serde::Serialize)]
struct ApplicationBody {
    id: i64,
    call_id: i64,
    reference: Option<String>,
    status: String,
    eligibility: Option<String>,
    eligibility_reasons: Vec<String>,
    full_name: String,
    home_county: String,
    home_sub_county: String,
    cadre: String,
    institution: String,
    submitted_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    documents: Option<Vec<Document>>,
}

impl ApplicationBody {
    fn of(a: &Application) -> ApplicationBody {
        ApplicationBody {
            id: a.id,
            call_id: a.call_id,
            reference: a.reference.clone(),
            status: a.status.clone(),
            eligibility: a.eligibility.clone(),
            eligibility_reasons: english_reasons(a),
            full_name: a.full_name.clone(),
            home_county: a.home_county.clone(),
            home_sub_county: a.home_sub_county.clone(),
            cadre: a.cadre.clone(),
            institution: a.institution.clone(),
            submitted_at: a.submitted_at.map(|t| t.and_utc().to_rfc3339()),
            documents: None,
        }
    }
}

/// A page of the applications the bearer may read.
#[derive(serde::Serialize)]
struct ApplicationsBody {
    applications: Vec<ApplicationBody>,
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
    let items = applications.iter().map(ApplicationBody::of).collect();
    Ok(HttpResponse::Ok().json(ApplicationsBody { applications: items, total, page, page_size: PAGE_SIZE }))
}

pub(super) async fn get_application(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    let (application, documents) = state.db.run(move |conn| service::readable_with_documents(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(ApplicationBody { documents: Some(documents), ..ApplicationBody::of(&application) }))
}
