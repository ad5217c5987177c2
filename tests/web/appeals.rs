//! Appeals against a published placement: filing with a document within the window (and refused after it),
//! one pending appeal per placement, the coordinator's decision with a reason the scholar reads, the
//! reassignment to a facility that qualifies (never over capacity, never outside the bond, never below the
//! floor) as a new audited record, the notices, two coordinators deciding at once, and the role × route matrix.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::common::*;
use ruralserve::schema::{
    applications, audit_events, awards, calls, cycle_scholars, facilities, outbox, placement_appeals, placement_cycles,
    placements, programmes, users, vacancies,
};

const COORDINATOR: &str = "placement@moh.demo.ruralserve.org";
const SECOND: &str = "placement2@moh.demo.ruralserve.org";
const NGO_COORDINATOR: &str = "placement@rhsf.demo.ruralserve.org";
const TURKANA_COORDINATOR: &str = "placement.turkana@moh.demo.ruralserve.org";
const SUPERVISOR: &str = "supervisor@moh.demo.ruralserve.org";

const FACILITIES: &str = "code,name,keph_level,facility_type,owner_type,county,sub_county,ward,beds,latitude,longitude
9001,Alpha Health Centre,Level 3,Health Centre,Ministry of Health,Nairobi,Kibra,Ward A,10,-1.3,36.8
9002,Beta Dispensary,Level 2,Dispensary,Ministry of Health,Nairobi,Kibra,Ward B,2,-1.3,36.8
9003,Gamma Sub-County Hospital,Level 4,Hospital,Ministry of Health,Kisumu,Kisumu East,Ward C,40,-0.1,34.7
9004,Delta Health Centre,Level 3,Health Centre,Ministry of Health,Mombasa,Mvita,Ward D,12,-4.0,39.6
9005,Epsilon Dispensary,Level 2,Dispensary,Ministry of Health,Kisumu,Kisumu West,Ward E,4,-0.1,34.7
";

/// A published cycle of the ministry, written straight into the tables:
///   S1 at Alpha (Nairobi), S2 and S3 (bond: Kisumu) at Gamma (Kisumu), S4 unplaced.
///   Seats: Alpha 1, Beta 3 (not eligible), Gamma 2 (full), Delta 1, Epsilon 1. Need scores: Alpha 10, Beta 22,
///   Gamma 18, Delta 5, Epsilon 20. The appeal window closes in ten days.
struct Fixture {
    cycle: i64,
    /// (e-mail, full name) of S1 … S4.
    scholars: Vec<(String, String)>,
    /// The live placement of S1, S2, S3.
    placements: Vec<i64>,
}

fn today() -> NaiveDate {
    ruralserve::store::now().date()
}

fn at(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(12, 0, 0).expect("time")
}

fn user_id(conn: &mut ruralserve::db::PooledConn, email: &str) -> i64 {
    users::table.filter(users::email.eq(email)).select(users::id).first(conn).expect("user")
}

fn add_user(conn: &mut ruralserve::db::PooledConn, email: &str, role: &str, org: &str) -> i64 {
    let org = ruralserve::store::organisations::find_by_code(conn, org).expect("query").expect("organisation");
    let hash = ruralserve::service::accounts::hash_password(DEMO_PASSWORD).expect("hash");
    ruralserve::store::users::insert(
        conn,
        &ruralserve::store::users::NewUser {
            email,
            password_hash: &hash,
            full_name: "County Coordinator",
            role,
            organisation_id: Some(org.id),
            email_verified: true,
            language: "en",
        },
    )
    .expect("user");
    user_id(conn, email)
}

fn facility_id(conn: &mut ruralserve::db::PooledConn, code: &str) -> i64 {
    facilities::table.filter(facilities::code.eq(code)).select(facilities::id).first(conn).expect("facility")
}

