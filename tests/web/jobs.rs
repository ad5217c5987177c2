//! The job runner: an offer lapses at its deadline (on the runner's clock, not before), pages after a
//! deadline show the lapse without writing anything, a failing job is retried later and shown to
//! administrators, and two workers on one database share a thousand jobs, each claimed once.

use chrono::{Duration, NaiveDateTime, SubsecRound};
use diesel::prelude::*;

use crate::common::*;
use ruralserve::domain::jobs::Job;
use ruralserve::schema::{applications, audit_events, awards, calls, jobs, users};
use ruralserve::service::jobs::run_due;

const OFFICER: &str = "officer@moh.demo.ruralserve.org";
const APPROVER: &str = "approver@moh.demo.ruralserve.org";

fn actor_of(app: &TestApp, email: &str) -> ruralserve::service::Actor {
    let user = ruralserve::store::users::find_by_email(&mut app.conn(), email).expect("query").expect("user");
    ruralserve::service::Actor::from_user(&user, "10.0.0.2").expect("actor")
}

fn status_and_version(app: &TestApp, award: i64) -> (String, i32) {
    awards::table.find(award).select((awards::status, awards::version)).first(&mut app.conn()).expect("award")
}

fn audit_rows(app: &TestApp) -> i64 {
    audit_events::table.count().get_result(&mut app.conn()).expect("count")
}

fn lapses_of(app: &TestApp, award: i64) -> Vec<String> {
    audit_events::table
        .filter(audit_events::action.eq("lapse_award"))
        .filter(audit_events::entity_id.eq(award.to_string()))
        .select(audit_events::client_addr)
        .load(&mut app.conn())
        .expect("audit")
}

/// The ministry's call cut to one seat, its first ranked applicant offered the award with `deadline`.
/// Returns the call, the award and the scholar's e-mail.
fn one_seat_offered(app: &TestApp, deadline: NaiveDateTime) -> (i64, i64, String) {
    use ruralserve::service::awards as service;
    let call: i64 = calls::table
        .filter(calls::title.eq("Rural Nursing Scholarship intake"))
        .select(calls::id)
        .first(&mut app.conn())
        .expect("the ministry's call");
    diesel::update(calls::table.find(call)).set(calls::seats.eq(1)).execute(&mut app.conn()).expect("one seat");
    let (officer, approver) = (actor_of(app, OFFICER), actor_of(app, APPROVER));
    let conn = &mut app.conn();
    assert_eq!(service::propose_line(conn, &officer, call).expect("proposal"), 1);
    let (award, application): (i64, i64) = awards::table
        .filter(awards::call_id.eq(call))
        .select((awards::id, awards::application_id))
        .first(conn)
        .expect("the award");
    service::decide(conn, &approver, award, 1, true).expect("approved");
    let i18n = ruralserve::i18n::I18n::shared().expect("translations");
    service::offer(conn, i18n, "http://localhost", &officer, award, 2, deadline).expect("offered");
    let email: String = applications::table
        .inner_join(users::table)
        .filter(applications::id.eq(application))
        .select(users::email)
        .first(conn)
        .expect("the scholar");
    (call, award, email)
}

#[actix_web::test]
async fn a_lapse_job_fires_at_its_time_and_not_before() {
    let app = TestApp::new().with_demo();
    let deadline = (chrono::Utc::now().naive_utc() + Duration::days(3)).trunc_subsecs(0);
    let (call, award, _) = one_seat_offered(&app, deadline);
    let officer = actor_of(&app, OFFICER);
    let seats_held =
        || ruralserve::service::awards::ranking(&mut app.conn(), &officer, call).expect("ranking").seats_held;
    assert_eq!(seats_held(), 1);

    // At the deadline itself the scholar may still answer: nothing lapses.
    run_due(&mut app.conn(), deadline, None).expect("round");
    assert_eq!(status_and_version(&app, award), ("offered".into(), 3));
    assert!(lapses_of(&app, award).is_empty());

    // The second after it, the job lapses the offer, audited as the worker's, and the seat is free.
    let round = run_due(&mut app.conn(), deadline + Duration::seconds(1), None).expect("round");
    assert!(round.done >= 1 && round.failed == 0, "{round:?}");
    assert_eq!(status_and_version(&app, award), ("lapsed".into(), 4));
    assert_eq!(lapses_of(&app, award), vec!["worker".to_string()]);
    assert_eq!(seats_held(), 0, "the lapsed offer's seat is back on the line");
    let left: i64 = jobs::table.filter(jobs::kind.eq("lapse_offer")).count().get_result(&mut app.conn()).expect("n");
    assert_eq!(left, 0, "the job is done");
    // Running again changes nothing.
    run_due(&mut app.conn(), deadline + Duration::minutes(5), None).expect("round");
    assert_eq!(lapses_of(&app, award).len(), 1);
}

