//! The start of service and transfers (issue 12, points 5 and 6): a supervisor confirms an arrival at their
//! facility only, with the date's rules; the job at the end of the window flags who has not started, once;
//! a transfer asked for by the scholar (or a coordinator), approved by one of two coordinators at once, closing
//! the period the day before; the programme's limit; notices; and the role × route matrix.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::common::*;
use ruralserve::schema::{
    applications, audit_events, awards, calls, compliance_flags, cycle_scholars, facilities, outbox, placement_cycles,
    placement_transfers, placements, programmes, service_periods, users, vacancies,
};

const SUPERVISOR: &str = "supervisor@moh.demo.ruralserve.org";
const OTHER_SUPERVISOR: &str = "supervisor2@moh.demo.ruralserve.org";
const COORDINATOR: &str = "placement@moh.demo.ruralserve.org";
const SECOND: &str = "placement2@moh.demo.ruralserve.org";
const NGO_COORDINATOR: &str = "placement@rhsf.demo.ruralserve.org";
const COMPLIANCE: &str = "compliance@moh.demo.ruralserve.org";
const OFFICER: &str = "officer@moh.demo.ruralserve.org";

const FACILITIES: &str = "code,name,keph_level,facility_type,owner_type,county,sub_county,ward,beds,latitude,longitude
9001,Alpha Health Centre,Level 3,Health Centre,Ministry of Health,Nairobi,Kibra,Ward A,10,-1.3,36.8
9002,Beta Dispensary,Level 2,Dispensary,Ministry of Health,Nairobi,Kibra,Ward B,2,-1.3,36.8
9003,Gamma Sub-County Hospital,Level 4,Hospital,Ministry of Health,Kisumu,Kisumu East,Ward C,40,-0.1,34.7
9004,Delta Health Centre,Level 3,Health Centre,Ministry of Health,Mombasa,Mvita,Ward D,12,-4.0,39.6
";

struct Fixture {
    cycle: i64,
    programme: i64,
    /// (e-mail, cycle scholar id, placement id): S1 accepted at Alpha, S2 accepted at Gamma.
    scholars: Vec<(String, i64, i64)>,
}

fn today() -> NaiveDate {
    ruralserve::store::now().date()
}

fn noon(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(12, 0, 0).expect("time")
}

fn user_id(conn: &mut ruralserve::db::PooledConn, email: &str) -> i64 {
    users::table.filter(users::email.eq(email)).select(users::id).first(conn).expect("user")
}

fn facility_id(conn: &mut ruralserve::db::PooledConn, code: &str) -> i64 {
    facilities::table.filter(facilities::code.eq(code)).select(facilities::id).first(conn).expect("facility")
}

fn add_user(conn: &mut ruralserve::db::PooledConn, email: &str, role: &str, org: &str) {
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
            full_name: "Second Staff",
            role,
            organisation_id: Some(org.id),
            email_verified: true,
            language: "en",
        },
    )
    .expect("user");
}