fn fixture(app: &TestApp) -> Fixture {
    let mut conn = app.conn();
    let conn = &mut conn;
    let turkana = add_user(conn, TURKANA_COORDINATOR, "placement_coordinator", "MOH");
    ruralserve::store::facilities::set_coordinator_counties(conn, turkana, &["Turkana".to_string()]).expect("counties");
    let report = ruralserve::service::facilities::import_csv(conn, FACILITIES.as_bytes()).expect("import");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    for (code, score, eligible) in
        [("9001", 10, true), ("9002", 22, false), ("9003", 18, true), ("9004", 5, true), ("9005", 20, true)]
    {
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
    let t = today();
    let cycle: i64 = diesel::insert_into(placement_cycles::table)
        .values((
            placement_cycles::organisation_id.eq(moh),
            placement_cycles::title.eq("Nursing 2027"),
            placement_cycles::cadre.eq("nursing"),
            placement_cycles::graduation_from.eq(t - Duration::days(60)),
            placement_cycles::graduation_until.eq(t + Duration::days(60)),
            placement_cycles::choices_open_at.eq(at(t - Duration::days(40))),
            placement_cycles::choices_close_at.eq(at(t - Duration::days(20))),
            placement_cycles::match_on.eq(t - Duration::days(15)),
            placement_cycles::publish_on.eq(t - Duration::days(10)),
            placement_cycles::acceptance_deadline.eq(at(t + Duration::days(5))),
            placement_cycles::appeal_until.eq(t + Duration::days(10)),
            placement_cycles::service_start_from.eq(t + Duration::days(30)),
            placement_cycles::service_start_until.eq(t + Duration::days(90)),
            placement_cycles::max_choices.eq(10),
            placement_cycles::status.eq("published"),
            placement_cycles::created_by.eq(coordinator),
            placement_cycles::created_at.eq(at(t - Duration::days(50))),
        ))
        .returning(placement_cycles::id)
        .get_result(conn)
        .expect("cycle");
    let found: Vec<(i64, String, String)> = applications::table
        .inner_join(users::table)
        .filter(applications::call_id.eq(call))
        .filter(applications::reference.is_not_null())
        .order(applications::reference.asc())
        .select((applications::id, users::email, applications::full_name))
        .limit(4)
        .load(conn)
        .expect("applications");
    assert_eq!(found.len(), 4);
    let placed_at = [Some("9001"), Some("9003"), Some("9003"), None];
    let bonds = [None, None, Some(r#"["Kisumu"]"#), None];
    let mut scholars = Vec::new();
    let mut live = Vec::new();
    for (i, (application, email, name)) in found.into_iter().enumerate() {
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
                awards::terms_effective_from.eq(t - Duration::days(900)),
                awards::proposed_by.eq(coordinator),
                awards::proposed_at.eq(at(t - Duration::days(900))),
                awards::version.eq(1),
            ))
            .returning(awards::id)
            .get_result(conn)
            .expect("award");
        let scholar: i64 = diesel::insert_into(cycle_scholars::table)
            .values((
                cycle_scholars::cycle_id.eq(cycle),
                cycle_scholars::award_id.eq(award),
                cycle_scholars::priority_tier.eq(1),
                cycle_scholars::allowed_counties.eq(bonds[i]),
            ))
            .returning(cycle_scholars::id)
            .get_result(conn)
            .expect("cycle scholar");
        if let Some(code) = placed_at[i] {
            let facility = facility_id(conn, code);
            let id: i64 = diesel::insert_into(placements::table)
                .values((
                    placements::cycle_scholar_id.eq(scholar),
                    placements::award_id.eq(award),
                    placements::facility_id.eq(facility),
                    placements::choice_rank.eq(1),
                    placements::published_at.eq(at(t - Duration::days(10))),
                ))
                .returning(placements::id)
                .get_result(conn)
                .expect("placement");
            live.push(id);
        }
        scholars.push((email, name));
    }
    for (code, seats) in [("9001", 1), ("9002", 3), ("9003", 2), ("9004", 1), ("9005", 1)] {
        let facility = facility_id(conn, code);
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(cycle),
                vacancies::facility_id.eq(facility),
                vacancies::seats.eq(seats),
                vacancies::updated_by.eq(coordinator),
                vacancies::updated_at.eq(at(t - Duration::days(30))),
            ))
            .execute(conn)
            .expect("vacancy");
    }
    Fixture { cycle, scholars, placements: live }
}

