//! Issue 9's security points: API tokens expire and are revoked by a reset, "log out everywhere" and
//! disabling, and their owner lists and revokes them; log-in throttling that no guesser can turn into a
//! lock-out; a reset ends every other reset link; no caching of personal data; no session rows for
//! anonymous visitors; API errors as the OpenAPI document states them.

use crate::common::*;
use diesel::prelude::*;
use ruralserve::schema::{api_tokens, login_attempts, login_slots, sessions};
use ruralserve::service::accounts::{self, LoginTurn, MAX_LOGIN_DELAY_UNITS};

const APPLICANT: &str = "applicant@demo.ruralserve.org";
const OFFICER: &str = "officer@moh.demo.ruralserve.org";

fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn session_rows(app: &TestApp) -> i64 {
    sessions::table.count().get_result(&mut app.conn()).expect("count")
}

/// Resets a user's password through the e-mailed link.
async fn reset_password<S, B>(app: &TestApp, svc: &S, email: &str, password: &str)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut b = Browser::new();
    b.get(svc, "/password/forgot").await;
    b.post(svc, "/password/forgot", &[("email", email)]).await;
    let link = latest_link(app, email);
    let token = link.split("token=").nth(1).expect("token").to_string();
    b.get(svc, &link).await;
    let done = b.post(svc, "/password/reset", &[("token", &token), ("password", password)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
}

// ---- point 8: API tokens ----

#[actix_web::test]
async fn api_tokens_expire_after_the_configured_days() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let req = actix_web::test::TestRequest::post()
        .uri("/api/v1/tokens")
        .set_json(serde_json::json!({"email": OFFICER, "password": DEMO_PASSWORD}));
    let res = actix_web::test::call_service(&svc, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 201);
    let body: serde_json::Value = actix_web::test::read_body_json(res).await;
    let token = body["token"].as_str().expect("token").to_string();
    // The answer says when the token stops working: 30 days from now by default.
    let expires = chrono::DateTime::parse_from_rfc3339(body["expires_at"].as_str().expect("expires_at"))
        .expect("an RFC 3339 time")
        .naive_utc();
    let days = (expires - now()).num_hours() as f64 / 24.0;
    assert!((29.9..=30.0).contains(&days), "expires in {days} days");
    assert_eq!(api_get(&svc, "/api/v1/applications", &token).await.0, 200);
    // Past its expiry (set in the database rather than waited for) the token is refused.
    diesel::update(api_tokens::table)
        .set(api_tokens::expires_at.eq(now() - chrono::Duration::seconds(1)))
        .execute(&mut app.conn())
        .expect("expire");
    let (status, body) = api_get(&svc, "/api/v1/applications", &token).await;
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "unauthenticated");
}

#[actix_web::test]
async fn a_password_reset_log_out_everywhere_and_disabling_revoke_api_tokens_at_once() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);

    // A password reset.
    let token = api_token(&svc, APPLICANT).await;
    assert_eq!(api_get(&svc, "/api/v1/applications", &token).await.0, 200);
    reset_password(&app, &svc, APPLICANT, "a brand new passphrase").await;
    assert_eq!(api_get(&svc, "/api/v1/applications", &token).await.0, 401, "a reset revokes API tokens");

    // "Log out everywhere".
    let token = api_token(&svc, OFFICER).await;
    let mut b = Browser::new();
    b.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let out = b.post(&svc, "/logout-everywhere", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(api_get(&svc, "/api/v1/applications", &token).await.0, 401, "log out everywhere revokes API tokens");

    // Disabling the user; enabling them again does not bring the token back.
    let reviewer = "reviewer@moh.demo.ruralserve.org";
    let token = api_token(&svc, reviewer).await;
    assert_eq!(api_get(&svc, "/api/v1/applications", &token).await.0, 200);
    let id = ruralserve::store::users::find_by_email(&mut app.conn(), reviewer).expect("q").expect("user").id;
    let mut admin = Browser::new();
    admin.log_in(&svc, "admin@demo.ruralserve.org", DEMO_PASSWORD).await;
    let disabled = admin.post(&svc, &format!("/admin/users/{id}/disabled"), &[("disabled", "true")]).await;
    assert_eq!(disabled.status, 303);
    assert_eq!(api_get(&svc, "/api/v1/applications", &token).await.0, 401);
    admin.get(&svc, "/admin").await;
    let enabled = admin.post(&svc, &format!("/admin/users/{id}/disabled"), &[("disabled", "false")]).await;
    assert_eq!(enabled.status, 303);
    assert_eq!(api_get(&svc, "/api/v1/applications", &token).await.0, 401, "disabling revoked the token for good");
}

