//! The forgotten password: the e-mailed link, and the reset it leads to.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{EmailForm, ErrorsPage, MessagePage, TokenQuery};
use crate::error::{AppError, FieldErrors};
use crate::service::accounts;
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn forgot_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "account/forgot.html", &ErrorsPage::default())
}

pub(super) async fn forgot(state: web::Data<AppState>, visitor: Visitor, form: web::Form<EmailForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let email = form.into_inner().email;
    let (i18n, url, addr) = (state.i18n.clone(), state.config.public_url.clone(), visitor.client_addr.clone());
    state.db.run(move |conn| accounts::request_password_reset(conn, &i18n, &url, &email, &addr)).await?;
    let page = MessagePage { title: "forgot-title", message: "forgot-done", ..MessagePage::default() };
    render(&state, &visitor, "account/message.html", &page)
}

/// The reset form: the e-mailed token, carried along, and the new password.
#[derive(Serialize)]
struct ResetPage {
    token: String,
    errors: FieldErrors,
}

pub(super) async fn reset_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<TokenQuery>,
) -> PageResult {
    let page = ResetPage { token: query.token.clone().unwrap_or_default(), errors: FieldErrors::new() };
    render(&state, &visitor, "account/reset.html", &page)
}

/// The new password, exactly as typed (its spaces are part of it); the policy is the domain's.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ResetForm {
    csrf_token: String,
    token: String,
    password: String,
}

pub(super) async fn reset(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, crate::web::page::PageError> {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let ResetForm { token, password, .. } = form.into_inner();
    let addr = visitor.client_addr.clone();
    let t = token.clone();
    match state.db.run(move |conn| accounts::reset_password(conn, &t, &password, &addr)).await {
        Ok(()) => {
            visitor.flash("reset-done");
            Ok(redirect("/login"))
        }
        Err(AppError::Validation(errors)) => render_status(
            &state,
            &visitor,
            "account/reset.html",
            &ResetPage { token, errors },
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}
