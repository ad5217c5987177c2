//! What every page needs: who is visiting (the `Visitor` extractor), their language, the CSRF token,
//! flash messages, rendering with tera, and the HTML form of errors.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_session::{Session, SessionExt};
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::dev::{Payload, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use super::{AppState, CSRF_KEY, FLASH_KEY, LOGIN_AT_KEY, SESSION_ABSOLUTE_HOURS, USER_ID_KEY};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::service::accounts::{self, new_secret, User};
use crate::service::Actor;

/// An error on an HTML page: rendered as a small page in the visitor's language, or a redirect to log in.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    /// The page itself is rendered by `render_error_page`, which knows the visitor's language; this only
    /// carries the error to it.
    fn error_response(&self) -> HttpResponse {
        if matches!(self.0, AppError::Unauthenticated) {
            // `return_to::add_next_to_login_redirect` adds the page asked for, which only the request knows.
            let mut response = HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish();
            response.extensions_mut().insert(self.0.clone());
            return response;
        }
        if matches!(self.0, AppError::Internal(_) | AppError::Config(_)) {
            tracing::error!(error = %self.0, "internal error");
        }
        let mut response = HttpResponse::build(self.status_code()).content_type("text/html; charset=utf-8").finish();
        response.extensions_mut().insert(self.0.clone());
        response
    }
}

/// Renders the HTML error page of a `PageError` in the visitor's language (their cookie, else their
/// browser's), as the last middleware before the response leaves.
pub fn render_error_page<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let Some(error) = res.response().extensions().get::<AppError>().cloned() else {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    };
    let req = res.request().clone();
    let lang = match req.cookie("lang") {
        Some(c) => I18n::language(c.value()),
        None => accept_language(&req),
    };
    let status = res.status();
    let body = match req.app_data::<web::Data<AppState>>() {
        Some(state) => {
            let mut context = tera::Context::new();
            context.insert("lang", lang);
            context.insert("status", &status.as_u16());
            context.insert("message", &error.public_message_in(lang));
            state.tera.render("error.html", &context).unwrap_or_else(|e| {
                tracing::error!(error = ?e, "error page template");
                html_escape(&error.public_message())
            })
        }
        None => html_escape(&error.public_message()),
    };
    let (req, response) = res.into_parts();
    let response = response.set_body(body).map_into_boxed_body();
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(req, response).map_into_right_body()))
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

pub type PageResult = Result<HttpResponse, PageError>;

/// Who is visiting: the logged-in user if any, the language, the session's CSRF token, and the address.
pub struct Visitor {
    pub user: Option<User>,
    pub lang: String,
    pub csrf: String,
    /// A new signed CSRF cookie for an anonymous visitor who had none; sent with the page that shows it.
    csrf_cookie: Option<Cookie<'static>>,
    pub client_addr: String,
    pub session: Session,
    /// The page being shown, as a same-site return address for the language switch and the log-in link.
    pub here: String,
}

impl Visitor {
    pub fn actor(&self) -> Result<Actor, AppError> {
        let user = self.user.as_ref().ok_or(AppError::Unauthenticated)?;
        Actor::from_user(user, &self.client_addr)
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().and_then(|u| Role::parse(&u.role))
    }

    /// Refuses a state-changing form whose token is missing or wrong (ASVS 3.5.1).
    pub fn check_csrf(&self, submitted: Option<&str>) -> Result<(), AppError> {
        match submitted {
            Some(token) if !self.csrf.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => {
                tracing::warn!(addr = %self.client_addr, "refused a form without a valid CSRF token");
                Err(AppError::Forbidden)
            }
        }
    }

    pub fn flash(&self, key: &str) {
        let _ = self.session.insert(FLASH_KEY, key);
    }

    fn take_flash(&self) -> Option<String> {
        // Removing marks the session changed, which costs a database write: only do it when there is one.
        let flash = self.session.get::<String>(FLASH_KEY).ok().flatten()?;
        self.session.remove(FLASH_KEY);
        Some(flash)
    }
}

/// The key that signs the anonymous visitor's CSRF cookie: the session cookie's key, given to the app by
/// `ruralserve_app!`.
pub struct CsrfKey(pub Key);

fn csrf_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-csrf"
    } else {
        "csrf"
    }
}

