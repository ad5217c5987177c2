//! Match runs: a run queued from the page and computed by the job runner, a failed run showing the engine's
//! message, two runs compared, four-eyes publication (the proposer refused, a second publication refused),
//! placements and e-mails written, the scholar's explanation, the API's input and result reproducing each
//! other through the `match` command, and the role × route matrix.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::common::*;
use ruralserve::schema::{
    applications, awards, calls, cycle_region_caps, cycle_scholars, facilities, match_runs, outbox, placement_cycles,
    placements, programmes, scholar_choices, users, vacancies,
};
use ruralserve::service::jobs::run_due;

pub(crate) const COORDINATOR: &str = "placement@moh.demo.ruralserve.org";
pub(crate) const SECOND: &str = "placement2@moh.demo.ruralserve.org";
pub(crate) const NGO_COORDINATOR: &str = "placement@rhsf.demo.ruralserve.org";

const FACILITIES: &str = "code,name,keph_level,facility_type,owner_type,county,sub_county,ward,beds,latitude,longitude
9001,Alpha Health Centre,Level 3,Health Centre,Ministry of Health,Nairobi,Kibra,Ward A,10,-1.3,36.8
9002,Beta Dispensary,Level 2,Dispensary,Ministry of Health,Nairobi,Kibra,Ward B,2,-1.3,36.8
9003,Gamma Sub-County Hospital,Level 4,Hospital,Ministry of Health,Kisumu,Kisumu East,Ward C,40,-0.1,34.7
9004,Delta Health Centre,Level 3,Health Centre,Ministry of Health,Mombasa,Mvita,Ward D,12,-4.0,39.6
";

/// The demo's cycle: four scholars of the ministry with binding awards, four facilities.
pub(crate) struct Fixture {
    pub(crate) cycle: i64,
    /// (e-mail, reference) of the scholars, best score first.
    pub(crate) scholars: Vec<(String, String)>,
}

pub(crate) fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

pub(crate) fn user_id(conn: &mut ruralserve::db::PooledConn, email: &str) -> i64 {
    users::table.filter(users::email.eq(email)).select(users::id).first(conn).expect("user")
}

/// Adds a staff account, unless the demo already has it.
pub(crate) fn add_user(conn: &mut ruralserve::db::PooledConn, email: &str, role: &str, org: &str) {
    if ruralserve::store::users::find_by_email(conn, email).expect("query").is_some() {
        return;
    }
    let org = ruralserve::store::organisations::find_by_code(conn, org).expect("query").expect("organisation");
    let hash = ruralserve::service::accounts::hash_password(DEMO_PASSWORD).expect("hash");
    ruralserve::store::users::insert(
        conn,
        &ruralserve::store::users::NewUser {
            email,
            password_hash: &hash,
            full_name: "Second Coordinator",
            role,
            organisation_id: Some(org.id),
            email_verified: true,
            language: "en",
        },
    )
    .expect("user");
}

pub(crate) fn facility_id(conn: &mut ruralserve::db::PooledConn, code: &str) -> i64 {
    facilities::table.filter(facilities::code.eq(code)).select(facilities::id).first(conn).expect("facility")
}

