//! The scholar's placement choices through HTTP: the cycles page, the ranked list (add, move, remove, search),
//! every refusal with nothing saved, the lock at the close, couples, the read-only API, and who may see what.
//! The cycle is built directly in the database, so that these tests do not depend on the coordinator's pages.

use crate::common::*;
use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use ruralserve::schema::{
    applications, audit_events, awards, cycle_scholars, facilities, organisations, placement_cycles, scholar_choices,
    users, vacancies,
};

const SCHOLAR_A: &str = "student02.moh@demo.ruralserve.org";
const SCHOLAR_B: &str = "student03.moh@demo.ruralserve.org";
const SCHOLAR_C: &str = "student04.moh@demo.ruralserve.org";
/// Has a binding award and a reference but is not in the cycle.
const OUTSIDER: &str = "student05.moh@demo.ruralserve.org";

const FACILITIES_CSV: &str =
    "code,name,keph_level,facility_type,owner_type,county,sub_county,ward,beds,latitude,longitude
90001,Alpha Dispensary,Level 2,Dispensary,Ministry of Health,Turkana,Loima,Lokiriama,0,,
90002,Bravo Health Centre,Level 3,Health Centre,Ministry of Health,Turkana,Loima,Lokiriama,10,,
90003,Charlie Sub-County Hospital,Level 4,Hospital,Ministry of Health,Marsabit,Laisamis,Laisamis,40,,
90004,Delta Dispensary,Level 2,Dispensary,Ministry of Health,Nairobi,Westlands,Parklands,0,,
90005,Echo Health Centre,Level 3,Health Centre,Ministry of Health,Turkana,Loima,Lokiriama,8,,
90006,Foxtrot Dispensary,Level 2,Dispensary,Ministry of Health,Turkana,Loima,Lokiriama,0,,
90007,Golf Dispensary,Level 2,Dispensary,Ministry of Health,Turkana,Loima,Lokiriama,0,,
90008,Hotel Health Centre,Level 3,Health Centre,Ministry of Health,Marsabit,Laisamis,Laisamis,6,,
";

/// The cycle and the facility ids the tests use by name.
struct Fixture {
    cycle: i64,
    alpha: i64,
    bravo: i64,
    charlie: i64,
    /// Outside scholar A's bond (Nairobi).
    delta: i64,
    /// No vacancy row in the cycle.
    echo: i64,
    /// Not eligible.
    foxtrot: i64,
    /// Eligibility lapsed yesterday.
    golf: i64,
    hotel: i64,
    references: Vec<String>,
}

fn user_id(app: &TestApp, email: &str) -> i64 {
    users::table.filter(users::email.eq(email)).select(users::id).first(&mut app.conn()).expect("user")
}

fn facility(app: &TestApp, code: &str) -> i64 {
    facilities::table.filter(facilities::code.eq(code)).select(facilities::id).first(&mut app.conn()).expect("facility")
}

/// A binding (active) award on the scholar's first submitted application; its reference.
fn binding_award(app: &TestApp, email: &str) -> (i64, String) {
    let mut conn = app.conn();
    let (application_id, call_id, reference): (i64, i64, Option<String>) = applications::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .filter(applications::reference.is_not_null())
        .select((applications::id, applications::call_id, applications::reference))
        .first(&mut conn)
        .expect("a submitted application");
    let officer = user_id(app, "officer@moh.demo.ruralserve.org");
    let today = chrono::Utc::now().date_naive();
    let award = ruralserve::store::awards::insert(
        &mut conn,
        &ruralserve::store::awards::NewAward {
            application_id,
            call_id,
            support_years: 1,
            annual_tuition_minor: 100,
            stipend_monthly_minor: 0,
            lump_sum_yearly_minor: 0,
            total_cost_minor: 100,
            currency: "KES",
            terms_effective_from: today,
            proposed_by: officer,
            support_starts_on: today,
            school_terms_per_year: 2,
            expected_graduation: NaiveDate::from_ymd_opt(2027, 11, 30),
        },
    )
    .expect("award");
    diesel::update(awards::table.find(award)).set(awards::status.eq("active")).execute(&mut conn).expect("active");
    (award, reference.expect("reference"))
}

