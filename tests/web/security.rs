//! The role × resource matrix, CSRF, escaping, headers, and bad requests that must get a clear 4xx.

use crate::common::*;
use diesel::{QueryDsl, RunQueryDsl};

fn applications_count(app: &TestApp) -> i64 {
    ruralserve::schema::applications::table.count().get_result(&mut app.conn()).expect("count")
}

/// Ids of a MOH application (student01's, a draft at i = 0) and of submitted ones of each funder.
fn ids(app: &TestApp) -> (i64, i64, i64) {
    use diesel::prelude::*;
    use ruralserve::schema::{applications, users};
    let mut conn = app.conn();
    let of = |conn: &mut ruralserve::db::PooledConn, email: &str| -> i64 {
        applications::table
            .inner_join(users::table)
            .filter(users::email.eq(email))
            .select(applications::id)
            .first(conn)
            .expect("application")
    };
    (
        of(&mut conn, "student02.moh@demo.ruralserve.org"),
        of(&mut conn, "student03.moh@demo.ruralserve.org"),
        of(&mut conn, "student02.rhsf@demo.ruralserve.org"),
    )
}

#[actix_web::test]
async fn the_role_by_resource_matrix_holds_for_pages_documents_and_the_api() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let (moh_a, moh_b, ngo_a) = ids(&app);

    // A document on student02's submitted application, stored as an upload would store it.
    let doc_id = {
        let mut conn = app.conn();
        ruralserve::store::applications::put_document(
            &mut conn,
            &ruralserve::store::applications::NewDocument {
                application_id: moh_a,
                kind: "identity",
                original_name: "id.pdf",
                content_type: "application/pdf",
                size_bytes: 10,
                storage_key: "documents/test-key",
            },
        )
        .expect("document");
        use diesel::prelude::*;
        ruralserve::schema::application_documents::table
            .select(ruralserve::schema::application_documents::id)
            .first::<i64>(&mut conn)
            .expect("doc id")
    };
    std::fs::create_dir_all(data_dir(&app.db).join("uploads/documents")).expect("dir");
    std::fs::write(data_dir(&app.db).join("uploads/documents/test-key"), PDF).expect("file");

    // (who, application, expected status for the page, for the document)
    let cases: [(&str, i64, u16, u16); 9] = [
        ("student02.moh@demo.ruralserve.org", moh_a, 200, 200), // the owner
        ("student03.moh@demo.ruralserve.org", moh_a, 404, 404), // another applicant
        ("student02.moh@demo.ruralserve.org", moh_b, 404, 404), // the owner of A, reading B
        ("officer@moh.demo.ruralserve.org", moh_a, 200, 200),   // the funder's officer
        ("reviewer@moh.demo.ruralserve.org", moh_a, 200, 200),  // a reviewer assigned to it (the demo assigns)
        ("officer@rhsf.demo.ruralserve.org", moh_a, 404, 404),  // another funder's officer
        ("officer@moh.demo.ruralserve.org", ngo_a, 404, 404),   // MOH cannot read the NGO's
        ("supervisor@moh.demo.ruralserve.org", moh_a, 404, 404), // a facility supervisor has no business here
        ("admin@demo.ruralserve.org", moh_a, 200, 200),         // the administrator
    ];
    for (who, application, page_status, doc_status) in cases {
        let mut b = Browser::new();
        b.log_in(&svc, who, DEMO_PASSWORD).await;
        let page = b.get(&svc, &format!("/applications/{application}")).await;
        assert_eq!(page.status, page_status, "{who} reading application {application}");
        if application == moh_a {
            let doc = b.get(&svc, &format!("/documents/{doc_id}")).await;
            assert_eq!(doc.status, doc_status, "{who} downloading document {doc_id}");
            if doc_status == 200 {
                let disposition =
                    doc.headers.get("Content-Disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
                assert!(disposition.starts_with("attachment"), "documents are never shown inline");
                assert!(doc.body.starts_with("%PDF"));
            }
        }
        // The same rule through the API.
        let token = api_token(&svc, who).await;
        let res = api_get(&svc, &format!("/api/v1/applications/{application}"), &token).await;
        assert_eq!(res.0, page_status, "{who} reading application {application} through the API");
    }

    // Not logged in: pages send to the log-in page (which brings the visitor back after), downloads too; the
    // API answers 401.
    let mut anonymous = Browser::new();
    let page = anonymous.get(&svc, &format!("/applications/{moh_a}")).await;
    let back = format!("/login?next=/applications/{moh_a}");
    assert_eq!((page.status, page.location.as_deref()), (303, Some(back.as_str())));
    let doc = anonymous.get(&svc, &format!("/documents/{doc_id}")).await;
    assert_eq!(doc.status, 303);
    assert_eq!(api_get(&svc, "/api/v1/applications", "nonsense").await.0, 401);
}

