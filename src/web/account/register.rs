//! Registration and e-mail verification.

use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::{EmailForm, ErrorsPage, MessagePage, TokenQuery};
use crate::error::{AppError, FieldErrors};
use crate::service::accounts::{self, Registration};
use crate::web::form::validator_errors;
use crate::web::page::{render, render_status, PageResult, Visitor};
use crate::web::AppState;

/// The registration form's shape checks (on the trimmed name and e-mail); the password policy is the domain's,
/// and the password is read exactly as typed.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct RegisterForm {
    csrf_token: String,
    #[validate(email(message = "error-email"), length(max = 254, message = "error-email"))]
    email: String,
    #[validate(length(min = 1, max = 200, message = "error-required"))]
    full_name: String,
    password: String,
}

/// What was typed, shown again with the errors (never the password).
#[derive(Default, Serialize)]
struct RegisterValues {
    email: String,
    full_name: String,
}

#[derive(Default, Serialize)]
struct RegisterPage {
    values: RegisterValues,
    errors: FieldErrors,
}

pub(super) async fn register_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "account/register.html", &RegisterPage::default())
}

pub(super) async fn register(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<RegisterForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let form = form.into_inner();
    let shape =
        RegisterForm { email: form.email.trim().to_string(), full_name: form.full_name.trim().to_string(), ..form };
    let values = RegisterValues { email: shape.email.clone(), full_name: shape.full_name.clone() };
    let mut errors = shape.validate().err().map(validator_errors).unwrap_or_default();
    if errors.is_empty() {
        let (i18n, url, lang, addr) =
            (state.i18n.clone(), state.config.public_url.clone(), visitor.lang.clone(), visitor.client_addr.clone());
        let result = state
            .db
            .run(move |conn| {
                let r = Registration {
                    email: &shape.email,
                    full_name: &shape.full_name,
                    password: &shape.password,
                    language: &lang,
                };
                accounts::register(conn, &i18n, &url, &r, &addr)
            })
            .await;
        match result {
            Ok(()) => {
                let page = MessagePage {
                    title: "register-done-title",
                    message: "register-done",
                    offer_resend: true,
                    ..MessagePage::default()
                };
                return render(&state, &visitor, "account/message.html", &page);
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    render_status(
        &state,
        &visitor,
        "account/register.html",
        &RegisterPage { values, errors },
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// The verification link's page: a button that confirms, when the link still works; otherwise why not.
pub(super) async fn verify_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<TokenQuery>,
) -> PageResult {
    let token = query.token.clone().unwrap_or_default();
    let probe = token.clone();
    if state.db.run(move |conn| accounts::verification_link_works(conn, &probe)).await? {
        return render(&state, &visitor, "account/verify.html", &VerifyPage { token });
    }
    let page = MessagePage { title: "verify-title", message: "verify-failed", offer_login: true, offer_resend: true };
    render(&state, &visitor, "account/message.html", &page)
}

/// The link's page, with the token it carries.
#[derive(Serialize)]
struct VerifyPage {
    token: String,
}

/// The confirmation the link's button posts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct VerifyForm {
    csrf_token: String,
    token: String,
}

pub(super) async fn verify(state: web::Data<AppState>, visitor: Visitor, form: web::Form<VerifyForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let token = form.into_inner().token;
    let addr = visitor.client_addr.clone();
    let ok = state.db.run(move |conn| accounts::verify_email(conn, &token, &addr)).await?;
    // Either way the next move is logging in, or asking for a new link when this one did not work.
    let page = MessagePage {
        title: "verify-title",
        message: if ok { "verify-done" } else { "verify-failed" },
        offer_login: true,
        offer_resend: !ok,
    };
    render(&state, &visitor, "account/message.html", &page)
}

pub(super) async fn resend_verification_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "account/resend.html", &ErrorsPage::default())
}

pub(super) async fn resend_verification(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<EmailForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let email = form.into_inner().email;
    let (i18n, url, addr) = (state.i18n.clone(), state.config.public_url.clone(), visitor.client_addr.clone());
    state.db.run(move |conn| accounts::resend_verification(conn, &i18n, &url, &email, &addr)).await?;
    let page = MessagePage {
        title: "verify-resend-title",
        message: "verify-resend-done",
        offer_login: true,
        ..MessagePage::default()
    };
    render(&state, &visitor, "account/message.html", &page)
}