/// The visitor's CSRF token. A session's own token when it has one; a logged-in user without one gets it
/// in the session. An anonymous visitor's token lives in a signed cookie instead (double submit), so that
/// reading a public page or the log-in form stores nothing on the server: a crawler that keeps no cookies
/// would otherwise add a session row on every request.
fn csrf_token(
    req: &HttpRequest,
    session: &Session,
    logged_in: bool,
    https: bool,
) -> Result<(String, Option<Cookie<'static>>), AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).ok().flatten() {
        return Ok((token, None));
    }
    if logged_in {
        let token = new_secret();
        let _ = session.insert(CSRF_KEY, &token);
        return Ok((token, None));
    }
    let key = req.app_data::<web::Data<CsrfKey>>().ok_or_else(|| AppError::Internal("no CSRF cookie key".into()))?;
    let name = csrf_cookie_name(https);
    let mut jar = CookieJar::new();
    if let Some(cookie) = req.cookie(name) {
        jar.add_original(cookie);
    }
    let now = chrono::Utc::now().timestamp();
    if let Some(token) = jar.signed(&key.0).get(name).and_then(|c| fresh_csrf_token(c.value(), now).map(String::from)) {
        return Ok((token, None));
    }
    let token = new_secret();
    let cookie = Cookie::build(name, format!("{token}.{now}"))
        .path("/")
        .http_only(true)
        .secure(https)
        .same_site(SameSite::Lax)
        .finish();
    jar.signed_mut(&key.0).add(cookie);
    let signed = jar.delta().next().cloned().ok_or_else(|| AppError::Internal("CSRF cookie not signed".into()))?;
    Ok((token, Some(signed)))
}

/// How long an anonymous visitor's CSRF token lasts before a page hands out a new one.
pub const CSRF_COOKIE_HOURS: i64 = 12;

/// The token in a signed CSRF cookie's value (`<token>.<issued, Unix seconds>`), if it was issued less
/// than `CSRF_COOKIE_HOURS` ago. The issue time is under the signature, so it cannot be moved forward.
pub fn fresh_csrf_token(value: &str, now: i64) -> Option<&str> {
    let (token, issued) = value.rsplit_once('.')?;
    let issued: i64 = issued.parse().ok()?;
    let age = now.checked_sub(issued)?;
    (!token.is_empty() && (0..CSRF_COOKIE_HOURS * 3600).contains(&age)).then_some(token)
}

/// Deletes the anonymous CSRF cookie (at log-in, where the session's own token takes over).
pub fn csrf_cookie_removal(https: bool) -> Cookie<'static> {
    Cookie::build(csrf_cookie_name(https), "").path("/").secure(https).finish()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address: the peer, or the forwarded address when the peer is the configured proxy.
pub fn client_addr(req: &HttpRequest, state: &AppState) -> String {
    let peer = req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_else(|| "unknown".into());
    if let Some(proxy) = &state.config.trusted_proxy {
        if *proxy == peer {
            if let Some(forwarded) = req.headers().get("X-Forwarded-For").and_then(|v| v.to_str().ok()) {
                // The proxy appends the address it saw last; earlier entries are the client's own claims.
                if let Some(last) = forwarded.rsplit(',').next() {
                    return last.trim().to_string();
                }
            }
        }
    }
    peer
}

/// Refuses a cross-site POST by its Origin header, when the browser sends one (ASVS 3.5.3).
fn origin_allowed(req: &HttpRequest, state: &AppState) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == state.config.public_url {
        return true;
    }
    let host = req.connection_info().host().to_string();
    origin.ends_with(&format!("://{host}"))
}

impl FromRequest for Visitor {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Visitor, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::Internal("no application state".into()))?
                .clone();
            if req.method() != actix_web::http::Method::GET && !origin_allowed(&req, &state) {
                return Err(AppError::Forbidden.into());
            }
            let session = req.get_session();
            let user_id = session.get::<i64>(USER_ID_KEY).ok().flatten();
            let login_at = session.get::<i64>(LOGIN_AT_KEY).ok().flatten().unwrap_or(0);
            let fresh = chrono::Utc::now().timestamp() - login_at < SESSION_ABSOLUTE_HOURS * 3600;
            let user = match user_id {
                Some(id) if fresh => state.db.run(move |conn| accounts::session_user(conn, id)).await?,
                Some(_) => {
                    session.purge();
                    None
                }
                None => None,
            };
            let user = user.filter(|u| !u.disabled);
            let (csrf, csrf_cookie) = csrf_token(&req, &session, user.is_some(), state.config.is_https())?;
            let cookie_lang = req.cookie("lang").map(|c| c.value().to_string());
            let lang = match (&user, cookie_lang) {
                (Some(u), _) => I18n::language(&u.language),
                (None, Some(l)) => I18n::language(&l),
                (None, None) => accept_language(&req),
            }
            .to_string();
            let here = super::return_to::current_page(&req);
            Ok(Visitor { user, lang, csrf, csrf_cookie, client_addr: client_addr(&req, &state), session, here })
        })
    }
}