#[actix_web::test]
async fn a_funder_lists_only_its_own_applications_and_drafts_stay_private() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut moh = Browser::new();
    moh.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    let list = moh.get(&svc, "/funder/applications").await;
    assert!(list.body.contains("MOH-"));
    assert!(!list.body.contains("RHSF-"), "MOH staff must not see the NGO's applications");
    let mut ngo = Browser::new();
    ngo.log_in(&svc, "officer@rhsf.demo.ruralserve.org", DEMO_PASSWORD).await;
    let list = ngo.get(&svc, "/funder/applications").await;
    assert!(list.body.contains("RHSF-") && !list.body.contains("MOH-"));
    let csv = ngo.get(&svc, "/funder/applications.csv").await;
    assert!(!csv.body.contains("MOH-"));
    // A draft (student01's) is the applicant's own business until submitted.
    let draft_id: i64 = {
        use diesel::prelude::*;
        ruralserve::schema::applications::table
            .filter(ruralserve::schema::applications::status.eq("draft"))
            .select(ruralserve::schema::applications::id)
            .first(&mut app.conn())
            .expect("a draft")
    };
    let mut admin = Browser::new();
    admin.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(admin.get(&svc, &format!("/applications/{draft_id}")).await.status, 404);
    // Roles without application access are refused the list.
    let mut supervisor = Browser::new();
    supervisor.log_in(&svc, "supervisor@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(supervisor.get(&svc, "/funder/applications").await.status, 403);
    let mut applicant = Browser::new();
    applicant.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(applicant.get(&svc, "/funder/applications").await.status, 403);
    assert_eq!(applicant.get(&svc, "/admin").await.status, 403);
    assert_eq!(moh.get(&svc, "/admin/mailbox").await.status, 403);
}

#[actix_web::test]
async fn forms_without_their_csrf_token_or_from_another_site_are_refused() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    let missing = b.post_raw(&svc, "/calls/1/apply", &[]).await;
    assert_eq!(missing.status, 403);
    let wrong = b.post_raw(&svc, "/calls/1/apply", &[("csrf_token", "guess")]).await;
    assert_eq!(wrong.status, 403);
    let count = applications_count(&app);
    assert_eq!(count, 36, "no application was started by the refused forms");
    // Right token, wrong site.
    let token = b.csrf.clone();
    let req = actix_web::test::TestRequest::post()
        .uri("/calls/1/apply")
        .insert_header(("Origin", "https://evil.example"))
        .set_form([("csrf_token", token.as_str())]);
    assert_eq!(b.send(&svc, req).await.status, 403);
    // Log-in itself needs the token too.
    let mut fresh = Browser::new();
    let login = fresh
        .post_raw(&svc, "/login", &[("email", "applicant@demo.ruralserve.org"), ("password", DEMO_PASSWORD)])
        .await;
    assert_eq!(login.status, 403);
}

#[actix_web::test]
async fn pages_carry_the_security_headers() {
    let app = TestApp::new();
    let svc = service!(app);
    let page = Browser::new().get(&svc, "/").await;
    let header = |name: &str| page.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert!(header("Content-Security-Policy").contains("frame-ancestors 'none'"));
    assert!(!header("Content-Security-Policy").contains("unsafe-inline"));
    assert_eq!(header("X-Content-Type-Options"), "nosniff");
    assert_eq!(header("Referrer-Policy"), "same-origin");
    let cookie_of = |page: &Page, name: &str| {
        page.headers
            .get_all("Set-Cookie")
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_default()
            .to_string()
    };
    // An anonymous visitor gets only the signed CSRF cookie; the session cookie comes with log-in.
    assert!(cookie_of(&page, "ruralserve").is_empty(), "no session for an anonymous visitor");
    let cookie = cookie_of(&page, "csrf");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.get(&svc, "/login").await;
    let login =
        b.post(&svc, "/login", &[("email", "applicant@demo.ruralserve.org"), ("password", DEMO_PASSWORD)]).await;
    let cookie = cookie_of(&login, "ruralserve");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
}

