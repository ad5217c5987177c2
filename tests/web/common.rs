//! The test harness: a fresh database per test (an SQLite file in a temp directory, or a new PostgreSQL
//! database when TEST_DATABASE_URL is a postgres:// URL), the real app built around it, and helpers to
//! act as a browser (cookies, CSRF tokens, forms) or an API client.

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use actix_web::web::Data;
use ruralserve::config::Config;
use ruralserve::web::AppState;

/// The test's database; its temp directory also holds the data directory (uploads, session key).
pub type TestDb = crate::fresh_db::FreshDb;

/// Where the app under test keeps its files.
pub fn data_dir(db: &TestDb) -> std::path::PathBuf {
    db.dir().join("data")
}

pub fn config_for(db: &TestDb) -> Config {
    Config {
        database_url: db.url.clone(),
        data_dir: data_dir(db),
        listen: "127.0.0.1:0".into(),
        public_url: "http://localhost".into(),
        time_zone: chrono_tz::Africa::Nairobi,
        smtp_url: None,
        mail_from: "RuralServe <no-reply@example.org>".into(),
        trusted_proxy: None,
        pool_size: 4,
        api_token_days: ruralserve::config::DEFAULT_API_TOKEN_DAYS,
        contact: Default::default(),
        // Spacing of 20 ms to 160 ms between attempts on an attacked account: the tests read the slots.
        login_delay_unit: std::time::Duration::from_millis(20),
    }
}

pub struct TestApp {
    pub db: TestDb,
    pub state: Data<AppState>,
}

impl TestApp {
    pub fn new() -> TestApp {
        let db = TestDb::new();
        let state = Data::new(ruralserve::web::build_state(config_for(&db)).expect("state"));
        TestApp { db, state }
    }

    pub fn conn(&self) -> ruralserve::db::PooledConn {
        self.state.db.get().expect("pooled connection")
    }

    /// Loads the demo's funders, calls, accounts and applications (not the facility registry).
    pub fn with_demo(self) -> TestApp {
        ruralserve::demo::load_funders(&mut self.conn()).expect("demo loads");
        self
    }
}

/// Builds the real app (all middleware) over the test state.
macro_rules! service {
    ($app:expr) => {
        actix_web::test::init_service(ruralserve::ruralserve_app!(
            $app.state.clone(),
            actix_web::cookie::Key::from(&[7u8; 64])
        ))
        .await
    };
}

/// A browser: keeps the session cookie and reads CSRF tokens from pages.
pub struct Browser {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    /// The address the browser connects from.
    pub peer: std::net::SocketAddr,
}

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub headers: actix_web::http::header::HeaderMap,
}

impl Browser {
    pub fn new() -> Browser {
        Browser::from_address("10.0.0.1")
    }

    /// A browser on another machine.
    pub fn from_address(ip: &str) -> Browser {
        Browser { cookies: vec![], csrf: String::new(), peer: format!("{ip}:5000").parse().expect("addr") }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn absorb<B: MessageBody>(&mut self, res: &ServiceResponse<B>) {
        for c in res.response().cookies() {
            self.cookies.retain(|(k, _)| k != c.name());
            if !c.value().is_empty() {
                self.cookies.push((c.name().to_string(), c.value().to_string()));
            }
        }
    }

    pub async fn send<S, B>(&mut self, app: &S, req: test::TestRequest) -> Page
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let req = req.insert_header(("Cookie", self.cookie_header())).peer_addr(self.peer);
        let res = test::call_service(app, req.to_request()).await;
        self.absorb(&res);
        let status = res.status().as_u16();
        let location = res.headers().get("Location").and_then(|v| v.to_str().ok()).map(String::from);
        let headers = res.headers().clone();
        let bytes = test::read_body(res).await;
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = find_csrf(&body) {
            self.csrf = token;
        }
        Page { status, body, location, headers }
    }

    pub async fn get<S, B>(&mut self, app: &S, path: &str) -> Page
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.send(app, test::TestRequest::get().uri(path)).await
    }

    /// Posts a form with this browser's CSRF token added.
    pub async fn post<S, B>(&mut self, app: &S, path: &str, fields: &[(&str, &str)]) -> Page
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        if self.csrf.is_empty() {
            self.get(app, "/").await;
        }
        let mut all: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        all.push(("csrf_token".into(), self.csrf.clone()));
        self.send(app, test::TestRequest::post().uri(path).set_form(&all)).await
    }

    /// Posts a form exactly as given (no CSRF token added).
    pub async fn post_raw<S, B>(&mut self, app: &S, path: &str, fields: &[(&str, &str)]) -> Page
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.send(app, test::TestRequest::post().uri(path).set_form(fields)).await
    }

    pub async fn log_in<S, B>(&mut self, app: &S, email: &str, password: &str) -> Page
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.get(app, "/login").await;
        let page = self.post(app, "/login", &[("email", email), ("password", password)]).await;
        assert_eq!(page.status, 303, "log-in of {email} failed: {}", page.body);
        // Pages after log-in carry the new session's token.
        self.get(app, "/").await;
        page
    }

    /// Uploads one file through the multipart form.
    pub async fn upload<S, B>(&mut self, app: &S, path: &str, kind: &str, filename: &str, content: &[u8]) -> Page
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        self.upload_with(app, path, &[("kind", kind)], filename, content).await
    }

    /// Uploads one file with the given form fields (and this browser's CSRF token).
    pub async fn upload_with<S, B>(
        &mut self,
        app: &S,
        path: &str,
        fields: &[(&str, &str)],
        filename: &str,
        content: &[u8],
    ) -> Page
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let boundary = "XBOUNDARYX";
        let mut body = Vec::new();
        let csrf = self.csrf.clone();
        for (name, value) in std::iter::once(("csrf_token", csrf.as_str())).chain(fields.iter().copied()) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = test::TestRequest::post()
            .uri(path)
            .insert_header(("Content-Type", format!("multipart/form-data; boundary={boundary}")))
            .set_payload(body);
        self.send(app, req).await
    }
}

pub fn find_csrf(body: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// The newest e-mail to an address, and the first link in it.
pub fn latest_link(app: &TestApp, email: &str) -> String {
    let message =
        ruralserve::store::outbox::latest_to(&mut app.conn(), email).expect("query").expect("an e-mail was sent");
    let start = message.body.find("http").expect("a link in the e-mail");
    let rest = &message.body[start..];
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let url = &rest[..end];
    url.trim_start_matches("http://localhost").to_string()
}

pub const DEMO_PASSWORD: &str = ruralserve::demo::DEMO_PASSWORD;
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Issues an API token for a demo user.
pub async fn api_token<S, B>(app: &S, email: &str) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = test::TestRequest::post()
        .uri("/api/v1/tokens")
        .peer_addr("10.0.0.9:5000".parse().expect("addr"))
        .set_json(serde_json::json!({"email": email, "password": DEMO_PASSWORD}));
    let res = test::call_service(app, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 201, "token for {email}");
    let body: serde_json::Value = test::read_body_json(res).await;
    body["token"].as_str().expect("token").to_string()
}

/// GETs an API path with a bearer token; returns the status and the JSON body (Null when empty).
pub async fn api_get<S, B>(app: &S, path: &str, token: &str) -> (u16, serde_json::Value)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let req = test::TestRequest::get().uri(path).insert_header(("Authorization", format!("Bearer {token}")));
    let res = test::call_service(app, req.to_request()).await;
    let status = res.status().as_u16();
    let bytes = test::read_body(res).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// The `version` hidden in a page's form (optimistic concurrency).
pub fn version_in(body: &str) -> String {
    body.split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a version field")
        .to_string()
}
