//! Everyone's account: registration and e-mail verification, log-in and log-out, password reset, the
//! language, and the API tokens page.

mod language;
pub(super) mod login;
mod password;
mod register;
mod tokens;

use actix_web::web;
use serde::Deserialize;

use crate::web::form::Form;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(register::register_form))
        .route("/register", web::post().to(register::register))
        .route("/verify", web::get().to(register::verify))
        .route("/verify/resend", web::get().to(register::resend_verification_form))
        .route("/verify/resend", web::post().to(register::resend_verification))
        .route("/login", web::get().to(login::login_form))
        .route("/login", web::post().to(login::login))
        .route("/logout", web::post().to(login::logout))
        .route("/logout-everywhere", web::post().to(login::logout_everywhere))
        .route("/account/tokens", web::get().to(tokens::tokens_page))
        .route("/account/tokens/{id}/revoke", web::post().to(tokens::revoke_token))
        .route("/password/forgot", web::get().to(password::forgot_form))
        .route("/password/forgot", web::post().to(password::forgot))
        .route("/password/reset", web::get().to(password::reset_form))
        .route("/password/reset", web::post().to(password::reset))
        .route("/language", web::post().to(language::set_language));
}

/// A field exactly as typed (unlike `form::field`, untrimmed: a password's spaces are part of it).
fn field<'a>(form: &'a Form, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}