/// A ministry cycle published ten days ago whose start window runs from five days ago to twenty days on; two
/// scholars who accepted (S1 at Alpha, supervised by the demo's supervisor; S2 at Gamma, by a second one).
fn fixture(app: &TestApp) -> Fixture {
    let mut conn = app.conn();
    let conn = &mut conn;
    add_user(conn, SECOND, "placement_coordinator", "MOH");
    add_user(conn, NGO_COORDINATOR, "placement_coordinator", "RHSF");
    add_user(conn, OTHER_SUPERVISOR, "facility_supervisor", "MOH");
    let report = ruralserve::service::facilities::import_csv(conn, FACILITIES.as_bytes()).expect("import");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    for (code, eligible) in [("9001", true), ("9002", false), ("9003", true), ("9004", true)] {
        diesel::update(facilities::table.filter(facilities::code.eq(code)))
            .set(facilities::eligible.eq(eligible))
            .execute(conn)
            .expect("eligibility");
    }
    let coordinator = user_id(conn, COORDINATOR);
    let moh = ruralserve::store::organisations::find_by_code(conn, "MOH").expect("query").expect("moh").id;
    let (call, programme): (i64, i64) = calls::table
        .inner_join(programmes::table)
        .filter(programmes::organisation_id.eq(moh))
        .select((calls::id, programmes::id))
        .first(conn)
        .expect("the ministry's call");
    let t = today();
    let cycle: i64 = diesel::insert_into(placement_cycles::table)
        .values((
            placement_cycles::organisation_id.eq(moh),
            placement_cycles::title.eq("Nursing service"),
            placement_cycles::cadre.eq("nursing"),
            placement_cycles::graduation_from.eq(t - Duration::days(90)),
            placement_cycles::graduation_until.eq(t - Duration::days(30)),
            placement_cycles::choices_open_at.eq(noon(t - Duration::days(60))),
            placement_cycles::choices_close_at.eq(noon(t - Duration::days(40))),
            placement_cycles::match_on.eq(t - Duration::days(12)),
            placement_cycles::publish_on.eq(t - Duration::days(10)),
            placement_cycles::acceptance_deadline.eq(noon(t - Duration::days(6))),
            placement_cycles::appeal_until.eq(t - Duration::days(6)),
            placement_cycles::service_start_from.eq(t - Duration::days(5)),
            placement_cycles::service_start_until.eq(t + Duration::days(20)),
            placement_cycles::max_choices.eq(10),
            placement_cycles::status.eq("published"),
            placement_cycles::created_by.eq(coordinator),
            placement_cycles::created_at.eq(noon(t - Duration::days(70))),
        ))
        .returning(placement_cycles::id)
        .get_result(conn)
        .expect("cycle");
    let found: Vec<(i64, String)> = applications::table
        .inner_join(users::table)
        .filter(applications::call_id.eq(call))
        .filter(applications::reference.is_not_null())
        .order(applications::reference.asc())
        .select((applications::id, users::email))
        .limit(2)
        .load(conn)
        .expect("applications");
    let mut scholars = Vec::new();
    for ((application, email), code) in found.into_iter().zip(["9001", "9003"]) {
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
                awards::terms_effective_from.eq(t - Duration::days(1000)),
                awards::proposed_by.eq(coordinator),
                awards::proposed_at.eq(noon(t - Duration::days(1000))),
                awards::version.eq(1),
            ))
            .returning(awards::id)
            .get_result(conn)
            .expect("award");
        let scholar: i64 = diesel::insert_into(cycle_scholars::table)
            .values((cycle_scholars::cycle_id.eq(cycle), cycle_scholars::award_id.eq(award)))
            .returning(cycle_scholars::id)
            .get_result(conn)
            .expect("cycle scholar");
        let placement: i64 = diesel::insert_into(placements::table)
            .values((
                placements::cycle_scholar_id.eq(scholar),
                placements::award_id.eq(award),
                placements::facility_id.eq(facility_id(conn, code)),
                placements::choice_rank.eq(1),
                placements::published_at.eq(noon(t - Duration::days(10))),
                placements::status.eq("accepted"),
                placements::answered_at.eq(noon(t - Duration::days(8))),
            ))
            .returning(placements::id)
            .get_result(conn)
            .expect("placement");
        scholars.push((email, scholar, placement));
    }
    for code in ["9001", "9002", "9003", "9004"] {
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(cycle),
                vacancies::facility_id.eq(facility_id(conn, code)),
                vacancies::seats.eq(2),
                vacancies::updated_by.eq(coordinator),
                vacancies::updated_at.eq(noon(t - Duration::days(70))),
            ))
            .execute(conn)
            .expect("vacancy");
    }
    let admin = user_id(conn, "admin@demo.ruralserve.org");
    for (email, code) in [(SUPERVISOR, "9001"), (OTHER_SUPERVISOR, "9003")] {
        let supervisor = user_id(conn, email);
        let facility = facility_id(conn, code);
        ruralserve::store::facilities::attach_supervisor(conn, supervisor, facility, admin).expect("attach");
    }
    Fixture { cycle, programme, scholars }
}