#[actix_web::test]
async fn a_user_lists_and_revokes_their_own_api_tokens() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let first = api_token(&svc, OFFICER).await;
    let second = api_token(&svc, OFFICER).await;
    let others = api_token(&svc, APPLICANT).await;
    let mut b = Browser::new();
    b.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let page = b.get(&svc, "/account/tokens").await;
    assert_eq!(page.status, 200);
    let revoke_forms: Vec<i64> = page
        .body
        .split("action=\"/account/tokens/")
        .skip(1)
        .filter_map(|s| s.split('/').next().and_then(|id| id.parse().ok()))
        .collect();
    assert_eq!(revoke_forms.len(), 2, "the officer's two tokens, not the applicant's: {}", page.body);
    assert!(!page.body.contains(&first) && !page.body.contains(&second), "secrets are never shown again");
    // The newest is listed first: revoke it; the other keeps working.
    let revoked = b.post(&svc, &format!("/account/tokens/{}/revoke", revoke_forms[0]), &[]).await;
    assert_eq!((revoked.status, revoked.location.as_deref()), (303, Some("/account/tokens")));
    assert_eq!(api_get(&svc, "/api/v1/applications", &second).await.0, 401);
    assert_eq!(api_get(&svc, "/api/v1/applications", &first).await.0, 200);
    let page = b.get(&svc, "/account/tokens").await;
    assert!(page.body.contains("The token was revoked"), "{}", page.body);
    // Revoking needs the form's CSRF token; another user's token cannot be revoked.
    let no_token = b.post_raw(&svc, &format!("/account/tokens/{}/revoke", revoke_forms[1]), &[]).await;
    assert_eq!(no_token.status, 403);
    let applicant_token_id: i64 = api_tokens::table
        .inner_join(ruralserve::schema::users::table)
        .filter(ruralserve::schema::users::email.eq(APPLICANT))
        .select(api_tokens::id)
        .first(&mut app.conn())
        .expect("id");
    let foreign = b.post(&svc, &format!("/account/tokens/{applicant_token_id}/revoke"), &[]).await;
    assert_eq!(foreign.status, 404);
    assert_eq!(api_get(&svc, "/api/v1/applications", &others).await.0, 200);
    // The same through the API: the list, then revoking by id.
    let (status, list) = api_get(&svc, "/api/v1/tokens", &first).await;
    assert_eq!(status, 200);
    let ids: Vec<i64> = list["tokens"].as_array().expect("tokens").iter().filter_map(|t| t["id"].as_i64()).collect();
    assert_eq!(ids, vec![revoke_forms[1]]);
    let req = actix_web::test::TestRequest::delete()
        .uri(&format!("/api/v1/tokens/{applicant_token_id}"))
        .insert_header(("Authorization", format!("Bearer {first}")));
    assert_eq!(actix_web::test::call_service(&svc, req.to_request()).await.status().as_u16(), 404);
    let req = actix_web::test::TestRequest::delete()
        .uri(&format!("/api/v1/tokens/{}", ids[0]))
        .insert_header(("Authorization", format!("Bearer {first}")));
    assert_eq!(actix_web::test::call_service(&svc, req.to_request()).await.status().as_u16(), 204);
    assert_eq!(api_get(&svc, "/api/v1/applications", &first).await.0, 401);
}

// ---- point 9: log-in throttling ----