fn mails_to(app: &TestApp, email: &str) -> Vec<String> {
    outbox::table
        .filter(outbox::recipient.eq(email))
        .order(outbox::id.asc())
        .select(outbox::body)
        .load(&mut app.conn())
        .expect("outbox")
}

fn appeal_of(app: &TestApp, placement: i64) -> (i64, String, Option<i64>) {
    placement_appeals::table
        .filter(placement_appeals::placement_id.eq(placement))
        .order(placement_appeals::id.desc())
        .select((placement_appeals::id, placement_appeals::status, placement_appeals::new_placement_id))
        .first(&mut app.conn())
        .expect("appeal")
}

/// Files an appeal as the browser posts it: every field, the file part empty when no file is chosen.
async fn file_appeal<S, B>(svc: &S, b: &mut Browser, cycle: i64, code: &str, text: &str, file: &[u8]) -> Page
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let name = if file.is_empty() { "" } else { "letter.pdf" };
    b.upload_with(
        svc,
        &format!("/my/placement/{cycle}/appeal"),
        &[("reason_code", code), ("reason_text", text)],
        name,
        file,
    )
    .await
}

#[actix_web::test]
async fn a_scholar_appeals_with_a_document_and_the_coordinator_upholds_and_reassigns() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let cycle = f.cycle;
    let (s1, s1_name) = (&f.scholars[0].0, &f.scholars[0].1);
    let mut scholar = Browser::new();
    scholar.log_in(&svc, s1, DEMO_PASSWORD).await;
    let page = scholar.get(&svc, &format!("/my/placement/{cycle}/appeal")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Alpha Health Centre") && page.body.contains("Send the appeal"), "{}", page.body);

    // "Other" needs words; a reason off the list is refused; an executable is not a document.
    let page = file_appeal(&svc, &mut scholar, cycle, "other", "  ", b"").await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("Explain your reason."));
    let page = file_appeal(&svc, &mut scholar, cycle, "bribe", "x", b"").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Choose a reason from the list."));
    let page = file_appeal(&svc, &mut scholar, cycle, "health", "asthma", b"MZ\x90\x00binary").await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("asthma"), "what was typed is kept");
    assert_eq!(placement_appeals::table.count().get_result::<i64>(&mut app.conn()).expect("count"), 0);

    let page = file_appeal(&svc, &mut scholar, cycle, "health", "Asthma: the altitude of the posting", PDF).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (appeal, status, _) = appeal_of(&app, f.placements[0]);
    assert_eq!(status, "pending");
    assert!(mails_to(&app, s1).last().expect("a receipt").contains("We received your appeal"));
    for coordinator in [COORDINATOR, SECOND] {
        let told = mails_to(&app, coordinator);
        assert!(
            told.iter().any(|m| m.contains(s1_name.as_str()) && m.contains(&format!("/placement/appeals/{appeal}"))),
            "{coordinator}: {told:?}"
        );
    }

    // One pending appeal per placement: the form is gone and a second filing is refused.
    let page = scholar.get(&svc, &format!("/my/placement/{cycle}/appeal")).await;
    assert!(page.body.contains("already have an appeal waiting") && !page.body.contains("Send the appeal"));
    assert!(page.body.contains("Waiting for a decision"));
    let page = file_appeal(&svc, &mut scholar, cycle, "safety", "", b"").await;
    assert_eq!(page.status, 409);

    // The coordinator hears it: the list, the page, the document.
    let mut paul = Browser::from_address("10.0.0.7");
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let list = paul.get(&svc, &format!("/placement/cycles/{cycle}/appeals")).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(s1_name.as_str()) && list.body.contains("Waiting for a decision"));
    let page = paul.get(&svc, &format!("/placement/appeals/{appeal}")).await;
    assert!(page.body.contains("Asthma: the altitude") && page.body.contains("letter.pdf"), "{}", page.body);
    let doc = paul.get(&svc, &format!("/placement/appeals/{appeal}/document")).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body.as_bytes(), PDF);
    let disposition = doc.headers.get("Content-Disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(disposition.starts_with("attachment"), "{disposition}");

    // A decision needs its reason.
    let version = version_in(&page.body);
    let refused = paul
        .post(
            &svc,
            &format!("/placement/appeals/{appeal}/decide"),
            &[("version", &version), ("decision_reason", " "), ("decision", "uphold")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("required"), "{}", refused.body);
    let done = paul
        .post(
            &svc,
            &format!("/placement/appeals/{appeal}/decide"),
            &[("version", &version), ("decision_reason", "Medical letter accepted"), ("decision", "uphold")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let told = mails_to(&app, s1);
    assert!(told.last().expect("decision").contains("is upheld. Reason: Medical letter accepted"), "{told:?}");

    // The facilities that qualify: Delta and Epsilon have a free seat; Gamma is full, Beta not eligible,
    // Alpha is where the scholar is.
    let page = paul.get(&svc, &format!("/placement/appeals/{appeal}")).await;
    let table = page.body.split("Reassign to a facility").nth(1).expect("the reassignment form").to_string();
    assert!(table.contains("Delta Health Centre") && table.contains("Epsilon Dispensary"), "{table}");
    assert!(!table.contains("Gamma") && !table.contains("Beta"), "{table}");
    let version = version_in(&page.body);
    let (gamma, delta) = {
        let mut conn = app.conn();
        (facility_id(&mut conn, "9003"), facility_id(&mut conn, "9004"))
    };
    // A full facility posted anyway is refused on the server, never over capacity.
    let full = paul
        .post(
            &svc,
            &format!("/placement/appeals/{appeal}/reassign"),
            &[("version", &version), ("facility", &gamma.to_string())],
        )
        .await;
    assert_eq!(full.status, 422);
    assert!(full.body.contains("no free seat left"), "{}", full.body);

    // The supervisor of Delta is told too.
    {
        let mut conn = app.conn();
        let supervisor = user_id(&mut conn, SUPERVISOR);
        let admin = user_id(&mut conn, "admin@demo.ruralserve.org");
        ruralserve::store::facilities::attach_supervisor(&mut conn, supervisor, delta, admin).expect("attach");
    }
    let done = paul
        .post(
            &svc,
            &format!("/placement/appeals/{appeal}/reassign"),
            &[("version", &version), ("facility", &delta.to_string())],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, status, new_placement) = appeal_of(&app, f.placements[0]);
    assert_eq!(status, "upheld");
    let new_placement = new_placement.expect("the appeal points at the new record");
    let old: (String, i64) = placements::table
        .find(f.placements[0])
        .select((placements::status, placements::facility_id))
        .first(&mut app.conn())
        .expect("old");
    assert_eq!(old.0, "reassigned", "the old record keeps its facility and closes");
    let new: (String, String, Option<i64>, i64) = placements::table
        .find(new_placement)
        .select((placements::status, placements::origin, placements::previous_id, placements::facility_id))
        .first(&mut app.conn())
        .expect("new");
    assert_eq!(new, ("published".to_string(), "appeal".to_string(), Some(f.placements[0]), delta));
    let audited: Vec<String> = audit_events::table
        .filter(audit_events::action.eq_any(["reassign_placement", "create_placement", "decide_appeal", "file_appeal"]))
        .select(audit_events::action)
        .load(&mut app.conn())
        .expect("audit");
    for action in ["file_appeal", "decide_appeal", "reassign_placement", "create_placement"] {
        assert!(audited.iter().any(|a| a == action), "{action} audited: {audited:?}");
    }
    assert!(mails_to(&app, s1).last().expect("notice").contains("now placed at Delta Health Centre (Mombasa)"));
    assert!(mails_to(&app, SUPERVISOR).iter().any(|m| m.contains(s1_name.as_str()) && m.contains("Delta")));

    // Done once: the form is gone, a second reassignment is refused; the scholar reads where they are now.
    let again = paul
        .post(
            &svc,
            &format!("/placement/appeals/{appeal}/reassign"),
            &[("version", &version), ("facility", &facility_id(&mut app.conn(), "9005").to_string())],
        )
        .await;
    assert_eq!(again.status, 409);
    let page = scholar.get(&svc, &format!("/my/placement/{cycle}/appeal")).await;
    assert!(page.body.contains("Delta Health Centre") && page.body.contains("Upheld"), "{}", page.body);
}

#[actix_web::test]
async fn the_bond_and_the_floor_limit_the_facilities_that_qualify_and_an_accepted_placement_stays_accepted() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let cycle = f.cycle;
    // S3 (bond: Kisumu) accepted their place at Gamma; the floor asks need 18+ facilities to keep 2.
    diesel::update(placements::table.find(f.placements[2]))
        .set(placements::status.eq("accepted"))
        .execute(&mut app.conn())
        .expect("accept");
    diesel::update(placement_cycles::table.find(cycle))
        .set((placement_cycles::floor_need_score.eq(Some(18)), placement_cycles::floor_minimum.eq(2)))
        .execute(&mut app.conn())
        .expect("floor");
    let mut s3 = Browser::new();
    s3.log_in(&svc, &f.scholars[2].0, DEMO_PASSWORD).await;
    let page = file_appeal(&svc, &mut s3, cycle, "family_care", "My mother needs care", b"").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (appeal, _, _) = appeal_of(&app, f.placements[2]);
    let mut paul = Browser::from_address("10.0.0.7");
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let page = paul.get(&svc, &format!("/placement/appeals/{appeal}")).await;
    paul.post(
        &svc,
        &format!("/placement/appeals/{appeal}/decide"),
        &[("version", &version_in(&page.body)), ("decision_reason", "Family care shown"), ("decision", "uphold")],
    )
    .await;
    let page = paul.get(&svc, &format!("/placement/appeals/{appeal}")).await;
    assert!(page.body.contains("below the cycle&#x27;s floor") || page.body.contains("below the cycle's floor"));
    let epsilon = facility_id(&mut app.conn(), "9005").to_string();
    assert!(!page.body.contains("name=\"facility\""), "no facility qualifies while the floor holds");
    // Posted anyway (the page is stale): refused on the server.
    let version = "1".to_string();
    let refused = paul
        .post(&svc, &format!("/placement/appeals/{appeal}/reassign"), &[("version", &version), ("facility", &epsilon)])
        .await;
    assert_eq!(refused.status, 422);

    // With a floor of 1, Gamma keeps S2: only Epsilon qualifies (Kisumu); Delta is outside the bond.
    diesel::update(placement_cycles::table.find(cycle))
        .set(placement_cycles::floor_minimum.eq(1))
        .execute(&mut app.conn())
        .expect("floor");
    let page = paul.get(&svc, &format!("/placement/appeals/{appeal}")).await;
    let table = page.body.split("Reassign to a facility").nth(1).expect("the form").to_string();
    assert!(table.contains("Epsilon Dispensary") && !table.contains("Delta"), "{table}");
    let delta = facility_id(&mut app.conn(), "9004").to_string();
    let refused = paul
        .post(&svc, &format!("/placement/appeals/{appeal}/reassign"), &[("version", &version), ("facility", &delta)])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("outside the counties"), "{}", refused.body);
    let done = paul
        .post(&svc, &format!("/placement/appeals/{appeal}/reassign"), &[("version", &version), ("facility", &epsilon)])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let (_, _, new_placement) = appeal_of(&app, f.placements[2]);
    let status: String = placements::table
        .find(new_placement.expect("new"))
        .select(placements::status)
        .first(&mut app.conn())
        .expect("status");
    assert_eq!(status, "accepted", "an accepted placement moves as accepted");
}

#[actix_web::test]
async fn a_rejection_keeps_the_placement_and_tells_the_scholar_why_and_the_window_closes_the_form() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let cycle = f.cycle;
    let mut s2 = Browser::new();
    s2.log_in(&svc, &f.scholars[1].0, DEMO_PASSWORD).await;
    assert_eq!(file_appeal(&svc, &mut s2, cycle, "safety", "", b"").await.status, 303);
    let (appeal, _, _) = appeal_of(&app, f.placements[1]);
    let mut paul = Browser::from_address("10.0.0.7");
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let page = paul.get(&svc, &format!("/placement/appeals/{appeal}")).await;
    let done = paul
        .post(
            &svc,
            &format!("/placement/appeals/{appeal}/decide"),
            &[
                ("version", &version_in(&page.body)),
                ("decision_reason", "The county reports it safe"),
                ("decision", "reject"),
            ],
        )
        .await;
    assert_eq!(done.status, 303);
    assert!(mails_to(&app, &f.scholars[1].0)
        .last()
        .expect("decision")
        .contains("is rejected. Reason: The county reports it safe"));
    let status: String =
        placements::table.find(f.placements[1]).select(placements::status).first(&mut app.conn()).expect("status");
    assert_eq!(status, "published");
    let page = s2.get(&svc, &format!("/my/placement/{cycle}/appeal")).await;
    assert!(page.body.contains("Rejected") && page.body.contains("The county reports it safe"));
    // A rejected appeal cannot lead to a reassignment.
    let epsilon = facility_id(&mut app.conn(), "9005").to_string();
    let refused = paul
        .post(&svc, &format!("/placement/appeals/{appeal}/reassign"), &[("version", "1"), ("facility", &epsilon)])
        .await;
    assert_eq!(refused.status, 409);

    // S4 has no placement to appeal against.
    let mut s4 = Browser::from_address("10.0.0.4");
    s4.log_in(&svc, &f.scholars[3].0, DEMO_PASSWORD).await;
    assert!(s4.get(&svc, &format!("/my/placement/{cycle}/appeal")).await.body.contains("no published or accepted"));

    // The window's last day still takes an appeal; the day after, the form is gone and a filing refused.
    diesel::update(placement_cycles::table.find(cycle))
        .set(placement_cycles::appeal_until.eq(today()))
        .execute(&mut app.conn())
        .expect("window");
    let mut s1 = Browser::from_address("10.0.0.3");
    s1.log_in(&svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    assert!(s1.get(&svc, &format!("/my/placement/{cycle}/appeal")).await.body.contains("Send the appeal"));
    diesel::update(placement_cycles::table.find(cycle))
        .set(placement_cycles::appeal_until.eq(today() - Duration::days(1)))
        .execute(&mut app.conn())
        .expect("window");
    let page = s1.get(&svc, &format!("/my/placement/{cycle}/appeal")).await;
    assert!(page.body.contains("appeal window of this cycle is closed") && !page.body.contains("Send the appeal"));
    let page = file_appeal(&svc, &mut s1, cycle, "health", "", b"").await;
    assert_eq!(page.status, 409);
    assert!(page.body.contains("appeal window of this cycle is closed"), "{}", page.body);
}

#[actix_web::test]
async fn two_coordinators_deciding_one_appeal_at_once_exactly_one_succeeds() {
    use ruralserve::service::appeals::{self as service, Decision};
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let actor = |email: &str| {
        let user = ruralserve::store::users::find_by_email(&mut app.conn(), email).expect("query").expect("user");
        ruralserve::service::Actor::from_user(&user, "10.0.0.2").expect("actor")
    };
    let i18n = ruralserve::i18n::I18n::new().expect("i18n");
    let scholar = actor(&f.scholars[0].0);
    let filing = service::Filing { reason_code: "health", reason_text: "", document: None };
    let appeal = service::file_now(&mut app.conn(), &i18n, "http://localhost", &scholar, f.cycle, &filing, today())
        .expect("filed");
    let barrier = std::sync::Barrier::new(2);
    let deciders = [(actor(COORDINATOR), Decision::Uphold), (actor(SECOND), Decision::Reject)];
    let outcomes: Vec<Result<(), ruralserve::error::AppError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = deciders
            .iter()
            .map(|(who, decision)| {
                let (barrier, db, i18n) = (&barrier, app.state.db.clone(), &i18n);
                scope.spawn(move || {
                    let mut conn = db.get().expect("connection");
                    barrier.wait();
                    service::decide(&mut conn, i18n, "http://localhost", who, appeal, 0, Some(*decision), "decided")
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().any(|o| matches!(o, Err(ruralserve::error::AppError::Conflict(_)))), "{outcomes:?}");
    let (status, version): (String, i32) = placement_appeals::table
        .find(appeal)
        .select((placement_appeals::status, placement_appeals::version))
        .first(&mut app.conn())
        .expect("appeal");
    assert!(status == "upheld" || status == "rejected");
    assert_eq!(version, 1, "decided once");
    let decisions: i64 = audit_events::table
        .filter(audit_events::action.eq("decide_appeal"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(decisions, 1);
}

#[actix_web::test]
async fn the_role_by_route_matrix_holds_for_appeals() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let cycle = f.cycle;
    let mut s1 = Browser::new();
    s1.log_in(&svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    assert_eq!(file_appeal(&svc, &mut s1, cycle, "health", "", PDF).await.status, 303);
    let (appeal, _, _) = appeal_of(&app, f.placements[0]);
    let own = format!("/my/placement/{cycle}/appeal");
    let coordinator_pages = [
        format!("/placement/cycles/{cycle}/appeals"),
        format!("/placement/appeals/{appeal}"),
        format!("/placement/appeals/{appeal}/document"),
    ];
    // (who, the scholar's page for this cycle, the coordinator's pages, deciding)
    let cases: [(&str, u16, [u16; 3], u16); 11] = [
        (f.scholars[0].0.as_str(), 200, [404, 404, 404], 404),
        (f.scholars[1].0.as_str(), 200, [404, 404, 404], 404), // another scholar of the cycle: their own page only
        ("student02.rhsf@demo.ruralserve.org", 404, [404, 404, 404], 404), // a scholar of another funder
        ("applicant@demo.ruralserve.org", 404, [404, 404, 404], 404),
        (NGO_COORDINATOR, 404, [404, 404, 404], 404),
        (TURKANA_COORDINATOR, 404, [200, 404, 404], 404), // limited to a county the appeal is not in
        ("admin@demo.ruralserve.org", 404, [200, 200, 403], 403), // reads, never decides nor downloads
        ("officer@moh.demo.ruralserve.org", 404, [404, 404, 404], 404),
        ("reviewer@moh.demo.ruralserve.org", 404, [404, 404, 404], 404),
        ("compliance@moh.demo.ruralserve.org", 404, [404, 404, 404], 404),
        (SUPERVISOR, 404, [404, 404, 404], 404),
    ];
    for (i, (who, own_status, pages, decide_status)) in cases.into_iter().enumerate() {
        let mut b = Browser::from_address(&format!("10.3.0.{}", i + 1));
        b.log_in(&svc, who, DEMO_PASSWORD).await;
        assert_eq!(b.get(&svc, &own).await.status, own_status, "{who} GET {own}");
        for (path, expected) in coordinator_pages.iter().zip(pages) {
            let page = b.get(&svc, path).await;
            assert_eq!(page.status, expected, "{who} GET {path}");
            if path.ends_with("/appeals") && expected == 200 && who == TURKANA_COORDINATOR {
                assert!(
                    !page.body.contains(&f.scholars[0].1),
                    "an appeal outside the coordinator's counties is not listed"
                );
            }
        }
        let decide = b
            .post(
                &svc,
                &format!("/placement/appeals/{appeal}/decide"),
                &[("version", "0"), ("decision_reason", "no"), ("decision", "reject")],
            )
            .await;
        assert_eq!(decide.status, decide_status, "{who} POST decide");
        let reassign = b
            .post(&svc, &format!("/placement/appeals/{appeal}/reassign"), &[("version", "0"), ("facility", "1")])
            .await;
        assert_eq!(reassign.status, decide_status, "{who} POST reassign");
        if own_status == 404 {
            let filed = file_appeal(&svc, &mut b, cycle, "health", "", b"").await;
            assert_eq!(filed.status, 404, "{who} POST {own}");
        }
    }
    let (_, status, _) = appeal_of(&app, f.placements[0]);
    assert_eq!(status, "pending", "nobody above could decide");
    let mut anonymous = Browser::new();
    for path in coordinator_pages.iter().chain([&own]) {
        assert_eq!(anonymous.get(&svc, path).await.status, 303, "anonymous GET {path}");
    }
}
