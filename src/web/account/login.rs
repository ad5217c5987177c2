//! Log-in (with its spacing of failed attempts), log-out, and log-out everywhere.

use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::ButtonForm;
use crate::error::{AppError, FieldErrors};
use crate::service::accounts::{self, LoginRefusal};
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::{AppState, LOGIN_AT_KEY, USER_ID_KEY};

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// The page to return to after log-in, kept only if it is on this site.
fn next_of(candidate: Option<&str>) -> Option<String> {
    candidate.and_then(crate::web::return_to::same_site_path).map(String::from)
}

/// The log-in page: the e-mail typed, why the last try was refused, and the page to return to.
#[derive(Serialize)]
struct LoginPage {
    email: String,
    error: Option<&'static str>,
    errors: FieldErrors,
    next: Option<String>,
}

/// The e-mail and password exactly as typed (a password's spaces are part of it), and the page to return to.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
    next: Option<String>,
}

pub(super) async fn login_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<NextQuery>,
) -> PageResult {
    let next = next_of(query.next.as_deref());
    let page = LoginPage { email: String::new(), error: None, errors: FieldErrors::new(), next };
    render(&state, &visitor, "account/login.html", &page)
}

pub(super) async fn login(state: web::Data<AppState>, visitor: Visitor, form: web::Form<LoginForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let LoginForm { email, password, next, .. } = form.into_inner();
    let next = next_of(next.as_deref());
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
            let _ = visitor.session.insert(crate::web::CSRF_KEY, crate::service::accounts::new_secret());
            let home = match user.role.as_str() {
                "applicant" => "/my/applications",
                "administrator" => "/admin",
                // A reviewer's work is the reviews assigned to them; the funder's pages are not in their menu.
                "reviewer" => "/reviews",
                // Placement coordinators run cycles; a supervisor's work is the scholars coming to their facilities.
                "placement_coordinator" => "/placement",
                "facility_supervisor" => "/supervisor",
                // A compliance coordinator's work is the flags waiting for a look.
                "compliance_coordinator" => "/compliance",
                _ => "/funder",
            };
            // The language travels with the account; the cookie carries it to pages without a session too.
            let mut response = redirect(next.as_deref().unwrap_or(home));
            let _ = response.add_cookie(&crate::web::account::language::language_cookie(&user.language));
            // The anonymous CSRF cookie has done its work: the session's token replaces it.
            let _ = response.add_removal_cookie(&crate::web::page::csrf_cookie_removal(state.config.is_https()));
            Ok(response)
        }
        Err(refusal) => {
            let (status, error) = match refusal {
                LoginRefusal::BadCredentials => (actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "login-failed"),
                LoginRefusal::Unverified => (actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, "login-unverified"),
                LoginRefusal::Throttled => (actix_web::http::StatusCode::TOO_MANY_REQUESTS, "login-throttled"),
            };
            let page = LoginPage { email, error: Some(error), errors: FieldErrors::new(), next };
            render_status(&state, &visitor, "account/login.html", &page, status)
        }
    }
}

/// Waits for this attempt's turn (see `accounts::login_turn`), holding no database connection meanwhile.
/// False when the attempt is refused without being checked.
pub(in crate::web) async fn wait_for_login_turn(
    state: &AppState,
    email: &str,
    client_addr: &str,
) -> Result<bool, AppError> {
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

pub(super) async fn logout(visitor: Visitor, form: web::Form<ButtonForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    visitor.session.purge();
    Ok(redirect("/"))
}

pub(super) async fn logout_everywhere(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<ButtonForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    state.db.run(move |conn| accounts::log_out_everywhere(conn, &actor)).await?;
    visitor.session.purge();
    Ok(redirect("/"))
}
