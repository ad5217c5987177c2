//! Everyone's account: registration and e-mail verification, log-in and log-out, password reset, the
//! language, and the API tokens page.

mod language;
pub(super) mod login;
mod password;
mod register;
mod tokens;

use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(register::register_form))
        .route("/register", web::post().to(register::register))
        .route("/verify", web::get().to(register::verify_form))
        .route("/verify", web::post().to(register::verify))
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

/// A form that is only a button (log out, revoke a token): the CSRF token is all it carries.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
struct ButtonForm {
    csrf_token: String,
}

/// A form of one e-mail address (a forgotten password, a new verification link), read as typed: the use case
/// normalises it.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
struct EmailForm {
    csrf_token: String,
    email: String,
}

/// The page that says what happened (registered, verified, a link sent), with the next move it offers.
#[derive(Default, Serialize)]
struct MessagePage {
    title: &'static str,
    message: &'static str,
    offer_login: bool,
    offer_resend: bool,
}

/// A form page that shows no values of its own again, only the errors (there are none on first showing).
#[derive(Default, Serialize)]
struct ErrorsPage {
    errors: crate::error::FieldErrors,
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}
