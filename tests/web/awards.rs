//! Review, ranking and awards through HTTP: the panel (declare, then score), the ranked list with its funding
//! line, four-eyes decisions, the offer and its signature, the countersignature, the ledger with its holds,
//! progress reports, continuation, in-school breach, lapses, and who may see what.

use crate::common::*;
use diesel::prelude::*;
use ruralserve::schema::{applications, awards, calls, outbox, payments, review_assignments, users};

const OFFICER: &str = "officer@moh.demo.ruralserve.org";
const APPROVER: &str = "approver@moh.demo.ruralserve.org";
const REVIEWER: &str = "reviewer@moh.demo.ruralserve.org";
const NGO_OFFICER: &str = "officer@rhsf.demo.ruralserve.org";

fn moh_call(app: &TestApp) -> i64 {
    calls::table
        .filter(calls::title.eq("Rural Nursing Scholarship intake"))
        .select(calls::id)
        .first(&mut app.conn())
        .expect("the ministry's call")
}

fn award_of(app: &TestApp, application_id: i64) -> (i64, String, i32) {
    awards::table
        .filter(awards::application_id.eq(application_id))
        .select((awards::id, awards::status, awards::version))
        .first(&mut app.conn())
        .expect("an award")
}

/// The use cases' view of a demo user, acting from a test address.
fn actor_of(app: &TestApp, email: &str) -> ruralserve::service::Actor {
    let user = ruralserve::store::users::find_by_email(&mut app.conn(), email).expect("query").expect("user");
    ruralserve::service::Actor::from_user(&user, "10.0.0.2").expect("actor")
}

fn applicant_email(app: &TestApp, application_id: i64) -> String {
    applications::table
        .inner_join(users::table)
        .filter(applications::id.eq(application_id))
        .select(users::email)
        .first(&mut app.conn())
        .expect("applicant")
}

/// The first `application_id` offered a "Propose" button on the ranking page (the best ranked without an award).
fn first_proposable(body: &str) -> i64 {
    body.split("name=\"application_id\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("a proposable application on the ranking page")
}

/// The demo rubric again, with support starting on `start` (two terms a year).
fn settings(start: &str) -> Vec<(&'static str, String)> {
    vec![
        ("criterion_0_key", "academic".into()),
        ("criterion_0_label", "Academic record".into()),
        ("criterion_0_max_points", "10".into()),
        ("criterion_0_weight", "40".into()),
        ("criterion_1_key", "motivation".into()),
        ("criterion_1_label", "Motivation".into()),
        ("criterion_1_max_points", "10".into()),
        ("criterion_1_weight", "40".into()),
        ("criterion_2_key", "need".into()),
        ("criterion_2_label", "Financial need".into()),
        ("criterion_2_max_points", "10".into()),
        ("criterion_2_weight", "20".into()),
        ("minimum_fundable", "50".into()),
        ("rule_0", "continuing_scholar".into()),
        ("rule_1", "underserved_home_area".into()),
        ("underserved_districts", "Loima, Laisamis".into()),
        ("support_starts_on", start.to_string()),
        ("school_terms_per_year", "2".into()),
    ]
}

fn as_fields<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, s)| (*k, s.as_str())).collect()
}

