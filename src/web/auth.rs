//! Registration, e-mail verification, log-in and log-out, and password reset.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::page::{redirect, render, render_status, PageResult, Visitor};
use super::{AppState, LOGIN_AT_KEY, USER_ID_KEY};
use crate::error::{AppError, FieldErrors};
use crate::service::accounts::{self, LoginRefusal, Registration};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(register_form))
        .route("/register", web::post().to(register))
        .route("/verify", web::get().to(verify))
        .route("/verify/resend", web::get().to(resend_verification_form))
        .route("/verify/resend", web::post().to(resend_verification))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/logout", web::post().to(logout))
        .route("/logout-everywhere", web::post().to(logout_everywhere))
        .route("/account/tokens", web::get().to(tokens_page))
        .route("/account/tokens/{id}/revoke", web::post().to(revoke_token))
        .route("/password/forgot", web::get().to(forgot_form))
        .route("/password/forgot", web::post().to(forgot))
        .route("/password/reset", web::get().to(reset_form))
        .route("/password/reset", web::post().to(reset));
}

type Form = web::Form<HashMap<String, String>>;

fn field<'a>(form: &'a Form, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

/// The registration form's shape checks; the password policy is the domain's.
#[derive(Debug, Deserialize, Validate)]
struct RegisterForm {
    #[validate(email(message = "error-email"), length(max = 254, message = "error-email"))]
    email: String,
    #[validate(length(min = 1, max = 200, message = "error-required"))]
    full_name: String,
}

pub(super) fn validator_errors(e: validator::ValidationErrors) -> FieldErrors {
    e.field_errors()
        .into_iter()
        .map(|(field, errs)| {
            let key = errs
                .first()
                .and_then(|er| er.message.clone())
                .map(|m| m.to_string())
                .unwrap_or_else(|| "error-invalid".into());
            (field.to_string(), key)
        })
        .collect()
}

async fn register_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "auth/register.html", &serde_json::json!({"values": {}, "errors": {}}))
}

async fn register(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
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
                    "auth/message.html",
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
        "auth/register.html",
        &serde_json::json!({"values": values, "errors": errors}),
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
    )
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

async fn verify(state: web::Data<AppState>, visitor: Visitor, query: web::Query<TokenQuery>) -> PageResult {
    let token = query.token.clone().unwrap_or_default();
    let addr = visitor.client_addr.clone();
    let ok = state.db.run(move |conn| accounts::verify_email(conn, &token, &addr)).await?;
    let message = if ok { "verify-done" } else { "verify-failed" };
    // Either way the next move is logging in, or asking for a new link when this one did not work.
    render(
        &state,
        &visitor,
        "auth/message.html",
        &serde_json::json!({"title": "verify-title", "message": message, "offer_login": true, "offer_resend": !ok}),
    )
}

async fn resend_verification_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "auth/resend.html", &serde_json::json!({"errors": {}}))
}