/// A ministry cycle open now (closing tomorrow) with three choices at most; scholars A (bonded to Turkana and
/// Marsabit), B and C (anywhere); facilities with vacancies, one without, one not eligible, one lapsed.
fn fixture(app: &TestApp) -> Fixture {
    let report = ruralserve::service::facilities::import_csv(&mut app.conn(), FACILITIES_CSV.as_bytes()).expect("csv");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    let mut conn = app.conn();
    let moh: i64 = organisations::table
        .filter(organisations::code.eq("MOH"))
        .select(organisations::id)
        .first(&mut conn)
        .expect("MOH");
    let coordinator = user_id(app, "placement@moh.demo.ruralserve.org");
    let now = chrono::Utc::now().naive_utc();
    let day = |d: i64| now.date() + Duration::days(d);
    let cycle: i64 = diesel::insert_into(placement_cycles::table)
        .values((
            placement_cycles::organisation_id.eq(moh),
            placement_cycles::title.eq("Nursing 2027 placement"),
            placement_cycles::cadre.eq("nursing"),
            placement_cycles::graduation_from.eq(day(-100)),
            placement_cycles::graduation_until.eq(day(400)),
            placement_cycles::choices_open_at.eq(now - Duration::days(1)),
            placement_cycles::choices_close_at.eq(now + Duration::days(1)),
            placement_cycles::match_on.eq(day(2)),
            placement_cycles::publish_on.eq(day(3)),
            placement_cycles::acceptance_deadline.eq(now + Duration::days(10)),
            placement_cycles::appeal_until.eq(day(20)),
            placement_cycles::service_start_from.eq(day(30)),
            placement_cycles::service_start_until.eq(day(60)),
            placement_cycles::max_choices.eq(3),
            placement_cycles::created_by.eq(coordinator),
            placement_cycles::created_at.eq(now),
        ))
        .returning(placement_cycles::id)
        .get_result(&mut conn)
        .expect("cycle");
    drop(conn);
    let mut references = vec![];
    for (email, bond) in [(SCHOLAR_A, Some("[\"Turkana\",\"Marsabit\"]")), (SCHOLAR_B, None), (SCHOLAR_C, None)] {
        let (award, reference) = binding_award(app, email);
        references.push(reference);
        diesel::insert_into(cycle_scholars::table)
            .values((
                cycle_scholars::cycle_id.eq(cycle),
                cycle_scholars::award_id.eq(award),
                cycle_scholars::allowed_counties.eq(bond),
            ))
            .execute(&mut app.conn())
            .expect("scholar");
    }
    let (_, outsider_reference) = binding_award(app, OUTSIDER);
    references.push(outsider_reference);
    let f = Fixture {
        cycle,
        alpha: facility(app, "90001"),
        bravo: facility(app, "90002"),
        charlie: facility(app, "90003"),
        delta: facility(app, "90004"),
        echo: facility(app, "90005"),
        foxtrot: facility(app, "90006"),
        golf: facility(app, "90007"),
        hotel: facility(app, "90008"),
        references,
    };
    let mut conn = app.conn();
    for (id, score) in [(f.alpha, 20), (f.bravo, 15), (f.charlie, 22), (f.delta, 3), (f.echo, 18), (f.hotel, 9)] {
        diesel::update(facilities::table.find(id))
            .set((facilities::eligible.eq(true), facilities::need_score.eq(score)))
            .execute(&mut conn)
            .expect("eligible");
    }
    diesel::update(facilities::table.find(f.golf))
        .set((facilities::eligible.eq(true), facilities::eligible_until.eq(day(-1))))
        .execute(&mut conn)
        .expect("lapsed");
    for id in [f.alpha, f.bravo, f.charlie, f.delta, f.foxtrot, f.golf, f.hotel] {
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(cycle),
                vacancies::facility_id.eq(id),
                vacancies::seats.eq(2),
                vacancies::updated_by.eq(coordinator),
                vacancies::updated_at.eq(now),
            ))
            .execute(&mut conn)
            .expect("vacancy");
    }
    f
}

