//! A cycle's vacancies: the list (by county), one facility's seats by form, a CSV upload and its template.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::service::access::cycle_to_change;
use crate::service::vacancies::{self as service, BadRow, CsvOutcome, VacancyRow, CSV_TEMPLATE};
use crate::web::form::read_upload;
use crate::web::page::{redirect, render_status, PageError, PageResult, Visitor};
use crate::web::AppState;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct CountyFilter {
    county: String,
}

#[derive(Serialize)]
struct VacanciesPage {
    cycle_id: i64,
    cycle_title: String,
    county: String,
    counties: Vec<String>,
    limited: bool,
    rows: Vec<VacancyRow>,
    seats_total: i64,
    may_change: bool,
    values: FormValues,
    errors: FieldErrors,
    bad_rows: Vec<BadRow>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct FormValues {
    code: String,
    seats: String,
}

/// What a refused form brings back to the page.
#[derive(Default)]
struct Refusal {
    values: FormValues,
    errors: FieldErrors,
    bad_rows: Vec<BadRow>,
}

async fn page_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    county: String,
    refusal: Refusal,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let may_change = actor.role == Role::PlacementCoordinator;
    let filter = county.clone();
    let (list, registry) = state
        .db
        .run(move |conn| {
            let list = service::list(conn, &actor, id, Some(&filter))?;
            Ok((list, crate::service::placement_cycles::registry_counties(conn)?))
        })
        .await?;
    let counties = match &list.limits {
        Some(limits) => limits.clone(),
        None => registry,
    };
    let page = VacanciesPage {
        cycle_id: id,
        cycle_title: list.cycle.title.clone(),
        county,
        counties,
        limited: list.limits.is_some(),
        seats_total: list.rows.iter().map(|r| i64::from(r.seats)).sum(),
        rows: list.rows,
        may_change,
        values: refusal.values,
        errors: refusal.errors,
        bad_rows: refusal.bad_rows,
    };
    render_status(state, visitor, "placement/vacancies.html", &page, status)
}

pub(super) async fn vacancies_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<CountyFilter>,
) -> PageResult {
    let county = query.into_inner().county.trim().to_string();
    page_with(&state, &visitor, path.into_inner(), county, Refusal::default(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SeatsForm {
    csrf_token: String,
    #[serde(flatten)]
    values: FormValues,
}

pub(super) async fn set_seats(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<SeatsForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let form = form.into_inner();
    let (code, seats) = (form.values.code.clone(), form.values.seats.clone());
    match state.db.run(move |conn| service::set_seats(conn, &actor, id, &code, &seats)).await {
        Ok(()) => {
            visitor.flash("vacancy-saved");
            Ok(redirect(&format!("/placement/cycles/{id}/vacancies")))
        }
        Err(AppError::Validation(errors)) => {
            let refusal = Refusal { values: form.values, errors, ..Refusal::default() };
            page_with(&state, &visitor, id, String::new(), refusal, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn upload_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    payload: Multipart,
) -> PageResult {
    let id = path.into_inner();
    let actor = visitor.actor()?;
    let check = actor.clone();
    state.db.run(move |conn| cycle_to_change(conn, &check, id).map(|_| ())).await?;
    let refused = |errors: FieldErrors| Refusal { errors, ..Refusal::default() };
    let (fields, file) = match read_upload(payload).await {
        Ok(parts) => parts,
        Err(AppError::Validation(errors)) => {
            return page_with(&state, &visitor, id, String::new(), refused(errors), StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    let Some((_, content)) = file.filter(|(_, c)| !c.is_empty()) else {
        let errors: FieldErrors = [("file".to_string(), "error-file-empty".to_string())].into();
        return page_with(&state, &visitor, id, String::new(), refused(errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    match state.db.run(move |conn| service::import_csv(conn, &actor, id, &content)).await? {
        CsvOutcome::Applied(_) => {
            visitor.flash("vacancies-imported");
            Ok(redirect(&format!("/placement/cycles/{id}/vacancies")))
        }
        CsvOutcome::Refused(bad_rows) => {
            let refusal = Refusal { bad_rows, ..Refusal::default() };
            page_with(&state, &visitor, id, String::new(), refusal, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The CSV a coordinator fills in (the cycle is checked first, so that only its coordinators get it).
pub(super) async fn csv_template(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let id = path.into_inner();
    state.db.run(move |conn| crate::service::access::readable_cycle(conn, &actor, id).map(|_| ())).await?;
    Ok(crate::web::csv::download("vacancies.csv", CSV_TEMPLATE.as_bytes().to_vec()))
}