/// Builds the cycle straight in the tables (the cycle and choice pages are another helper's).
///   S1 (score 90) ranks Alpha, Gamma; S2 (80) Alpha, Beta, Gamma; S3 (70, bond: Kisumu) Delta, Gamma;
///   S4 (60) Beta only. Alpha has 1 seat, Beta is not eligible, Gamma 2 seats, Delta 1 seat.
pub(crate) fn fixture(app: &TestApp) -> Fixture {
    let mut conn = app.conn();
    let conn = &mut conn;
    add_user(conn, SECOND, "placement_coordinator", "MOH");
    add_user(conn, NGO_COORDINATOR, "placement_coordinator", "RHSF");
    let report = ruralserve::service::facilities::import_csv(conn, FACILITIES.as_bytes()).expect("import");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    for (code, score, eligible) in [("9001", 10, true), ("9002", 22, false), ("9003", 18, true), ("9004", 5, true)] {
        diesel::update(facilities::table.filter(facilities::code.eq(code)))
            .set((facilities::need_score.eq(score), facilities::eligible.eq(eligible)))
            .execute(conn)
            .expect("need score");
    }
    let coordinator = user_id(conn, COORDINATOR);
    let moh = ruralserve::store::organisations::find_by_code(conn, "MOH").expect("query").expect("moh").id;
    let call: i64 = calls::table
        .inner_join(programmes::table)
        .filter(programmes::organisation_id.eq(moh))
        .select(calls::id)
        .first(conn)
        .expect("the ministry's call");
    let cycle: i64 = diesel::insert_into(placement_cycles::table)
        .values((
            placement_cycles::organisation_id.eq(moh),
            placement_cycles::title.eq("Nursing 2027"),
            placement_cycles::cadre.eq("nursing"),
            placement_cycles::graduation_from.eq(day("2027-01-01")),
            placement_cycles::graduation_until.eq(day("2027-12-31")),
            placement_cycles::choices_open_at.eq(at("2026-11-01 08:00")),
            placement_cycles::choices_close_at.eq(at("2026-11-30 17:00")),
            placement_cycles::match_on.eq(day("2026-12-01")),
            placement_cycles::publish_on.eq(day("2026-12-05")),
            placement_cycles::acceptance_deadline.eq(at("2027-01-15 17:00")),
            placement_cycles::appeal_until.eq(day("2027-01-31")),
            placement_cycles::service_start_from.eq(day("2027-02-01")),
            placement_cycles::service_start_until.eq(day("2027-02-28")),
            placement_cycles::max_choices.eq(10),
            placement_cycles::created_by.eq(coordinator),
            placement_cycles::created_at.eq(at("2026-10-01 08:00")),
        ))
        .returning(placement_cycles::id)
        .get_result(conn)
        .expect("cycle");
    let found: Vec<(i64, String, String)> = applications::table
        .inner_join(users::table)
        .filter(applications::call_id.eq(call))
        .filter(applications::reference.is_not_null())
        .order(applications::reference.asc())
        .select((applications::id, applications::reference.assume_not_null(), users::email))
        .limit(4)
        .load(conn)
        .expect("applications");
    assert_eq!(found.len(), 4, "four submitted applications in the demo");
    let choices: [(&[&str], i32, Option<&str>); 4] = [
        (&["9001", "9003"], 9000, None),
        (&["9001", "9002", "9003"], 8000, None),
        (&["9004", "9003"], 7000, Some(r#"["Kisumu"]"#)),
        (&["9002"], 6000, None),
    ];
    let mut scholars = Vec::new();
    for ((application, reference, email), (list, score, bond)) in found.into_iter().zip(choices) {
        let award: i64 = diesel::insert_into(awards::table)
            .values((
                awards::application_id.eq(application),
                awards::call_id.eq(call),
                awards::status.eq("active"),
                awards::support_years.eq(3),
                awards::annual_tuition_minor.eq(0_i64),
                awards::stipend_monthly_minor.eq(0_i64),
                awards::lump_sum_yearly_minor.eq(0_i64),
                awards::total_cost_minor.eq(0_i64),
                awards::currency.eq("KES"),
                awards::terms_effective_from.eq(day("2024-01-01")),
                awards::proposed_by.eq(coordinator),
                awards::proposed_at.eq(at("2024-01-01 08:00")),
                awards::version.eq(1),
            ))
            .returning(awards::id)
            .get_result(conn)
            .expect("award");
        let scholar: i64 = diesel::insert_into(cycle_scholars::table)
            .values((
                cycle_scholars::cycle_id.eq(cycle),
                cycle_scholars::award_id.eq(award),
                // Tier 1: no special circumstances (set here, whatever the column's default).
                cycle_scholars::priority_tier.eq(1),
                cycle_scholars::score_hundredths.eq(score),
                cycle_scholars::allowed_counties.eq(bond),
            ))
            .returning(cycle_scholars::id)
            .get_result(conn)
            .expect("cycle scholar");
        for (rank, code) in list.iter().enumerate() {
            let facility = facility_id(conn, code);
            diesel::insert_into(scholar_choices::table)
                .values((
                    scholar_choices::cycle_scholar_id.eq(scholar),
                    scholar_choices::rank.eq(rank as i32 + 1),
                    scholar_choices::facility_id.eq(facility),
                ))
                .execute(conn)
                .expect("choice");
        }
        scholars.push((email, reference));
    }
    for (code, seats) in [("9001", 1), ("9002", 3), ("9003", 2), ("9004", 1)] {
        let facility = facility_id(conn, code);
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(cycle),
                vacancies::facility_id.eq(facility),
                vacancies::seats.eq(seats),
                vacancies::updated_by.eq(coordinator),
                vacancies::updated_at.eq(at("2026-10-02 08:00")),
            ))
            .execute(conn)
            .expect("vacancy");
    }
    diesel::insert_into(cycle_region_caps::table)
        .values((
            cycle_region_caps::cycle_id.eq(cycle),
            cycle_region_caps::county.eq("Mombasa"),
            cycle_region_caps::cap.eq(5),
        ))
        .execute(conn)
        .expect("cap");
    Fixture { cycle, scholars }
}