/// The facility ids of a scholar's list, rank 1 first, with the ranks checked contiguous.
fn list_of(app: &TestApp, email: &str, cycle: i64) -> Vec<i64> {
    let rows: Vec<(i32, i64)> = scholar_choices::table
        .inner_join(cycle_scholars::table.inner_join(awards::table.inner_join(applications::table)))
        .filter(applications::applicant_id.eq(user_id(app, email)))
        .filter(cycle_scholars::cycle_id.eq(cycle))
        .select((scholar_choices::rank, scholar_choices::facility_id))
        .order(scholar_choices::rank)
        .load(&mut app.conn())
        .expect("choices");
    let ranks: Vec<i32> = rows.iter().map(|r| r.0).collect();
    assert_eq!(ranks, (1..=i32::try_from(rows.len()).unwrap()).collect::<Vec<_>>(), "ranks are 1..N");
    rows.into_iter().map(|r| r.1).collect()
}

fn set_close(app: &TestApp, cycle: i64, open: chrono::NaiveDateTime, close: chrono::NaiveDateTime) {
    diesel::update(placement_cycles::table.find(cycle))
        .set((placement_cycles::choices_open_at.eq(open), placement_cycles::choices_close_at.eq(close)))
        .execute(&mut app.conn())
        .expect("window");
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    audit_events::table.filter(audit_events::action.eq(action)).count().get_result(&mut app.conn()).expect("count")
}

