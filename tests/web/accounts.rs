//! Accounts: log-in throttling, password reset, log-out everywhere, disabling, staff and organisations,
//! and the remembered language.

use crate::common::*;

#[actix_web::test]
async fn repeated_failed_log_ins_are_slowed_down_per_account() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.get(&svc, "/login").await;
    for _ in 0..5 {
        let page = b
            .post(&svc, "/login", &[("email", "officer@moh.demo.ruralserve.org"), ("password", "wrong password")])
            .await;
        assert_eq!(page.status, 422);
        assert!(page.body.contains("The e-mail or the password is not right"));
    }
    // Now even the right password is refused for the rest of the window.
    let page =
        b.post(&svc, "/login", &[("email", "officer@moh.demo.ruralserve.org"), ("password", DEMO_PASSWORD)]).await;
    assert_eq!(page.status, 429);
    assert!(page.body.contains("Too many attempts"));
    // An unknown account answers exactly like a wrong password.
    let unknown = b.post(&svc, "/login", &[("email", "nobody@example.org"), ("password", "whatever it is")]).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("The e-mail or the password is not right"));
    // Failed log-ins are in the audit trail.
    let events = ruralserve::store::audit::recent(&mut app.conn(), 50).expect("audit");
    assert!(events.iter().filter(|e| e.action == "login_failed").count() >= 5);
}

#[actix_web::test]
async fn a_password_reset_link_works_once_and_ends_every_session() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let email = "applicant@demo.ruralserve.org";
    let mut other_device = Browser::new();
    other_device.log_in(&svc, email, DEMO_PASSWORD).await;
    assert_eq!(other_device.get(&svc, "/my/applications").await.status, 200);

    let mut b = Browser::new();
    b.get(&svc, "/password/forgot").await;
    let page = b.post(&svc, "/password/forgot", &[("email", email)]).await;
    assert!(page.body.contains("If an account uses this address"));
    // Same answer for an address with no account, and no e-mail is written for it.
    let none = b.post(&svc, "/password/forgot", &[("email", "nobody@example.org")]).await;
    assert!(none.body.contains("If an account uses this address"));
    assert!(ruralserve::store::outbox::latest_to(&mut app.conn(), "nobody@example.org").expect("q").is_none());

    let link = latest_link(&app, email);
    assert!(link.starts_with("/password/reset?token="));
    b.get(&svc, &link).await;
    let token = link.split("token=").nth(1).expect("token");
    let weak = b.post(&svc, "/password/reset", &[("token", token), ("password", "password")]).await;
    assert_eq!(weak.status, 422, "a common password is refused");
    // The refused attempt used the token up: ask again.
    b.post(&svc, "/password/forgot", &[("email", email)]).await;
    let link = latest_link(&app, email);
    let token = link.split("token=").nth(1).expect("token").to_string();
    b.get(&svc, &link).await;
    let done = b.post(&svc, "/password/reset", &[("token", &token), ("password", "a brand new passphrase")]).await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/login")));
    let reused = b.post(&svc, "/password/reset", &[("token", &token), ("password", "yet another passphrase")]).await;
    assert_eq!(reused.status, 422, "a reset link works once");
    // The other device was logged out; the new password works.
    assert_eq!(other_device.get(&svc, "/my/applications").await.status, 303);
    Browser::new().log_in(&svc, email, "a brand new passphrase").await;
}