pub(crate) fn run_jobs(app: &TestApp) {
    run_due(&mut app.conn(), ruralserve::store::now(), None).expect("jobs run");
}

/// Queues a run through the page and returns its id (read from the redirect).
async fn queue_run<S, B>(svc: &S, browser: &mut Browser, cycle: i64, algorithm: &str, seed: &str) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let page = browser
        .post(svc, &format!("/placement/cycles/{cycle}/runs"), &[("algorithm", algorithm), ("seed", seed)])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.expect("redirect to the run");
    location.trim_start_matches("/placement/runs/").parse().expect("run id")
}

fn run_status(app: &TestApp, run: i64) -> String {
    match_runs::table.find(run).select(match_runs::status).first(&mut app.conn()).expect("run")
}

#[actix_web::test]
async fn a_run_is_computed_by_the_job_runner_and_shows_its_figures() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let runs = paul.get(&svc, &format!("/placement/cycles/{}/runs", f.cycle)).await;
    assert_eq!(runs.status, 200);
    assert!(runs.body.contains("No run yet."));

    let run = queue_run(&svc, &mut paul, f.cycle, "deferred-acceptance", "").await;
    // The request thread never runs the engine: the run waits for the job runner.
    assert_eq!(run_status(&app, run), "queued");
    let waiting = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    assert!(waiting.body.contains("waiting for the job runner"));
    run_jobs(&app);
    assert_eq!(run_status(&app, run), "done");

    let page = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Computed"), "{}", page.body);
    // 3 of 4 placed; S4 listed only the ineligible Beta.
    assert!(page.body.contains("3 / 4"), "placed figure");
    assert!(page.body.contains("counted as taken (must be 0)"));
    assert!(page.body.contains("Alpha Health Centre"));
    assert!(page.body.contains(&f.scholars[3].1), "the unplaced scholar is listed with the reason");
    assert!(page.body.contains("Nairobi") && page.body.contains("Kisumu"), "fill by county");
    // Unfilled seats at floor-score facilities are shown once the cycle has a floor score.
    let runs = paul.get(&svc, &format!("/placement/cycles/{}/runs", f.cycle)).await;
    assert!(runs.body.contains(&format!("/placement/runs/{run}")));

    // A bad algorithm is refused next to its field, with 422, and nothing is queued.
    let bad =
        paul.post(&svc, &format!("/placement/cycles/{}/runs", f.cycle), &[("algorithm", "coin"), ("seed", "x")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Choose one of the algorithms listed.") && bad.body.contains("Enter a whole number"));
    assert_eq!(match_runs::table.count().get_result::<i64>(&mut app.conn()).expect("count"), 1);
}

#[actix_web::test]
async fn a_run_the_engine_refuses_is_failed_with_the_engines_message() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    // Facilities proposing does not support regional caps, and the cycle has one.
    let run = queue_run(&svc, &mut paul, f.cycle, "deferred-acceptance-facilities", "").await;
    run_jobs(&app);
    assert_eq!(run_status(&app, run), "failed");
    let page = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    assert!(page.body.contains("The engine refused this run:"));
    assert!(page.body.contains("regional_caps"), "{}", page.body);
    // The job is done, not retried: the failure is the run's, not the runner's.
    let left: i64 = ruralserve::schema::jobs::table
        .filter(ruralserve::schema::jobs::kind.eq("match_run"))
        .count()
        .get_result(&mut app.conn())
        .expect("jobs");
    assert_eq!(left, 0);
    // A failed run cannot be proposed.
    let v = match_runs::table.find(run).select(match_runs::version).first::<i32>(&mut app.conn()).expect("v");
    let refused = paul.post(&svc, &format!("/placement/runs/{run}/propose"), &[("version", &v.to_string())]).await;
    assert_eq!(refused.status, 409);
}