fn accept_language(req: &HttpRequest) -> &'static str {
    let header = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let first = header.split(',').next().unwrap_or_default().trim();
    I18n::language(first.split(['-', ';']).next().unwrap_or_default())
}

/// The context every template gets besides its own data.
#[derive(Serialize)]
struct Common<'a, T: Serialize> {
    lang: &'a str,
    csrf: &'a str,
    user: Option<&'a User>,
    role: Option<&'static str>,
    flash: Option<String>,
    languages: &'static [(&'static str, &'static str)],
    here: &'a str,
    login_url: String,
    page: &'a T,
}

pub fn render<T: Serialize>(state: &AppState, visitor: &Visitor, template: &str, page: &T) -> PageResult {
    render_status(state, visitor, template, page, StatusCode::OK)
}

/// Renders with a status: 422 for a form re-shown with its errors.
pub fn render_status<T: Serialize>(
    state: &AppState,
    visitor: &Visitor,
    template: &str,
    page: &T,
    status: StatusCode,
) -> PageResult {
    let common = Common {
        lang: &visitor.lang,
        csrf: &visitor.csrf,
        user: visitor.user.as_ref(),
        role: visitor.role().map(Role::as_str),
        flash: visitor.take_flash(),
        languages: &crate::i18n::LANGUAGES,
        here: &visitor.here,
        login_url: super::return_to::login_url(&visitor.here),
        page,
    };
    let context = tera::Context::from_serialize(&common).map_err(AppError::from)?;
    let body = state.tera.render(template, &context).map_err(AppError::from)?;
    let mut response = HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body);
    if let Some(cookie) = &visitor.csrf_cookie {
        response.add_cookie(cookie).map_err(|e| AppError::Internal(format!("CSRF cookie: {e}")))?;
    }
    Ok(response)
}

/// A time stored in UTC, as the installation's time zone shows it.
pub fn local_time(state: &AppState, t: chrono::NaiveDateTime) -> String {
    t.and_utc().with_timezone(&state.config.time_zone).format("%Y-%m-%d %H:%M %Z").to_string()
}

/// A score in hundredths as points in the reader's language, e.g. "77.33".
pub fn points(hundredths: u32, lang: &str) -> String {
    crate::domain::money::decimal_in(&crate::domain::ranking::points(hundredths), lang)
}

/// A stored total (hundredths) as points.
pub fn stored_points(total_hundredths: Option<i32>, lang: &str) -> Option<String> {
    total_hundredths.map(|t| points(u32::try_from(t).unwrap_or(0), lang))
}

/// Runs an authorization check before any field of a form is read, so that a refused form never shows
/// another funder's (or another scholar's) record, valid fields or not.
pub async fn authorize<F>(state: &AppState, actor: &Actor, check: F) -> Result<(), AppError>
where
    F: FnOnce(&mut crate::db::DbConn, &Actor) -> Result<(), AppError> + Send + 'static,
{
    let actor = actor.clone();
    state.db.run(move |conn| check(conn, &actor)).await
}

/// Rows shown per page in long lists (ranking, assignments), so that a call of thousands stays light.
pub const ROWS_PER_PAGE: usize = 50;

/// One page of `items` (pages count from 1; a page past the end shows the last) and the number of pages.
pub fn page_of<T>(items: &[T], page: Option<usize>) -> (&[T], usize, usize) {
    let pages = items.len().div_ceil(ROWS_PER_PAGE).max(1);
    let page = page.unwrap_or(1).clamp(1, pages);
    let start = (page - 1) * ROWS_PER_PAGE;
    (&items[start.min(items.len())..(start + ROWS_PER_PAGE).min(items.len())], page, pages)
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish()
}