#[actix_web::test]
async fn pages_after_a_deadline_show_the_offer_lapsed_and_write_nothing() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let (call, award, scholar_email) = one_seat_offered(&app, chrono::Utc::now().naive_utc() + Duration::days(3));
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let mut scholar = Browser::new();
    scholar.log_in(&svc, &scholar_email, DEMO_PASSWORD).await;
    let ranking = officer.get(&svc, &format!("/funder/calls/{call}/ranking")).await;
    assert!(!ranking.body.contains("name=\"application_id\""), "the one seat is held: {}", ranking.body);

    // The deadline passes; the job runner has not run yet.
    diesel::update(awards::table.find(award))
        .set(awards::offer_deadline.eq(chrono::Utc::now().naive_utc() - Duration::hours(1)))
        .execute(&mut app.conn())
        .expect("expire");
    let (audits, stored) = (audit_rows(&app), status_and_version(&app, award));
    let token = api_token(&svc, OFFICER).await;
    let audits_with_token = audit_rows(&app);
    assert!(audits_with_token >= audits);

    let ranking = officer.get(&svc, &format!("/funder/calls/{call}/ranking")).await;
    assert_eq!(ranking.status, 200);
    assert!(ranking.body.contains("Lapsed (not accepted in time)"), "{}", ranking.body);
    assert!(ranking.body.contains("name=\"application_id\""), "its seat reads as free: {}", ranking.body);
    for browser in [&mut officer, &mut scholar] {
        let page = browser.get(&svc, &format!("/awards/{award}")).await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("Lapsed (not accepted in time)"), "{}", page.body);
    }
    let (status, body) = api_get(&svc, &format!("/api/v1/awards/{award}"), &token).await;
    assert_eq!(status, 200);
    assert!(body.to_string().contains("lapsed"), "{body}");
    let list = officer.get(&svc, "/funder/awards").await;
    assert!(list.body.contains("Lapsed (not accepted in time)"), "{}", list.body);

    assert_eq!(audit_rows(&app), audits_with_token, "no GET wrote an audit row");
    assert_eq!(status_and_version(&app, award), stored, "no GET changed the award");
    assert_eq!(stored.0, "offered");

    // An answer after the deadline is still refused.
    let late = scholar
        .post(
            &svc,
            &format!("/awards/{award}/respond"),
            &[("version", &stored.1.to_string()), ("response", "accept"), ("typed_name", "x"), ("agreed", "yes")],
        )
        .await;
    assert_eq!(late.status, 409);
}

#[actix_web::test]
async fn a_failing_job_is_retried_later_and_shown_to_administrators() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let now = chrono::Utc::now().naive_utc().trunc_subsecs(0);
    let missing = 987_654;
    let job = ruralserve::store::jobs::enqueue(&mut app.conn(), Job::ReportHolds { award_id: missing }, now)
        .expect("enqueued");
    let row = || -> (i32, Option<String>, NaiveDateTime) {
        jobs::table
            .find(job)
            .select((jobs::attempts, jobs::last_error, jobs::due_at))
            .first(&mut app.conn())
            .expect("the job is kept")
    };

    let round = run_due(&mut app.conn(), now, None).expect("round");
    assert_eq!(round.failed, 1, "{round:?}");
    let (attempts, error, next) = row();
    assert_eq!(attempts, 1);
    assert!(error.as_deref().is_some_and(|e| e.contains("not found")), "{error:?}");
    assert_eq!(next, now + Duration::minutes(2));
    // Not before its next try; then again, waiting longer.
    assert_eq!(run_due(&mut app.conn(), now + Duration::minutes(1), None).expect("round").failed, 0);
    assert_eq!(row().0, 1);
    assert_eq!(run_due(&mut app.conn(), next, None).expect("round").failed, 1);
    let (attempts, _, later) = row();
    assert_eq!((attempts, later), (2, next + Duration::minutes(4)));

    let mut admin = Browser::new();
    admin.log_in(&svc, "admin@demo.ruralserve.org", DEMO_PASSWORD).await;
    let home = admin.get(&svc, "/admin").await;
    assert!(home.body.contains("href=\"/admin/jobs\""));
    let page = admin.get(&svc, "/admin/jobs").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Hold or release payments for overdue reports"), "{}", page.body);
    assert!(page.body.contains(&format!("/awards/{missing}")), "{}", page.body);
    assert!(page.body.contains("not found"), "{}", page.body);
    assert!(page.body.contains(&(later.format("%Y-%m-%d %H:%M:%S").to_string() + " UTC")), "{}", page.body);
}

#[actix_web::test]
async fn two_workers_claim_each_of_a_thousand_jobs_exactly_once() {
    use std::collections::BTreeMap;
    let app = TestApp::new();
    let now = chrono::Utc::now().naive_utc();
    let ours: Vec<i64> = ruralserve::db::write_transaction(&mut app.conn(), |conn| {
        (1..=1000).map(|i| ruralserve::store::jobs::enqueue(conn, Job::LapseOffer { award_id: i }, now)).collect()
    })
    .expect("enqueued");
    let start = std::sync::Barrier::new(2);
    let claims: Vec<Vec<i64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let mut conn = app.conn();
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    let mut mine = vec![];
                    loop {
                        let claimed = ruralserve::store::jobs::claim_due(&mut conn, now, 25).expect("claim");
                        if claimed.is_empty() {
                            return mine;
                        }
                        for job in claimed {
                            let lease = job.leased_until.expect("leased");
                            ruralserve::store::jobs::complete(&mut conn, job.id, lease).expect("complete");
                            mine.push(job.id);
                        }
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).collect()
    });
    let mut times: BTreeMap<i64, usize> = BTreeMap::new();
    for id in claims.iter().flatten() {
        *times.entry(*id).or_default() += 1;
    }
    assert!(times.values().all(|n| *n == 1), "a job was claimed twice");
    assert!(ours.iter().all(|id| times.get(id) == Some(&1)), "every job was claimed once");
    let left: i64 = jobs::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(left, 0);
}