#[actix_web::test]
async fn two_runs_are_compared_side_by_side_with_the_scholars_placed_differently() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let a = queue_run(&svc, &mut paul, f.cycle, "deferred-acceptance", "").await;
    // A second seat at Alpha: S2 gets their first choice in run B.
    let alpha = facility_id(&mut app.conn(), "9001");
    diesel::update(vacancies::table.filter(vacancies::facility_id.eq(alpha)))
        .set(vacancies::seats.eq(2))
        .execute(&mut app.conn())
        .expect("seat");
    let b = queue_run(&svc, &mut paul, f.cycle, "serial-dictatorship", "").await;
    run_jobs(&app);
    let page = paul.get(&svc, &format!("/placement/cycles/{}/compare?a={a}&b={b}", f.cycle)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Scholars placed differently: 1"), "{}", page.body);
    assert!(page.body.contains(&f.scholars[1].1));
    assert!(page.body.contains("mfl:9003") && page.body.contains("mfl:9001"));
    assert!(page.body.contains("Serial dictatorship") && page.body.contains("Deferred acceptance"));
    // A run of another cycle, or a bad number, is not compared.
    assert_eq!(paul.get(&svc, &format!("/placement/cycles/{}/compare?a={a}&b=x", f.cycle)).await.status, 400);
    assert_eq!(paul.get(&svc, &format!("/placement/cycles/{}/compare?a={a}&b=999", f.cycle)).await.status, 404);
}

