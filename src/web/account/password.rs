//! The forgotten password: the e-mailed link, and the reset it leads to.

use actix_web::{web, HttpResponse};

use super::{field, TokenQuery};
use crate::error::AppError;
use crate::service::accounts;
use crate::web::form::Form;
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn forgot_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "account/forgot.html", &serde_json::json!({"errors": {}}))
}

pub(super) async fn forgot(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let email = field(&form, "email").to_string();
    let (i18n, url, addr) = (state.i18n.clone(), state.config.public_url.clone(), visitor.client_addr.clone());
    state.db.run(move |conn| accounts::request_password_reset(conn, &i18n, &url, &email, &addr)).await?;
    render(
        &state,
        &visitor,
        "account/message.html",
        &serde_json::json!({"title": "forgot-title", "message": "forgot-done"}),
    )
}

pub(super) async fn reset_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<TokenQuery>,
) -> PageResult {
    render(
        &state,
        &visitor,
        "account/reset.html",
        &serde_json::json!({"token": query.token.clone().unwrap_or_default(), "errors": {}}),
    )
}

pub(super) async fn reset(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: Form,
) -> Result<HttpResponse, crate::web::page::PageError> {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let token = field(&form, "token").to_string();
    let password = field(&form, "password").to_string();
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
            &serde_json::json!({"token": token, "errors": errors}),
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}