#[actix_web::test]
async fn a_guesser_cannot_lock_the_owner_out_and_refused_attempts_do_not_extend_the_lock() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut attacker = Browser::from_address("10.6.6.6");
    attacker.get(&svc, "/login").await;
    for _ in 0..5 {
        let page = attacker.post(&svc, "/login", &[("email", APPLICANT), ("password", "a wrong guess")]).await;
        assert_eq!(page.status, 422);
    }
    // The guessing address is refused even with the right password…
    let refused = attacker.post(&svc, "/login", &[("email", APPLICANT), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(refused.status, 429);
    // …while the owner, from an address that has not been failing, gets in.
    let mut owner = Browser::from_address("10.1.1.1");
    owner.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    assert_eq!(owner.get(&svc, "/my/applications").await.status, 200);

    // The lock runs from the failures, however often the locked address knocks meanwhile.
    let since = now() - chrono::Duration::minutes(14);
    diesel::update(login_attempts::table.filter(login_attempts::succeeded.eq(false)))
        .set(login_attempts::attempted_at.eq(since))
        .execute(&mut app.conn())
        .expect("age the failures");
    for _ in 0..5 {
        let page = attacker.post(&svc, "/login", &[("email", APPLICANT), ("password", DEMO_PASSWORD)]).await;
        assert_eq!(page.status, 429);
    }
    diesel::update(login_attempts::table.filter(login_attempts::attempted_at.le(since)))
        .set(login_attempts::attempted_at.eq(now() - chrono::Duration::minutes(16)))
        .execute(&mut app.conn())
        .expect("the window passes");
    let after = attacker.post(&svc, "/login", &[("email", APPLICANT), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(after.status, 303, "the lock ended when the failures left the window: {}", after.body);
    // Refused attempts are in the audit trail, apart from failures.
    let events = ruralserve::store::audit::recent(&mut app.conn(), 100).expect("audit");
    assert!(events.iter().any(|e| e.action == "login_throttled"));
}

/// Records `count` failed log-ins on `email` from `addr`, as guessing would have.
fn failures(app: &TestApp, email: &str, addr: &str, count: usize) {
    for _ in 0..count {
        diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::email.eq(email),
                login_attempts::client_addr.eq(addr),
                login_attempts::succeeded.eq(false),
                login_attempts::attempted_at.eq(now()),
            ))
            .execute(&mut app.conn())
            .expect("a failure");
    }
}

fn slot(app: &TestApp, subject: &str) -> Option<chrono::NaiveDateTime> {
    login_slots::table
        .filter(login_slots::subject.eq(subject))
        .select(login_slots::not_before)
        .first(&mut app.conn())
        .optional()
        .expect("slot")
}

#[actix_web::test]
async fn attempts_arriving_together_on_an_attacked_account_get_spaced_slots_and_the_owner_still_gets_in() {
    let app = TestApp::new().with_demo();
    let unit = app.state.config.login_delay_unit;
    let spacing = unit * MAX_LOGIN_DELAY_UNITS;
    let turn = |addr: &str| accounts::login_turn(&mut app.conn(), APPLICANT, addr, unit).expect("turn");
    // Below the threshold a log-in neither waits nor leaves a slot behind.
    failures(&app, APPLICANT, "10.7.0.1", 2);
    assert_eq!(turn("10.7.0.1"), LoginTurn::WaitFor(std::time::Duration::ZERO));
    assert_eq!(slot(&app, &format!("account:{APPLICANT}")), None);
    // Twenty failures from ten addresses: attempts arriving at once (nothing checked between them) are
    // given one slot each, a full spacing apart, instead of all waiting the same delay together.
    for i in 1..10 {
        failures(&app, APPLICANT, &format!("10.7.0.{i}"), 2);
    }
    let before = now();
    assert_eq!(turn("10.7.0.2"), LoginTurn::WaitFor(std::time::Duration::ZERO));
    let LoginTurn::WaitFor(second) = turn("10.7.0.3") else { panic!("the second attempt was refused") };
    assert!(second > spacing / 2 && second <= spacing, "the second attempt waits its slot: {second:?}");
    let not_before = slot(&app, &format!("account:{APPLICANT}")).expect("the account keeps a slot");
    assert!(not_before >= before + chrono::Duration::from_std(spacing * 2).expect("spacing"));
    // The next free slot is further out than anyone is made to wait: a guessing address is refused, and
    // its refusal does not push the slot further out…
    assert_eq!(turn("10.7.0.4"), LoginTurn::Refused);
    assert_eq!(slot(&app, &format!("account:{APPLICANT}")), Some(not_before));
    // …while an address that has not failed on the account waits at most the longest wait, taking no slot.
    assert_eq!(turn("10.1.1.1"), LoginTurn::WaitFor(spacing));
    assert_eq!(slot(&app, &format!("account:{APPLICANT}")), Some(not_before));
}

#[actix_web::test]
async fn parallel_guesses_from_several_addresses_are_spaced_and_the_owner_gets_in() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let spacing = app.state.config.login_delay_unit * MAX_LOGIN_DELAY_UNITS;
    for i in 0..10 {
        failures(&app, APPLICANT, &format!("10.7.1.{i}"), 2);
    }
    let mut guessers: Vec<Browser> = (0..6).map(|i| Browser::from_address(&format!("10.7.1.{i}"))).collect();
    for guesser in &mut guessers {
        guesser.get(&svc, "/login").await;
    }
    let started = now();
    let pages = futures_util::future::join_all(
        guessers.iter_mut().map(|g| g.post(&svc, "/login", &[("email", APPLICANT), ("password", "a parallel guess")])),
    )
    .await;
    let checked = pages.iter().filter(|p| p.status == 422).count();
    let refused = pages.iter().filter(|p| p.status == 429).count();
    assert_eq!(checked + refused, pages.len(), "every guess is checked or refused");
    assert!(checked >= 1);
    // Each checked guess took its own slot: the slots moved on by a full spacing per checked guess.
    let not_before = slot(&app, &format!("account:{APPLICANT}")).expect("slot");
    let spaced = chrono::Duration::from_std(spacing).expect("spacing") * i32::try_from(checked).expect("count");
    assert!(not_before >= started + spaced, "{checked} checked guesses shared slots");
    // The owner, from an address that has not been failing, still gets in.
    let mut owner = Browser::from_address("10.1.1.1");
    owner.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    assert_eq!(owner.get(&svc, "/my/applications").await.status, 200);
}