#[actix_web::test]
async fn publication_needs_a_second_coordinator_writes_placements_and_tells_every_scholar() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let run = queue_run(&svc, &mut paul, f.cycle, "deferred-acceptance", "").await;
    let other = queue_run(&svc, &mut paul, f.cycle, "lottery", "7").await;
    run_jobs(&app);

    // Nothing to see for the scholar before publication.
    let mut s2 = Browser::new();
    s2.log_in(&svc, &f.scholars[1].0, DEMO_PASSWORD).await;
    assert_eq!(s2.get(&svc, &format!("/my/placement/{}/result", f.cycle)).await.status, 404);

    let page = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    let proposed =
        paul.post(&svc, &format!("/placement/runs/{run}/propose"), &[("version", &version_in(&page.body))]).await;
    assert_eq!(proposed.status, 303);
    assert_eq!(run_status(&app, run), "proposed");
    // The proposer cannot publish it.
    let page = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    assert!(page.body.contains("another placement coordinator of your organisation must publish it"));
    let v: i32 = match_runs::table.find(run).select(match_runs::version).first(&mut app.conn()).expect("v");
    let refused = paul.post(&svc, &format!("/placement/runs/{run}/publish"), &[("version", &v.to_string())]).await;
    assert_eq!(refused.status, 409);
    assert!(refused.body.contains("another placement coordinator must publish it (four eyes)"), "{}", refused.body);
    assert_eq!(run_status(&app, run), "proposed");

    // Another coordinator of the funder publishes; a stale second publication is refused.
    let mut grace = Browser::new();
    grace.log_in(&svc, SECOND, DEMO_PASSWORD).await;
    let page = grace.get(&svc, &format!("/placement/runs/{run}")).await;
    let shown = version_in(&page.body);
    let published = grace.post(&svc, &format!("/placement/runs/{run}/publish"), &[("version", &shown)]).await;
    assert_eq!(published.status, 303);
    assert_eq!(run_status(&app, run), "published");
    let again = grace.post(&svc, &format!("/placement/runs/{run}/publish"), &[("version", &shown)]).await;
    assert_eq!(again.status, 409);
    let status: String =
        placement_cycles::table.find(f.cycle).select(placement_cycles::status).first(&mut app.conn()).expect("cycle");
    assert_eq!(status, "published");
    // Every other run of the cycle is read-only now; a new run is a second round, which needs its deadline.
    let v: i32 = match_runs::table.find(other).select(match_runs::version).first(&mut app.conn()).expect("v");
    assert_eq!(
        paul.post(&svc, &format!("/placement/runs/{other}/propose"), &[("version", &v.to_string())]).await.status,
        409
    );
    let late = paul
        .post(
            &svc,
            &format!("/placement/cycles/{}/runs", f.cycle),
            &[("algorithm", ""), ("seed", ""), ("answer_deadline", "")],
        )
        .await;
    assert_eq!(late.status, 422);
    assert!(late.body.contains("Enter the date and time by which scholars placed in this round"), "{}", late.body);

    // One placement per placed scholar, with the choice rank; an e-mail to each scholar.
    let rows: Vec<(i64, Option<i32>)> = placements::table
        .filter(placements::run_id.eq(run))
        .select((placements::facility_id, placements::choice_rank))
        .order(placements::choice_rank)
        .load(&mut app.conn())
        .expect("placements");
    assert_eq!(rows.len(), 3);
    for (email, _) in &f.scholars[..3] {
        let mail = ruralserve::store::outbox::latest_to(&mut app.conn(), email).expect("query").expect("mail");
        assert!(mail.subject.contains("Nursing 2027") && mail.body.contains("/result"), "{}", mail.body);
    }
    let unplaced = ruralserve::store::outbox::latest_to(&mut app.conn(), &f.scholars[3].0).expect("q").expect("mail");
    assert!(unplaced.subject.starts_with("No placement"));
    let mails: i64 =
        outbox::table.filter(outbox::subject.like("%Nursing 2027%")).count().get_result(&mut app.conn()).expect("n");
    assert_eq!(mails, 4);
    let audited: i64 = ruralserve::schema::audit_events::table
        .filter(ruralserve::schema::audit_events::action.eq("publish_match_run"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(audited, 1);
}

pub(crate) async fn publish<S, B>(app: &TestApp, svc: &S, cycle: i64) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut paul = Browser::new();
    paul.log_in(svc, COORDINATOR, DEMO_PASSWORD).await;
    let run = queue_run(svc, &mut paul, cycle, "deferred-acceptance", "").await;
    run_jobs(app);
    let page = paul.get(svc, &format!("/placement/runs/{run}")).await;
    paul.post(svc, &format!("/placement/runs/{run}/propose"), &[("version", &version_in(&page.body))]).await;
    let mut grace = Browser::from_address("10.2.0.2");
    grace.log_in(svc, SECOND, DEMO_PASSWORD).await;
    let page = grace.get(svc, &format!("/placement/runs/{run}")).await;
    let done =
        grace.post(svc, &format!("/placement/runs/{run}/publish"), &[("version", &version_in(&page.body))]).await;
    assert_eq!(done.status, 303);
    run
}