async fn resend_verification(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let email = field(&form, "email").to_string();
    let (i18n, url, addr) = (state.i18n.clone(), state.config.public_url.clone(), visitor.client_addr.clone());
    state.db.run(move |conn| accounts::resend_verification(conn, &i18n, &url, &email, &addr)).await?;
    render(
        &state,
        &visitor,
        "auth/message.html",
        &serde_json::json!({"title": "verify-resend-title", "message": "verify-resend-done", "offer_login": true}),
    )
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// The page to return to after log-in, kept only if it is on this site.
fn next_of(candidate: Option<&str>) -> Option<String> {
    candidate.and_then(super::return_to::same_site_path).map(String::from)
}

async fn login_form(state: web::Data<AppState>, visitor: Visitor, query: web::Query<NextQuery>) -> PageResult {
    let next = next_of(query.next.as_deref());
    render(
        &state,
        &visitor,
        "auth/login.html",
        &serde_json::json!({"email": "", "error": null, "errors": {}, "next": next}),
    )
}

async fn login(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let email = field(&form, "email").to_string();
    let password = field(&form, "password").to_string();
    let next = next_of(form.get("next").map(String::as_str));
    let addr = visitor.client_addr.clone();
    let outcome = if wait_for_login_turn(&state, &email, &addr).await? {
        let e = email.clone();
        state.db.run(move |conn| accounts::login(conn, &e, &password, &addr)).await?
    } else {
        Err(LoginRefusal::Throttled)
    };
    match outcome {
        Ok(user) => {
            // A new session id at log-in (ASVS 7.2.4): nothing from before carries over but the language.
            visitor.session.renew();
            visitor.session.clear();
            let _ = visitor.session.insert(USER_ID_KEY, user.id);
            let _ = visitor.session.insert(LOGIN_AT_KEY, chrono::Utc::now().timestamp());
            // The session's own CSRF token from now on (the anonymous one lived in a cookie).
            let _ = visitor.session.insert(super::CSRF_KEY, crate::service::accounts::new_secret());
            let home = match user.role.as_str() {
                "applicant" => "/my/applications",
                "administrator" => "/admin",
                // A reviewer's work is the reviews assigned to them; the funder's pages are not in their menu.
                "reviewer" => "/reviews",
                _ => "/funder",
            };
            // The language travels with the account; the cookie carries it to pages without a session too.
            let mut response = redirect(next.as_deref().unwrap_or(home));
            let _ = response.add_cookie(&super::public::language_cookie(&user.language));
            // The anonymous CSRF cookie has done its work: the session's token replaces it.
            let _ = response.add_removal_cookie(&super::page::csrf_cookie_removal(state.config.is_https()));
            Ok(response)
        }
        Err(refusal) => {
            let (status, error) = match refusal {
                LoginRefusal::BadCredentials => (actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "login-failed"),
                LoginRefusal::Unverified => (actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "login-unverified"),
                LoginRefusal::Throttled => (actix_web::http::StatusCode::TOO_MANY_REQUESTS, "login-throttled"),
            };
            render_status(
                &state,
                &visitor,
                "auth/login.html",
                &serde_json::json!({"email": email, "error": error, "errors": {}, "next": next}),
                status,
            )
        }
    }
}

/// Waits for this attempt's turn (see `accounts::login_turn`), holding no database connection meanwhile.
/// False when the attempt is refused without being checked.
pub(super) async fn wait_for_login_turn(state: &AppState, email: &str, client_addr: &str) -> Result<bool, AppError> {
    let (email, addr, unit) = (email.to_string(), client_addr.to_string(), state.config.login_delay_unit);
    match state.db.run(move |conn| accounts::login_turn(conn, &email, &addr, unit)).await? {
        accounts::LoginTurn::WaitFor(wait) => {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            Ok(true)
        }
        accounts::LoginTurn::Refused => Ok(false),
    }
}

async fn logout(visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    visitor.session.purge();
    Ok(redirect("/"))
}

async fn logout_everywhere(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    state.db.run(move |conn| accounts::log_out_everywhere(conn, &actor)).await?;
    visitor.session.purge();
    Ok(redirect("/"))
}

#[derive(Serialize)]
struct TokenRow {
    id: i64,
    created: String,
    expires: String,
}

#[derive(Serialize)]
struct TokensPage {
    tokens: Vec<TokenRow>,
    days: i64,
}

/// The user's live API tokens, each with a button to revoke it.
async fn tokens_page(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let tokens = state.db.run(move |conn| accounts::api_tokens(conn, &actor)).await?;
    let page = TokensPage {
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                created: super::page::local_time(&state, t.created_at),
                expires: super::page::local_time(&state, t.expires_at),
            })
            .collect(),
        days: state.config.api_token_days,
    };
    render(&state, &visitor, "account/tokens.html", &page)
}

async fn revoke_token(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    state.db.run(move |conn| accounts::revoke_api_token(conn, &actor, id)).await?;
    visitor.flash("tokens-revoked");
    Ok(redirect("/account/tokens"))
}

async fn forgot_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render(&state, &visitor, "auth/forgot.html", &serde_json::json!({"errors": {}}))
}

async fn forgot(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let email = field(&form, "email").to_string();
    let (i18n, url, addr) = (state.i18n.clone(), state.config.public_url.clone(), visitor.client_addr.clone());
    state.db.run(move |conn| accounts::request_password_reset(conn, &i18n, &url, &email, &addr)).await?;
    render(
        &state,
        &visitor,
        "auth/message.html",
        &serde_json::json!({"title": "forgot-title", "message": "forgot-done"}),
    )
}

async fn reset_form(state: web::Data<AppState>, visitor: Visitor, query: web::Query<TokenQuery>) -> PageResult {
    render(
        &state,
        &visitor,
        "auth/reset.html",
        &serde_json::json!({"token": query.token.clone().unwrap_or_default(), "errors": {}}),
    )
}

async fn reset(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: Form,
) -> Result<HttpResponse, super::page::PageError> {
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
            "auth/reset.html",
            &serde_json::json!({"token": token, "errors": errors}),
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => Err(e.into()),
    }
}
