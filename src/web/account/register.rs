//! Registration and e-mail verification.

use actix_web::web;
use serde::Deserialize;
use validator::Validate;

use super::{field, TokenQuery};
use crate::error::AppError;
use crate::service::accounts::{self, Registration};
use crate::web::form::{validator_errors, Form};
use crate::web::page::{render, render_status, PageResult, Visitor};
use crate::web::AppState;

/// The registration form's shape checks; the password policy is the domain's.
#[derive(Debug, Deserialize, Validate)]
struct RegisterForm {
    #[validate(email(message = "error-email"), length(max = 254, message = "error-email"))]
    email: String,
    #[validate(length(min = 1, max = 200, message = "error-required"))]
    full_name: String,
}

pub(super) async fn register_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "account/register.html", &serde_json::json!({"values": {}, "errors": {}}))
}

pub(super) async fn register(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let shape = RegisterForm {
        email: field(&form, "email").trim().to_string(),
        full_name: field(&form, "full_name").trim().to_string(),
    };
    let values = serde_json::json!({"email": shape.email, "full_name": shape.full_name});
    let mut errors = shape.validate().err().map(validator_errors).unwrap_or_default();
    if errors.is_empty() {
        let (i18n, url, lang, addr) =
            (state.i18n.clone(), state.config.public_url.clone(), visitor.lang.clone(), visitor.client_addr.clone());
        let password = field(&form, "password").to_string();
        let result = state
            .db
            .run(move |conn| {
                let r = Registration {
                    email: &shape.email,
                    full_name: &shape.full_name,
                    password: &password,
                    language: &lang,
                };
                accounts::register(conn, &i18n, &url, &r, &addr)
            })
            .await;
        match result {
            Ok(()) => {
                return render(
                    &state,
                    &visitor,
                    "account/message.html",
                    &serde_json::json!({"title": "register-done-title", "message": "register-done", "offer_resend": true}),
                )
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        &state,
        &visitor,
        "account/register.html",
        &serde_json::json!({"values": values, "errors": errors}),
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
    )
}

pub(super) async fn verify(state: web::Data<AppState>, visitor: Visitor, query: web::Query<TokenQuery>) -> PageResult {
    let token = query.token.clone().unwrap_or_default();
    let addr = visitor.client_addr.clone();
    let ok = state.db.run(move |conn| accounts::verify_email(conn, &token, &addr)).await?;
    let message = if ok { "verify-done" } else { "verify-failed" };
    // Either way the next move is logging in, or asking for a new link when this one did not work.
    render(
        &state,
        &visitor,
        "account/message.html",
        &serde_json::json!({"title": "verify-title", "message": message, "offer_login": true, "offer_resend": !ok}),
    )
}

pub(super) async fn resend_verification_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "account/resend.html", &serde_json::json!({"errors": {}}))
}

pub(super) async fn resend_verification(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let email = field(&form, "email").to_string();
    let (i18n, url, addr) = (state.i18n.clone(), state.config.public_url.clone(), visitor.client_addr.clone());
    state.db.run(move |conn| accounts::resend_verification(conn, &i18n, &url, &email, &addr)).await?;
    render(
        &state,
        &visitor,
        "account/message.html",
        &serde_json::json!({"title": "verify-resend-title", "message": "verify-resend-done", "offer_login": true}),
    )
}