#[actix_web::test]
async fn an_address_failing_on_other_accounts_delays_but_never_locks_out_its_other_users() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    // One address behind a carrier-grade NAT: someone there failed 25 times on other accounts.
    for i in 0..25 {
        failures(&app, &format!("someone{i}@example.org"), "10.9.9.9", 1);
    }
    let mut neighbour = Browser::from_address("10.9.9.9");
    neighbour.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    assert_eq!(neighbour.get(&svc, "/my/applications").await.status, 200);
    assert!(slot(&app, "address:10.9.9.9").is_some(), "the failing address is spaced out");
}

#[actix_web::test]
async fn the_anonymous_csrf_cookie_is_dropped_at_log_in_and_one_without_an_issue_time_is_replaced() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut browser = Browser::new();
    browser.get(&svc, "/login").await;
    assert!(browser.cookies.iter().any(|(k, _)| k == "csrf"), "the anonymous visitor has a CSRF cookie");
    let page = browser.post(&svc, "/login", &[("email", APPLICANT), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(page.status, 303);
    assert!(!browser.cookies.iter().any(|(k, _)| k == "csrf"), "log-in removes the CSRF cookie");
    browser.get(&svc, "/").await;
    assert_eq!(browser.get(&svc, "/my/applications").await.status, 200);

    // A cookie signed without an issue time (as before, or one kept for ever) is not honoured.
    let key = actix_web::cookie::Key::from(&[7u8; 64]);
    let mut jar = actix_web::cookie::CookieJar::new();
    jar.signed_mut(&key).add(actix_web::cookie::Cookie::new("csrf", "an-everlasting-token"));
    let signed = jar.get("csrf").expect("signed").value().to_string();
    let mut old = Browser::new();
    old.cookies.push(("csrf".into(), signed.clone()));
    old.get(&svc, "/login").await;
    assert_ne!(old.csrf, "an-everlasting-token");
    let renewed = old.cookies.iter().find(|(k, _)| k == "csrf").expect("a new cookie");
    assert_ne!(renewed.1, signed);
}

// ---- point 10: a reset ends every other reset link ----

#[actix_web::test]
async fn a_password_reset_invalidates_every_other_reset_link() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.get(&svc, "/password/forgot").await;
    b.post(&svc, "/password/forgot", &[("email", APPLICANT)]).await;
    let first = latest_link(&app, APPLICANT);
    b.post(&svc, "/password/forgot", &[("email", APPLICANT)]).await;
    let second = latest_link(&app, APPLICANT);
    assert_ne!(first, second);
    let token = |link: &str| link.split("token=").nth(1).expect("token").to_string();
    b.get(&svc, &second).await;
    let done =
        b.post(&svc, "/password/reset", &[("token", &token(&second)), ("password", "a brand new passphrase")]).await;
    assert_eq!(done.status, 303);
    b.get(&svc, &first).await;
    let old =
        b.post(&svc, "/password/reset", &[("token", &token(&first)), ("password", "the attacker's passphrase")]).await;
    assert_eq!(old.status, 422, "an older link no longer works");
    assert!(old.body.contains("not valid"));
    Browser::new().log_in(&svc, APPLICANT, "a brand new passphrase").await;
}

