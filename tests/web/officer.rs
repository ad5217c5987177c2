//! The officer's pages as a browser and an attacker use them (issue 9): list filters sent with empty fields,
//! bad addresses answered with an HTML page, stacked tables that keep their labels on a phone, the reviewer's
//! conflict confirmed first, reviewers assigned from a list, no link a role cannot follow, and every form
//! deciding who may act before reading what was typed.

use crate::common::*;
use diesel::prelude::*;
use ruralserve::schema::{
    applications, awards, calls, payments, programmes, progress_reports, review_assignments, users,
};

const OFFICER: &str = "officer@moh.demo.ruralserve.org";
const APPROVER: &str = "approver@moh.demo.ruralserve.org";
const REVIEWER: &str = "reviewer@moh.demo.ruralserve.org";
const NGO_OFFICER: &str = "officer@rhsf.demo.ruralserve.org";
const ADMIN: &str = "admin@demo.ruralserve.org";
const MOH_PROGRAMME: &str = "Rural Nursing Scholarship";
const MOH_CALL: &str = "Rural Nursing Scholarship intake";

fn moh_call(app: &TestApp) -> i64 {
    calls::table
        .filter(calls::title.eq(MOH_CALL))
        .select(calls::id)
        .first(&mut app.conn())
        .expect("the ministry's call")
}

fn moh_programme(app: &TestApp) -> i64 {
    programmes::table
        .filter(programmes::name.eq(MOH_PROGRAMME))
        .select(programmes::id)
        .first(&mut app.conn())
        .expect("the ministry's programme")
}

fn actor_of(app: &TestApp, email: &str) -> ruralserve::service::Actor {
    let user = ruralserve::store::users::find_by_email(&mut app.conn(), email).expect("query").expect("user");
    ruralserve::service::Actor::from_user(&user, "10.0.0.2").expect("actor")
}

fn award_version(app: &TestApp, award: i64) -> i32 {
    awards::table.find(award).select(awards::version).first(&mut app.conn()).expect("award")
}

/// Every `<td>` of every stacked table in a page, as its opening tag.
fn stacked_cells(body: &str) -> Vec<String> {
    let mut cells = vec![];
    for table in body.split("<table class=\"stack\"").skip(1) {
        let table = table.split("</table>").next().unwrap_or_default();
        for cell in table.split("<td").skip(1) {
            cells.push(format!("<td{}", cell.split('>').next().unwrap_or_default()));
        }
    }
    cells
}