#[actix_web::test]
async fn a_scholar_searches_adds_reorders_and_removes_from_a_phone() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut a = Browser::new();
    a.log_in(&svc, SCHOLAR_A, DEMO_PASSWORD).await;

    let home = a.get(&svc, "/").await;
    assert!(home.body.contains("href=\"/my/placement\""), "the nav links to My placement");
    let cycles = a.get(&svc, "/my/placement").await;
    assert_eq!(cycles.status, 200);
    assert!(cycles.body.contains("Nursing 2027 placement"));
    assert!(cycles.body.contains("0 chosen of 3"));
    assert!(cycles.body.contains(&format!("/my/placement/{}/choices", f.cycle)));
    assert!(!cycles.body.contains("/result"), "no result link before publication");

    let choices = format!("/my/placement/{}/choices", f.cycle);
    let page = a.get(&svc, &choices).await;
    assert_eq!(page.status, 200);
    // The search offers only what the scholar may choose: inside the bond, a seat, eligible today.
    for name in ["Alpha Dispensary", "Bravo Health Centre", "Charlie Sub-County Hospital", "Hotel Health Centre"] {
        assert!(page.body.contains(name), "{name} is offered");
    }
    for name in ["Delta Dispensary", "Echo Health Centre", "Foxtrot Dispensary", "Golf Dispensary"] {
        assert!(!page.body.contains(name), "{name} is not offered");
    }
    assert!(page.body.contains("data-label=\"Need score\""), "stacked rows keep their labels");

    // Filters: county, level, need score at least, name contains.
    let filtered = a.get(&svc, &format!("{choices}?county=Marsabit&level=&need=&name=")).await;
    assert!(filtered.body.contains("Charlie Sub-County Hospital") && !filtered.body.contains("Alpha Dispensary"));
    let filtered = a.get(&svc, &format!("{choices}?county=&level=3&need=&name=")).await;
    assert!(filtered.body.contains("Bravo Health Centre") && !filtered.body.contains("Charlie Sub-County"));
    assert!(filtered.body.contains("<option value=\"3\" selected>"), "the chosen level stays chosen");
    let filtered = a.get(&svc, &format!("{choices}?county=&level=&need=20&name=")).await;
    assert!(filtered.body.contains("Alpha Dispensary") && !filtered.body.contains("Bravo Health Centre"));
    let filtered = a.get(&svc, &format!("{choices}?county=&level=&need=&name=HOTEL")).await;
    assert!(filtered.body.contains("Hotel Health Centre") && !filtered.body.contains("Alpha Dispensary"));
    let bad = a.get(&svc, &format!("{choices}?county=&level=nine&need=&name=")).await;
    assert_eq!(bad.status, 422, "a level that is not a number is named");

    for id in [f.alpha, f.bravo, f.charlie] {
        let added = a.post(&svc, &format!("{choices}/add"), &[("facility_id", &id.to_string())]).await;
        assert_eq!(added.status, 303, "{}", added.body);
    }
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha, f.bravo, f.charlie]);
    let moved =
        a.post(&svc, &format!("{choices}/move"), &[("facility_id", &f.charlie.to_string()), ("direction", "up")]).await;
    assert_eq!(moved.status, 303);
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha, f.charlie, f.bravo]);
    let moved =
        a.post(&svc, &format!("{choices}/move"), &[("facility_id", &f.alpha.to_string()), ("direction", "down")]).await;
    assert_eq!(moved.status, 303);
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.charlie, f.alpha, f.bravo]);
    let removed = a.post(&svc, &format!("{choices}/remove"), &[("facility_id", &f.charlie.to_string())]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha, f.bravo]);

    let page = a.get(&svc, &choices).await;
    assert!(page.body.contains("Your list is saved."));
    let listed = page.body.find("My ranked list").unwrap();
    let search = page.body.find("Find facilities to add").unwrap();
    let alpha_at = page.body.find("Alpha Dispensary").unwrap();
    let bravo_at = page.body.find("Bravo Health Centre").unwrap();
    assert!(listed < alpha_at && alpha_at < bravo_at && bravo_at < search, "the list shows in rank order");
    assert!(page.body.contains("Move down") && page.body.contains("Move up"));
    // Every saved change left an audit row with the list after it: the final list can be rebuilt.
    assert_eq!(audit_count(&app, "choices.saved"), 6);
    let cycles = a.get(&svc, "/my/placement").await;
    assert!(cycles.body.contains("2 chosen of 3"));
}

#[actix_web::test]
async fn every_refusal_says_why_and_saves_nothing() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut a = Browser::new();
    a.log_in(&svc, SCHOLAR_A, DEMO_PASSWORD).await;
    let choices = format!("/my/placement/{}/choices", f.cycle);
    assert_eq!(a.post(&svc, &format!("{choices}/add"), &[("facility_id", &f.alpha.to_string())]).await.status, 303);

    let cases: Vec<(String, &str)> = vec![
        (f.delta.to_string(), "outside the counties your bond allows"),
        (f.echo.to_string(), "has no vacancy in this cycle"),
        (f.foxtrot.to_string(), "not eligible for placement today"),
        (f.golf.to_string(), "not eligible for placement today"),
        (f.alpha.to_string(), "already in your list"),
        ("999999".to_string(), "No such facility"),
        ("abc".to_string(), "No such facility"),
        (String::new(), "No such facility"),
    ];
    for (id, message) in &cases {
        let page = a.post(&svc, &format!("{choices}/add"), &[("facility_id", id)]).await;
        assert_eq!(page.status, 422, "adding {id:?}");
        assert!(page.body.contains(message), "adding {id:?} says {message:?}");
    }
    let page =
        a.post(&svc, &format!("{choices}/move"), &[("facility_id", &f.alpha.to_string()), ("direction", "up")]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("cannot move further"));
    let page =
        a.post(&svc, &format!("{choices}/move"), &[("facility_id", &f.alpha.to_string()), ("direction", "")]).await;
    assert_eq!(page.status, 422);
    let page = a.post(&svc, &format!("{choices}/remove"), &[("facility_id", &f.bravo.to_string())]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("not in your list"));
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha]);

    // A full list (N = 3) takes no more.
    for id in [f.bravo, f.charlie] {
        assert_eq!(a.post(&svc, &format!("{choices}/add"), &[("facility_id", &id.to_string())]).await.status, 303);
    }
    let page = a.post(&svc, &format!("{choices}/add"), &[("facility_id", &f.hotel.to_string())]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Your list is full"));
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha, f.bravo, f.charlie]);
    assert_eq!(audit_count(&app, "choices.saved"), 3, "refusals leave no audit row");

    // Before the window opens nothing can be added either.
    let now = chrono::Utc::now().naive_utc();
    set_close(&app, f.cycle, now + Duration::hours(1), now + Duration::days(2));
    let page = a.post(&svc, &format!("{choices}/remove"), &[("facility_id", &f.alpha.to_string())]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("not open yet"));
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha, f.bravo, f.charlie]);
}