// ---- point 12: no caching of personal data ----

fn cache_control(page: &Page) -> String {
    page.headers.get("Cache-Control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

#[actix_web::test]
async fn pages_and_api_answers_with_personal_data_are_not_stored_by_caches() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call: i64 = ruralserve::schema::calls::table
        .filter(ruralserve::schema::calls::title.eq("Rural Nursing Scholarship intake"))
        .select(ruralserve::schema::calls::id)
        .first(&mut app.conn())
        .expect("call");
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let ranking = officer.get(&svc, &format!("/funder/calls/{call}/ranking")).await;
    let application: i64 = ranking
        .body
        .split("name=\"application_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("a proposable application");
    let proposed = officer
        .post(&svc, &format!("/funder/calls/{call}/propose"), &[("application_id", &application.to_string())])
        .await;
    assert_eq!(proposed.status, 303);
    let award: i64 = ruralserve::schema::awards::table
        .filter(ruralserve::schema::awards::application_id.eq(application))
        .select(ruralserve::schema::awards::id)
        .first(&mut app.conn())
        .expect("award");
    for path in [
        format!("/applications/{application}"),
        format!("/awards/{award}"),
        format!("/awards/{award}/contract"),
        format!("/funder/calls/{call}/ledger.csv"),
        "/funder/applications.csv".to_string(),
        "/funder/applications".to_string(),
    ] {
        let page = officer.get(&svc, &path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(cache_control(&page).contains("no-store"), "{path}: {:?}", cache_control(&page));
    }
    let token = api_token(&svc, OFFICER).await;
    for path in [
        format!("/api/v1/applications/{application}"),
        format!("/api/v1/awards/{award}"),
        format!("/api/v1/awards/{award}/payments"),
        "/api/v1/applications".to_string(),
        "/api/v1/nonsense".to_string(),
    ] {
        let req =
            actix_web::test::TestRequest::get().uri(&path).insert_header(("Authorization", format!("Bearer {token}")));
        let res = actix_web::test::call_service(&svc, req.to_request()).await;
        let header = res.headers().get("Cache-Control").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(header.contains("no-store"), "{path}: {header:?}");
    }
    // The stylesheet stays cacheable.
    let css = officer.get(&svc, "/static/style.css").await;
    assert!(cache_control(&css).starts_with("public"), "{}", cache_control(&css));
}

// ---- point 14: anonymous visitors store nothing on the server ----

#[actix_web::test]
async fn anonymous_visitors_add_no_session_rows_and_their_forms_still_need_a_valid_token() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let before = session_rows(&app);
    // A crawler that keeps no cookies.
    for _ in 0..10 {
        for path in ["/", "/calls/1", "/login", "/register", "/password/forgot", "/calls/99999"] {
            let res =
                actix_web::test::call_service(&svc, actix_web::test::TestRequest::get().uri(path).to_request()).await;
            assert!(res.status().as_u16() < 500, "{path}");
        }
    }
    assert_eq!(session_rows(&app), before, "anonymous GETs added session rows");

    // The token lives in a signed cookie: a forged cookie with a matching form token is refused.
    for path in ["/login", "/register", "/password/forgot"] {
        let req = actix_web::test::TestRequest::post()
            .uri(path)
            .insert_header(("Cookie", "csrf=forged-token"))
            .set_form([("email", APPLICANT), ("password", DEMO_PASSWORD), ("csrf_token", "forged-token")]);
        assert_eq!(actix_web::test::call_service(&svc, req.to_request()).await.status().as_u16(), 403, "{path}");
        let mut fresh = Browser::new();
        assert_eq!(fresh.post_raw(&svc, path, &[("email", APPLICANT), ("password", DEMO_PASSWORD)]).await.status, 403);
    }
    // One browser's token does not serve another browser.
    let mut one = Browser::new();
    one.get(&svc, "/login").await;
    let mut other = Browser::new();
    other.get(&svc, "/login").await;
    other.csrf = one.csrf.clone();
    let crossed = other
        .post_raw(&svc, "/login", &[("email", APPLICANT), ("password", DEMO_PASSWORD), ("csrf_token", &one.csrf)])
        .await;
    assert_eq!(crossed.status, 403);
    assert_eq!(session_rows(&app), before);
    // The cookie is HttpOnly and SameSite; the real form works and the session starts at log-in.
    let page = Browser::new().get(&svc, "/login").await;
    let cookie = page
        .headers
        .get_all("Set-Cookie")
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("csrf="))
        .unwrap_or_default()
        .to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    one.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    assert_eq!(session_rows(&app), before + 1);
}

// ---- point 15: API errors as the OpenAPI document states them ----

#[actix_web::test]
async fn api_errors_are_json_in_the_documented_shape() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let token = api_token(&svc, OFFICER).await;
    let shaped = |body: &serde_json::Value| {
        body["error"]["code"].is_string() && body["error"]["message"].is_string() && body["error"]["fields"].is_object()
    };
    // A malformed id names no resource.
    for path in ["/api/v1/awards/abc", "/api/v1/applications/1x", "/api/v1/calls/abc", "/api/v1/awards/abc/payments"] {
        let (status, body) = api_get(&svc, path, &token).await;
        assert_eq!(status, 404, "{path}");
        assert!(shaped(&body) && body["error"]["code"] == "not_found", "{path}: {body}");
    }
    // An unknown enum value in a filter is a 400 that names the parameter; an empty one means no filter.
    for path in ["/api/v1/applications?status=approved", "/api/v1/applications?eligibility=maybe"] {
        let (status, body) = api_get(&svc, path, &token).await;
        assert_eq!(status, 400, "{path}");
        assert!(shaped(&body) && body["error"]["code"] == "bad_request", "{path}: {body}");
    }
    let (_, body) = api_get(&svc, "/api/v1/applications?status=approved", &token).await;
    assert!(body["error"]["message"].as_str().unwrap_or_default().contains("status"), "{body}");
    assert_eq!(api_get(&svc, "/api/v1/applications?status=&eligibility=eligible", &token).await.0, 200);
    // An undeclared method is a 405 naming the methods the path has.
    for (method, path, allow) in [
        (actix_web::http::Method::PUT, "/api/v1/calls", "GET"),
        (actix_web::http::Method::DELETE, "/api/v1/awards/1", "GET"),
        (actix_web::http::Method::GET, "/api/v1/tokens/current", "DELETE"),
        (actix_web::http::Method::PATCH, "/api/v1/tokens", "GET, POST"),
    ] {
        let req = actix_web::test::TestRequest::default()
            .method(method.clone())
            .uri(path)
            .insert_header(("Authorization", format!("Bearer {token}")));
        let res = actix_web::test::call_service(&svc, req.to_request()).await;
        assert_eq!(res.status().as_u16(), 405, "{method} {path}");
        assert_eq!(res.headers().get("Allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {path}");
        let body: serde_json::Value = actix_web::test::read_body_json(res).await;
        assert!(shaped(&body) && body["error"]["code"] == "method_not_allowed", "{method} {path}: {body}");
    }
}