#[actix_web::test]
async fn each_scholar_reads_their_placement_and_why_not_each_higher_choice() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    publish(&app, &svc, f.cycle).await;
    let url = format!("/my/placement/{}/result", f.cycle);

    // S2: Gamma, their third choice; Alpha full with a scholar of tier 1 and score 90; Beta has no seat.
    let mut s2 = Browser::new();
    s2.log_in(&svc, &f.scholars[1].0, DEMO_PASSWORD).await;
    let page = s2.get(&svc, &url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("You are placed at Gamma Sub-County Hospital (Kisumu), your choice number 3."));
    assert!(page.body.contains("priority tier 1 and score 90.00."), "{}", page.body);
    assert!(!page.body.contains(&f.scholars[0].1), "the holder of the seat is never named");
    assert!(page.body.contains("No seat in this cycle"));
    assert!(page.body.contains("2027-02-01") && page.body.contains("2027-01-15 20:00 EAT"));

    // S3: Delta is outside the bond.
    let mut s3 = Browser::new();
    s3.log_in(&svc, &f.scholars[2].0, DEMO_PASSWORD).await;
    let page = s3.get(&svc, &url).await;
    assert!(page.body.contains("Outside the counties your bond allows."), "{}", page.body);

    // S4: unplaced, with the engine's reason and the reason for their only choice.
    let mut s4 = Browser::new();
    s4.log_in(&svc, &f.scholars[3].0, DEMO_PASSWORD).await;
    let page = s4.get(&svc, &url).await;
    assert!(page.body.contains("You could not be placed in this cycle."));
    assert!(page.body.contains("No seat in this cycle"));

    // In French, from the same data.
    s2.post(&svc, "/language", &[("lang", "fr"), ("back", "/")]).await;
    let page = s2.get(&svc, &url).await;
    assert!(page.body.contains("niveau de priorité 1 et le score 90,00."), "{}", page.body);

    // S1 placed at their first choice: nothing to explain.
    let mut s1 = Browser::new();
    s1.log_in(&svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    let page = s1.get(&svc, &url).await;
    assert!(page.body.contains("your choice number 1") && !page.body.contains("Why not"));
}

#[actix_web::test]
async fn the_apis_input_reproduces_its_result_through_the_match_command() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let run = publish(&app, &svc, f.cycle).await;
    let token = api_token(&svc, COORDINATOR).await;
    let req = actix_web::test::TestRequest::get()
        .uri(&format!("/api/v1/match-runs/{run}/input"))
        .insert_header(("Authorization", format!("Bearer {token}")));
    let res = actix_web::test::call_service(&svc, req.to_request()).await;
    assert_eq!(res.status().as_u16(), 200);
    let input = String::from_utf8(actix_web::test::read_body(res).await.to_vec()).expect("utf-8");
    let stored: String = ruralserve::schema::match_run_files::table
        .find(run)
        .select(ruralserve::schema::match_run_files::input)
        .first(&mut app.conn())
        .expect("input");
    assert_eq!(input, stored, "the input is served byte for byte");
    let (status, result) = api_get(&svc, &format!("/api/v1/match-runs/{run}/result"), &token).await;
    assert_eq!(status, 200);
    let rerun: serde_json::Value =
        serde_json::from_str(&ruralserve::domain::matching::run_match_command(&input).expect("the command runs"))
            .expect("json");
    assert_eq!(rerun["assignments"], result["assignments"]);
    assert_eq!(rerun, result);
    // The run's page offers the same two files as downloads to whoever may read the run, and to no one else.
    let mut coordinator = Browser::new();
    coordinator.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let page = coordinator.get(&svc, &format!("/placement/runs/{run}/input.json")).await;
    assert_eq!((page.status, page.body.as_str()), (200, input.as_str()));
    let page = coordinator.get(&svc, &format!("/placement/runs/{run}/result.json")).await;
    let downloaded: serde_json::Value = serde_json::from_str(&page.body).expect("json");
    assert_eq!(downloaded, result);
    assert_eq!(coordinator.get(&svc, &format!("/placement/runs/{run}/other.json")).await.status, 404);
    let mut other = Browser::new();
    other.log_in(&svc, NGO_COORDINATOR, DEMO_PASSWORD).await;
    assert_eq!(other.get(&svc, &format!("/placement/runs/{run}/input.json")).await.status, 404);
    let mut scholar = Browser::new();
    scholar.log_in(&svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    assert_eq!(scholar.get(&svc, &format!("/placement/runs/{run}/input.json")).await.status, 403);
    // Ids are the awards' references and the facilities' registry keys.
    assert!(input.contains(&f.scholars[0].1) && input.contains("mfl:9001"));
    // The same database gives the same bytes.
    let cycle = ruralserve::store::placement_cycles::find(&mut app.conn(), f.cycle).expect("cycle");
    let rules = ruralserve::service::match_runs::RunRules::parse("", 0).expect("rules");
    let main = ruralserve::domain::second_round::Round::Main;
    let today = ruralserve::store::now().date();
    let again =
        ruralserve::service::match_runs::build_request(&mut app.conn(), &cycle, rules, today, main).expect("instance");
    assert_eq!(serde_json::to_string(&again).expect("json") + "\n", input);

    let (status, body) = api_get(&svc, &format!("/api/v1/match-runs/{run}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!((body["status"].as_str(), body["stats"]["matched"].as_u64()), (Some("published"), Some(3)));
    let (status, body) = api_get(&svc, &format!("/api/v1/cycles/{}/runs", f.cycle), &token).await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(1)));
    let (status, body) = api_get(&svc, &format!("/api/v1/placements?cycle={}", f.cycle), &token).await;
    assert_eq!((status, body.as_array().map(Vec::len)), (200, Some(3)));
    // A scholar sees only their own placement.
    let scholar = api_token(&svc, &f.scholars[1].0).await;
    let (status, body) = api_get(&svc, &format!("/api/v1/placements?cycle={}", f.cycle), &scholar).await;
    assert_eq!(status, 200);
    let rows = body.as_array().expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["reference"].as_str(), Some(f.scholars[1].1.as_str()));
    assert_eq!(rows[0]["facility"].as_str(), Some("mfl:9003"));
    assert_eq!(api_get(&svc, "/api/v1/placements?cycle=x", &scholar).await.0, 400);
}