#[actix_web::test]
async fn a_call_is_ranked_awarded_signed_paid_and_followed_through_school() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call = moh_call(&app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;

    // Support started in January, so both of the first year's progress reports are already due.
    officer.get(&svc, &format!("/funder/calls/{call}")).await;
    let mut bad = settings("2026-01-05");
    bad.retain(|(k, _)| *k != "criterion_2_weight");
    bad.push(("criterion_2_weight", "25".into()));
    let refused = officer.post(&svc, &format!("/funder/calls/{call}/settings"), &as_fields(&bad)).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("The weights must add up to 100"), "{}", refused.body);
    let saved =
        officer.post(&svc, &format!("/funder/calls/{call}/settings"), &as_fields(&settings("2026-01-05"))).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    // The demo's reviewers have scored: the criteria's scale is fixed now (labels may still be reworded).
    let mut rescaled = settings("2026-01-05");
    rescaled.retain(|(k, _)| *k != "criterion_2_max_points");
    rescaled.push(("criterion_2_max_points", "5".into()));
    let locked = officer.post(&svc, &format!("/funder/calls/{call}/settings"), &as_fields(&rescaled)).await;
    assert_eq!(locked.status, 422);
    assert!(locked.body.contains("can no longer change"), "{}", locked.body);

    // The ranked list: every position explained, the line drawn, the unfundable set apart with reasons.
    let ranking = officer.get(&svc, &format!("/funder/calls/{call}/ranking")).await;
    assert_eq!(ranking.status, 200);
    assert!(ranking.body.contains("first in the ranking"), "{}", ranking.body);
    assert!(ranking.body.contains("Within the line"));
    assert!(ranking.body.contains("Ineligible"), "the ineligible are listed apart with their reasons");
    let application_id = first_proposable(&ranking.body);
    let proposed = officer
        .post(&svc, &format!("/funder/calls/{call}/propose"), &[("application_id", &application_id.to_string())])
        .await;
    assert_eq!(proposed.status, 303);
    let (award, status, version) = award_of(&app, application_id);
    assert_eq!(status, "proposed");

    // Four eyes: the proposer cannot approve; a second officer can, once; a stale second approval fails.
    let own =
        officer.post(&svc, &format!("/funder/awards/{award}/approve"), &[("version", &version.to_string())]).await;
    assert_eq!(own.status, 409);
    assert!(own.body.contains("another officer must"), "{}", own.body);
    let mut approver = Browser::new();
    approver.log_in(&svc, APPROVER, DEMO_PASSWORD).await;
    approver.get(&svc, &format!("/awards/{award}")).await;
    let approved =
        approver.post(&svc, &format!("/funder/awards/{award}/approve"), &[("version", &version.to_string())]).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let again =
        approver.post(&svc, &format!("/funder/awards/{award}/approve"), &[("version", &version.to_string())]).await;
    assert_eq!(again.status, 409, "a stale approval must not approve twice");
    let approvals: i64 = ruralserve::schema::audit_events::table
        .filter(ruralserve::schema::audit_events::action.eq("approve_award"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(approvals, 1);

    // The offer, with a deadline, reaches the scholar through the outbox.
    let page = officer.get(&svc, &format!("/awards/{award}")).await;
    let deadline = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%dT%H:%M").to_string();
    let offered = officer
        .post(
            &svc,
            &format!("/funder/awards/{award}/offer"),
            &[("version", &version_in(&page.body)), ("offer_deadline", &deadline)],
        )
        .await;
    assert_eq!(offered.status, 303, "{}", offered.body);
    let email = applicant_email(&app, application_id);
    assert!(latest_link(&app, &email).ends_with(&format!("/awards/{award}")));

    // The scholar reads the contract in plain words and signs with their full name.
    let mut scholar = Browser::new();
    scholar.log_in(&svc, &email, DEMO_PASSWORD).await;
    let contract = scholar.get(&svc, &format!("/awards/{award}")).await;
    assert_eq!(contract.status, 200);
    for words in ["years of service", "Worked example", "the damages are", "Service must start within", "until"] {
        assert!(contract.body.contains(words), "the offer page says {words:?}: {}", contract.body);
    }
    let full_name: String =
        applications::table.find(application_id).select(applications::full_name).first(&mut app.conn()).expect("name");
    let v = version_in(&contract.body);
    let wrong = scholar
        .post(
            &svc,
            &format!("/awards/{award}/respond"),
            &[("version", &v), ("response", "accept"), ("typed_name", "Someone Else"), ("agreed", "yes")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("not the full name"));
    let unticked = scholar
        .post(
            &svc,
            &format!("/awards/{award}/respond"),
            &[("version", &v), ("response", "accept"), ("typed_name", &full_name)],
        )
        .await;
    assert_eq!(unticked.status, 422);
    let typed = format!("  {}  ", full_name.to_uppercase());
    let signed = scholar
        .post(
            &svc,
            &format!("/awards/{award}/respond"),
            &[("version", &v), ("response", "accept"), ("typed_name", &typed), ("agreed", "yes")],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let (accepted_from, accepted_at): (Option<String>, Option<chrono::NaiveDateTime>) = awards::table
        .find(award)
        .select((awards::accepted_from, awards::accepted_at))
        .first(&mut app.conn())
        .expect("award");
    assert_eq!(accepted_from.as_deref(), Some("10.0.0.1"));
    assert!(accepted_at.is_some());

    // Countersigned, the contract binds and the first year is scheduled; the overdue reports hold it.
    let page = officer.get(&svc, &format!("/awards/{award}")).await;
    let countersigned = officer
        .post(&svc, &format!("/funder/awards/{award}/countersign"), &[("version", &version_in(&page.body))])
        .await;
    assert_eq!(countersigned.status, 303);
    let statuses: Vec<(i64, String, i32, i64)> = payments::table
        .filter(payments::award_id.eq(award))
        .select((payments::id, payments::status, payments::version, payments::amount_minor))
        .load(&mut app.conn())
        .expect("payments");
    assert_eq!(statuses.len(), 2 + 12 + 1, "two tuition instalments, twelve stipends, one lump sum");
    assert!(statuses.iter().all(|(_, s, _, _)| s == "held"), "held from the countersignature on: {statuses:?}");
    let page = officer.get(&svc, &format!("/awards/{award}")).await;
    assert!(page.body.contains("more than 30 days late"), "{}", page.body);
    let (first, _, held_version, _) = statuses[0].clone();
    let refused = officer
        .post(
            &svc,
            &format!("/funder/payments/{first}"),
            &[("award_id", &award.to_string()), ("version", &held_version.to_string()), ("action", "release")],
        )
        .await;
    assert_eq!(refused.status, 409, "a hold for an overdue report is lifted only by the report");

    // The scholar sends both reports; the payments are scheduled again.
    let page = scholar.get(&svc, &format!("/awards/{award}")).await;
    let report_ids: Vec<String> = page
        .body
        .split(&format!("action=\"/awards/{award}/reports/"))
        .skip(1)
        .filter_map(|s| s.split('"').next().map(String::from))
        .collect();
    assert_eq!(report_ids.len(), 2, "{}", page.body);
    let first_report = format!("/awards/{award}/reports/{}", report_ids[0]);
    let enrolled = [("enrolled", "yes")];
    let not_a_pdf = scholar.upload_with(&svc, &first_report, &enrolled, "x.pdf", b"MZ").await;
    assert_eq!(not_a_pdf.status, 422);
    let unconfirmed = scholar.upload_with(&svc, &first_report, &[], "transcript.pdf", PDF).await;
    assert_eq!(unconfirmed.status, 422, "the report confirms enrolment");
    assert!(unconfirmed.body.contains("confirm you are enrolled"), "{}", unconfirmed.body);
    for id in &report_ids {
        let path = format!("/awards/{award}/reports/{id}");
        let sent = scholar.upload_with(&svc, &path, &enrolled, "transcript.pdf", PDF).await;
        assert_eq!(sent.status, 303, "{}", sent.body);
    }
    let transcript = officer.get(&svc, &format!("/awards/{award}/reports/{}/transcript", report_ids[0])).await;
    assert_eq!(transcript.status, 200);
    assert!(transcript.body.starts_with("%PDF"));
    officer.get(&svc, &format!("/awards/{award}")).await;
    let scheduled: Vec<(i64, String, i32, i64)> = payments::table
        .filter(payments::award_id.eq(award))
        .order(payments::due_on)
        .select((payments::id, payments::status, payments::version, payments::amount_minor))
        .load(&mut app.conn())
        .expect("payments");
    assert!(scheduled.iter().all(|(_, s, _, _)| s == "scheduled"), "{scheduled:?}");

    // Payments recorded: a receipt needs its date and reference.
    let (pay_id, _, pay_version, pay_amount) = scheduled[0].clone();
    let path = format!("/funder/payments/{pay_id}");
    let (a, pv) = (award.to_string(), pay_version.to_string());
    let no_ref = officer
        .post(&svc, &path, &[("award_id", &a), ("version", &pv), ("action", "pay"), ("paid_on", "2026-01-06")])
        .await;
    assert_eq!(no_ref.status, 422);
    let paid = officer
        .post(
            &svc,
            &path,
            &[
                ("award_id", &a),
                ("version", &pv),
                ("action", "pay"),
                ("paid_on", "2026-01-06"),
                ("reference", "EFT-0042"),
            ],
        )
        .await;
    assert_eq!(paid.status, 303, "{}", paid.body);
    let csv = officer.get(&svc, &format!("/funder/calls/{call}/ledger.csv")).await;
    assert!(csv.body.lines().any(|l| l.contains("EFT-0042") && l.contains(",paid,")), "{}", csv.body);

    // The API shows the scholar their award, contract and ledger.
    let token = api_token(&svc, &email).await;
    let (status, json) = api_get(&svc, &format!("/api/v1/awards/{award}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(json["status"], "active");
    assert!(json["contract"]["worked_damages_minor"].as_i64().expect("damages") > 0);
    let (status, ledger) = api_get(&svc, &format!("/api/v1/awards/{award}/payments"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(ledger["totals"]["paid"].as_i64(), Some(pay_amount));

    // Continuation: the reports are in, so the second year is confirmed and scheduled.
    let page = officer.get(&svc, &format!("/awards/{award}")).await;
    let continued =
        officer.post(&svc, &format!("/funder/awards/{award}/continue"), &[("version", &version_in(&page.body))]).await;
    assert_eq!(continued.status, 303, "{}", continued.body);
    let years: i32 = awards::table.find(award).select(awards::years_confirmed).first(&mut app.conn()).expect("award");
    assert_eq!(years, 2);

    // A dismissal is the officer's to report; withdrawal, once approved, is an in-school breach: what was
    // paid is owed, the rest cancelled.
    let dismissal =
        scholar.post(&svc, &format!("/awards/{award}/changes"), &[("kind", "dismissal"), ("note", "")]).await;
    assert_eq!(dismissal.status, 422);
    let reported = scholar
        .post(&svc, &format!("/awards/{award}/changes"), &[("kind", "withdrawal"), ("note", "Family reasons")])
        .await;
    assert_eq!(reported.status, 303, "{}", reported.body);
    let page = officer.get(&svc, &format!("/awards/{award}")).await;
    let change_id = page
        .body
        .split("action=\"/funder/changes/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a change to decide")
        .to_string();
    let decided = officer
        .post(&svc, &format!("/funder/changes/{change_id}"), &[("award_id", &a), ("decision", "approved")])
        .await;
    assert_eq!(decided.status, 303);
    let (status, owed): (String, Option<i64>) = awards::table
        .find(award)
        .select((awards::status, awards::breach_amount_minor))
        .first(&mut app.conn())
        .expect("award");
    assert_eq!(status, "in_school_breach");
    assert_eq!(owed, Some(pay_amount), "the typical terms repay 1 × what was paid");
    let open: i64 = payments::table
        .filter(payments::award_id.eq(award))
        .filter(payments::status.eq_any(["scheduled", "held"]))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(open, 0);
    let notice: String = outbox::table
        .filter(outbox::recipient.eq(&email))
        .order(outbox::id.desc())
        .select(outbox::subject)
        .first(&mut app.conn())
        .expect("notice");
    assert!(notice.contains("repayment"), "{notice}");
}

#[actix_web::test]
async fn reviewers_declare_before_scoring_and_a_conflict_recuses_them() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call = moh_call(&app);
    // Two ineligible submissions: nobody reviews them until the officer assigns one by hand.
    let ineligible: Vec<i64> = applications::table
        .filter(applications::call_id.eq(call))
        .filter(applications::eligibility.eq("ineligible"))
        .filter(applications::status.eq("submitted"))
        .order(applications::id)
        .select(applications::id)
        .load(&mut app.conn())
        .expect("ineligible applications");
    assert!(ineligible.len() >= 2);
    let rita: i64 =
        users::table.filter(users::email.eq(REVIEWER)).select(users::id).first(&mut app.conn()).expect("reviewer");

    let mut reviewer = Browser::new();
    reviewer.log_in(&svc, REVIEWER, DEMO_PASSWORD).await;
    // No assignment, no access: page, API, the funder's list.
    assert_eq!(reviewer.get(&svc, &format!("/applications/{}", ineligible[0])).await.status, 404);
    let token = api_token(&svc, REVIEWER).await;
    assert_eq!(api_get(&svc, &format!("/api/v1/applications/{}", ineligible[0]), &token).await.0, 404);
    assert_eq!(reviewer.get(&svc, "/funder/applications").await.status, 403);
    assert_eq!(reviewer.get(&svc, &format!("/funder/calls/{call}/ranking")).await.status, 404);

    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    officer.get(&svc, &format!("/funder/calls/{call}")).await;
    let unknown = officer
        .post(
            &svc,
            &format!("/funder/calls/{call}/assign"),
            &[("application_id", "99999999"), ("reviewer_id", &rita.to_string())],
        )
        .await;
    assert_eq!(unknown.status, 422, "an unknown application is named next to its field");
    assert!(unknown.body.contains("Choose a submitted application of this call"), "{}", unknown.body);
    for id in &ineligible[..2] {
        let assigned = officer
            .post(
                &svc,
                &format!("/funder/calls/{call}/assign"),
                &[("application_id", &id.to_string()), ("reviewer_id", &rita.to_string())],
            )
            .await;
        assert_eq!(assigned.status, 303, "{}", assigned.body);
    }
    let assignment = |application: i64| -> i64 {
        review_assignments::table
            .filter(review_assignments::application_id.eq(application))
            .filter(review_assignments::reviewer_id.eq(rita))
            .select(review_assignments::id)
            .first(&mut app.conn())
            .expect("assignment")
    };
    let (first, second) = (assignment(ineligible[0]), assignment(ineligible[1]));

    // Assigned: the reviewer sees who the applicant is, but reads and scores only after declaring.
    assert_eq!(reviewer.get(&svc, &format!("/applications/{}", ineligible[0])).await.status, 404);
    let list = reviewer.get(&svc, "/reviews").await;
    assert!(list.body.contains(&format!("/reviews/{first}")));
    let before = reviewer.get(&svc, &format!("/reviews/{first}")).await;
    assert!(!before.body.contains("class=\"essay\""), "no essays before the declaration");
    let early = reviewer
        .post(
            &svc,
            &format!("/reviews/{first}/score"),
            &[("score_academic", "5"), ("score_motivation", "5"), ("score_need", "5")],
        )
        .await;
    assert_eq!(early.status, 409);
    assert!(early.body.contains("conflict of interest first"), "{}", early.body);
    assert_eq!(reviewer.post(&svc, &format!("/reviews/{first}/declare"), &[("declaration", "none")]).await.status, 303);
    assert_eq!(reviewer.get(&svc, &format!("/applications/{}", ineligible[0])).await.status, 200);
    let too_high = reviewer
        .post(
            &svc,
            &format!("/reviews/{first}/score"),
            &[("score_academic", "11"), ("score_motivation", "5"), ("score_need", "5")],
        )
        .await;
    assert_eq!(too_high.status, 422);
    assert!(too_high.body.contains("maximum"));
    let scored = reviewer
        .post(
            &svc,
            &format!("/reviews/{first}/score"),
            &[("score_academic", "10"), ("score_motivation", "5"), ("score_need", "0"), ("comment", "Strong record")],
        )
        .await;
    assert_eq!(scored.status, 303);
    let total: Option<i32> = review_assignments::table
        .find(first)
        .select(review_assignments::total_hundredths)
        .first(&mut app.conn())
        .expect("total");
    assert_eq!(total, Some(6000), "40 × 10/10 + 40 × 5/10 + 20 × 0/10 = 60.00");

    // A conflict recuses: no page, no API, no scoring, for good.
    assert_eq!(
        reviewer
            .post(
                &svc,
                &format!("/reviews/{second}/declare"),
                &[("declaration", "conflict"), ("confirm_conflict", "yes")]
            )
            .await
            .status,
        303
    );
    assert_eq!(reviewer.get(&svc, &format!("/applications/{}", ineligible[1])).await.status, 404);
    assert_eq!(api_get(&svc, &format!("/api/v1/applications/{}", ineligible[1]), &token).await.0, 404);
    let page = reviewer.get(&svc, &format!("/reviews/{second}")).await;
    assert!(!page.body.contains("essay"), "a recused reviewer no longer sees the application");
    let undo = reviewer.post(&svc, &format!("/reviews/{second}/declare"), &[("declaration", "none")]).await;
    assert_eq!(undo.status, 409);
    // Someone else's assignment is not theirs to open.
    let rex_assignment: i64 = review_assignments::table
        .filter(review_assignments::reviewer_id.ne(rita))
        .select(review_assignments::id)
        .first(&mut app.conn())
        .expect("another reviewer's assignment");
    assert_eq!(reviewer.get(&svc, &format!("/reviews/{rex_assignment}")).await.status, 404);
    // Through the API, the reviewer lists exactly their readable assignments.
    let (status, list) = api_get(&svc, "/api/v1/applications", &token).await;
    assert_eq!(status, 200);
    let ids: Vec<i64> =
        list["applications"].as_array().expect("list").iter().filter_map(|a| a["id"].as_i64()).collect();
    assert!(ids.contains(&ineligible[0]) && !ids.contains(&ineligible[1]), "{ids:?}");
}

#[actix_web::test]
async fn a_lapsed_offer_gives_the_seat_to_the_next_on_the_line_and_other_funders_stay_out() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call = moh_call(&app);
    // One seat: the first ranked is within the line, the next below it.
    diesel::update(calls::table.find(call)).set(calls::seats.eq(1)).execute(&mut app.conn()).expect("one seat");
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let ranking = officer.get(&svc, &format!("/funder/calls/{call}/ranking")).await;
    assert!(ranking.body.contains("no seat left"), "{}", ranking.body);
    let garbled = officer.post(&svc, &format!("/funder/calls/{call}/propose"), &[("application_id", "12x")]).await;
    assert_eq!(garbled.status, 422, "a garbled id is refused, not read as the whole line");
    assert_eq!(awards::table.count().get_result::<i64>(&mut app.conn()).expect("count"), 0);
    assert_eq!(officer.post(&svc, &format!("/funder/calls/{call}/propose"), &[]).await.status, 303);
    let proposed: Vec<(i64, i64, i32)> = awards::table
        .filter(awards::call_id.eq(call))
        .select((awards::id, awards::application_id, awards::version))
        .load(&mut app.conn())
        .expect("awards");
    assert_eq!(proposed.len(), 1, "only the seat's worth is proposed");
    let (award, first_application, version) = proposed[0];

    // Another funder's officer sees none of it.
    let mut ngo = Browser::new();
    ngo.log_in(&svc, NGO_OFFICER, DEMO_PASSWORD).await;
    assert_eq!(ngo.get(&svc, &format!("/funder/calls/{call}/ranking")).await.status, 404);
    assert_eq!(ngo.get(&svc, &format!("/awards/{award}")).await.status, 404);
    let ngo_approve =
        ngo.post(&svc, &format!("/funder/awards/{award}/approve"), &[("version", &version.to_string())]).await;
    assert_eq!(ngo_approve.status, 404, "an NGO officer makes no decision in a ministry's programme");
    assert_eq!(ngo.post(&svc, &format!("/funder/calls/{call}/propose"), &[]).await.status, 404);
    let token = api_token(&svc, NGO_OFFICER).await;
    assert_eq!(api_get(&svc, &format!("/api/v1/awards/{award}"), &token).await.0, 404);
    let (_, list) = api_get(&svc, "/api/v1/awards", &token).await;
    assert_eq!(list["awards"].as_array().map(Vec::len), Some(0));

    // The scholar does not see a proposal the funder has not decided on.
    let email = applicant_email(&app, first_application);
    let mut scholar = Browser::new();
    scholar.log_in(&svc, &email, DEMO_PASSWORD).await;
    assert_eq!(scholar.get(&svc, &format!("/awards/{award}")).await.status, 404);

    let mut approver = Browser::new();
    approver.log_in(&svc, APPROVER, DEMO_PASSWORD).await;
    approver.post(&svc, &format!("/funder/awards/{award}/approve"), &[("version", &version.to_string())]).await;
    let deadline = (chrono::Utc::now() + chrono::Duration::days(3)).format("%Y-%m-%dT%H:%M").to_string();
    let offered = officer
        .post(
            &svc,
            &format!("/funder/awards/{award}/offer"),
            &[("version", &(version + 1).to_string()), ("offer_deadline", &deadline)],
        )
        .await;
    assert_eq!(offered.status, 303, "{}", offered.body);
    assert_eq!(scholar.get(&svc, &format!("/awards/{award}")).await.status, 200);
    // Another applicant cannot read it, by page or API.
    let mut other = Browser::new();
    other.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(other.get(&svc, &format!("/awards/{award}")).await.status, 404);
    let other_token = api_token(&svc, "applicant@demo.ruralserve.org").await;
    assert_eq!(api_get(&svc, &format!("/api/v1/awards/{award}/payments"), &other_token).await.0, 404);

    // The deadline passes unanswered: the offer lapses and the next applicant is within the line.
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::hours(1);
    diesel::update(awards::table.find(award))
        .set(awards::offer_deadline.eq(past))
        .execute(&mut app.conn())
        .expect("expire");
    let late_version = award_of(&app, first_application).2.to_string();
    let late_accept = scholar
        .post(
            &svc,
            &format!("/awards/{award}/respond"),
            &[("version", &late_version), ("response", "accept"), ("typed_name", "x"), ("agreed", "yes")],
        )
        .await;
    assert_eq!(late_accept.status, 409);
    // Nobody has to mark it: the job runner does, once its clock passes the deadline the offer was sent with.
    let after_deadline = chrono::Utc::now().naive_utc() + chrono::Duration::days(4);
    ruralserve::service::jobs::run_due(&mut app.conn(), after_deadline, None).expect("jobs run");
    assert_eq!(officer.get(&svc, &format!("/funder/calls/{call}/ranking")).await.status, 200);
    assert_eq!(award_of(&app, first_application).1, "lapsed");
    let ranking = officer.get(&svc, &format!("/funder/calls/{call}/ranking")).await;
    let next = first_proposable(&ranking.body);
    assert_ne!(next, first_application);
    assert_eq!(
        officer
            .post(&svc, &format!("/funder/calls/{call}/propose"), &[("application_id", &next.to_string())])
            .await
            .status,
        303
    );
    assert_eq!(award_of(&app, next).1, "proposed");

    // Not-selected notices wait until every seat is decided, then go to everyone else, once.
    let early = officer.post(&svc, &format!("/funder/calls/{call}/notify-not-selected"), &[]).await;
    assert_eq!(early.status, 409, "the proposal still awaits a decision");
    {
        use ruralserve::service::awards as service;
        let actor = |email: &str| actor_of(&app, email);
        let (officer, approver) = (actor(OFFICER), actor(APPROVER));
        let next_email = applicant_email(&app, next);
        let scholar = actor(&next_email);
        let name: String =
            applications::table.find(next).select(applications::full_name).first(&mut app.conn()).expect("name");
        let (award, _, v) = award_of(&app, next);
        let conn = &mut app.conn();
        service::decide(conn, &approver, award, v, true).expect("approved");
        let deadline = chrono::Utc::now().naive_utc() + chrono::Duration::days(3);
        let i18n = ruralserve::i18n::I18n::shared().expect("translations");
        service::offer(conn, i18n, "http://localhost", &officer, award, v + 1, deadline).expect("offered");
        service::respond(conn, &scholar, award, v + 2, true, &name, true).expect("accepted");
    }
    assert_eq!(officer.post(&svc, &format!("/funder/calls/{call}/notify-not-selected"), &[]).await.status, 303);
    let count = || -> i64 {
        outbox::table
            .filter(outbox::subject.like("Your application %"))
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    let told = count();
    let submitted: i64 = applications::table
        .filter(applications::call_id.eq(call))
        .filter(applications::status.eq("submitted"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(told, submitted - 2, "everyone but the two with an award (one lapsed, one accepted)");
    officer.post(&svc, &format!("/funder/calls/{call}/notify-not-selected"), &[]).await;
    assert_eq!(count(), told, "nobody is told twice");
}

#[actix_web::test]
async fn two_approvals_racing_for_one_proposal_approve_it_once() {
    use ruralserve::service::awards as service;
    let app = TestApp::new().with_demo();
    let call = moh_call(&app);
    let actor = |email: &str| actor_of(&app, email);
    let (officer, approver) = (actor(OFFICER), actor(APPROVER));
    let proposed = service::propose_line(&mut app.conn(), &officer, call).expect("proposals");
    assert!(proposed > 0);
    let (award, version): (i64, i32) = awards::table
        .filter(awards::call_id.eq(call))
        .order(awards::id)
        .select((awards::id, awards::version))
        .first(&mut app.conn())
        .expect("an award");
    // Two sessions of the second officer press "approve" at the same moment, each on its own connection.
    let barrier = std::sync::Barrier::new(2);
    let outcomes: Vec<Result<(), ruralserve::error::AppError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (barrier, approver, db) = (&barrier, approver.clone(), app.state.db.clone());
                scope.spawn(move || {
                    let mut conn = db.get().expect("connection");
                    barrier.wait();
                    service::decide(&mut conn, &approver, award, version, true)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().any(|o| matches!(o, Err(ruralserve::error::AppError::Conflict(_)))), "{outcomes:?}");
    let (status, version_now): (String, i32) =
        awards::table.find(award).select((awards::status, awards::version)).first(&mut app.conn()).expect("award");
    assert_eq!((status.as_str(), version_now), ("approved", version + 1));
}

#[actix_web::test]
async fn support_continues_year_by_year_while_reports_are_in_and_the_obligation_grows() {
    use chrono::Datelike;
    use ruralserve::domain::progress::{ChangeDecision, StatusChange};
    use ruralserve::service::{awards as service, ledger};
    let app = TestApp::new().with_demo();
    let call = moh_call(&app);
    // Support began three school years ago, on the first of the month.
    let today = chrono::Utc::now().date_naive();
    let start = chrono::NaiveDate::from_ymd_opt(today.year() - 3, today.month(), 1).expect("date");
    diesel::update(calls::table.find(call))
        .set(calls::support_starts_on.eq(start))
        .execute(&mut app.conn())
        .expect("support start");
    let actor = |email: &str| actor_of(&app, email);
    let (officer, approver) = (actor(OFFICER), actor(APPROVER));
    let conn = &mut app.conn();
    service::propose_line(conn, &officer, call).expect("proposals");
    let (award, application_id, planned): (i64, i64, i32) = awards::table
        .filter(awards::call_id.eq(call))
        .order(awards::id)
        .select((awards::id, awards::application_id, awards::support_years))
        .first(conn)
        .expect("an award");
    let scholar = actor(&applicant_email(&app, application_id));
    let name: String =
        applications::table.find(application_id).select(applications::full_name).first(conn).expect("name");
    let version =
        || -> i32 { awards::table.find(award).select(awards::version).first(&mut app.conn()).expect("version") };
    let conflict = |result: Result<i32, ruralserve::error::AppError>| match result {
        Err(ruralserve::error::AppError::Conflict(key)) => key,
        other => panic!("expected a refusal, got {other:?}"),
    };
    service::decide(conn, &approver, award, version(), true).expect("approved");
    let deadline = chrono::Utc::now().naive_utc() + chrono::Duration::days(5);
    let i18n = ruralserve::i18n::I18n::shared().expect("translations");
    service::offer(conn, i18n, "http://localhost", &officer, award, version(), deadline).expect("offered");
    service::respond(conn, &scholar, award, version(), true, &name, true).expect("accepted");
    service::countersign(conn, &officer, award, version()).expect("countersigned");
    let obligation = |conn: &mut ruralserve::db::PooledConn| -> f64 {
        let file = ledger::award_file(conn, &officer, award).expect("file");
        file.contract.confirmed.obligated_service_years.to_string().parse().expect("years")
    };
    let send_reports = |conn: &mut ruralserve::db::PooledConn| {
        for report in ruralserve::store::awards::reports_of(conn, award).expect("reports") {
            if report.received_at.is_none() && report.due_on <= today {
                ledger::receive_report(conn, &scholar, award, report.id, "documents/transcript").expect("received");
            }
        }
    };

    // The first year's reports are not in: no continuation.
    assert_eq!(conflict(ledger::continue_award(conn, &officer, award, version())), "error-reports-missing");
    // A repeated year, reported, leaves the scholar out of good standing until it is decided.
    let change =
        ledger::report_change(conn, &scholar, award, StatusChange::RepeatYear, "Failed a module").expect("reported");
    send_reports(conn);
    assert_eq!(conflict(ledger::continue_award(conn, &officer, award, version())), "error-not-in-good-standing");
    // Approved, it moves graduation a year later, which allows one more year than planned (up to the maximum).
    ledger::decide_change(conn, i18n, &officer, change, ChangeDecision::Approved).expect("approved");
    let max = ruralserve::domain::programme::ProgrammeTerms::typical().max_support_years;
    let allowed = (planned + 1).min(max);

    // Year by year, once the year's last term has begun and its reports are in; each year adds obligation.
    let mut obligations = vec![obligation(conn)];
    let mut year = 1;
    while year < allowed {
        let attempt = ledger::continue_award(conn, &officer, award, version());
        if matches!(attempt, Err(ruralserve::error::AppError::Conflict(ref k)) if k == "error-continuation-too-early") {
            break;
        }
        year += 1;
        assert_eq!(attempt.expect("continues"), year);
        obligations.push(obligation(conn));
        send_reports(conn);
    }
    assert!(year >= 3, "three school years have begun since support started");
    if year == allowed {
        assert_eq!(conflict(ledger::continue_award(conn, &officer, award, version())), "error-support-years-exhausted");
    } else {
        // The current year's last term is still ahead: the next year is not decided in advance.
        assert_eq!(conflict(ledger::continue_award(conn, &officer, award, version())), "error-continuation-too-early");
    }
    assert!(obligations.windows(2).all(|w| w[1] >= w[0]), "{obligations:?}");
    assert!(obligations.last() > obligations.first(), "{obligations:?}");
    let scheduled_years: Vec<i32> = payments::table
        .filter(payments::award_id.eq(award))
        .select(payments::support_year)
        .distinct()
        .load(conn)
        .expect("years");
    assert_eq!(scheduled_years.len() as i32, year, "every confirmed year has its payments: {scheduled_years:?}");
}