#[actix_web::test]
async fn the_list_locks_at_the_close() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut a = Browser::new();
    a.log_in(&svc, SCHOLAR_A, DEMO_PASSWORD).await;
    let choices = format!("/my/placement/{}/choices", f.cycle);
    for id in [f.alpha, f.bravo] {
        assert_eq!(a.post(&svc, &format!("{choices}/add"), &[("facility_id", &id.to_string())]).await.status, 303);
    }
    let page = a.get(&svc, &choices).await;
    let now = chrono::Utc::now().naive_utc();
    set_close(&app, f.cycle, now - Duration::days(3), now - Duration::minutes(1));

    // A form shown before the close, posted after it, is refused by the server's clock.
    for (action, fields) in [
        ("add", vec![("facility_id", f.charlie.to_string())]),
        ("move", vec![("facility_id", f.bravo.to_string()), ("direction", "up".to_string())]),
        ("remove", vec![("facility_id", f.alpha.to_string())]),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = a.post(&svc, &format!("{choices}/{action}"), &fields).await;
        assert_eq!(refused.status, 422, "{action} after the close");
        assert!(refused.body.contains("has closed"), "{action} says the window closed");
    }
    assert!(page.body.contains("Move down"), "the buttons were there before the close");
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha, f.bravo]);
    let locked = a.get(&svc, &choices).await;
    assert_eq!(locked.status, 200);
    assert!(locked.body.contains("your list is locked"));
    assert!(
        !locked.body.contains("Move down") && !locked.body.contains("Add to my list"),
        "no buttons after the close"
    );
    let cycles = a.get(&svc, "/my/placement").await;
    assert!(cycles.body.contains("Closed: your list is locked"));

    diesel::update(placement_cycles::table.find(f.cycle))
        .set(placement_cycles::status.eq("published"))
        .execute(&mut app.conn())
        .unwrap();
    let cycles = a.get(&svc, "/my/placement").await;
    assert!(cycles.body.contains(&format!("/my/placement/{}/result", f.cycle)), "the result link once published");
}

