//! `/my/placement/{cycle}/transfer`: a scholar in service asks for a transfer to another eligible facility.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;

use crate::error::{AppError, FieldErrors};
use crate::service::transfers as service;
use crate::web::page::{redirect, PageResult, Visitor};
use crate::web::placement::transfers::{render_request, RequestPage, TransferForm};
use crate::web::AppState;

async fn page_with(
    state: &AppState,
    visitor: &Visitor,
    cycle: i64,
    values: HashMap<String, String>,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let today = crate::service::now().date();
    let view = state.db.run(move |conn| service::scholar_request_view(conn, &actor, cycle, today)).await?;
    let page = RequestPage {
        view,
        action: format!("/my/placement/{cycle}/transfer"),
        back: "/my/placement".into(),
        values,
        errors,
    };
    render_request(state, visitor, &page, status)
}

pub(super) async fn transfer_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    page_with(&state, &visitor, path.into_inner(), HashMap::new(), FieldErrors::new(), StatusCode::OK).await
}

pub(super) async fn request_transfer(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<TransferForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle = path.into_inner();
    let input = form.input();
    let i18n = state.i18n.clone();
    let today = crate::service::now().date();
    let result = state.db.run(move |conn| service::request_by_scholar(conn, &i18n, &actor, cycle, &input, today)).await;
    match result {
        Ok(_) => {
            visitor.flash("transfer-requested");
            Ok(redirect(&format!("/my/placement/{cycle}/transfer")))
        }
        Err(AppError::Validation(errors)) => {
            page_with(&state, &visitor, cycle, form.values(), errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
