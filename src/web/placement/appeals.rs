//! Appeals as the placement coordinator hears them: a cycle's list (pending first), one appeal with its
//! document, the decision (uphold or reject, with a reason) and, once upheld, the reassignment to a facility
//! that qualifies.

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::cycles::Refused;
use crate::error::AppError;
use crate::service::appeals::{self as service, AppealFile, AppealRow, Decision};
use crate::service::placement_cycles::{today, Cycle};
use crate::web::form::read_number;
use crate::web::page::{redirect, render, render_status, PageError, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct ListPage {
    cycle: Cycle,
    appeals: Vec<AppealRow>,
}

pub(super) async fn list(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let (cycle, appeals) = state.db.run(move |conn| service::cycle_appeals(conn, &actor, id)).await?;
    render(&state, &visitor, "placement/appeals.html", &ListPage { cycle, appeals })
}

#[derive(Serialize)]
struct AppealPage {
    #[serde(flatten)]
    file: AppealFile,
    refused: Refused,
}

async fn page_with(state: &AppState, visitor: &Visitor, id: i64, refused: Refused, status: StatusCode) -> PageResult {
    let actor = visitor.actor()?;
    let file = state.db.run(move |conn| service::appeal_file(conn, &actor, id, today())).await?;
    render_status(state, visitor, "placement/appeal.html", &AppealPage { file, refused }, status)
}

pub(super) async fn appeal_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    page_with(&state, &visitor, path.into_inner(), Refused::default(), StatusCode::OK).await
}

/// A refused form shown again on the appeal's page with its messages (422); other refusals as they are.
async fn refused_here(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    form: &str,
    values: HashMap<String, String>,
    error: AppError,
) -> PageResult {
    match error {
        AppError::Validation(errors) => {
            let refused = Refused { form: form.into(), errors, values };
            page_with(state, visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        e => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DecideForm {
    csrf_token: String,
    version: String,
    decision: String,
    decision_reason: String,
}

pub(super) async fn decide(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<DecideForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let form = form.into_inner();
    let values: HashMap<String, String> = [("decision_reason".to_string(), form.decision_reason.clone())].into();
    let version = read_number::<i32>(&form.version).map_err(|_| AppError::BadRequest("version".into()))?;
    let decision = Decision::parse(form.decision.trim());
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    let reason = form.decision_reason;
    let done = state
        .db
        .run(move |conn| service::decide(conn, &i18n, &public_url, &actor, id, version, decision, &reason))
        .await;
    match done {
        Ok(()) => {
            visitor.flash(if decision == Some(Decision::Uphold) { "appeal-upheld" } else { "appeal-rejected" });
            Ok(redirect(&format!("/placement/appeals/{id}")))
        }
        Err(e) => refused_here(&state, &visitor, id, "decide", values, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ReassignForm {
    csrf_token: String,
    version: String,
    facility: String,
}

pub(super) async fn reassign(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ReassignForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let form = form.into_inner();
    let version = read_number::<i32>(&form.version).map_err(|_| AppError::BadRequest("version".into()))?;
    let facility = read_number::<i64>(&form.facility).ok();
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    let done = state
        .db
        .run(move |conn| service::reassign(conn, &i18n, &public_url, &actor, id, version, facility, today()))
        .await;
    match done {
        Ok(_) => {
            visitor.flash("appeal-reassigned");
            Ok(redirect(&format!("/placement/appeals/{id}")))
        }
        Err(e) => refused_here(&state, &visitor, id, "reassign", HashMap::new(), e).await,
    }
}

/// The appeal's document, as an attachment, to the funder's placement coordinators only.
pub(super) async fn document(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let (content_type, content) = service::document(&state.db, &state.files, &actor, id).await?;
    let extension = match content_type {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "bin",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"appeal-{id}.{extension}\"")))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(content))
}