#[actix_web::test]
async fn two_scholars_link_as_a_couple_and_either_can_unlink() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (ref_a, ref_b, ref_c, ref_outsider) =
        (f.references[0].clone(), f.references[1].clone(), f.references[2].clone(), f.references[3].clone());
    let partner = format!("/my/placement/{}/partner", f.cycle);
    let choices = format!("/my/placement/{}/choices", f.cycle);
    let mut a = Browser::new();
    a.log_in(&svc, SCHOLAR_A, DEMO_PASSWORD).await;
    let mut b = Browser::from_address("10.0.0.3");
    b.log_in(&svc, SCHOLAR_B, DEMO_PASSWORD).await;
    let mut c = Browser::from_address("10.0.0.4");
    c.log_in(&svc, SCHOLAR_C, DEMO_PASSWORD).await;
    let name_of = |email: &str| -> String {
        applications::table
            .inner_join(users::table)
            .filter(users::email.eq(email))
            .filter(applications::reference.is_not_null())
            .select(applications::full_name)
            .first(&mut app.conn())
            .unwrap()
    };
    let (name_a, name_b) = (name_of(SCHOLAR_A), name_of(SCHOLAR_B));

    // Refusals: unknown, one's own, someone not in the cycle, empty.
    for (reference, message) in [
        ("MOH-0000-99999", "No award has this reference"),
        ("", "No award has this reference"),
        (ref_a.as_str(), "your own reference"),
        (ref_outsider.as_str(), "not in this placement cycle"),
    ] {
        let page = a.post(&svc, &partner, &[("reference", reference)]).await;
        assert_eq!(page.status, 422, "{reference:?}");
        assert!(page.body.contains(message), "{reference:?} says {message:?}");
    }

    // A names B: waiting, and B's name is not shown yet.
    assert_eq!(a.post(&svc, &partner, &[("reference", &ref_b)]).await.status, 303);
    let page = a.get(&svc, &choices).await;
    assert!(page.body.contains(&format!("Waiting for {ref_b} to confirm")));
    assert!(!page.body.contains(&name_b));
    let page = b.get(&svc, &choices).await;
    assert!(page.body.contains("has named you as their partner"));
    assert!(!page.body.contains(&name_a));

    // B names A: linked, each sees the other's name.
    assert_eq!(b.post(&svc, &partner, &[("reference", &ref_a)]).await.status, 303);
    assert!(a.get(&svc, &choices).await.body.contains(&format!("Linked with {name_b}")));
    assert!(b.get(&svc, &choices).await.body.contains(&format!("Linked with {name_a}")));

    // C cannot take A, who is linked; A cannot name C while linked.
    let page = c.post(&svc, &partner, &[("reference", &ref_a)]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("already linked with someone else"));
    let page = a.post(&svc, &partner, &[("reference", &ref_c)]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("unlink first"));

    // B unlinks: the couple is broken on both sides.
    assert_eq!(b.post(&svc, &format!("{partner}/unlink"), &[]).await.status, 303);
    let page = a.get(&svc, &choices).await;
    assert!(!page.body.contains("Linked with") && !page.body.contains("Waiting for"));
    let requests: Vec<Option<i64>> = cycle_scholars::table
        .filter(cycle_scholars::cycle_id.eq(f.cycle))
        .select(cycle_scholars::partner_request)
        .load(&mut app.conn())
        .unwrap();
    assert!(requests.iter().all(Option::is_none), "{requests:?}");
    assert_eq!(audit_count(&app, "partner.named"), 2);
    assert_eq!(audit_count(&app, "partner.unlinked"), 2);
    let page = a.post(&svc, &format!("{partner}/unlink"), &[]).await;
    assert_eq!(page.status, 422, "nothing to unlink");

    // After the close nobody links or unlinks.
    assert_eq!(a.post(&svc, &partner, &[("reference", &ref_c)]).await.status, 303);
    let now = chrono::Utc::now().naive_utc();
    set_close(&app, f.cycle, now - Duration::days(3), now - Duration::minutes(1));
    let page = c.post(&svc, &partner, &[("reference", &ref_a)]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("has closed"));
    let page = a.post(&svc, &format!("{partner}/unlink"), &[]).await;
    assert_eq!(page.status, 422);
    let page = a.get(&svc, &choices).await;
    assert!(!page.body.contains("Name my partner"), "no partner form after the close");
}

