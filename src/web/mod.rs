//! HTTP: actix handlers grouped by area (one folder each, with its `routes`), the session and CSRF checks,
//! security headers, and rendering.
//! Handlers stay thin: they parse, call a use case in `service/`, and render or redirect.

mod account;
mod admin;
mod api;
mod applicant;
mod award;
mod compliance;
mod csv;
mod error;
mod facility;
mod form;
mod funder;
mod page;
mod placement;
mod public;
mod query;
pub mod return_to;
mod review;
mod scholar;
pub mod session;

use std::sync::Arc;

use actix_web::cookie::Key;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpServer};
use object_store::ObjectStore;

use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::i18n::I18n;

pub use page::{render_error_page, CsrfKey, Visitor};

/// Session keys.
pub(crate) const USER_ID_KEY: &str = "user_id";
pub(crate) const LOGIN_AT_KEY: &str = "login_at";
pub(crate) const CSRF_KEY: &str = "csrf";
pub(crate) const FLASH_KEY: &str = "flash";

/// Idle and absolute session limits (ASVS 7.3.1, 7.3.2).
pub const SESSION_IDLE_MINUTES: i64 = 30;
pub const SESSION_ABSOLUTE_HOURS: i64 = 12;

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    pub tera: tera::Tera,
    pub i18n: Arc<I18n>,
    pub config: Config,
    pub files: Arc<dyn ObjectStore>,
    pub list_cache: Arc<crate::service::list_cache::ListCache>,
}

const STYLE_CSS: &str = include_str!("../../static/style.css");

/// Builds the state shared by the server and the tests.
pub fn build_state(config: Config) -> Result<AppState, AppError> {
    let pool = crate::db::build_pool(&config.database_url, config.pool_size)?;
    let db = Db::new(pool);
    {
        let mut conn = db.get()?;
        crate::db::run_migrations(&mut conn)?;
    }
    let i18n = Arc::new(I18n::new().map_err(AppError::Config)?);
    let tera = page::build_tera(i18n.clone())?;
    let upload_dir = config.data_dir.join("uploads");
    std::fs::create_dir_all(&upload_dir)
        .map_err(|e| AppError::Config(format!("cannot create {}: {e}", upload_dir.display())))?;
    let files: Arc<dyn ObjectStore> = Arc::new(
        object_store::local::LocalFileSystem::new_with_prefix(&upload_dir)
            .map_err(|e| AppError::Config(format!("upload directory {}: {e}", upload_dir.display())))?,
    );
    Ok(AppState { db, tera, i18n, config, files, list_cache: Arc::default() })
}

/// The key that signs the session cookie, kept in the data directory so that restarts keep users logged in.
pub fn session_key(config: &Config) -> Result<Key, AppError> {
    let path = config.data_dir.join("session.key");
    if let Ok(bytes) = std::fs::read(&path) {
        if bytes.len() >= 64 {
            return Ok(Key::from(&bytes));
        }
    }
    let key = Key::generate();
    std::fs::create_dir_all(&config.data_dir).map_err(|e| AppError::Config(format!("data directory: {e}")))?;
    std::fs::write(&path, key.master())
        .map_err(|e| AppError::Config(format!("cannot write {}: {e}", path.display())))?;
    Ok(key)
}

/// The routes, shared by `serve` and the tests.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/static/style.css",
        web::get().to(|| async {
            actix_web::HttpResponse::Ok()
                .content_type("text/css; charset=utf-8")
                .insert_header(("Cache-Control", "public, max-age=86400"))
                .body(STYLE_CSS)
        }),
    );
    public::routes(cfg);
    account::routes(cfg);
    applicant::routes(cfg);
    funder::routes(cfg);
    review::routes(cfg);
    award::routes(cfg);
    admin::routes(cfg);
    facility::routes(cfg);
    placement::routes(cfg);
    scholar::routes(cfg);
    compliance::routes(cfg);
    cfg.service(web::scope("/api/v1").configure(api::routes));
}