/// A stacked cell shows its column's name on a phone: every cell but a table's "nothing here" row says what it is.
fn assert_labelled(page: &str, body: &str) {
    let cells = stacked_cells(body);
    assert!(!cells.is_empty(), "{page} has stacked tables");
    for cell in cells {
        if cell.contains("class=\"empty\"") {
            continue;
        }
        let label = cell.split("data-label=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
        assert!(!label.trim().is_empty(), "{page}: a stacked cell without a label: {cell}");
    }
}

#[actix_web::test]
async fn the_filter_form_sent_with_empty_fields_lists_everything_and_bad_addresses_get_an_html_page() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call = moh_call(&app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;

    // Exactly what a browser sends with "All calls" and every other filter left as it is.
    let plain = officer.get(&svc, "/funder/applications").await;
    let all = officer.get(&svc, "/funder/applications?call=&status=&eligibility=&county=&cadre=&q=").await;
    assert_eq!(all.status, 200, "{}", all.body);
    let heading = |body: &str| body.split("<h1>").nth(1).and_then(|s| s.split("</h1>").next()).map(String::from);
    assert_eq!(heading(&all.body), heading(&plain.body), "empty fields filter nothing");
    let one_call = officer
        .get(&svc, &format!("/funder/applications?call={call}&status=&eligibility=&county=&cadre=&q=&page="))
        .await;
    assert_eq!(one_call.status, 200, "{}", one_call.body);
    assert!(one_call.body.contains(&format!("<option value=\"{call}\" selected>")), "the chosen call stays chosen");

    // An empty result says so, rather than "Page 1 of 0".
    let none =
        officer.get(&svc, "/funder/applications?call=&status=&eligibility=&county=&cadre=&q=Nobody+Hasthisname").await;
    assert_eq!(none.status, 200);
    assert!(none.body.contains("No application matches these filters."), "{}", none.body);
    assert!(!none.body.contains("of 0"), "{}", none.body);

    // Bad input in the address: a 400 page in the site's layout naming the field, not raw JSON.
    for (address, field, value) in [
        ("/funder/applications?page=abc", "page", "abc"),
        ("/funder/applications?call=xyz&status=", "call", "xyz"),
        ("/funder/applications.csv?call=xyz", "call", "xyz"),
    ] {
        let bad = officer.get(&svc, address).await;
        assert_eq!(bad.status, 400, "{address}");
        let content_type = bad.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/html"), "{address}: {content_type}");
        assert!(bad.body.contains("<html") && bad.body.contains("RuralServe"), "{address}: {}", bad.body);
        assert!(bad.body.contains(&format!("&quot;{field}&quot;")) && bad.body.contains(value), "{}", bad.body);
        assert!(!bad.body.trim_start().starts_with('{'), "{}", bad.body);
    }
    // In French too, with the page's own words in French.
    officer.post(&svc, "/language", &[("lang", "fr"), ("back", "/")]).await;
    let bad = officer.get(&svc, "/funder/applications?page=abc").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("lang=\"fr\"") && bad.body.contains("mal formée"), "{}", bad.body);

    // Every other list reads an empty field as "no choice".
    let other_lists = [
        format!("/funder/calls/{call}?page="),
        format!("/funder/calls/{call}/ranking?page=&apart="),
        "/funder/applications.csv?call=&status=&eligibility=&county=&cadre=&q=".to_string(),
    ];
    for address in &other_lists {
        assert_eq!(officer.get(&svc, address).await.status, 200, "{address}");
    }
    let mut admin = Browser::new();
    admin.log_in(&svc, ADMIN, DEMO_PASSWORD).await;
    assert_eq!(admin.get(&svc, "/admin/audit?entity=&id=").await.status, 200);
    assert_eq!(admin.get(&svc, "/funder/applications?call=&status=&q=").await.status, 200);

    // The API keeps its JSON errors.
    let token = api_token(&svc, OFFICER).await;
    let (status, body) = api_get(&svc, "/api/v1/applications?page=abc", &token).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "bad_request", "{body}");
}