#[actix_web::test]
async fn the_daily_sweep_holds_payments_for_an_overdue_report_and_the_award_page_does_not() {
    use chrono::Datelike;
    use ruralserve::schema::payments;
    use ruralserve::service::awards as service;
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    // Support began a year ago: the first term's report is more than 30 days late.
    let today = chrono::Utc::now().date_naive();
    let start = chrono::NaiveDate::from_ymd_opt(today.year() - 1, today.month(), 1).expect("date");
    let deadline = chrono::Utc::now().naive_utc() + Duration::days(3);
    let (_, award, scholar_email) = one_seat_offered(&app, deadline);
    diesel::update(awards::table.find(award))
        .set(awards::support_starts_on.eq(start))
        .execute(&mut app.conn())
        .expect("support start");
    let (officer, scholar) = (actor_of(&app, OFFICER), actor_of(&app, &scholar_email));
    let name: String = applications::table
        .inner_join(awards::table)
        .filter(awards::id.eq(award))
        .select(applications::full_name)
        .first(&mut app.conn())
        .expect("name");
    service::respond(&mut app.conn(), &scholar, award, 3, true, &name, true).expect("accepted");
    service::countersign(&mut app.conn(), &officer, award, 4).expect("countersigned");
    let held = || -> i64 {
        payments::table
            .filter(payments::award_id.eq(award))
            .filter(payments::held_for.eq("report_overdue"))
            .count()
            .get_result(&mut app.conn())
            .expect("count")
    };
    assert!(held() > 0, "the countersignature applies the hold at once");
    // As if the report had fallen overdue since: the payments are back to scheduled.
    diesel::update(payments::table.filter(payments::award_id.eq(award)))
        .set((payments::status.eq("scheduled"), payments::held_for.eq(None::<String>)))
        .execute(&mut app.conn())
        .expect("scheduled");

    let mut browser = Browser::new();
    browser.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let audits = audit_rows(&app);
    let page = browser.get(&svc, &format!("/awards/{award}")).await;
    assert!(page.body.contains("more than 30 days late"), "the page says why, from the reports: {}", page.body);
    assert_eq!((held(), audit_rows(&app)), (0, audits), "reading the award holds nothing");

    // The sweep (due at once after the migration) queues a job per active award, which applies the hold.
    let round = run_due(&mut app.conn(), chrono::Utc::now().naive_utc(), None).expect("round");
    assert_eq!(round.failed, 0, "{round:?}");
    assert!(held() > 0, "the job holds the payments");
    let by_worker: Vec<String> = audit_events::table
        .filter(audit_events::action.eq("hold_payments_report_overdue"))
        .filter(audit_events::entity_id.eq(award.to_string()))
        .select(audit_events::client_addr)
        .load(&mut app.conn())
        .expect("audit");
    assert_eq!(by_worker.last().map(String::as_str), Some("worker"));
    let next_sweep: NaiveDateTime = jobs::table
        .filter(jobs::kind.eq("report_holds_sweep"))
        .select(jobs::due_at)
        .first(&mut app.conn())
        .expect("the next sweep is queued");
    assert_eq!(next_sweep, (today + Duration::days(1)).and_hms_opt(0, 0, 0).expect("midnight"));
}

/// A match run a coordinator queued is claimed before a national batch of routine checks that fell due earlier,
/// so that the run does not wait behind 100,000 of them.
#[actix_web::test]
async fn a_match_run_is_claimed_before_routine_jobs_due_earlier() {
    let app = TestApp::new();
    let now = chrono::Utc::now().naive_utc();
    let earlier = now - chrono::Duration::hours(1);
    ruralserve::db::write_transaction(&mut app.conn(), |conn| {
        for award_id in 1..=120 {
            ruralserve::store::jobs::enqueue(conn, Job::ReportHolds { award_id }, earlier)?;
        }
        ruralserve::store::jobs::enqueue(conn, Job::MatchRun { run_id: 7 }, now)
    })
    .expect("enqueued");
    let claimed = ruralserve::store::jobs::claim_due(&mut app.conn(), now, 50).expect("claim");
    assert_eq!(claimed.len(), 50);
    assert_eq!(claimed[0].kind, "match_run", "the run comes first");
    assert_eq!(claimed[0].priority, 10);
    assert!(claimed[1..].iter().all(|j| j.kind != "match_run" && j.priority == 0));
}
