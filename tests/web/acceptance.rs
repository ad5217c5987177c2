//! After publication: the scholar accepts or declines (with a reason) by the cycle's deadline, a decline frees
//! the seat and flags it for the compliance coordinators, the job runner lapses the unanswered placements at
//! the deadline (once), the compliance coordinator's list of open flags, and who may do and see what.

use chrono::Duration;
use diesel::prelude::*;

use crate::common::*;
use crate::match_runs::{at, fixture, publish, COORDINATOR, SECOND};
use ruralserve::schema::{
    applications, audit_events, awards, compliance_flags, jobs, outbox, placement_cycles, placements, users,
};
use ruralserve::store::placements::Placement;

const COMPLIANCE: &str = "compliance@moh.demo.ruralserve.org";
const NGO_COMPLIANCE: &str = "compliance@rhsf.demo.ruralserve.org";

/// The scholar's latest placement record.
fn placement_of(app: &TestApp, email: &str) -> Placement {
    placements::table
        .inner_join(awards::table.inner_join(applications::table.inner_join(users::table)))
        .filter(users::email.eq(email))
        .order(placements::id.desc())
        .select(placements::all_columns)
        .first(&mut app.conn())
        .expect("a placement")
}

fn name_of(app: &TestApp, email: &str) -> String {
    applications::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .select(applications::full_name)
        .first(&mut app.conn())
        .expect("name")
}