#[actix_web::test]
async fn the_role_by_route_matrix_holds_for_runs_results_and_the_api() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let run = publish(&app, &svc, f.cycle).await;
    let cycle = f.cycle;
    let pages = [
        format!("/placement/cycles/{cycle}/runs"),
        format!("/placement/runs/{run}"),
        format!("/placement/cycles/{cycle}/compare?a={run}&b={run}"),
    ];
    let apis = [
        format!("/api/v1/cycles/{cycle}/runs"),
        format!("/api/v1/match-runs/{run}"),
        format!("/api/v1/match-runs/{run}/input"),
        format!("/api/v1/match-runs/{run}/result"),
        format!("/api/v1/placements?cycle={cycle}"),
    ];
    let result = format!("/my/placement/{cycle}/result");
    // (who, coordinator pages, API, the scholar's result page)
    let cases: [(&str, u16, u16, u16); 9] = [
        (COORDINATOR, 200, 200, 404),
        ("admin@demo.ruralserve.org", 200, 200, 404),
        (NGO_COORDINATOR, 404, 404, 404),
        ("officer@moh.demo.ruralserve.org", 403, 404, 404),
        ("reviewer@moh.demo.ruralserve.org", 403, 404, 404),
        ("compliance@moh.demo.ruralserve.org", 403, 404, 404),
        ("supervisor@moh.demo.ruralserve.org", 403, 404, 404),
        ("applicant@demo.ruralserve.org", 403, 404, 404),
        (f.scholars[1].0.as_str(), 403, 404, 200),
    ];
    for (i, (who, page_status, api_status, result_status)) in cases.into_iter().enumerate() {
        let mut b = Browser::from_address(&format!("10.1.0.{}", i + 1));
        b.log_in(&svc, who, DEMO_PASSWORD).await;
        for path in &pages {
            assert_eq!(b.get(&svc, path).await.status, page_status, "{who} GET {path}");
        }
        assert_eq!(b.get(&svc, &result).await.status, result_status, "{who} GET {result}");
        let token = api_token(&svc, who).await;
        for path in &apis {
            let expected = if path.contains("placements") && who == f.scholars[1].0 { 200 } else { api_status };
            assert_eq!(api_get(&svc, path, &token).await.0, expected, "{who} API {path}");
        }
        // Only a coordinator of the funder may queue or move a run: administrators read only.
        let post = b.post(&svc, &format!("/placement/cycles/{cycle}/runs"), &[("algorithm", ""), ("seed", "")]).await;
        let expected_post = match page_status {
            200 if who == COORDINATOR => 422, // allowed: a second round, which needs its answer deadline
            200 => 403,
            other => other,
        };
        assert_eq!(post.status, expected_post, "{who} POST runs");
        let post = b.post(&svc, &format!("/placement/runs/{run}/propose"), &[("version", "0")]).await;
        let expected_move = if who == COORDINATOR {
            409
        } else if page_status == 404 {
            404
        } else {
            403
        };
        assert_eq!(post.status, expected_move, "{who} POST propose");
    }
    let mut anonymous = Browser::new();
    for path in pages.iter().chain([&result]) {
        assert_eq!(anonymous.get(&svc, path).await.status, 303, "anonymous GET {path}");
    }
    for path in &apis {
        assert_eq!(api_get(&svc, path, "nonsense").await.0, 401, "anonymous API {path}");
    }
}

