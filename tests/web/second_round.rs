//! The second round after publication: freed seats offered to the unplaced in a run over them only, with the
//! same preview, compare and four-eyes publication as the main run; its answer deadline checked as typed and
//! carried by its placements (which lapse at it, not at the cycle's); a round refused at publication when a
//! seat it fills was taken meanwhile; one second round per cycle; and who may queue one.

use chrono::Duration;
use diesel::prelude::*;

use crate::common::*;
use crate::match_runs::{at, facility_id, fixture, publish, run_jobs, Fixture, COORDINATOR, NGO_COORDINATOR, SECOND};
use ruralserve::schema::{
    applications, awards, cycle_scholars, jobs, match_run_files, match_runs, placements, scholar_choices, vacancies,
};
use ruralserve::store::placements::Placement;

/// The fixture, with S4 (unplaced by the main run: Beta has no seat) also listing Alpha second, and Delta's
/// seat withdrawn: Alpha is S4's only way in, once S1 gives it up.
fn second_round_fixture(app: &TestApp) -> Fixture {
    let f = fixture(app);
    let conn = &mut app.conn();
    let s4: i64 = cycle_scholars::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(applications::reference.eq(&f.scholars[3].1))
        .select(cycle_scholars::id)
        .first(conn)
        .expect("S4");
    diesel::insert_into(scholar_choices::table)
        .values((
            scholar_choices::cycle_scholar_id.eq(s4),
            scholar_choices::rank.eq(2),
            scholar_choices::facility_id.eq(facility_id(conn, "9001")),
        ))
        .execute(conn)
        .expect("choice");
    set_seats(app, f.cycle, "9004", 0);
    f
}

fn set_seats(app: &TestApp, cycle: i64, code: &str, seats: i32) {
    let conn = &mut app.conn();
    let facility = facility_id(conn, code);
    diesel::update(vacancies::table.filter(vacancies::cycle_id.eq(cycle)).filter(vacancies::facility_id.eq(facility)))
        .set(vacancies::seats.eq(seats))
        .execute(conn)
        .expect("seats");
}

fn placement_of(app: &TestApp, reference: &str) -> Placement {
    placements::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(applications::reference.eq(reference))
        .order(placements::id.desc())
        .select(placements::all_columns)
        .first(&mut app.conn())
        .expect("a placement")
}

fn runs_url(f: &Fixture) -> String {
    format!("/placement/cycles/{}/runs", f.cycle)
}

/// Queues a second round through the page as a browser sends the form, returning the response.
async fn queue_second_round<S, B>(svc: &S, browser: &mut Browser, f: &Fixture, deadline: &str) -> Page
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let fields = [("algorithm", "deferred-acceptance"), ("seed", ""), ("answer_deadline", deadline)];
    browser.post(svc, &runs_url(f), &fields).await
}

fn run_id(page: &Page) -> i64 {
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.as_deref().expect("redirect").trim_start_matches("/placement/runs/").parse().expect("run id")
}

/// S1 declines their placement at Alpha through their result page.
async fn s1_declines<S, B>(svc: &S, f: &Fixture)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut s1 = Browser::new();
    s1.log_in(svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    let page = s1.get(svc, &format!("/my/placement/{}/result", f.cycle)).await;
    let shown = version_in(&page.body);
    let fields = [("version", shown.as_str()), ("reason", "further_studies"), ("reason_text", "")];
    let done = s1.post(svc, &format!("/my/placement/{}/decline", f.cycle), &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
}

/// Proposes a computed run as one coordinator and publishes it as another; returns the publication's response.
async fn four_eyes<S, B>(svc: &S, paul: &mut Browser, run: i64) -> Page
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let page = paul.get(svc, &format!("/placement/runs/{run}")).await;
    let proposed =
        paul.post(svc, &format!("/placement/runs/{run}/propose"), &[("version", &version_in(&page.body))]).await;
    assert_eq!(proposed.status, 303, "{}", proposed.body);
    let mut grace = Browser::from_address("10.2.0.2");
    grace.log_in(svc, SECOND, DEMO_PASSWORD).await;
    let page = grace.get(svc, &format!("/placement/runs/{run}")).await;
    grace.post(svc, &format!("/placement/runs/{run}/publish"), &[("version", &version_in(&page.body))]).await
}