#[actix_web::test]
async fn an_expired_reset_link_is_refused() {
    use diesel::RunQueryDsl;
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.get(&svc, "/password/forgot").await;
    b.post(&svc, "/password/forgot", &[("email", "applicant@demo.ruralserve.org")]).await;
    let link = latest_link(&app, "applicant@demo.ruralserve.org");
    diesel::sql_query("UPDATE user_tokens SET expires_at = '2020-01-01 00:00:00'")
        .execute(&mut app.conn())
        .expect("expire");
    b.get(&svc, &link).await;
    let token = link.split("token=").nth(1).expect("token");
    let page = b.post(&svc, "/password/reset", &[("token", token), ("password", "a brand new passphrase")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("not valid"));
}

#[actix_web::test]
async fn log_in_renews_the_session_and_log_out_everywhere_ends_them_all() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut phone = Browser::new();
    phone.get(&svc, "/").await;
    let before = phone.cookies.clone();
    phone.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_ne!(before, phone.cookies, "a new session id at log-in");
    let mut laptop = Browser::new();
    laptop.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    let out = phone.post(&svc, "/logout-everywhere", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(laptop.get(&svc, "/my/applications").await.status, 303, "the laptop's session ended too");
}

#[actix_web::test]
async fn an_administrator_manages_organisations_and_staff_and_disabling_takes_effect_at_once() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut admin = Browser::new();
    admin.log_in(&svc, "admin@demo.ruralserve.org", DEMO_PASSWORD).await;
    admin.get(&svc, "/admin").await;
    let bad = admin.post(&svc, "/admin/organisations", &[("code", "bad code!"), ("name", ""), ("kind", "ngo")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Use 1 to 12 letters or digits"));
    let ok = admin
        .post(
            &svc,
            "/admin/organisations",
            &[("code", "TCG"), ("name", "Turkana County Government"), ("kind", "regional_government")],
        )
        .await;
    assert_eq!(ok.status, 303);
    let org = ruralserve::store::organisations::find_by_code(&mut app.conn(), "TCG").expect("q").expect("created");
    admin.get(&svc, "/admin").await;
    let no_org = admin
        .post(
            &svc,
            "/admin/users",
            &[
                ("full_name", "Tom Officer"),
                ("email", "tom@tcg.example"),
                ("password", "county officer pass"),
                ("role", "programme_officer"),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(no_org.status, 422);
    assert!(no_org.body.contains("Staff belong to an organisation"));
    let created = admin
        .post(
            &svc,
            "/admin/users",
            &[
                ("full_name", "Tom Officer"),
                ("email", "tom@tcg.example"),
                ("password", "county officer pass"),
                ("role", "programme_officer"),
                ("organisation_id", &org.id.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status, 303);
    let mut tom = Browser::new();
    tom.log_in(&svc, "tom@tcg.example", "county officer pass").await;
    assert_eq!(tom.get(&svc, "/funder").await.status, 200);
    let tom_id =
        ruralserve::store::users::find_by_email(&mut app.conn(), "tom@tcg.example").expect("q").expect("tom").id;
    admin.get(&svc, "/admin").await;
    let disabled = admin.post(&svc, &format!("/admin/users/{tom_id}/disabled"), &[("disabled", "true")]).await;
    assert_eq!(disabled.status, 303);
    assert_eq!(tom.get(&svc, "/funder").await.status, 303, "a disabled user's session ends at once");
    // The trail of the account shows who created and disabled it, with before and after.
    let trail = admin.get(&svc, &format!("/admin/audit?entity=user&id={tom_id}")).await;
    assert!(trail.body.contains("create_user") && trail.body.contains("disable_user"), "{}", trail.body);
    assert!(trail.body.contains("&quot;disabled&quot;:false") && trail.body.contains("&quot;disabled&quot;:true"));
}

#[actix_web::test]
async fn the_chosen_language_is_used_and_remembered() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    let english = b.get(&svc, "/").await;
    assert!(english.body.contains("Open calls"));
    let chosen = b.post(&svc, "/language", &[("lang", "fr"), ("back", "/")]).await;
    assert_eq!(chosen.status, 303);
    let french = b.get(&svc, "/").await;
    assert!(french.body.contains("lang=\"fr\""));
    assert!(!french.body.contains("Open calls"));
    // A user's choice is stored on the account and follows them to another device.
    b.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    b.post(&svc, "/language", &[("lang", "fr"), ("back", "/")]).await;
    let mut elsewhere = Browser::new();
    elsewhere.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    assert!(elsewhere.get(&svc, "/my/applications").await.body.contains("lang=\"fr\""));
    // Error pages speak the same language.
    let missing = elsewhere.get(&svc, "/applications/99999999").await;
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("La page ou la fiche n&#x27;existe pas")
            || missing.body.contains("La page ou la fiche n'existe pas"),
        "{}",
        missing.body
    );
    // The browser's Accept-Language is the first guess for visitors.
    let mut visitor = Browser::new();
    let req = actix_web::test::TestRequest::get().uri("/").insert_header(("Accept-Language", "fr-FR,fr;q=0.9"));
    assert!(visitor.send(&svc, req).await.body.contains("lang=\"fr\""));
}

#[actix_web::test]
async fn registration_and_reset_requests_are_rate_limited_per_address() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.get(&svc, "/register").await;
    for i in 0..10 {
        let email = format!("new{i}@example.org");
        let page = b
            .post(&svc, "/register", &[("full_name", "New"), ("email", &email), ("password", "a fine long passphrase")])
            .await;
        assert_eq!(page.status, 200, "registration {i}");
    }
    let refused = b
        .post(
            &svc,
            "/register",
            &[("full_name", "New"), ("email", "new10@example.org"), ("password", "a fine long passphrase")],
        )
        .await;
    assert_eq!(refused.status, 429);
    assert!(refused.body.contains("Too many requests"), "{}", refused.body);
    assert!(ruralserve::store::users::find_by_email(&mut app.conn(), "new10@example.org").expect("q").is_none());
    // Per account: after three reset e-mails in an hour, more requests answer the same but send nothing.
    let mut other = Browser::new();
    other.get(&svc, "/password/forgot").await;
    for _ in 0..5 {
        let page = other.post(&svc, "/password/forgot", &[("email", "applicant@demo.ruralserve.org")]).await;
        assert_eq!(page.status, 200);
    }
    let sent = ruralserve::store::outbox::recent(&mut app.conn(), 100)
        .expect("q")
        .into_iter()
        .filter(|m| m.recipient == "applicant@demo.ruralserve.org")
        .count();
    assert_eq!(sent, 3);
}