/// A national cycle's run page reads one page of lines by index: the demo's ministry cycle (201 scholars) is
/// run, its lines are stored in order (placed by reference, then the unplaced), and each page shows its 50.
#[actix_web::test]
async fn a_runs_page_shows_its_lines_fifty_at_a_time_from_the_stored_lines() {
    let app = TestApp::new();
    ruralserve::demo::load(&mut app.conn(), "http://localhost").expect("demo");
    let cycle: i64 = ruralserve::schema::placement_cycles::table
        .filter(ruralserve::schema::placement_cycles::status.eq("open"))
        .select(ruralserve::schema::placement_cycles::id)
        .first(&mut app.conn())
        .expect("the open demo cycle");
    let svc = service!(app);
    let mut paul = Browser::new();
    paul.log_in(&svc, "placement@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    let run = queue_run(&svc, &mut paul, cycle, "deferred-acceptance", "").await;
    run_jobs(&app);
    assert_eq!(run_status(&app, run), "done");

    use ruralserve::schema::match_run_lines as l;
    let lines: Vec<(i32, String, Option<i64>)> = l::table
        .filter(l::run_id.eq(run))
        .order(l::position)
        .select((l::position, l::reference, l::facility_id))
        .load(&mut app.conn())
        .expect("lines");
    assert_eq!(lines.len(), 201, "one line per scholar");
    let placed = lines.iter().take_while(|x| x.2.is_some()).count();
    assert!(placed > 100 && placed < 201, "placed {placed}");
    assert!(lines[placed..].iter().all(|x| x.2.is_none()), "the unplaced come after the placed");
    assert!(lines[..placed].windows(2).all(|w| w[0].1 < w[1].1), "placed by reference");

    let first = paul.get(&svc, &format!("/placement/runs/{run}")).await;
    assert_eq!(first.status, 200);
    let pages = placed.div_ceil(50);
    assert!(first.body.contains(&format!("Page 1 of {pages}")), "{}", first.body);
    assert!(first.body.contains(&lines[49].1) && !first.body.contains(&lines[50].1));
    let second = paul.get(&svc, &format!("/placement/runs/{run}?page=2&unplaced_page=1")).await;
    assert!(second.body.contains(&lines[50].1) && !second.body.contains(&lines[49].1));
    assert!(second.body.contains(&format!("Page 2 of {pages}")));
    // The unplaced have their own pager; a page past the end shows the last.
    assert!(second.body.contains(&lines[placed].1), "the first unplaced scholar, with the engine's reason");
    let last = paul.get(&svc, &format!("/placement/runs/{run}?page=999")).await;
    assert!(last.body.contains(&format!("Page {pages} of {pages}")));
    assert!(last.body.contains(&lines[placed - 1].1));
    // The figures come from the stored summary, the same as the report's.
    let report: serde_json::Value = serde_json::from_str(
        &ruralserve::schema::match_run_files::table
            .find(run)
            .select(ruralserve::schema::match_run_files::report)
            .first::<Option<String>>(&mut app.conn())
            .expect("r")
            .expect("report"),
    )
    .expect("json");
    let matched = report["stats"]["matched"].as_u64().expect("matched");
    assert_eq!(matched as usize, placed);
    assert!(first.body.contains(&format!("{matched} / 201")));
}