#[actix_web::test]
async fn only_the_scholar_sees_and_changes_their_choices() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    // The demo's placement coordinator of the other funder is among the roles refused below.
    let svc = service!(app);
    let mut a = Browser::new();
    a.log_in(&svc, SCHOLAR_A, DEMO_PASSWORD).await;
    assert_eq!(
        a.post(&svc, &format!("/my/placement/{}/choices/add", f.cycle), &[("facility_id", &f.alpha.to_string())])
            .await
            .status,
        303
    );

    let cycle = f.cycle;
    let gets = [format!("/my/placement/{cycle}/choices")];
    let posts: Vec<(String, Vec<(&str, String)>)> = vec![
        (format!("/my/placement/{cycle}/choices/add"), vec![("facility_id", f.bravo.to_string())]),
        (
            format!("/my/placement/{cycle}/choices/move"),
            vec![("facility_id", f.alpha.to_string()), ("direction", "down".into())],
        ),
        (format!("/my/placement/{cycle}/choices/remove"), vec![("facility_id", f.alpha.to_string())]),
        (format!("/my/placement/{cycle}/partner"), vec![("reference", f.references[0].clone())]),
        (format!("/my/placement/{cycle}/partner/unlink"), vec![]),
    ];
    // Another applicant (not in the cycle) gets "not found"; staff are refused; nobody changes A's list.
    let who: [(&str, u16, u16); 9] = [
        ("student08.moh@demo.ruralserve.org", 404, 200),
        (OUTSIDER, 404, 200),
        ("reviewer@moh.demo.ruralserve.org", 403, 403),
        ("officer@moh.demo.ruralserve.org", 403, 403),
        ("placement@moh.demo.ruralserve.org", 403, 403),
        ("placement@rhsf.demo.ruralserve.org", 403, 403),
        ("compliance@moh.demo.ruralserve.org", 403, 403),
        ("supervisor@moh.demo.ruralserve.org", 403, 403),
        ("admin@demo.ruralserve.org", 403, 403),
    ];
    for (i, (email, cycle_status, list_status)) in who.iter().enumerate() {
        let mut browser = Browser::from_address(&format!("10.0.1.{}", i + 1));
        browser.log_in(&svc, email, DEMO_PASSWORD).await;
        let list = browser.get(&svc, "/my/placement").await;
        assert_eq!(list.status, *list_status, "{email} on /my/placement");
        assert!(!list.body.contains("Nursing 2027 placement"), "{email} does not see the cycle");
        for path in &gets {
            let page = browser.get(&svc, path).await;
            assert_eq!(page.status, *cycle_status, "{email} GET {path}");
            assert!(!page.body.contains("Alpha Dispensary"), "{email} sees no list");
        }
        for (path, fields) in &posts {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = browser.post(&svc, path, &fields).await;
            assert_eq!(page.status, *cycle_status, "{email} POST {path}");
        }
    }
    // Anonymous: sent to log in, nothing changed.
    let mut anonymous = Browser::from_address("10.0.2.1");
    for path in ["/my/placement".to_string(), gets[0].clone()] {
        let page = anonymous.get(&svc, &path).await;
        assert_eq!(page.status, 303, "anonymous GET {path}");
        assert!(page.location.unwrap_or_default().starts_with("/login"));
    }
    for (path, fields) in &posts {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let page = anonymous.post(&svc, path, &fields).await;
        assert_eq!(page.status, 303, "anonymous POST {path}");
    }
    // A cycle that does not exist is "not found" for a scholar too.
    assert_eq!(a.get(&svc, "/my/placement/999999/choices").await.status, 404);
    assert_eq!(list_of(&app, SCHOLAR_A, f.cycle), vec![f.alpha]);
    let requests: Vec<Option<i64>> =
        cycle_scholars::table.select(cycle_scholars::partner_request).load(&mut app.conn()).unwrap();
    assert!(requests.iter().all(Option::is_none));
}

