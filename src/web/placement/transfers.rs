//! Transfers in the coordinator's area: asking for one from a scholar's page, and the cycle's transfers to
//! approve or refuse (`/placement/cycles/{id}/transfers`). The request page is shared with the scholar's own.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};
use crate::service::transfers::{self as service, DecisionsView, RequestView, TransferInput};
use crate::web::form::read_date;
use crate::web::page::{redirect, render_status, PageResult, Visitor};
use crate::web::AppState;

/// The request page: who, where now, where to, the count and the limit, and the form (with what was typed).
#[derive(Serialize)]
pub(crate) struct RequestPage {
    pub view: RequestView,
    /// Where the form posts.
    pub action: String,
    /// Where "back" leads.
    pub back: String,
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
}

/// The transfer form as a browser posts it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct TransferForm {
    pub csrf_token: String,
    pub facility_id: String,
    pub effective_on: String,
    pub reason: String,
}

impl TransferForm {
    pub fn input(&self) -> TransferInput {
        TransferInput {
            facility_id: self.facility_id.clone(),
            effective_on: read_date(&self.effective_on),
            reason: self.reason.clone(),
        }
    }

    pub fn values(&self) -> HashMap<String, String> {
        [
            ("facility_id".to_string(), self.facility_id.clone()),
            ("effective_on".to_string(), self.effective_on.clone()),
            ("reason".to_string(), self.reason.clone()),
        ]
        .into()
    }
}

pub(crate) fn render_request(
    state: &AppState,
    visitor: &Visitor,
    page: &RequestPage,
    status: StatusCode,
) -> PageResult {
    render_status(state, visitor, "placement/transfer_request.html", page, status)
}

async fn request_page_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    scholar: i64,
    values: HashMap<String, String>,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let today = crate::service::now().date();
    let view = state.db.run(move |conn| service::coordinator_request_view(conn, &actor, id, scholar, today)).await?;
    let page = RequestPage {
        view,
        action: format!("/placement/cycles/{id}/scholars/{scholar}/transfer"),
        back: format!("/placement/cycles/{id}/scholars/{scholar}"),
        values,
        errors,
    };
    render_request(state, visitor, &page, status)
}

pub(super) async fn request_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
) -> PageResult {
    let (id, scholar) = path.into_inner();
    request_page_with(&state, &visitor, id, scholar, HashMap::new(), FieldErrors::new(), StatusCode::OK).await
}

/// A coordinator asks for a transfer for a scholar of their cycle.
pub(super) async fn request(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
    form: web::Form<TransferForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (id, scholar) = path.into_inner();
    let input = form.input();
    let i18n = state.i18n.clone();
    let today = crate::service::now().date();
    let result = state
        .db
        .run(move |conn| service::request_by_coordinator(conn, &i18n, &actor, id, scholar, &input, today))
        .await;
    match result {
        Ok(_) => {
            visitor.flash("transfer-requested");
            Ok(redirect(&format!("/placement/cycles/{id}/transfers")))
        }
        Err(AppError::Validation(errors)) => {
            request_page_with(&state, &visitor, id, scholar, form.values(), errors, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct DecisionsPage {
    view: DecisionsView,
    /// The transfer whose refusal was refused, with its messages.
    refused_id: i64,
    errors: FieldErrors,
}

async fn decisions_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    refused_id: i64,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let view = state.db.run(move |conn| service::decisions_view(conn, &actor, id)).await?;
    render_status(state, visitor, "placement/transfers.html", &DecisionsPage { view, refused_id, errors }, status)
}

pub(super) async fn decisions_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    decisions_with(&state, &visitor, path.into_inner(), 0, FieldErrors::new(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DecisionForm {
    csrf_token: String,
    version: String,
    decision_reason: String,
}

pub(super) async fn approve(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
    form: web::Form<DecisionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (id, transfer) = path.into_inner();
    // Read here, judged after who may decide: a refused role learns nothing about the form.
    let version = form.version.trim().parse::<i32>().ok();
    let i18n = state.i18n.clone();
    state.db.run(move |conn| service::approve(conn, &i18n, &actor, id, transfer, version)).await?;
    visitor.flash("transfers-approved");
    Ok(redirect(&format!("/placement/cycles/{id}/transfers")))
}

pub(super) async fn refuse(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
    form: web::Form<DecisionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (id, transfer) = path.into_inner();
    // Read here, judged after who may decide: a refused role learns nothing about the form.
    let version = form.version.trim().parse::<i32>().ok();
    let i18n = state.i18n.clone();
    let reason = form.decision_reason.clone();
    let result = state.db.run(move |conn| service::refuse(conn, &i18n, &actor, id, transfer, version, &reason)).await;
    match result {
        Ok(()) => {
            visitor.flash("transfers-refused");
            Ok(redirect(&format!("/placement/cycles/{id}/transfers")))
        }
        Err(AppError::Validation(errors)) => {
            decisions_with(&state, &visitor, id, transfer, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