#[actix_web::test]
async fn stacked_tables_keep_their_labels_and_no_role_sees_a_link_it_cannot_follow() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call = moh_call(&app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let officer_pages =
        ["/funder/applications".to_string(), format!("/funder/calls/{call}"), format!("/funder/calls/{call}/ranking")];
    for lang in ["en", "fr"] {
        officer.post(&svc, "/language", &[("lang", lang), ("back", "/")]).await;
        for page in &officer_pages {
            let shown = officer.get(&svc, page).await;
            assert_eq!(shown.status, 200, "{page}");
            assert!(shown.body.contains(&format!("lang=\"{lang}\"")));
            assert_labelled(page, &shown.body);
        }
    }
    let mut admin = Browser::new();
    admin.log_in(&svc, ADMIN, DEMO_PASSWORD).await;
    for page in ["/admin", "/admin/audit"] {
        assert_labelled(page, &admin.get(&svc, page).await.body);
    }

    // A reviewer's pages, and a coordinator's, carry no link to the funder's application list (it answers 403).
    let mut reviewer = Browser::new();
    let landed = reviewer.log_in(&svc, REVIEWER, DEMO_PASSWORD).await;
    assert_eq!(landed.location.as_deref(), Some("/reviews"), "a reviewer starts at the reviews assigned to them");
    let assignment: i64 = review_assignments::table
        .inner_join(users::table.on(users::id.eq(review_assignments::reviewer_id)))
        .filter(users::email.eq(REVIEWER))
        .select(review_assignments::id)
        .first(&mut app.conn())
        .expect("the demo reviewer's assignment");
    let list = reviewer.get(&svc, "/reviews").await;
    assert_labelled("/reviews", &list.body);
    for page in ["/".to_string(), "/reviews".to_string(), format!("/reviews/{assignment}"), "/funder".to_string()] {
        let shown = reviewer.get(&svc, &page).await;
        assert!(!shown.body.contains("href=\"/funder/applications"), "{page}: {}", shown.body);
    }
    assert_eq!(reviewer.get(&svc, "/funder/applications").await.status, 403);
    let mut coordinator = Browser::new();
    coordinator.log_in(&svc, "placement@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    let home = coordinator.get(&svc, "/funder").await;
    assert_eq!(home.status, 200);
    assert!(!home.body.contains("href=\"/funder/applications"), "{}", home.body);
    assert!(!home.body.contains(&format!("href=\"/funder/calls/{call}")), "{}", home.body);

    // The stylesheet shows each stacked cell's label, breaks no word inside, and makes controls 40 px tall.
    let css = officer.get(&svc, "/static/style.css").await.body;
    assert!(css.contains("td[data-label]::before{content:attr(data-label)"));
    assert!(!css.contains("anywhere") && !css.contains("break-all;hyphens:auto") && !css.contains("hyphens:auto"));
    assert!(css.contains("button,.button{display:inline-block;min-height:2.5rem"));
    assert!(css.contains(".lang select{width:auto;min-height:2.5rem"));
}

#[actix_web::test]
async fn reviewers_are_assigned_from_a_list_and_a_conflict_is_confirmed_before_it_is_final() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call = moh_call(&app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let page = officer.get(&svc, &format!("/funder/calls/{call}")).await;
    // Picked from lists, not typed.
    assert!(!page.body.contains("name=\"reference\""), "{}", page.body);
    let options = page.body.split("<select id=\"application_id\" name=\"application_id\"").nth(1).expect("a list");
    let options = options.split("</select>").next().unwrap_or_default();
    let first_option: i64 = options
        .split("<option value=\"")
        .filter_map(|o| o.split('"').next().and_then(|v| v.parse().ok()))
        .next()
        .expect("an application to pick");
    assert!(options.contains("no reviewer yet"), "those lacking a reviewer are marked: {options}");
    let reviewer_id: i64 =
        users::table.filter(users::email.eq(REVIEWER)).select(users::id).first(&mut app.conn()).expect("reviewer");
    let picked_nothing = officer
        .post(
            &svc,
            &format!("/funder/calls/{call}/assign"),
            &[("application_id", ""), ("reviewer_id", &reviewer_id.to_string())],
        )
        .await;
    assert_eq!(picked_nothing.status, 422);
    assert!(picked_nothing.body.contains(&format!("<option value=\"{reviewer_id}\" selected>")), "the pick is kept");
    let assigned = officer
        .post(
            &svc,
            &format!("/funder/calls/{call}/assign"),
            &[("application_id", &first_option.to_string()), ("reviewer_id", &reviewer_id.to_string())],
        )
        .await;
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let assignment: i64 = review_assignments::table
        .filter(review_assignments::application_id.eq(first_option))
        .filter(review_assignments::reviewer_id.eq(reviewer_id))
        .select(review_assignments::id)
        .first(&mut app.conn())
        .expect("assigned");

    // "No conflict" and "conflict" are two forms apart; the conflict needs its tick box.
    let mut reviewer = Browser::new();
    reviewer.log_in(&svc, REVIEWER, DEMO_PASSWORD).await;
    let review = reviewer.get(&svc, &format!("/reviews/{assignment}")).await;
    let forms: Vec<&str> = review.body.split("<form").filter(|f| f.contains("/declare\"")).collect();
    assert_eq!(forms.len(), 2, "{}", review.body);
    assert!(forms[0].contains("value=\"none\"") && !forms[0].contains("value=\"conflict\""));
    assert!(forms[1].contains("value=\"conflict\"") && forms[1].contains("name=\"confirm_conflict\""));
    let declaration = || -> Option<String> {
        review_assignments::table
            .find(assignment)
            .select(review_assignments::declaration)
            .first(&mut app.conn())
            .expect("assignment")
    };
    let unconfirmed =
        reviewer.post(&svc, &format!("/reviews/{assignment}/declare"), &[("declaration", "conflict")]).await;
    assert_eq!(unconfirmed.status, 422);
    assert!(unconfirmed.body.contains("Tick the box to confirm"), "{}", unconfirmed.body);
    assert_eq!(declaration(), None, "nothing is declared without the tick");
    let confirmed = reviewer
        .post(
            &svc,
            &format!("/reviews/{assignment}/declare"),
            &[("declaration", "conflict"), ("confirm_conflict", "yes")],
        )
        .await;
    assert_eq!(confirmed.status, 303);
    assert_eq!(declaration().as_deref(), Some("conflict"));
}

/// Brings the ministry's best-ranked application to an active award (proposed, approved, offered, signed,
/// countersigned), so that it has payments and a reported change. Returns (award, application).
fn active_award(app: &TestApp) -> (i64, i64) {
    use ruralserve::service::{awards as service, ledger};
    let call = moh_call(app);
    let (officer, approver) = (actor_of(app, OFFICER), actor_of(app, APPROVER));
    let mut conn = app.conn();
    service::propose_line(&mut conn, &officer, call).expect("the line is proposed");
    let (award, application): (i64, i64) = awards::table
        .filter(awards::call_id.eq(call))
        .order(awards::id)
        .select((awards::id, awards::application_id))
        .first(&mut conn)
        .expect("an award");
    drop(conn);
    let mut conn = app.conn();
    service::decide(&mut conn, &approver, award, award_version(app, award), true).expect("approved");
    let deadline = (chrono::Utc::now() + chrono::Duration::days(10)).naive_utc();
    service::offer(
        &mut conn,
        &app.state.i18n,
        "http://localhost",
        &officer,
        award,
        award_version(app, award),
        deadline,
    )
    .expect("offered");
    let (applicant_email, full_name): (String, String) = applications::table
        .inner_join(users::table)
        .filter(applications::id.eq(application))
        .select((users::email, applications::full_name))
        .first(&mut conn)
        .expect("the scholar");
    let scholar = actor_of(app, &applicant_email);
    service::respond(&mut conn, &scholar, award, award_version(app, award), true, &full_name, true).expect("signed");
    service::countersign(&mut conn, &officer, award, award_version(app, award)).expect("countersigned");
    ledger::report_change(&mut conn, &scholar, award, ruralserve::domain::progress::StatusChange::LeaveOfAbsence, "")
        .expect("a change reported");
    (award, application)
}

#[actix_web::test]
async fn every_form_decides_who_may_act_before_reading_what_was_typed() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let (call, programme) = (moh_call(&app), moh_programme(&app));
    let (award, application) = active_award(&app);
    let payment: i64 = payments::table
        .filter(payments::award_id.eq(award))
        .select(payments::id)
        .first(&mut app.conn())
        .expect("a payment");
    let report: i64 = progress_reports::table
        .filter(progress_reports::award_id.eq(award))
        .select(progress_reports::id)
        .first(&mut app.conn())
        .expect("a report");
    let change: i64 = ruralserve::schema::status_changes::table
        .filter(ruralserve::schema::status_changes::award_id.eq(award))
        .select(ruralserve::schema::status_changes::id)
        .first(&mut app.conn())
        .expect("a change");
    let assignment: i64 = review_assignments::table.select(review_assignments::id).first(&mut app.conn()).expect("one");
    let scholar_name: String =
        applications::table.find(application).select(applications::full_name).first(&mut app.conn()).expect("name");
    let foreign = [MOH_PROGRAMME, MOH_CALL, scholar_name.as_str()];

    // The other funder's officer posts invalid fields to each of the ministry's forms.
    let mut ngo = Browser::new();
    ngo.log_in(&svc, NGO_OFFICER, DEMO_PASSWORD).await;
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/funder/programmes/{programme}/calls/new"),
            vec![("title", ""), ("intake_year", "x"), ("seats", "-1")],
        ),
        (
            format!("/funder/programmes/{programme}/terms"),
            vec![("terms_from", "not a date"), ("min_service_years", "x")],
        ),
        (format!("/funder/calls/{call}/settings"), vec![("criterion_0_key", "a"), ("criterion_0_weight", "x")]),
        (format!("/funder/calls/{call}/assign"), vec![("application_id", "x"), ("reviewer_id", "")]),
        (format!("/funder/calls/{call}/assign-evenly"), vec![("per_application", "99"), ("seed", "x")]),
        (format!("/funder/calls/{call}/propose"), vec![("application_id", "x")]),
        (format!("/funder/awards/{award}/offer"), vec![("version", "x"), ("offer_deadline", "soon")]),
        (format!("/funder/payments/{payment}"), vec![("action", "x"), ("version", "")]),
        (format!("/funder/changes/{change}"), vec![("decision", "x")]),
        (format!("/awards/{award}/changes"), vec![("kind", "new_graduation_date"), ("new_graduation_date", "x")]),
        (format!("/reviews/{assignment}/declare"), vec![("declaration", "x")]),
        (format!("/reviews/{assignment}/score"), vec![("score_academic", "x")]),
    ];
    for (path, fields) in &forms {
        let refused = ngo.post(&svc, path, fields).await;
        assert!([403, 404].contains(&refused.status), "{path}: {} {}", refused.status, refused.body);
        for word in foreign {
            assert!(!refused.body.contains(word), "{path} shows {word:?}: {}", refused.body);
        }
    }
    // Another applicant, at the scholar's award and application.
    let mut stranger = Browser::new();
    stranger.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    let respond = stranger.post(&svc, &format!("/awards/{award}/respond"), &[("response", "x")]).await;
    assert_eq!(respond.status, 404, "{}", respond.body);
    let report_upload = stranger
        .upload_with(&svc, &format!("/awards/{award}/reports/{report}"), &[("enrolled", "no")], "t.pdf", PDF)
        .await;
    assert_eq!(report_upload.status, 404, "{}", report_upload.body);
    let document = stranger.upload(&svc, &format!("/applications/{application}/documents"), "x", "t.pdf", PDF).await;
    assert_eq!(document.status, 404, "{}", document.body);
    for body in [&respond.body, &report_upload.body, &document.body] {
        assert!(!body.contains(&scholar_name), "{body}");
    }
    // A reviewer of the ministry itself may not create a programme, however the form is filled.
    let mut reviewer = Browser::new();
    reviewer.log_in(&svc, REVIEWER, DEMO_PASSWORD).await;
    let programme_form = reviewer.post(&svc, "/funder/programmes/new", &[("name", ""), ("currency", "x")]).await;
    assert_eq!(programme_form.status, 403, "{}", programme_form.body);
    // The ministry's own officer still gets the form back with its errors.
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let own = officer.post(&svc, &format!("/funder/programmes/{programme}/calls/new"), &[("title", "")]).await;
    assert_eq!(own.status, 422);
    assert!(own.body.contains(MOH_PROGRAMME));
}