#[actix_web::test]
async fn malformed_requests_get_a_clear_4xx_never_a_500() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    let bad_page = b.get(&svc, "/funder/applications?page=abc").await;
    assert_eq!(bad_page.status, 400);
    assert!(bad_page.body.contains("bad parameter"), "{}", bad_page.body);
    assert_eq!(b.get(&svc, "/applications/not-a-number").await.status, 404);
    assert_eq!(b.get(&svc, "/applications/99999999").await.status, 404);
    assert_eq!(b.get(&svc, "/calls/99999999").await.status, 404);
    assert_eq!(b.get(&svc, "/applications/1/step/nonsense").await.status, 404);
    // Bad JSON and a bad content type to the API.
    let req = actix_web::test::TestRequest::post()
        .uri("/api/v1/tokens")
        .insert_header(("Content-Type", "application/json"))
        .set_payload("{\"email\": ");
    let res = b.send(&svc, req).await;
    assert_eq!(res.status, 400);
    assert!(res.body.contains("\"code\":\"bad_request\""), "{}", res.body);
    let req = actix_web::test::TestRequest::post().uri("/api/v1/tokens").set_payload("email=x");
    assert_eq!(b.send(&svc, req).await.status, 400);
    // A broken multipart upload.
    let mut applicant = Browser::new();
    applicant.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    let start = applicant.post(&svc, "/calls/1/apply", &[]).await;
    let id = start.location.expect("started").split('/').nth(2).expect("id").to_string();
    let req = actix_web::test::TestRequest::post()
        .uri(&format!("/applications/{id}/documents"))
        .insert_header(("Content-Type", "multipart/form-data; boundary=XX"))
        .set_payload("--XX\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nunterminated");
    let res = applicant.send(&svc, req).await;
    assert!((400..500).contains(&res.status), "got {}", res.status);
    let req =
        actix_web::test::TestRequest::post().uri(&format!("/applications/{id}/documents")).set_payload("not multipart");
    let res = applicant.send(&svc, req).await;
    assert!((400..500).contains(&res.status), "got {}", res.status);
    // An oversized upload is refused with the limit named.
    let big = vec![b'%'; 10 * 1024 * 1024 + 10];
    applicant.get(&svc, &format!("/applications/{id}/step/documents")).await;
    let res = applicant.upload(&svc, &format!("/applications/{id}/documents"), "identity", "big.pdf", &big).await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("larger than 10 MB"), "{}", res.body);
    // Nothing earlier was lost: the demo's applications are all there.
    let count = applications_count(&app);
    assert_eq!(count, 37);
}

#[actix_web::test]
async fn only_administrators_see_the_failing_jobs() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let anonymous = Browser::new().get(&svc, "/admin/jobs").await;
    assert_eq!(anonymous.status, 303, "a visitor is sent to log in");
    for (email, status) in [
        ("applicant@demo.ruralserve.org", 403),
        ("reviewer@moh.demo.ruralserve.org", 403),
        ("officer@moh.demo.ruralserve.org", 403),
        ("placement@moh.demo.ruralserve.org", 403),
        ("compliance@moh.demo.ruralserve.org", 403),
        ("supervisor@moh.demo.ruralserve.org", 403),
        ("admin@demo.ruralserve.org", 200),
    ] {
        let mut b = Browser::new();
        b.log_in(&svc, email, DEMO_PASSWORD).await;
        assert_eq!(b.get(&svc, "/admin/jobs").await.status, status, "{email}");
    }
}

#[test]
fn the_administration_use_cases_refuse_everyone_but_administrators() {
    use ruralserve::error::AppError;
    use ruralserve::service::accounts::NewStaff;
    use ruralserve::service::administration as service;
    use ruralserve::service::Actor;
    let app = TestApp::new().with_demo();
    let conn = &mut app.conn();
    let actor_of = |conn: &mut _, email: &str| {
        let user = ruralserve::store::users::find_by_email(conn, email).expect("q").expect("demo user");
        Actor::from_user(&user, "10.0.0.2").expect("actor")
    };
    for email in
        ["applicant@demo.ruralserve.org", "officer@moh.demo.ruralserve.org", "reviewer@moh.demo.ruralserve.org"]
    {
        let actor = actor_of(conn, email);
        let organisation =
            service::NewOrganisation { code: "TCG", name: "Turkana County", kind: "regional_government" };
        let staff = NewStaff {
            email: "tom@tcg.example",
            full_name: "Tom Officer",
            password: "county officer pass",
            role: ruralserve::domain::role::Role::Administrator,
            organisation_id: None,
        };
        assert!(matches!(service::organisations_and_staff(conn, &actor), Err(AppError::Forbidden)), "{email}");
        assert!(
            matches!(service::create_organisation(conn, &actor, &organisation), Err(AppError::Forbidden)),
            "{email}"
        );
        assert!(matches!(service::create_staff(conn, &actor, &staff), Err(AppError::Forbidden)), "{email}");
        assert!(matches!(service::audit_trail(conn, &actor, "", ""), Err(AppError::Forbidden)), "{email}");
        assert!(matches!(service::mailbox(conn, &actor), Err(AppError::Forbidden)), "{email}");
        assert!(matches!(service::failing_work(conn, &actor), Err(AppError::Forbidden)), "{email}");
    }
    let admin = actor_of(conn, "admin@demo.ruralserve.org");
    assert!(service::organisations_and_staff(conn, &admin).is_ok());
    assert!(service::failing_work(conn, &admin).is_ok());
}