#[actix_web::test]
async fn a_list_survives_a_new_visit_and_the_search_pages_by_twenty() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    // Thirty more eligible facilities with a seat, to page through.
    let mut csv =
        String::from("code,name,keph_level,facility_type,owner_type,county,sub_county,ward,beds,latitude,longitude\n");
    for i in 0..30 {
        csv.push_str(&format!(
            "9{i:04}1,Zulu Clinic {i:02},Level 2,Dispensary,Ministry of Health,Turkana,Loima,Lokiriama,0,,\n"
        ));
    }
    ruralserve::service::facilities::import_csv(&mut app.conn(), csv.as_bytes()).unwrap();
    let coordinator = user_id(&app, "placement@moh.demo.ruralserve.org");
    let ids: Vec<i64> = facilities::table
        .filter(facilities::name.like("Zulu Clinic%"))
        .select(facilities::id)
        .load(&mut app.conn())
        .unwrap();
    for id in ids {
        diesel::update(facilities::table.find(id)).set(facilities::eligible.eq(true)).execute(&mut app.conn()).unwrap();
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(f.cycle),
                vacancies::facility_id.eq(id),
                vacancies::seats.eq(1),
                vacancies::updated_by.eq(coordinator),
                vacancies::updated_at.eq(chrono::Utc::now().naive_utc()),
            ))
            .execute(&mut app.conn())
            .unwrap();
    }
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, SCHOLAR_B, DEMO_PASSWORD).await;
    let choices = format!("/my/placement/{}/choices", f.cycle);
    assert_eq!(b.post(&svc, &format!("{choices}/add"), &[("facility_id", &f.hotel.to_string())]).await.status, 303);
    // 4 + 30 choosable for B (no bond: Delta too), one listed: 34 offered, 20 on the first page.
    let first = b.get(&svc, &format!("{choices}?county=&level=&need=&name=")).await;
    let adds = |body: &str| body.matches("Add to my list").count();
    assert_eq!(adds(&first.body), 20);
    let next = first
        .body
        .split("class=\"button\" href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("after="))
        .expect("a next page link")
        .replace("&amp;", "&")
        .replace("&#x2F;", "/");
    let next = next.split('#').next().unwrap().to_string();
    let second = b.get(&svc, &next).await;
    assert_eq!(second.status, 200);
    assert_eq!(adds(&second.body), 14);
    assert!(!second.body.contains("Next 20 facilities"));
    assert!(second.body.contains("Zulu Clinic 29"));
    assert!(!first.body.contains("Zulu Clinic 29") && first.body.contains("Alpha Dispensary"));

    // Log out and back in: the list is still there.
    let mut again = Browser::from_address("10.0.0.7");
    again.log_in(&svc, SCHOLAR_B, DEMO_PASSWORD).await;
    let page = again.get(&svc, &choices).await;
    assert!(page.body.contains("1 chosen of 3"));
}

#[actix_web::test]
async fn the_api_gives_the_scholar_their_list_and_nobody_else() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let mut a = Browser::new();
    a.log_in(&svc, SCHOLAR_A, DEMO_PASSWORD).await;
    let choices = format!("/my/placement/{}/choices", f.cycle);
    for id in [f.charlie, f.alpha] {
        assert_eq!(a.post(&svc, &format!("{choices}/add"), &[("facility_id", &id.to_string())]).await.status, 303);
    }
    let path = format!("/api/v1/my/placement/{}/choices", f.cycle);
    let token = api_token(&svc, SCHOLAR_A).await;
    let (status, body) = api_get(&svc, &path, &token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["max_choices"], 3);
    assert_eq!(body["window"], "open");
    assert_eq!(body["choices"][0]["rank"], 1);
    assert_eq!(body["choices"][0]["facility"]["registry_key"], "mfl:90003");
    assert_eq!(body["choices"][1]["facility"]["registry_key"], "mfl:90001");
    let token = api_token(&svc, SCHOLAR_B).await;
    let (status, body) = api_get(&svc, &path, &token).await;
    assert_eq!(status, 200, "B's own (empty) list");
    assert_eq!(body["choices"].as_array().map(Vec::len), Some(0));
    let token = api_token(&svc, "student08.moh@demo.ruralserve.org").await;
    assert_eq!(api_get(&svc, &path, &token).await.0, 404);
    let token = api_token(&svc, "placement@moh.demo.ruralserve.org").await;
    assert_eq!(api_get(&svc, &path, &token).await.0, 403);
    assert_eq!(api_get(&svc, &path, "not-a-token").await.0, 401);
}