/// A French reader's 400 page names the bad field in French, with no English sentence left in it.
#[actix_web::test]
async fn a_bad_number_in_the_address_is_explained_in_the_readers_language() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    officer.post(&svc, "/language", &[("lang", "fr"), ("back", "/")]).await;
    let bad = officer.get(&svc, "/funder/applications?call=&page=abc").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.body.contains("« page »") && bad.body.contains("doit être un nombre entier, pas « abc »"),
        "{}",
        bad.body
    );
    assert!(!bad.body.contains("must be") && !bad.body.contains("bad parameter"), "{}", bad.body);
}

/// The reviewer's use cases decide what a reviewer sees (issue 10): only reviewers have a list of
/// assignments, and a recused reviewer no longer sees the applicant's name there, nor who they are on the
/// assignment's page.
#[actix_web::test]
async fn the_reviewer_use_cases_refuse_other_roles_and_hide_the_applicant_after_a_conflict() {
    use ruralserve::domain::review::ConflictDeclaration;
    use ruralserve::service::reviews;
    let app = TestApp::new().with_demo();
    let conn = &mut app.conn();
    for email in [OFFICER, ADMIN, "student01.moh@demo.ruralserve.org"] {
        let refused = reviews::assignments_of(conn, &actor_of(&app, email));
        assert!(matches!(refused, Err(ruralserve::error::AppError::Forbidden)), "{email}: {refused:?}");
    }
    let (assignment, reviewer_email): (i64, String) = review_assignments::table
        .inner_join(users::table.on(users::id.eq(review_assignments::reviewer_id)))
        .filter(review_assignments::declaration.eq("none"))
        .select((review_assignments::id, users::email))
        .first(conn)
        .expect("an assignment declared free of conflict");
    let reviewer = actor_of(&app, &reviewer_email);
    let before = reviews::review_file(conn, &reviewer, assignment).expect("their assignment");
    assert!(before.applicant.is_some() && before.application.is_some(), "who, and the essays, without a conflict");
    let listed = reviews::assignments_of(conn, &reviewer).expect("their list");
    assert!(listed.iter().any(|a| a.id == assignment && !a.full_name.is_empty()));
    reviews::declare(conn, &reviewer, assignment, ConflictDeclaration::Conflict).expect("recused");
    let after = reviews::review_file(conn, &reviewer, assignment).expect("still their assignment");
    assert!(after.applicant.is_none() && after.application.is_none(), "nothing of the applicant once recused");
    let listed = reviews::assignments_of(conn, &reviewer).expect("their list");
    assert!(listed.iter().any(|a| a.id == assignment && a.full_name.is_empty()), "no name once recused");
    let officer = actor_of(&app, OFFICER);
    assert!(reviews::review_file(conn, &officer, assignment).is_err(), "an assignment is its reviewer's alone");
}