#[actix_web::test]
async fn freed_seats_go_to_the_unplaced_in_a_second_round_published_with_four_eyes() {
    let app = TestApp::new().with_demo();
    let f = second_round_fixture(&app);
    let svc = service!(app);
    let main = publish(&app, &svc, f.cycle).await;
    assert!(placements::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(applications::reference.eq(&f.scholars[3].1))
        .count()
        .get_result::<i64>(&mut app.conn())
        .map(|n| n == 0)
        .expect("count"));

    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let page = paul.get(&svc, &runs_url(&f)).await;
    assert!(page.body.contains("Second round: freed seats for the unplaced"), "{}", page.body);
    assert!(page.body.contains(r#"name="answer_deadline""#) && page.body.contains(r#"type="datetime-local""#));

    // Every seat is held: nothing to offer yet.
    let refused = queue_second_round(&svc, &mut paul, &f, "2027-01-20T17:00").await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("No seat is free"), "{}", refused.body);

    s1_declines(&svc, &f).await;
    // The deadline as typed: each mistake named on the field, nothing queued.
    for (typed, message) in [
        ("", "Enter the date and time by which scholars placed in this round must answer."),
        ("soon", "Enter a date and time"),
        ("2026-01-20T17:00", "The answer deadline must be in the future."),
        ("2027-03-01T10:00", "The answer deadline must fall within the start-of-service window"),
    ] {
        let page = queue_second_round(&svc, &mut paul, &f, typed).await;
        assert_eq!(page.status, 422, "{typed}: {}", page.body);
        assert!(page.body.contains(message), "{typed}: {}", page.body);
        assert!(page.body.contains(&format!(r#"value="{typed}""#)), "the form keeps what was typed");
    }
    let runs: i64 = match_runs::table.count().get_result(&mut app.conn()).expect("runs");
    assert_eq!(runs, 1);

    // Queued, computed by the job runner, previewed.
    let run = run_id(&queue_second_round(&svc, &mut paul, &f, "2027-01-20T17:00").await);
    run_jobs(&app);
    let page = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Second round") && page.body.contains("2027-01-20 17:00 EAT"), "{}", page.body);
    assert!(page.body.contains(&format!(r#"action="/placement/runs/{run}/propose""#)), "{}", page.body);
    // Its instance holds only the unplaced scholar and only the freed seat: Alpha 1, Gamma (full) 0.
    let input: String =
        match_run_files::table.find(run).select(match_run_files::input).first(&mut app.conn()).expect("input");
    let instance: serde_json::Value = serde_json::from_str(&input).expect("json");
    let applicants: Vec<&str> =
        instance["applicants"].as_array().expect("list").iter().filter_map(|a| a["id"].as_str()).collect();
    assert_eq!(applicants, vec![f.scholars[3].1.as_str()]);
    let capacity = |key: &str| {
        instance["facilities"].as_array().expect("list").iter().find(|x| x["id"] == key).map(|x| x["capacity"].clone())
    };
    assert_eq!(capacity("mfl:9001"), Some(serde_json::json!(1)));
    assert_eq!(capacity("mfl:9003"), Some(serde_json::json!(0)));
    // Anyone can reproduce it with the match command.
    let result: String = match_run_files::table
        .find(run)
        .select(match_run_files::report)
        .first::<Option<String>>(&mut app.conn())
        .expect("report")
        .expect("computed");
    let rerun = ruralserve::domain::matching::run_match_command(&input).expect("the command runs");
    let (a, b): (serde_json::Value, serde_json::Value) =
        (serde_json::from_str(&rerun).expect("json"), serde_json::from_str(&result).expect("json"));
    assert_eq!(a, b);

    // Compared with another second-round run, not with the main run.
    let other = run_id(&queue_second_round(&svc, &mut paul, &f, "2027-01-22T09:00").await);
    run_jobs(&app);
    let compare = format!("/placement/cycles/{}/compare?a={run}&b={other}", f.cycle);
    assert_eq!(paul.get(&svc, &compare).await.status, 200);
    let across = paul.get(&svc, &format!("/placement/cycles/{}/compare?a={main}&b={run}", f.cycle)).await;
    assert_eq!(across.status, 409);
    assert!(across.body.contains("Only runs of the same round can be compared"), "{}", across.body);

    // Four eyes: the proposer may not publish; the second coordinator does.
    let page = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    paul.post(&svc, &format!("/placement/runs/{run}/propose"), &[("version", &version_in(&page.body))]).await;
    let page = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    assert!(page.body.contains("another placement coordinator of your organisation must publish"), "{}", page.body);
    let v: i32 = match_runs::table.find(run).select(match_runs::version).first(&mut app.conn()).expect("v");
    let own = paul.post(&svc, &format!("/placement/runs/{run}/publish"), &[("version", &v.to_string())]).await;
    assert_eq!(own.status, 409);
    let mut grace = Browser::from_address("10.2.0.2");
    grace.log_in(&svc, SECOND, DEMO_PASSWORD).await;
    let page = grace.get(&svc, &format!("/placement/runs/{run}")).await;
    let done =
        grace.post(&svc, &format!("/placement/runs/{run}/publish"), &[("version", &version_in(&page.body))]).await;
    assert_eq!(done.status, 303, "{}", done.body);

    // A new record for S4 at Alpha, from the round, with the round's deadline; the main run's are untouched.
    let record = placement_of(&app, &f.scholars[3].1);
    assert_eq!(
        (record.run_id, record.origin.as_str(), record.status.as_str()),
        (Some(run), "second_round", "published")
    );
    assert_eq!(record.facility_id, facility_id(&mut app.conn(), "9001"));
    assert_eq!(record.answer_by, Some(at("2027-01-20 14:00")), "17:00 in Nairobi");
    let main_rows: i64 =
        placements::table.filter(placements::run_id.eq(main)).count().get_result(&mut app.conn()).expect("n");
    assert_eq!(main_rows, 3);
    let mail = ruralserve::store::outbox::latest_to(&mut app.conn(), &f.scholars[3].0).expect("q").expect("mail");
    assert!(mail.subject.contains("Nursing 2027") && mail.body.contains("Alpha Health Centre"), "{}", mail.body);

    // S4 reads the round's placement, why, and its own deadline, and may answer.
    let mut s4 = Browser::new();
    s4.log_in(&svc, &f.scholars[3].0, DEMO_PASSWORD).await;
    let page = s4.get(&svc, &format!("/my/placement/{}/result", f.cycle)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("You are placed at Alpha Health Centre (Nairobi), your choice number 2."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Accept or decline by 2027-01-20 17:00 EAT"), "{}", page.body);
    assert!(page.body.contains("Accept this placement"));

    // One second round per cycle: the other run can no longer move, and no new run is queued.
    let page = paul.get(&svc, &runs_url(&f)).await;
    assert!(!page.body.contains(r#"name="answer_deadline""#));
    let late = queue_second_round(&svc, &mut paul, &f, "2027-01-25T17:00").await;
    assert_eq!(late.status, 409);
    assert!(late.body.contains("second round is already published"), "{}", late.body);
    let v: i32 = match_runs::table.find(other).select(match_runs::version).first(&mut app.conn()).expect("v");
    let moved = paul.post(&svc, &format!("/placement/runs/{other}/propose"), &[("version", &v.to_string())]).await;
    assert_eq!(moved.status, 409);
}

#[actix_web::test]
async fn second_round_placements_lapse_at_their_own_deadline_not_the_cycles() {
    let app = TestApp::new().with_demo();
    let f = second_round_fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    s1_declines(&svc, &f).await;
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let run = run_id(&queue_second_round(&svc, &mut paul, &f, "2027-01-20T17:00").await);
    run_jobs(&app);
    assert_eq!(four_eyes(&svc, &mut paul, run).await.status, 303);
    let due: Vec<chrono::NaiveDateTime> = jobs::table
        .filter(jobs::kind.eq("placement_answer_due"))
        .order(jobs::due_at)
        .select(jobs::due_at)
        .load(&mut app.conn())
        .expect("jobs");
    let second = at("2027-01-20 14:00") + Duration::seconds(1);
    assert_eq!(due, vec![at("2027-01-15 17:00") + Duration::seconds(1), second]);

    // Past the cycle's deadline: the main run's unanswered lapse, the round's placement still waits.
    let conn = &mut app.conn();
    let round = ruralserve::service::jobs::run_due(conn, at("2027-01-16 08:00"), None).expect("round");
    assert_eq!(round.failed, 0);
    assert_eq!(placement_of(&app, &f.scholars[1].1).status, "lapsed");
    assert_eq!(placement_of(&app, &f.scholars[3].1).status, "published");
    // Past the round's deadline it lapses too, once.
    let round = ruralserve::service::jobs::run_due(conn, at("2027-01-20 14:05"), None).expect("round");
    assert_eq!(round.failed, 0);
    assert_eq!(placement_of(&app, &f.scholars[3].1).status, "lapsed");
    let left: i64 = jobs::table.filter(jobs::kind.eq("placement_answer_due")).count().get_result(conn).expect("n");
    assert_eq!(left, 0);
    let lapse_flags: i64 = ruralserve::schema::compliance_flags::table
        .filter(ruralserve::schema::compliance_flags::kind.eq("placement_lapsed"))
        .count()
        .get_result(conn)
        .expect("flags");
    assert_eq!(lapse_flags, 3, "S2, S3, then S4");
}

#[actix_web::test]
async fn a_second_round_whose_seat_was_taken_meanwhile_is_refused_at_publication() {
    let app = TestApp::new().with_demo();
    let f = second_round_fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    s1_declines(&svc, &f).await;
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let run = run_id(&queue_second_round(&svc, &mut paul, &f, "2027-01-20T17:00").await);
    run_jobs(&app);
    // Alpha's freed seat is no longer there when the second coordinator publishes.
    set_seats(&app, f.cycle, "9001", 0);
    let refused = four_eyes(&svc, &mut paul, run).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body.contains("queue the second round again"), "{}", refused.body);
    let status: String = match_runs::table.find(run).select(match_runs::status).first(&mut app.conn()).expect("run");
    assert_eq!(status, "proposed", "nothing changed");
    let round_rows: i64 =
        placements::table.filter(placements::run_id.eq(run)).count().get_result(&mut app.conn()).expect("n");
    assert_eq!(round_rows, 0);
}

#[actix_web::test]
async fn only_the_funders_placement_coordinators_queue_a_second_round() {
    let app = TestApp::new().with_demo();
    let f = second_round_fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    s1_declines(&svc, &f).await;
    let cases: [(&str, u16); 9] = [
        (COORDINATOR, 303),
        (SECOND, 303),
        ("admin@demo.ruralserve.org", 403),
        (NGO_COORDINATOR, 404),
        ("officer@moh.demo.ruralserve.org", 403),
        ("reviewer@moh.demo.ruralserve.org", 403),
        ("compliance@moh.demo.ruralserve.org", 403),
        ("supervisor@moh.demo.ruralserve.org", 403),
        (f.scholars[3].0.as_str(), 403),
    ];
    for (i, (who, expected)) in cases.into_iter().enumerate() {
        let mut b = Browser::from_address(&format!("10.3.0.{}", i + 1));
        b.log_in(&svc, who, DEMO_PASSWORD).await;
        let page = queue_second_round(&svc, &mut b, &f, "2027-01-20T17:00").await;
        assert_eq!(page.status, expected, "{who}: {}", page.body);
        let form = b.get(&svc, &runs_url(&f)).await;
        let offered = form.body.contains(r#"name="answer_deadline""#);
        assert_eq!(offered, expected == 303, "{who} sees the second round's form");
    }
    let mut anonymous = Browser::new();
    let page = anonymous.post_raw(&svc, &runs_url(&f), &[("algorithm", ""), ("answer_deadline", "")]).await;
    assert!(page.status == 303 || page.status == 403, "anonymous: {}", page.status);
    let queued: i64 = match_runs::table.filter(match_runs::round.eq(2)).count().get_result(&mut app.conn()).expect("n");
    assert_eq!(queued, 2);
}