/// Tera, built once, with the translation function `t(k=…, l=lang, …arguments)`.
pub fn build_tera(i18n: Arc<I18n>) -> Result<tera::Tera, AppError> {
    let mut tera = tera::Tera::default();
    for (name, source) in TEMPLATES {
        tera.add_raw_template(name, source).map_err(AppError::from)?;
    }
    let names = i18n.clone();
    tera.register_function("t", move |args: &std::collections::HashMap<String, tera::Value>| {
        let key = args.get("k").and_then(|v| v.as_str()).ok_or_else(|| tera::Error::msg("t: missing k"))?;
        let lang = args.get("l").and_then(|v| v.as_str()).unwrap_or("en");
        let extra: Vec<(&str, String)> = args
            .iter()
            .filter(|(name, _)| name.as_str() != "k" && name.as_str() != "l")
            .map(|(name, v)| (name.as_str(), v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
            .collect();
        Ok(tera::Value::String(if extra.is_empty() { i18n.t(lang, key) } else { i18n.t_args(lang, key, &extra) }))
    });
    // A cadre is stored as its key; one the list does not know (typed before the list) is shown as typed.
    tera.register_function("cadre_name", move |args: &std::collections::HashMap<String, tera::Value>| {
        let cadre = args.get("c").and_then(|v| v.as_str()).unwrap_or_default();
        let lang = args.get("l").and_then(|v| v.as_str()).unwrap_or("en");
        let key = crate::domain::cadre::label_key(cadre);
        Ok(tera::Value::String(if names.has("en", &key) { names.t(lang, &key) } else { cadre.to_string() }))
    });
    tera.register_filter("money", |value: &tera::Value, args: &std::collections::HashMap<String, tera::Value>| {
        let minor = value.as_i64().ok_or_else(|| tera::Error::msg("money: not an integer"))?;
        let currency = args.get("c").and_then(|v| v.as_str()).unwrap_or("KES");
        let lang = args.get("l").and_then(|v| v.as_str()).unwrap_or("en");
        Ok(tera::Value::String(crate::domain::money::format_amount_in(minor, currency, lang)))
    });
    Ok(tera)
}

/// Templates are compiled into the binary so that it runs from any directory.
const TEMPLATES: &[(&str, &str)] = &[
    ("macros.html", include_str!("../../templates/macros.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("base.html", include_str!("../../templates/base.html")),
    ("public/home.html", include_str!("../../templates/public/home.html")),
    ("public/call.html", include_str!("../../templates/public/call.html")),
    ("account/register.html", include_str!("../../templates/account/register.html")),
    ("account/login.html", include_str!("../../templates/account/login.html")),
    ("account/forgot.html", include_str!("../../templates/account/forgot.html")),
    ("account/reset.html", include_str!("../../templates/account/reset.html")),
    ("account/message.html", include_str!("../../templates/account/message.html")),
    ("account/tokens.html", include_str!("../../templates/account/tokens.html")),
    ("account/resend.html", include_str!("../../templates/account/resend.html")),
    ("account/verify.html", include_str!("../../templates/account/verify.html")),
    ("applicant/list.html", include_str!("../../templates/applicant/list.html")),
    ("applicant/steps.html", include_str!("../../templates/applicant/steps.html")),
    ("applicant/step.html", include_str!("../../templates/applicant/step.html")),
    ("applicant/view.html", include_str!("../../templates/applicant/view.html")),
    ("applicant/confirm.html", include_str!("../../templates/applicant/confirm.html")),
    ("funder/home.html", include_str!("../../templates/funder/home.html")),
    ("funder/terms_fields.html", include_str!("../../templates/funder/terms_fields.html")),
    ("funder/programme_new.html", include_str!("../../templates/funder/programme_new.html")),
    ("funder/programme.html", include_str!("../../templates/funder/programme.html")),
    ("funder/call_new.html", include_str!("../../templates/funder/call_new.html")),
    ("funder/applications.html", include_str!("../../templates/funder/applications.html")),
    ("funder/places.html", include_str!("../../templates/funder/places.html")),
    ("funder/call.html", include_str!("../../templates/funder/call.html")),
    ("funder/ranking.html", include_str!("../../templates/funder/ranking.html")),
    ("review/list.html", include_str!("../../templates/review/list.html")),
    ("review/review.html", include_str!("../../templates/review/review.html")),
    ("award/list.html", include_str!("../../templates/award/list.html")),
    ("award/contract_text.html", include_str!("../../templates/award/contract_text.html")),
    ("award/contract.html", include_str!("../../templates/award/contract.html")),
    ("award/award.html", include_str!("../../templates/award/award.html")),
    ("scholar/placement.html", include_str!("../../templates/scholar/placement.html")),
    ("scholar/choices.html", include_str!("../../templates/scholar/choices.html")),
    ("admin/home.html", include_str!("../../templates/admin/home.html")),
    ("admin/audit.html", include_str!("../../templates/admin/audit.html")),
    ("admin/mailbox.html", include_str!("../../templates/admin/mailbox.html")),
    ("admin/jobs.html", include_str!("../../templates/admin/jobs.html")),
    ("facility/list.html", include_str!("../../templates/facility/list.html")),
    ("facility/facility.html", include_str!("../../templates/facility/facility.html")),
    ("facility/upload.html", include_str!("../../templates/facility/upload.html")),
    ("facility/supervisor.html", include_str!("../../templates/facility/supervisor.html")),
    ("admin/supervisors.html", include_str!("../../templates/admin/supervisors.html")),
    ("admin/coordinators.html", include_str!("../../templates/admin/coordinators.html")),
    ("placement/home.html", include_str!("../../templates/placement/home.html")),
    ("placement/cycle_new.html", include_str!("../../templates/placement/cycle_new.html")),
    ("placement/cycle.html", include_str!("../../templates/placement/cycle.html")),
    ("placement/scholar.html", include_str!("../../templates/placement/scholar.html")),
    ("placement/appeals.html", include_str!("../../templates/placement/appeals.html")),
    ("placement/appeal.html", include_str!("../../templates/placement/appeal.html")),
    ("scholar/appeal.html", include_str!("../../templates/scholar/appeal.html")),
    ("placement/vacancies.html", include_str!("../../templates/placement/vacancies.html")),
    ("placement/runs.html", include_str!("../../templates/placement/runs.html")),
    ("placement/run.html", include_str!("../../templates/placement/run.html")),
    ("placement/transfer_request.html", include_str!("../../templates/placement/transfer_request.html")),
    ("placement/transfers.html", include_str!("../../templates/placement/transfers.html")),
    ("placement/run_compare.html", include_str!("../../templates/placement/run_compare.html")),
    ("scholar/result.html", include_str!("../../templates/scholar/result.html")),
    ("compliance/flags.html", include_str!("../../templates/compliance/flags.html")),
    ("scholar/swaps.html", include_str!("../../templates/scholar/swaps.html")),
    ("placement/swaps.html", include_str!("../../templates/placement/swaps.html")),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anonymous_csrf_token_older_than_its_hours_or_without_an_issue_time_is_not_used() {
        let issued = 1_800_000_000;
        let value = format!("abc-_1.{issued}");
        assert_eq!(fresh_csrf_token(&value, issued), Some("abc-_1"));
        assert_eq!(fresh_csrf_token(&value, issued + CSRF_COOKIE_HOURS * 3600 - 1), Some("abc-_1"));
        assert_eq!(fresh_csrf_token(&value, issued + CSRF_COOKIE_HOURS * 3600), None);
        assert_eq!(fresh_csrf_token(&value, issued - 60), None, "issued in the future");
        assert_eq!(fresh_csrf_token("abc-_1", issued), None, "the old cookie without a time");
        assert_eq!(fresh_csrf_token(&format!(".{issued}"), issued), None);
    }

    #[test]
    fn long_lists_are_cut_into_pages_and_a_page_past_the_end_shows_the_last() {
        let items: Vec<usize> = (0..ROWS_PER_PAGE * 2 + 3).collect();
        let (first, page, pages) = page_of(&items, None);
        assert_eq!((first.len(), first[0], page, pages), (ROWS_PER_PAGE, 0, 1, 3));
        let (last, page, _) = page_of(&items, Some(99));
        assert_eq!((last.len(), last[0], page), (3, ROWS_PER_PAGE * 2, 3));
        let (none, page, pages) = page_of::<usize>(&[], Some(0));
        assert_eq!((none.len(), page, pages), (0, 1, 1));
    }
}