/// The middleware every app carries: sessions, security headers, compression.
#[macro_export]
macro_rules! ruralserve_app {
    ($state:expr, $key:expr) => {{
        let state: actix_web::web::Data<$crate::web::AppState> = $state;
        let key: actix_web::cookie::Key = $key;
        let secure = state.config.is_https();
        let store = $crate::web::session::DbSessionStore::new(state.db.clone());
        actix_web::App::new()
            .app_data(state)
            .app_data(actix_web::web::Data::new($crate::web::CsrfKey(key.clone())))
            .app_data($crate::web::form_config())
            .app_data($crate::web::query_config())
            .app_data($crate::web::path_config())
            .app_data($crate::web::json_config())
            .wrap(
                actix_session::SessionMiddleware::builder(store, key)
                    .cookie_name(if secure { "__Host-ruralserve".to_string() } else { "ruralserve".to_string() })
                    .cookie_secure(secure)
                    .cookie_http_only(true)
                    .cookie_same_site(actix_web::cookie::SameSite::Lax)
                    .cookie_path("/".to_string())
                    .session_lifecycle(
                        actix_session::config::BrowserSession::default()
                            .state_ttl(actix_web::cookie::time::Duration::minutes($crate::web::SESSION_IDLE_MINUTES))
                            .state_ttl_extension_policy(actix_session::config::TtlExtensionPolicy::OnEveryRequest),
                    )
                    .build(),
            )
            .wrap(
                actix_web::middleware::ErrorHandlers::new().default_handler($crate::web::render_error_page).handler(
                    actix_web::http::StatusCode::SEE_OTHER,
                    $crate::web::return_to::add_next_to_login_redirect,
                ),
            )
            .wrap($crate::web::security_headers(secure))
            .wrap(actix_web::middleware::Compress::default())
            .configure($crate::web::routes)
    }};
}

pub fn security_headers(https: bool) -> DefaultHeaders {
    let mut headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        // Pages and API answers carry personal data (applications, awards, contracts, ledgers): no shared
        // or browser cache may keep them. DefaultHeaders adds this only where a handler set no
        // Cache-Control of its own, so the stylesheet stays cacheable.
        .add(("Cache-Control", "no-store"));
    if https {
        headers = headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"));
    }
    headers
}

/// A malformed request's error in the form its caller reads: JSON for the API, the site's HTML error page
/// (in the visitor's language, with the layout and what is wrong) for everything a browser opens.
fn error_for(req: &actix_web::HttpRequest, error: AppError) -> actix_web::Error {
    if req.path().starts_with("/api/") {
        error.into()
    } else {
        page::PageError(error).into()
    }
}

/// A malformed id in a page's address (`/applications/abc`) names no record: the site's 404 page, like an
/// id that does not exist, instead of actix's plain-text answer. The API scope sets its own (JSON).
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|_, req| error_for(req, AppError::NotFound))
}

/// Malformed bodies and queries answer 400 with what is wrong, never a 500.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(256 * 1024)
        .error_handler(|e, req| error_for(req, AppError::BadRequest(format!("The form could not be read: {e}"))))
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, req| {
        // A number field typed wrong is named in the reader's language; anything else keeps the
        // deserializer's own words (actix's wrapper adds nothing a reader needs).
        if let Some((field, value)) = query::first_bad_number(req.query_string()) {
            return error_for(req, AppError::BadParameter { field, value });
        }
        let detail = match &e {
            actix_web::error::QueryPayloadError::Deserialize(inner) => inner.to_string(),
            other => other.to_string(),
        };
        error_for(req, AppError::BadRequest(format!("The address has a bad parameter: {detail}.")))
    })
}

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(64 * 1024)
        .error_handler(|e, _| AppError::BadRequest(format!("The JSON body could not be read: {e}")).into())
}

pub async fn serve(config: Config) -> std::io::Result<()> {
    let to_io = |e: AppError| std::io::Error::other(e.to_string());
    let key = session_key(&config).map_err(to_io)?;
    let listen = config.listen.clone();
    let mailer = crate::mail::Mailer::from_config(&config).map_err(to_io)?;
    let state = web::Data::new(build_state(config).map_err(to_io)?);
    if mailer.is_none() {
        tracing::info!("no RURALSERVE_SMTP_URL: e-mails stay in the outbox, readable at /admin/mailbox");
    }
    // The job runner runs in every server; several servers on one database share its work safely.
    actix_web::rt::spawn(crate::service::jobs::work(state.db.clone(), mailer));
    tracing::info!("listening on http://{listen}");
    HttpServer::new(move || ruralserve_app!(state.clone(), key.clone())).bind(&listen)?.run().await
}