fn mails_to(app: &TestApp, email: &str, subject_starts: &str) -> i64 {
    outbox::table
        .filter(outbox::recipient.eq(email))
        .filter(outbox::subject.like(format!("{subject_starts}%")))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

fn flags(app: &TestApp, kind: &str) -> i64 {
    compliance_flags::table.filter(compliance_flags::kind.eq(kind)).count().get_result(&mut app.conn()).expect("n")
}

fn result_url(cycle: i64) -> String {
    format!("/my/placement/{cycle}/result")
}

#[actix_web::test]
async fn a_scholar_accepts_their_placement_by_the_deadline() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    let email = f.scholars[1].0.clone();
    let mut scholar = Browser::new();
    scholar.log_in(&svc, &email, DEMO_PASSWORD).await;
    let page = scholar.get(&svc, &result_url(f.cycle)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Published, waiting for your answer"), "{}", page.body);
    assert!(page.body.contains("Accept this placement") && page.body.contains("Decline this placement"));
    assert!(page.body.contains("Accept or decline by 2027-01-15 20:00 EAT"), "{}", page.body);
    let shown = version_in(&page.body);

    let done = scholar.post(&svc, &format!("/my/placement/{}/accept", f.cycle), &[("version", shown.as_str())]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some(result_url(f.cycle).as_str()));
    let record = placement_of(&app, &email);
    assert_eq!(record.status, "accepted");
    assert!(record.answered_at.is_some());
    let page = scholar.get(&svc, &result_url(f.cycle)).await;
    assert!(page.body.contains("You accepted your placement."), "the flash");
    assert!(page.body.contains("You accepted this placement. Report to the facility"));
    assert!(!page.body.contains("Accept this placement") && !page.body.contains("Decline this placement"));
    assert_eq!(mails_to(&app, &email, "Placement accepted"), 1);
    let audited: i64 = audit_events::table
        .filter(audit_events::action.eq("accept_placement"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(audited, 1);

    // A second answer (the same form sent again) is refused with a clear message, and changes nothing.
    let again = scholar
        .post(
            &svc,
            &format!("/my/placement/{}/decline", f.cycle),
            &[("version", shown.as_str()), ("reason", "health"), ("reason_text", "")],
        )
        .await;
    assert_eq!(again.status, 409);
    assert!(again.body.contains("This placement has already been answered."), "{}", again.body);
    assert_eq!(placement_of(&app, &email).status, "accepted");
    assert_eq!(flags(&app, "placement_declined"), 0);
}

#[actix_web::test]
async fn a_decline_needs_a_reason_frees_the_seat_and_tells_the_compliance_coordinator() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    // S1 holds Alpha's only seat.
    let email = f.scholars[0].0.clone();
    let alpha = crate::match_runs::facility_id(&mut app.conn(), "9001");
    let taken =
        |app: &TestApp| ruralserve::store::placements::seats_taken(&mut app.conn(), f.cycle, &[alpha]).expect("seats");
    assert_eq!(taken(&app), vec![(alpha, 1)]);
    let mut scholar = Browser::new();
    scholar.log_in(&svc, &email, DEMO_PASSWORD).await;
    let page = scholar.get(&svc, &result_url(f.cycle)).await;
    let shown = version_in(&page.body);
    let url = format!("/my/placement/{}/decline", f.cycle);

    // No reason: the form comes back with 422 and the message next to the field; nothing changes.
    let refused = scholar.post(&svc, &url, &[("version", shown.as_str()), ("reason", ""), ("reason_text", "")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Choose a reason from the list."), "{}", refused.body);
    let refused =
        scholar.post(&svc, &url, &[("version", shown.as_str()), ("reason", "other"), ("reason_text", "  ")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Say in a few words why you decline."));
    assert!(refused.body.contains("<option value=\"other\" selected>"), "the choice is kept");
    assert_eq!(placement_of(&app, &email).status, "published");

    let words = "A specialist course in Nairobi";
    let done = scholar
        .post(&svc, &url, &[("version", shown.as_str()), ("reason", "further_studies"), ("reason_text", words)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let record = placement_of(&app, &email);
    assert_eq!(record.status, "declined");
    assert_eq!(record.decline_reason.as_deref(), Some("further_studies: A specialist course in Nairobi"));
    // The seat is free: live records no longer count it.
    assert_eq!(taken(&app), vec![]);
    assert_eq!(flags(&app, "placement_declined"), 1);
    let flag: (Option<i64>, String) = compliance_flags::table
        .select((compliance_flags::placement_id, compliance_flags::detail))
        .first(&mut app.conn())
        .expect("flag");
    assert_eq!(flag, (Some(record.id), "further_studies: A specialist course in Nairobi".to_string()));
    assert_eq!(mails_to(&app, &email, "Placement declined"), 1);
    assert_eq!(mails_to(&app, COMPLIANCE, "A scholar declined a placement"), 1);
    let told = ruralserve::store::outbox::latest_to(&mut app.conn(), COMPLIANCE).expect("q").expect("mail");
    assert!(told.body.contains(&f.scholars[0].1) && told.body.contains("Alpha Health Centre"), "{}", told.body);
    assert!(told.body.contains("http://localhost/compliance"));
    // Only the cycle's organisation's compliance coordinators hear of it.
    assert_eq!(mails_to(&app, NGO_COMPLIANCE, ""), 0);
    // Their list reads the reason in words, with the scholar's own after it.
    let mut carol = Browser::from_address("10.4.0.1");
    carol.log_in(&svc, COMPLIANCE, DEMO_PASSWORD).await;
    let list = carol.get(&svc, "/compliance").await;
    assert!(list.body.contains("Further studies: A specialist course in Nairobi"), "{}", list.body);
    assert!(!list.body.contains("further_studies"));

    let page = scholar.get(&svc, &result_url(f.cycle)).await;
    assert!(page.body.contains("You declined this placement"));
    assert!(page.body.contains("You will not be placed again automatically."));
    assert!(!page.body.contains("Accept this placement"));

    // The API lists the record with its status.
    let token = api_token(&svc, COORDINATOR).await;
    let (status, body) = api_get(&svc, &format!("/api/v1/placements?cycle={}", f.cycle), &token).await;
    assert_eq!(status, 200);
    let rows = body.as_array().expect("list");
    let row = rows.iter().find(|r| r["reference"] == f.scholars[0].1.as_str()).expect("the declined record");
    assert_eq!(row["status"], "declined");
    assert_eq!(rows.iter().filter(|r| r["status"] == "published").count(), 2);
}

#[actix_web::test]
async fn past_the_deadline_the_forms_are_gone_and_an_answer_is_refused() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    diesel::update(placement_cycles::table.find(f.cycle))
        .set(placement_cycles::acceptance_deadline.eq(ruralserve::store::now() - Duration::hours(1)))
        .execute(&mut app.conn())
        .expect("deadline passed");
    let email = f.scholars[1].0.clone();
    let mut scholar = Browser::new();
    scholar.log_in(&svc, &email, DEMO_PASSWORD).await;
    let page = scholar.get(&svc, &result_url(f.cycle)).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("Accept this placement") && !page.body.contains("Decline this placement"));
    assert!(page.body.contains("The deadline to answer has passed"), "{}", page.body);
    let version = placement_of(&app, &email).version.to_string();
    for (action, fields) in [
        ("accept", vec![("version", version.as_str())]),
        ("decline", vec![("version", version.as_str()), ("reason", "health"), ("reason_text", "")]),
    ] {
        let refused = scholar.post(&svc, &format!("/my/placement/{}/{action}", f.cycle), &fields).await;
        assert_eq!(refused.status, 409, "{action}");
        assert!(refused.body.contains("The deadline to answer has passed"), "{}", refused.body);
    }
    assert_eq!(placement_of(&app, &email).status, "published");
}

/// Two answers read at the same version (two tabs, two phones): exactly one is recorded, on either database.
#[actix_web::test]
async fn two_answers_at_once_exactly_one_wins() {
    use ruralserve::domain::placement_state::PlacementEvent;
    use ruralserve::store::placements::{apply, PlacementFacts};
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    let read = placement_of(&app, &f.scholars[1].0);
    let now = ruralserve::store::now();
    let accept = PlacementFacts { answered_at: Some(now), ..Default::default() };
    let decline =
        PlacementFacts { answered_at: Some(now), decline_reason: Some("health".into()), ..Default::default() };
    let first = apply(&mut app.conn(), &read, PlacementEvent::Accept, &accept);
    let second = apply(&mut app.conn(), &read, PlacementEvent::Decline, &decline);
    assert!(first.is_ok(), "{first:?}");
    assert!(
        matches!(&second, Err(ruralserve::error::AppError::Conflict(key)) if key == "placement-error-changed"),
        "{second:?}"
    );
    let after = placement_of(&app, &f.scholars[1].0);
    assert_eq!((after.status.as_str(), after.decline_reason), ("accepted", None));

    // Through the use case: the same form sent from a second tab is refused.
    let mut tab = Browser::new();
    tab.log_in(&svc, &f.scholars[2].0, DEMO_PASSWORD).await;
    let page = tab.get(&svc, &result_url(f.cycle)).await;
    let shown = version_in(&page.body);
    let url = format!("/my/placement/{}/accept", f.cycle);
    assert_eq!(tab.post(&svc, &url, &[("version", shown.as_str())]).await.status, 303);
    assert_eq!(tab.post(&svc, &url, &[("version", shown.as_str())]).await.status, 409);
}

#[actix_web::test]
async fn the_job_runner_lapses_unanswered_placements_at_the_deadline_once() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    // Publication queued the lapse, due just after the deadline (2027-01-15 17:00 UTC).
    let due: Vec<chrono::NaiveDateTime> = jobs::table
        .filter(jobs::kind.eq("placement_answer_due"))
        .select(jobs::due_at)
        .load(&mut app.conn())
        .expect("jobs");
    assert_eq!(due, vec![at("2027-01-15 17:00") + Duration::seconds(1)]);
    // S1 accepts in time; S2 and S3 never answer.
    let mut s1 = Browser::new();
    s1.log_in(&svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    let page = s1.get(&svc, &result_url(f.cycle)).await;
    let shown = version_in(&page.body);
    assert_eq!(
        s1.post(&svc, &format!("/my/placement/{}/accept", f.cycle), &[("version", shown.as_str())]).await.status,
        303
    );

    // Before the deadline the job is not due; at it, it runs.
    let conn = &mut app.conn();
    let answer_jobs = |conn: &mut ruralserve::db::PooledConn| -> i64 {
        jobs::table.filter(jobs::kind.eq("placement_answer_due")).count().get_result(conn).expect("jobs")
    };
    let before = ruralserve::service::jobs::run_due(conn, at("2027-01-15 17:00"), None).expect("round");
    assert_eq!(before.failed, 0);
    assert_eq!(answer_jobs(conn), 1, "not due yet");
    assert_eq!(placement_of(&app, &f.scholars[1].0).status, "published");
    let later = at("2027-01-15 17:05");
    let round = ruralserve::service::jobs::run_due(conn, later, None).expect("round");
    assert_eq!(round.failed, 0);
    assert_eq!(answer_jobs(conn), 0, "done");
    assert_eq!(placement_of(&app, &f.scholars[0].0).status, "accepted");
    for (email, _) in &f.scholars[1..3] {
        assert_eq!(placement_of(&app, email).status, "lapsed", "{email}");
        assert_eq!(mails_to(&app, email, "Your placement lapsed"), 1, "{email}");
    }
    assert_eq!(flags(&app, "placement_lapsed"), 2);
    for staff in [COORDINATOR, SECOND, COMPLIANCE] {
        assert_eq!(mails_to(&app, staff, "Placements lapsed without an answer"), 1, "{staff}");
    }
    let told = ruralserve::store::outbox::latest_to(conn, COMPLIANCE).expect("q").expect("mail");
    assert!(told.body.contains(&f.scholars[1].1) && told.body.contains(&f.scholars[2].1), "{}", told.body);
    assert_eq!(mails_to(&app, NGO_COMPLIANCE, ""), 0);

    // Idempotent: run again (the job queued once more, and the work called directly), nothing changes.
    let mails: i64 = outbox::table.count().get_result(conn).expect("mails");
    ruralserve::store::jobs::enqueue(
        conn,
        ruralserve::domain::jobs::Job::PlacementAnswerDue { cycle_id: f.cycle },
        later,
    )
    .expect("again");
    let round = ruralserve::service::jobs::run_due(conn, later, None).expect("round");
    assert_eq!((round.failed, answer_jobs(conn)), (0, 0));
    let i18n = ruralserve::i18n::I18n::shared().expect("translations");
    ruralserve::db::write_transaction(conn, |conn| {
        ruralserve::service::placement_answers::lapse_unanswered(conn, i18n, f.cycle, later)
    })
    .expect("again");
    assert_eq!(flags(&app, "placement_lapsed"), 2);
    assert_eq!(outbox::table.count().get_result::<i64>(conn).expect("mails"), mails);
    let lapsed: i64 =
        audit_events::table.filter(audit_events::action.eq("lapse_placement")).count().get_result(conn).expect("audit");
    assert_eq!(lapsed, 2);
    // The lapsed scholar reads what happened and what comes next, and cannot answer any more.
    let mut s2 = Browser::new();
    s2.log_in(&svc, &f.scholars[1].0, DEMO_PASSWORD).await;
    let page = s2.get(&svc, &result_url(f.cycle)).await;
    assert!(page.body.contains("This placement lapsed") && !page.body.contains("Accept this placement"));
}

/// A flag with no placement, raised at `minute` past noon on 2027-01-20 (for paging).
fn raise_plain_flag(app: &TestApp, award_id: i64, minute: i64) {
    diesel::insert_into(compliance_flags::table)
        .values((
            compliance_flags::award_id.eq(award_id),
            compliance_flags::kind.eq("service_not_started"),
            compliance_flags::detail.eq(format!("flag {minute}")),
            compliance_flags::raised_at.eq(at("2027-01-20 12:00") + Duration::minutes(minute)),
        ))
        .execute(&mut app.conn())
        .expect("flag");
}

fn rows_in(body: &str) -> usize {
    body.matches("<td data-label=\"Scholar\">").count()
}

#[actix_web::test]
async fn the_compliance_coordinator_lands_on_the_open_flags_newest_first_fifty_a_page() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    let mut s1 = Browser::new();
    s1.log_in(&svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    let page = s1.get(&svc, &result_url(f.cycle)).await;
    let shown = version_in(&page.body);
    let declined = s1
        .post(
            &svc,
            &format!("/my/placement/{}/decline", f.cycle),
            &[("version", shown.as_str()), ("reason", "health"), ("reason_text", "")],
        )
        .await;
    assert_eq!(declined.status, 303);

    let mut carol = Browser::new();
    let landed = carol.log_in(&svc, COMPLIANCE, DEMO_PASSWORD).await;
    assert_eq!(landed.location.as_deref(), Some("/compliance"));
    let page = carol.get(&svc, "/compliance").await;
    assert_eq!(page.status, 200);
    assert_eq!(rows_in(&page.body), 1);
    assert!(page.body.contains(&name_of(&app, &f.scholars[0].0)));
    assert!(page.body.contains(&f.scholars[0].1));
    assert!(page.body.contains("Placement declined") && page.body.contains("Alpha Health Centre"));
    assert!(page.body.contains(">Health<"), "the detail, in words: {}", page.body);
    // Another funder's compliance coordinator does not see it.
    let mut other = Browser::new();
    other.log_in(&svc, NGO_COMPLIANCE, DEMO_PASSWORD).await;
    let page = other.get(&svc, "/compliance").await;
    assert_eq!((page.status, rows_in(&page.body)), (200, 0));
    assert!(page.body.contains("No open flag."));

    // 55 more flags: the newest 50 first, then the rest and the decline (the oldest) on the next page.
    let award = placement_of(&app, &f.scholars[0].0).award_id;
    for minute in 0..55 {
        raise_plain_flag(&app, award, minute);
    }
    let page = carol.get(&svc, "/compliance").await;
    assert_eq!(rows_in(&page.body), 50);
    let newest = page.body.find("flag 54").expect("the newest first");
    assert!(newest < page.body.find("flag 53").expect("then the next"));
    assert!(!page.body.contains("flag 4<"));
    let next = page.body.split("href=\"/compliance?after=").nth(1).and_then(|s| s.split('"').next()).expect("next");
    let page = carol.get(&svc, &format!("/compliance?after={next}")).await;
    assert_eq!(rows_in(&page.body), 6);
    assert!(page.body.contains("flag 4<") && page.body.contains("flag 0<") && page.body.contains("Placement declined"));
    assert!(!page.body.contains("/compliance?after="), "no page after the last");
    // A resolved flag is no longer listed.
    diesel::update(compliance_flags::table.filter(compliance_flags::detail.eq("flag 54")))
        .set(compliance_flags::resolved_at.eq(Some(at("2027-02-01 08:00"))))
        .execute(&mut app.conn())
        .expect("resolved");
    let page = carol.get(&svc, "/compliance").await;
    assert!(!page.body.contains("flag 54<"));
    assert_eq!(carol.get(&svc, "/compliance?after=x").await.status, 400);
}

#[actix_web::test]
async fn the_role_matrix_holds_for_the_answers_and_the_compliance_page() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    let accept = format!("/my/placement/{}/accept", f.cycle);
    let decline = format!("/my/placement/{}/decline", f.cycle);
    // (who, GET /compliance, POST accept or decline)
    let cases: [(&str, u16, u16); 11] = [
        (COMPLIANCE, 200, 403),
        (NGO_COMPLIANCE, 200, 403),
        ("admin@demo.ruralserve.org", 200, 403),
        (COORDINATOR, 403, 403),
        ("placement@rhsf.demo.ruralserve.org", 403, 403),
        ("officer@moh.demo.ruralserve.org", 403, 403),
        ("approver@moh.demo.ruralserve.org", 403, 403),
        ("reviewer@moh.demo.ruralserve.org", 403, 403),
        ("supervisor@moh.demo.ruralserve.org", 403, 403),
        // An applicant who is not a scholar of the cycle: not found, as the result page.
        ("applicant@demo.ruralserve.org", 403, 404),
        // A scholar of the cycle answers for themselves (the unplaced one has nothing to answer).
        (f.scholars[3].0.as_str(), 403, 409),
    ];
    for (i, (who, page_status, post_status)) in cases.into_iter().enumerate() {
        let mut b = Browser::from_address(&format!("10.3.0.{}", i + 1));
        b.log_in(&svc, who, DEMO_PASSWORD).await;
        assert_eq!(b.get(&svc, "/compliance").await.status, page_status, "{who} GET /compliance");
        assert_eq!(b.post(&svc, &accept, &[("version", "0")]).await.status, post_status, "{who} POST accept");
        let declined = b.post(&svc, &decline, &[("version", "0"), ("reason", "health"), ("reason_text", "")]).await;
        assert_eq!(declined.status, post_status, "{who} POST decline");
    }
    // Nobody but the scholars answered: every placement is still waiting.
    let waiting: i64 = placements::table
        .filter(placements::status.eq("published"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(waiting, 3);
    // Without a CSRF token, even the scholar is refused.
    let mut s2 = Browser::new();
    s2.log_in(&svc, &f.scholars[1].0, DEMO_PASSWORD).await;
    assert_eq!(s2.post_raw(&svc, &accept, &[("version", "0")]).await.status, 403);
    let mut anonymous = Browser::new();
    assert_eq!(anonymous.get(&svc, "/compliance").await.status, 303);
    assert_eq!(anonymous.post(&svc, &accept, &[("version", "0")]).await.status, 303);
}