fn placement_of(app: &TestApp, id: i64) -> ruralserve::store::placements::Placement {
    ruralserve::store::placements::find(&mut app.conn(), id).expect("placement")
}

fn mails_to(app: &TestApp, email: &str) -> Vec<(String, String)> {
    outbox::table
        .filter(outbox::recipient.eq(email))
        .select((outbox::subject, outbox::body))
        .order(outbox::id.asc())
        .load(&mut app.conn())
        .expect("outbox")
}

fn version_of_form(body: &str, action: &str) -> String {
    let at = body.find(action).unwrap_or_else(|| panic!("no form posting to {action}"));
    version_in(&body[at..])
}

#[actix_web::test]
async fn a_supervisor_confirms_an_arrival_at_their_facility_which_starts_service() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (s1_email, _, p1) = f.scholars[0].clone();
    let (_, _, p2) = f.scholars[1].clone();

    let mut sam = Browser::new();
    sam.log_in(&svc, SUPERVISOR, DEMO_PASSWORD).await;
    let page = sam.get(&svc, "/supervisor").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Arriving scholars"), "{}", page.body);
    let action = format!("/supervisor/placements/{p1}/start");
    assert!(page.body.contains(&action), "S1 is arriving at Alpha");
    assert!(!page.body.contains(&format!("/supervisor/placements/{p2}/start")), "S2 is at another facility");
    let version = version_of_form(&page.body, &action);

    // The date's rules, next to the field: not in the future, not before the placement.
    let tomorrow = (today() + Duration::days(1)).to_string();
    let refused = sam.post(&svc, &action, &[("version", &version), ("started_on", &tomorrow)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("The first day cannot be in the future"), "{}", refused.body);
    let before = (today() - Duration::days(11)).to_string();
    let refused = sam.post(&svc, &action, &[("version", &version), ("started_on", &before)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("cannot be before the placement was published"));
    let refused = sam.post(&svc, &action, &[("version", &version), ("started_on", "")]).await;
    assert_eq!(refused.status, 422);
    assert_eq!(placement_of(&app, p1).status, "accepted", "nothing changed");

    // Another facility's supervisor cannot start S1, nor S2's own supervisor through S1's address.
    let mut other = Browser::from_address("10.3.0.2");
    other.log_in(&svc, OTHER_SUPERVISOR, DEMO_PASSWORD).await;
    let day = today().to_string();
    let denied = other.post(&svc, &action, &[("version", &version), ("started_on", &day)]).await;
    assert_eq!(denied.status, 404);
    assert_eq!(placement_of(&app, p1).status, "accepted");

    // Eight days before the window's start would be late; inside the window is on time.
    let started_on = (today() - Duration::days(2)).to_string();
    let done = sam.post(&svc, &action, &[("version", &version), ("started_on", &started_on)]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let p = placement_of(&app, p1);
    assert_eq!(p.status, "started");
    assert_eq!(p.started_on, Some(today() - Duration::days(2)));
    assert!(!p.start_late);
    assert_eq!(p.start_confirmed_by, Some(user_id(&mut app.conn(), SUPERVISOR)));
    let periods: Vec<(i64, NaiveDate, Option<NaiveDate>)> = service_periods::table
        .filter(service_periods::award_id.eq(p.award_id))
        .select((service_periods::placement_id, service_periods::starts_on, service_periods::ends_on))
        .load(&mut app.conn())
        .expect("periods");
    assert_eq!(periods, vec![(p1, today() - Duration::days(2), None)], "the first period is open");
    let audited: i64 = audit_events::table
        .filter(audit_events::action.eq("placement.start_confirmed"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(audited, 1);
    let mails = mails_to(&app, &s1_email);
    assert!(mails.iter().any(|(s, b)| s.contains("Alpha Health Centre") && b.contains("started on")), "{mails:?}");
    let page = sam.get(&svc, "/supervisor").await;
    assert!(page.body.contains("Serving here"));
    assert!(!page.body.contains(&action), "no second confirmation");

    // The same form again (a second tab): refused, nothing doubled.
    let again = sam.post(&svc, &action, &[("version", &version), ("started_on", &day)]).await;
    assert_eq!(again.status, 409);

    // S2's supervisor confirms a late start? Before the window is impossible here (published ten days ago, window
    // from five days ago), so a date between publication and the window: accepted and flagged late.
    let page = other.get(&svc, "/supervisor").await;
    let action2 = format!("/supervisor/placements/{p2}/start");
    let v2 = version_of_form(&page.body, &action2);
    let early = (today() - Duration::days(7)).to_string();
    let done = other.post(&svc, &action2, &[("version", &v2), ("started_on", &early)]).await;
    assert_eq!(done.status, 303);
    assert!(placement_of(&app, p2).start_late, "outside the window: flagged late");
    let page = other.get(&svc, "/supervisor").await;
    assert!(page.body.contains("outside the start window"));
}

#[actix_web::test]
async fn scholars_not_started_by_the_end_of_the_window_are_flagged_once_by_the_job() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (_, _, p1) = f.scholars[0].clone();
    let (_, _, p2) = f.scholars[1].clone();
    // S1 starts; S2 never does.
    let mut sam = Browser::new();
    sam.log_in(&svc, SUPERVISOR, DEMO_PASSWORD).await;
    let page = sam.get(&svc, "/supervisor").await;
    let action = format!("/supervisor/placements/{p1}/start");
    let version = version_of_form(&page.body, &action);
    let day = today().to_string();
    assert_eq!(sam.post(&svc, &action, &[("version", &version), ("started_on", &day)]).await.status, 303);

    let until = today() + Duration::days(20);
    let due = ruralserve::domain::jobs::service_start_due(until);
    ruralserve::store::jobs::enqueue(
        &mut app.conn(),
        ruralserve::domain::jobs::Job::ServiceStartDue { cycle_id: f.cycle },
        due,
    )
    .expect("job");
    // Not before it is due.
    ruralserve::service::jobs::run_due(&mut app.conn(), noon(until), None).expect("run");
    let count: i64 = compliance_flags::table.count().get_result(&mut app.conn()).expect("flags");
    assert_eq!(count, 0, "the window's last day is still in time");
    let round = ruralserve::service::jobs::run_due(&mut app.conn(), due, None).expect("run");
    assert_eq!(round.failed, 0);
    let flags: Vec<(i64, String)> = compliance_flags::table
        .select((compliance_flags::placement_id.assume_not_null(), compliance_flags::kind))
        .load(&mut app.conn())
        .expect("flags");
    assert_eq!(flags, vec![(p2, "service_not_started".to_string())], "only the scholar who did not start");
    let told = mails_to(&app, COMPLIANCE);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].0.contains("Nursing service"));

    // Run again (a retried job): nothing new, nobody told twice.
    ruralserve::store::jobs::enqueue(
        &mut app.conn(),
        ruralserve::domain::jobs::Job::ServiceStartDue { cycle_id: f.cycle },
        due,
    )
    .expect("job");
    let round = ruralserve::service::jobs::run_due(&mut app.conn(), due, None).expect("run");
    assert_eq!((round.done, round.failed), (1, 0));
    let count: i64 = compliance_flags::table.count().get_result(&mut app.conn()).expect("flags");
    assert_eq!(count, 1);
    assert_eq!(mails_to(&app, COMPLIANCE).len(), 1);
}

/// Starts S1 at Alpha today through the supervisor's page.
async fn start_s1<S, B>(svc: &S, placement: i64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut sam = Browser::from_address("10.3.0.9");
    sam.log_in(svc, SUPERVISOR, DEMO_PASSWORD).await;
    let page = sam.get(svc, "/supervisor").await;
    let action = format!("/supervisor/placements/{placement}/start");
    let version = version_of_form(&page.body, &action);
    let day = today().to_string();
    assert_eq!(sam.post(svc, &action, &[("version", &version), ("started_on", &day)]).await.status, 303);
}

#[actix_web::test]
async fn a_transfer_takes_effect_only_when_one_of_two_coordinators_approves_it() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (s1_email, _, p1) = f.scholars[0].clone();
    let url = format!("/my/placement/{}/transfer", f.cycle);

    // Before service starts there is nothing to transfer.
    let mut s1 = Browser::new();
    s1.log_in(&svc, &s1_email, DEMO_PASSWORD).await;
    assert_eq!(s1.get(&svc, &url).await.status, 404);
    start_s1(&svc, p1).await;

    let page = s1.get(&svc, &url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Transfers so far: 0 (limit: no limit)"), "{}", page.body);
    assert!(page.body.contains("Delta Health Centre") && page.body.contains("Gamma Sub-County Hospital"));
    assert!(!page.body.contains("Beta Dispensary"), "not eligible");
    let delta = facility_id(&mut app.conn(), "9004").to_string();
    let beta = facility_id(&mut app.conn(), "9002").to_string();

    // What a browser posts with nothing filled in, then an ineligible facility and a date not after the start.
    let empty = s1.post(&svc, &url, &[("facility_id", ""), ("effective_on", ""), ("reason", "")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Choose a facility in the bond that is eligible now."));
    let day = today().to_string();
    let bad = s1.post(&svc, &url, &[("facility_id", &beta), ("effective_on", &day), ("reason", "Family")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("The transfer must take effect after the current period started."));
    assert!(bad.body.contains("Family"), "what was typed is kept");
    let effective = today() + Duration::days(10);
    let eff = effective.to_string();
    let asked = s1.post(&svc, &url, &[("facility_id", &delta), ("effective_on", &eff), ("reason", "Family")]).await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    assert!(mails_to(&app, COORDINATOR).iter().any(|(s, _)| s.starts_with("Transfer asked for")));
    assert_eq!(placement_of(&app, p1).status, "started", "nothing moves before approval");

    // Two coordinators on the decision page at once: exactly one approval succeeds.
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let mut pam = Browser::from_address("10.2.0.2");
    pam.log_in(&svc, SECOND, DEMO_PASSWORD).await;
    let list = format!("/placement/cycles/{}/transfers", f.cycle);
    let page_paul = paul.get(&svc, &list).await;
    let page_pam = pam.get(&svc, &list).await;
    assert_eq!(page_paul.status, 200);
    assert!(page_paul.body.contains("Transfers so far: 0 (limit: no limit)"));
    let transfer: i64 = placement_transfers::table.select(placement_transfers::id).first(&mut app.conn()).expect("t");
    let approve = format!("/placement/cycles/{}/transfers/{transfer}/approve", f.cycle);
    let (va, vb) = (version_of_form(&page_paul.body, &approve), version_of_form(&page_pam.body, &approve));
    let first = paul.post(&svc, &approve, &[("version", &va)]).await;
    let second = pam.post(&svc, &approve, &[("version", &vb)]).await;
    assert_eq!((first.status, second.status), (303, 409));

    let old = placement_of(&app, p1);
    assert_eq!(old.status, "transferred");
    assert_eq!(old.ended_on, Some(effective - Duration::days(1)));
    let new = ruralserve::store::placements::live_of(&mut app.conn(), old.cycle_scholar_id).expect("q").expect("live");
    assert_eq!((new.origin.as_str(), new.status.as_str()), ("transfer", "started"));
    assert_eq!(new.previous_id, Some(p1));
    assert_eq!(new.started_on, Some(effective));
    assert_eq!(new.facility_id, facility_id(&mut app.conn(), "9004"));
    let periods: Vec<(i64, NaiveDate, Option<NaiveDate>)> = service_periods::table
        .filter(service_periods::award_id.eq(old.award_id))
        .select((service_periods::placement_id, service_periods::starts_on, service_periods::ends_on))
        .order(service_periods::starts_on.asc())
        .load(&mut app.conn())
        .expect("periods");
    assert_eq!(
        periods,
        vec![(p1, today(), Some(effective - Duration::days(1))), (new.id, effective, None)],
        "the old period closes the day before; the new one is open"
    );
    assert!(mails_to(&app, &s1_email).iter().any(|(s, _)| s.starts_with("Transfer approved")));
    assert!(mails_to(&app, SUPERVISOR).iter().any(|(s, _)| s.starts_with("Transfer approved")), "the old facility");
    let page = s1.get(&svc, &url).await;
    assert!(page.body.contains("Transfers so far: 1 (limit: no limit)"), "{}", page.body);

    // The funder limits transfers to one: a second request is refused at approval, then refused with a reason.
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let limit = format!("/funder/programmes/{}/transfers-limit", f.programme);
    let wrong = officer.post(&svc, &limit, &[("max_transfers", "-1")]).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("Type a whole number of 0 or more"));
    assert_eq!(officer.post(&svc, &limit, &[("max_transfers", "1")]).await.status, 303);
    let shown = officer.get(&svc, &format!("/funder/programmes/{}", f.programme)).await;
    assert!(shown.body.contains("value=\"1\""));

    let later = (effective + Duration::days(30)).to_string();
    let alpha = facility_id(&mut app.conn(), "9001").to_string();
    let asked = s1.post(&svc, &url, &[("facility_id", &alpha), ("effective_on", &later), ("reason", "Back")]).await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let page = paul.get(&svc, &list).await;
    assert!(page.body.contains("Transfers so far: 1 (limit: 1)"), "{}", page.body);
    assert!(
        page.body.contains("The programme&#x27;s limit on transfers is reached.")
            || page.body.contains("limit on transfers is reached")
    );
    let second_id: i64 = placement_transfers::table
        .filter(placement_transfers::status.eq("requested"))
        .select(placement_transfers::id)
        .first(&mut app.conn())
        .expect("t");
    let approve = format!("/placement/cycles/{}/transfers/{second_id}/approve", f.cycle);
    let refuse = format!("/placement/cycles/{}/transfers/{second_id}/refuse", f.cycle);
    let v = version_of_form(&page.body, &refuse);
    assert_eq!(paul.post(&svc, &approve, &[("version", &v)]).await.status, 409, "past the limit");
    let no_reason = paul.post(&svc, &refuse, &[("version", &v), ("decision_reason", "")]).await;
    assert_eq!(no_reason.status, 422);
    let refused = paul.post(&svc, &refuse, &[("version", &v), ("decision_reason", "Limit reached")]).await;
    assert_eq!(refused.status, 303);
    assert!(mails_to(&app, &s1_email)
        .iter()
        .any(|(s, b)| s.starts_with("Transfer refused") && b.contains("Limit reached")));
}

#[actix_web::test]
async fn a_coordinator_asks_for_a_transfer_from_the_scholars_page() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (_, s1, p1) = f.scholars[0].clone();
    start_s1(&svc, p1).await;
    let mut paul = Browser::new();
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let url = format!("/placement/cycles/{}/scholars/{s1}/transfer", f.cycle);
    let page = paul.get(&svc, &url).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Transfers so far: 0"));
    let gamma = facility_id(&mut app.conn(), "9003").to_string();
    let eff = (today() + Duration::days(3)).to_string();
    let done = paul.post(&svc, &url, &[("facility_id", &gamma), ("effective_on", &eff), ("reason", "Staffing")]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let again = paul.post(&svc, &url, &[("facility_id", &gamma), ("effective_on", &eff), ("reason", "Staffing")]).await;
    assert_eq!(again.status, 409, "one open request at a time");
    let requested_by: i64 =
        placement_transfers::table.select(placement_transfers::requested_by).first(&mut app.conn()).expect("t");
    assert_eq!(requested_by, user_id(&mut app.conn(), COORDINATOR));
}

/// Every new route for every role: the supervisor's start, the scholar's and coordinator's transfer request,
/// the decisions page and its two decisions, the funder's limit. Posts carry empty fields so that an allowed
/// role reaches validation (422, 409 or 400) and a refused one never does.
#[actix_web::test]
async fn the_role_route_matrix_for_start_and_transfers() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (s1_email, s1, p1) = f.scholars[0].clone();
    start_s1(&svc, p1).await;
    let (_, _, p2) = f.scholars[1].clone();
    // A request waiting, for the decisions.
    let mut s1b = Browser::new();
    s1b.log_in(&svc, &s1_email, DEMO_PASSWORD).await;
    let delta = facility_id(&mut app.conn(), "9004").to_string();
    let eff = (today() + Duration::days(5)).to_string();
    let my = format!("/my/placement/{}/transfer", f.cycle);
    assert_eq!(
        s1b.post(&svc, &my, &[("facility_id", &delta), ("effective_on", &eff), ("reason", "R")]).await.status,
        303
    );
    let transfer: i64 = placement_transfers::table.select(placement_transfers::id).first(&mut app.conn()).expect("t");
    let c = f.cycle;
    let who: [(&str, Option<&str>); 10] = [
        ("anonymous", None),
        ("scholar", Some(s1_email.as_str())),
        ("applicant", Some("applicant@demo.ruralserve.org")),
        ("officer", Some(OFFICER)),
        ("coordinator", Some(COORDINATOR)),
        ("ngo coordinator", Some(NGO_COORDINATOR)),
        ("compliance", Some(COMPLIANCE)),
        ("supervisor of S2", Some(OTHER_SUPERVISOR)),
        ("reviewer", Some("reviewer@moh.demo.ruralserve.org")),
        ("admin", Some("admin@demo.ruralserve.org")),
    ];
    // [start S2 (S2's supervisor only), my transfer page, my transfer post, coordinator request page,
    //  coordinator request post, decisions page, approve, refuse, transfers limit]
    let expected: [[u16; 9]; 10] = [
        [303, 303, 303, 303, 303, 303, 303, 303, 303],
        [404, 200, 409, 403, 403, 404, 403, 403, 403],
        [404, 404, 404, 403, 403, 404, 403, 403, 403],
        [404, 404, 404, 403, 403, 404, 403, 403, 422],
        [404, 404, 404, 200, 409, 200, 400, 400, 403],
        [404, 404, 404, 404, 404, 404, 404, 404, 403],
        [404, 404, 404, 403, 403, 404, 403, 403, 403],
        [422, 404, 404, 403, 403, 404, 403, 403, 403],
        [404, 404, 404, 403, 403, 404, 403, 403, 403],
        [404, 404, 404, 403, 403, 200, 403, 403, 403],
    ];
    for ((label, email), expected) in who.into_iter().zip(expected) {
        let mut b = Browser::from_address("10.9.0.1");
        if let Some(email) = email {
            b.log_in(&svc, email, DEMO_PASSWORD).await;
        } else {
            b.get(&svc, "/").await;
        }
        let empty = [("facility_id", ""), ("effective_on", ""), ("reason", "")];
        let got = [
            b.post(&svc, &format!("/supervisor/placements/{p2}/start"), &[("version", "0"), ("started_on", "")])
                .await
                .status,
            b.get(&svc, &my).await.status,
            b.post(&svc, &my, &empty).await.status,
            b.get(&svc, &format!("/placement/cycles/{c}/scholars/{s1}/transfer")).await.status,
            b.post(&svc, &format!("/placement/cycles/{c}/scholars/{s1}/transfer"), &empty).await.status,
            b.get(&svc, &format!("/placement/cycles/{c}/transfers")).await.status,
            b.post(&svc, &format!("/placement/cycles/{c}/transfers/{transfer}/approve"), &[("version", "")])
                .await
                .status,
            b.post(&svc, &format!("/placement/cycles/{c}/transfers/{transfer}/refuse"), &[("version", "")])
                .await
                .status,
            b.post(&svc, &format!("/funder/programmes/{}/transfers-limit", f.programme), &[("max_transfers", "x")])
                .await
                .status,
        ];
        assert_eq!(got, expected, "{label}");
    }
    // Nothing a refused role posted changed anything.
    assert_eq!(placement_of(&app, p2).status, "accepted");
    let requested: i64 = placement_transfers::table
        .filter(placement_transfers::status.eq("requested"))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(requested, 1);
}
