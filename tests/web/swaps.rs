//! Swaps after publication: a pairwise swap proposed, agreed and approved into new placement records; bonds
//! checked; refusals with a reason; only the partner may answer; swap wishes forming a three-scholar cycle that a
//! coordinator approves as one change; two coordinators approving at once (exactly one wins); the role × route
//! matrix.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::common::*;
use ruralserve::schema::{
    applications, audit_events, awards, calls, cycle_scholars, facilities, outbox, placement_cycles, placement_swaps,
    placements, programmes, swap_wishes, users, vacancies,
};

const COORDINATOR: &str = "placement@moh.demo.ruralserve.org";
const SECOND: &str = "placement2@moh.demo.ruralserve.org";
const NGO_COORDINATOR: &str = "placement@rhsf.demo.ruralserve.org";

const FACILITIES: &str = "code,name,keph_level,facility_type,owner_type,county,sub_county,ward,beds,latitude,longitude
9101,Alpha Health Centre,Level 3,Health Centre,Ministry of Health,Nairobi,Kibra,Ward A,10,-1.3,36.8
9102,Beta Dispensary,Level 2,Dispensary,Ministry of Health,Nairobi,Kibra,Ward B,2,-1.3,36.8
9103,Gamma Sub-County Hospital,Level 4,Hospital,Ministry of Health,Kisumu,Kisumu East,Ward C,40,-0.1,34.7
9104,Delta Health Centre,Level 3,Health Centre,Ministry of Health,Mombasa,Mvita,Ward D,12,-4.0,39.6
";

/// A published cycle of the ministry: S1 at Alpha (Nairobi), S2 at Gamma (Kisumu), S3 at Delta (Mombasa),
/// S4 at Beta (Nairobi, bonded to Nairobi). Every facility has a vacancy row with seats.
struct Fixture {
    cycle: i64,
    /// (e-mail, reference, placement id) of S1..S4.
    scholars: Vec<(String, String, i64)>,
    /// Alpha, Beta, Gamma, Delta.
    facilities: [i64; 4],
}

fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time")
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

fn user_id(conn: &mut ruralserve::db::PooledConn, email: &str) -> i64 {
    users::table.filter(users::email.eq(email)).select(users::id).first(conn).expect("user")
}

fn facility_id(conn: &mut ruralserve::db::PooledConn, code: &str) -> i64 {
    facilities::table.filter(facilities::code.eq(code)).select(facilities::id).first(conn).expect("facility")
}

fn fixture(app: &TestApp) -> Fixture {
    let mut conn = app.conn();
    let conn = &mut conn;
    let report = ruralserve::service::facilities::import_csv(conn, FACILITIES.as_bytes()).expect("import");
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    diesel::update(facilities::table.filter(facilities::code.like("91%")))
        .set((facilities::need_score.eq(15), facilities::eligible.eq(true)))
        .execute(conn)
        .expect("eligible");
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
            placement_cycles::choices_close_at.eq(at("2026-11-20 17:00")),
            placement_cycles::match_on.eq(day("2026-11-21")),
            placement_cycles::publish_on.eq(day("2026-11-25")),
            placement_cycles::acceptance_deadline.eq(at("2027-01-15 17:00")),
            placement_cycles::appeal_until.eq(day("2027-01-31")),
            placement_cycles::service_start_from.eq(day("2027-02-01")),
            placement_cycles::service_start_until.eq(day("2027-02-28")),
            placement_cycles::max_choices.eq(10),
            placement_cycles::status.eq("published"),
            placement_cycles::created_by.eq(coordinator),
            placement_cycles::created_at.eq(at("2026-10-01 08:00")),
        ))
        .returning(placement_cycles::id)
        .get_result(conn)
        .expect("cycle");
    let codes = ["9101", "9102", "9103", "9104"];
    let ids = codes.map(|c| facility_id(conn, c));
    for facility in ids {
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(cycle),
                vacancies::facility_id.eq(facility),
                vacancies::seats.eq(2),
                vacancies::updated_by.eq(coordinator),
                vacancies::updated_at.eq(at("2026-10-02 08:00")),
            ))
            .execute(conn)
            .expect("vacancy");
    }
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
    // (facility, bond) of S1..S4.
    let seats: [(i64, Option<&str>); 4] =
        [(ids[0], None), (ids[2], None), (ids[3], None), (ids[1], Some(r#"["Nairobi"]"#))];
    let mut scholars = Vec::new();
    for ((application, reference, email), (facility, bond)) in found.into_iter().zip(seats) {
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
                cycle_scholars::priority_tier.eq(1),
                cycle_scholars::score_hundredths.eq(8000),
                cycle_scholars::allowed_counties.eq(bond),
            ))
            .returning(cycle_scholars::id)
            .get_result(conn)
            .expect("cycle scholar");
        let placement: i64 = diesel::insert_into(placements::table)
            .values((
                placements::cycle_scholar_id.eq(scholar),
                placements::award_id.eq(award),
                placements::facility_id.eq(facility),
                placements::choice_rank.eq(1),
                placements::published_at.eq(at("2026-11-25 09:00")),
                placements::status.eq("published"),
            ))
            .returning(placements::id)
            .get_result(conn)
            .expect("placement");
        scholars.push((email, reference, placement));
    }
    Fixture { cycle, scholars, facilities: ids }
}

/// (status, facility, origin, previous) of a scholar's records, oldest first.
fn history(app: &TestApp, first_placement: i64) -> Vec<(String, i64, String, Option<i64>)> {
    let mut conn = app.conn();
    let scholar: i64 = placements::table
        .find(first_placement)
        .select(placements::cycle_scholar_id)
        .first(&mut conn)
        .expect("placement");
    placements::table
        .filter(placements::cycle_scholar_id.eq(scholar))
        .order(placements::id)
        .select((placements::status, placements::facility_id, placements::origin, placements::previous_id))
        .load(&mut conn)
        .expect("history")
}

fn swap_status(app: &TestApp, swap: i64) -> String {
    placement_swaps::table.find(swap).select(placement_swaps::status).first(&mut app.conn()).expect("swap")
}

fn only_swap(app: &TestApp) -> (i64, i32) {
    placement_swaps::table
        .select((placement_swaps::id, placement_swaps::version))
        .order(placement_swaps::id.desc())
        .first(&mut app.conn())
        .expect("a swap")
}

fn mails_to(app: &TestApp, email: &str) -> Vec<String> {
    outbox::table
        .filter(outbox::recipient.eq(email))
        .order(outbox::id)
        .select(outbox::subject)
        .load(&mut app.conn())
        .expect("outbox")
}

#[actix_web::test]
async fn a_pairwise_swap_is_proposed_agreed_and_approved_into_new_placement_records() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let [alpha, _, gamma, _] = f.facilities;
    let (s1, s2) = (&f.scholars[0], &f.scholars[1]);
    let mut one = Browser::new();
    one.log_in(&svc, &s1.0, DEMO_PASSWORD).await;
    let page = one.get(&svc, &format!("/my/placement/{}/swaps", f.cycle)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Alpha Health Centre"), "{}", page.body);
    let proposed =
        one.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", &format!(" {} ", s2.1))]).await;
    assert_eq!(proposed.status, 303, "{}", proposed.body);
    let (swap, version) = only_swap(&app);
    assert_eq!(swap_status(&app, swap), "proposed");
    assert!(mails_to(&app, &s2.0).iter().any(|s| s.starts_with("A swap is proposed to you")));

    // The proposer cannot agree for the partner.
    let page = one.get(&svc, &format!("/my/placement/{}/swaps", f.cycle)).await;
    assert!(!page.body.contains(&format!("/swaps/{swap}/agree")), "no agree button for the proposer");
    let own = one
        .post(&svc, &format!("/my/placement/{}/swaps/{swap}/agree", f.cycle), &[("version", &version.to_string())])
        .await;
    assert_eq!(own.status, 403);
    assert_eq!(swap_status(&app, swap), "proposed");

    let mut two = Browser::from_address("10.0.0.2");
    two.log_in(&svc, &s2.0, DEMO_PASSWORD).await;
    let page = two.get(&svc, &format!("/my/placement/{}/swaps", f.cycle)).await;
    assert!(page.body.contains(&format!("/swaps/{swap}/agree")), "{}", page.body);
    assert!(page.body.contains("Alpha Health Centre"), "the partner sees what they would get");
    let agreed = two
        .post(&svc, &format!("/my/placement/{}/swaps/{swap}/agree", f.cycle), &[("version", &version.to_string())])
        .await;
    assert_eq!(agreed.status, 303, "{}", agreed.body);
    assert_eq!(swap_status(&app, swap), "agreed");
    assert!(mails_to(&app, &s1.0).iter().any(|s| s.starts_with("Your swap")));

    let mut paul = Browser::from_address("10.1.0.1");
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let page = paul.get(&svc, &format!("/placement/cycles/{}/swaps", f.cycle)).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("/swaps/{swap}/approve")), "{}", page.body);
    let v = version_in(page.body.split(&format!("/swaps/{swap}/approve")).nth(1).expect("form"));
    let approved = paul
        .post(&svc, &format!("/placement/cycles/{}/swaps/{swap}/approve", f.cycle), &[("version", &v), ("reason", "")])
        .await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    assert_eq!(swap_status(&app, swap), "approved");

    let h1 = history(&app, s1.2);
    assert_eq!(h1.len(), 2);
    assert_eq!(h1[0], ("reassigned".to_string(), alpha, "run".to_string(), None));
    assert_eq!(h1[1], ("published".to_string(), gamma, "swap".to_string(), Some(s1.2)));
    let h2 = history(&app, s2.2);
    assert_eq!((h2[1].0.as_str(), h2[1].1, h2[1].2.as_str()), ("published", alpha, "swap"));
    assert!(mails_to(&app, &s1.0).iter().any(|s| s.starts_with("Your new placement")));
    assert!(mails_to(&app, &s2.0).iter().any(|s| s.starts_with("Your new placement")));
    let audited: i64 = audit_events::table
        .filter(audit_events::action.eq("placement.swapped"))
        .count()
        .get_result(&mut app.conn())
        .expect("audit");
    assert_eq!(audited, 2, "one audit row per moved placement");

    // A second approval of the same swap (a stale page) is refused and changes nothing.
    let again = paul
        .post(&svc, &format!("/placement/cycles/{}/swaps/{swap}/approve", f.cycle), &[("version", &v), ("reason", "")])
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(history(&app, s1.2).len(), 2);
}

#[actix_web::test]
async fn a_swap_the_bonds_do_not_allow_is_refused_at_the_proposal() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    // S4 is bonded to Nairobi; S2 serves in Kisumu.
    let mut four = Browser::new();
    four.log_in(&svc, &f.scholars[3].0, DEMO_PASSWORD).await;
    let page = four.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", &f.scholars[1].1)]).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("A bond does not allow this exchange."), "{}", page.body);
    // The other way round too: S2 cannot bring S4 out of the bond.
    let mut two = Browser::from_address("10.0.0.2");
    two.log_in(&svc, &f.scholars[1].0, DEMO_PASSWORD).await;
    let page = two.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", &f.scholars[3].1)]).await;
    assert_eq!(page.status, 422);
    // Within Nairobi it is allowed (S1 at Alpha).
    let page = four.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", &f.scholars[0].1)]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let unknown = four.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", "NOPE-1")]).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("No scholar with a placement in this cycle has this reference."));
    let count: i64 = placement_swaps::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(count, 1);
}

#[actix_web::test]
async fn a_refusal_needs_a_reason_and_either_scholar_may_withdraw_before_the_decision() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (s1, s2, s3) = (&f.scholars[0], &f.scholars[1], &f.scholars[2]);
    let mut one = Browser::new();
    one.log_in(&svc, &s1.0, DEMO_PASSWORD).await;
    one.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", &s2.1)]).await;
    let (swap, v) = only_swap(&app);
    let mut two = Browser::from_address("10.0.0.2");
    two.log_in(&svc, &s2.0, DEMO_PASSWORD).await;
    two.post(&svc, &format!("/my/placement/{}/swaps/{swap}/agree", f.cycle), &[("version", &v.to_string())]).await;
    assert_eq!(swap_status(&app, swap), "agreed");
    let mut paul = Browser::from_address("10.1.0.1");
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let v = (v + 1).to_string();
    let blank = paul
        .post(&svc, &format!("/placement/cycles/{}/swaps/{swap}/refuse", f.cycle), &[("version", &v), ("reason", " ")])
        .await;
    assert_eq!(blank.status, 422);
    assert!(blank.body.contains("Give the reason for the refusal"), "{}", blank.body);
    assert_eq!(swap_status(&app, swap), "agreed");
    let refused = paul
        .post(
            &svc,
            &format!("/placement/cycles/{}/swaps/{swap}/refuse", f.cycle),
            &[("version", &v), ("reason", "Gamma needs an experienced nurse")],
        )
        .await;
    assert_eq!(refused.status, 303, "{}", refused.body);
    assert_eq!(swap_status(&app, swap), "refused");
    let page = two.get(&svc, &format!("/my/placement/{}/swaps", f.cycle)).await;
    assert!(page.body.contains("Gamma needs an experienced nurse"), "the reason is visible to the scholar");
    assert!(mails_to(&app, &s1.0).iter().any(|s| s.starts_with("Your swap is refused")));
    assert_eq!(history(&app, s1.2).len(), 1, "a refusal moves nobody");

    // A new proposal, withdrawn by the partner before it is answered; a third scholar cannot touch it.
    one.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", &s2.1)]).await;
    let (swap, v) = only_swap(&app);
    let mut three = Browser::from_address("10.0.0.3");
    three.log_in(&svc, &s3.0, DEMO_PASSWORD).await;
    for action in ["agree", "decline", "withdraw"] {
        let page = three
            .post(&svc, &format!("/my/placement/{}/swaps/{swap}/{action}", f.cycle), &[("version", &v.to_string())])
            .await;
        assert_eq!(page.status, 404, "a third scholar's {action}");
    }
    let page = two
        .post(&svc, &format!("/my/placement/{}/swaps/{swap}/withdraw", f.cycle), &[("version", &v.to_string())])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(swap_status(&app, swap), "withdrawn");
}

#[actix_web::test]
async fn swap_wishes_form_a_three_scholar_cycle_that_a_coordinator_approves_as_one_change() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let [alpha, beta, gamma, delta] = f.facilities;
    // S1 (Alpha) wants Gamma, S2 (Gamma) wants Delta, S3 (Delta) wants Beta then Alpha; S4 (Beta) wants nothing.
    let wishes: [(usize, Vec<i64>); 3] = [(0, vec![gamma]), (1, vec![delta]), (2, vec![beta, alpha])];
    for (i, list) in &wishes {
        let mut b = Browser::from_address(&format!("10.0.0.{}", i + 1));
        b.log_in(&svc, &f.scholars[*i].0, DEMO_PASSWORD).await;
        let page = b.get(&svc, &format!("/my/placement/{}/swaps", f.cycle)).await;
        assert!(page.body.contains("name=\"wish_5\""));
        let texts: Vec<String> = list.iter().map(|id| id.to_string()).collect();
        let field = |n: usize| texts.get(n).cloned().unwrap_or_default();
        let saved = b
            .post(
                &svc,
                &format!("/my/placement/{}/swaps/wishes", f.cycle),
                &[
                    ("wish_1", &field(0)),
                    ("wish_2", &field(1)),
                    ("wish_3", &field(2)),
                    ("wish_4", &field(3)),
                    ("wish_5", &field(4)),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    // A wish for one's own facility is refused next to the field.
    let mut one = Browser::new();
    one.log_in(&svc, &f.scholars[0].0, DEMO_PASSWORD).await;
    let own = alpha.to_string();
    let bad = one
        .post(
            &svc,
            &format!("/my/placement/{}/swaps/wishes", f.cycle),
            &[("wish_1", &own), ("wish_2", ""), ("wish_3", ""), ("wish_4", ""), ("wish_5", "")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("You already serve at this facility."));

    let mut paul = Browser::from_address("10.1.0.1");
    paul.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let page = paul.get(&svc, &format!("/placement/cycles/{}/swaps", f.cycle)).await;
    assert!(page.body.contains("Cycle 1 (3 scholars)"), "{}", page.body);
    let before: i64 = placements::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(before, 4, "computing the cycles writes nothing");
    let members = page
        .body
        .split("name=\"members\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the cycle's form")
        .to_string();
    let approved =
        paul.post(&svc, &format!("/placement/cycles/{}/swaps/cycle", f.cycle), &[("members", &members)]).await;
    assert_eq!(approved.status, 303, "{}", approved.body);
    let now_at = |i: usize| history(&app, f.scholars[i].2).last().map(|h| (h.0.clone(), h.1, h.2.clone()));
    assert_eq!(now_at(0), Some(("published".into(), gamma, "swap".into())));
    assert_eq!(now_at(1), Some(("published".into(), delta, "swap".into())));
    assert_eq!(now_at(2), Some(("published".into(), alpha, "swap".into())));
    assert_eq!(history(&app, f.scholars[3].2).len(), 1, "S4 stays");
    let left: i64 = swap_wishes::table.count().get_result(&mut app.conn()).expect("wishes");
    assert_eq!(left, 0, "the participants' wishes are cleared");
    // The same form again is stale: refused, nothing moves.
    let again = paul.post(&svc, &format!("/placement/cycles/{}/swaps/cycle", f.cycle), &[("members", &members)]).await;
    assert_eq!(again.status, 409);
    let after: i64 = placements::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(after, 7);
}

#[actix_web::test]
async fn two_coordinators_approving_the_same_swap_at_once_exactly_one_succeeds() {
    use ruralserve::domain::swaps::SwapEvent;
    use ruralserve::service::swaps::{self, Links};
    use ruralserve::service::Actor;
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let actor = |email: &str| {
        let user = ruralserve::store::users::find_by_email(&mut app.conn(), email).expect("query").expect("user");
        Actor::from_user(&user, "test").expect("actor")
    };
    let (s1, s2) = (actor(&f.scholars[0].0), actor(&f.scholars[1].0));
    let i18n = ruralserve::i18n::I18n::new().expect("i18n");
    let links = Links { i18n: &i18n, public_url: "http://localhost" };
    let swap = swaps::propose(&mut app.conn(), &links, &s1, f.cycle, &f.scholars[1].1).expect("proposed");
    swaps::scholar_move(&mut app.conn(), &links, &s2, f.cycle, swap, 0, SwapEvent::Agree).expect("agreed");
    let coordinators = [actor(COORDINATOR), actor(SECOND)];
    let barrier = std::sync::Barrier::new(2);
    let results: Vec<Result<(), ruralserve::error::AppError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = coordinators
            .iter()
            .map(|who| {
                let (state, barrier, i18n) = (app.state.clone(), &barrier, &i18n);
                let cycle = f.cycle;
                scope.spawn(move || {
                    let mut conn = state.db.get().expect("connection");
                    let links = Links { i18n, public_url: "http://localhost" };
                    barrier.wait();
                    let decision = swaps::Decision { swap_id: swap, version: 1, event: SwapEvent::Approve, reason: "" };
                    swaps::decide(&mut conn, &links, who, cycle, &decision)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(r, Err(ruralserve::error::AppError::Conflict(_)))), "{results:?}");
    assert_eq!(swap_status(&app, swap), "approved");
    let live: i64 = placements::table
        .filter(placements::status.eq_any(["published", "accepted"]))
        .count()
        .get_result(&mut app.conn())
        .expect("count");
    assert_eq!(live, 4, "each scholar holds exactly one live placement");
    assert_eq!(history(&app, f.scholars[0].2).len(), 2);
}

#[actix_web::test]
async fn the_role_by_route_matrix_holds_for_swaps() {
    let app = TestApp::new().with_demo();
    let f = fixture(&app);
    let svc = service!(app);
    let (s1, s2) = (&f.scholars[0], &f.scholars[1]);
    let mut one = Browser::new();
    one.log_in(&svc, &s1.0, DEMO_PASSWORD).await;
    one.post(&svc, &format!("/my/placement/{}/swaps", f.cycle), &[("reference", &s2.1)]).await;
    let (swap, v) = only_swap(&app);
    let v = v.to_string();
    let c = f.cycle;
    let members = format!("{}:0,{}:0", s1.2, s2.2);
    // A scholar of the demo who is not in this cycle.
    let outsider: String = applications::table
        .inner_join(users::table)
        .filter(applications::reference.is_not_null())
        .order(applications::reference.desc())
        .select(users::email)
        .first(&mut app.conn())
        .expect("another applicant");
    assert!(f.scholars.iter().all(|s| s.0 != outsider));

    // (who, GET scholar page, GET coordinator page, POST coordinator refuse, POST scholar agree)
    let cases: [(&str, u16, u16, u16, u16); 9] = [
        (&s2.0, 200, 403, 403, 303),                                // the partner: only they agree
        (&s1.0, 200, 403, 403, 403),                                // the proposer cannot agree for them
        (&f.scholars[2].0, 200, 403, 403, 404),                     // a third scholar of the cycle
        (&outsider, 404, 403, 403, 404),                            // a scholar of no such placement
        (COORDINATOR, 403, 200, 409, 403),                          // the funder's coordinator (swap not agreed)
        (NGO_COORDINATOR, 403, 404, 404, 403),                      // another funder's coordinator
        ("admin@demo.ruralserve.org", 403, 200, 403, 403),          // administrators read only
        ("officer@moh.demo.ruralserve.org", 403, 403, 403, 403),    // a programme officer
        ("supervisor@moh.demo.ruralserve.org", 403, 403, 403, 403), // a facility supervisor
    ];
    for (who, scholar_page, coordinator_page, refuse, agree) in cases {
        let mut b = Browser::from_address("10.9.0.1");
        b.log_in(&svc, who, DEMO_PASSWORD).await;
        let page = b.get(&svc, &format!("/my/placement/{c}/swaps")).await;
        assert_eq!(page.status, scholar_page, "{who} GET scholar swaps");
        let page = b.get(&svc, &format!("/placement/cycles/{c}/swaps")).await;
        assert_eq!(page.status, coordinator_page, "{who} GET coordinator swaps");
        let page = b
            .post(&svc, &format!("/placement/cycles/{c}/swaps/{swap}/refuse"), &[("version", &v), ("reason", "x")])
            .await;
        assert_eq!(page.status, refuse, "{who} POST refuse");
        // Not a cycle of the wishes (nobody wished): the coordinator's approval is refused as stale.
        let page = b.post(&svc, &format!("/placement/cycles/{c}/swaps/cycle"), &[("members", &members)]).await;
        assert_eq!(page.status, refuse, "{who} POST approve cycle");
        let page = b
            .post(
                &svc,
                &format!("/my/placement/{c}/swaps/wishes"),
                &[("wish_1", ""), ("wish_2", ""), ("wish_3", ""), ("wish_4", ""), ("wish_5", "")],
            )
            .await;
        assert_eq!(page.status, if scholar_page == 200 { 303 } else { scholar_page }, "{who} POST wishes");
        let page = b.post(&svc, &format!("/my/placement/{c}/swaps/{swap}/agree"), &[("version", &v)]).await;
        assert_eq!(page.status, agree, "{who} POST agree");
    }
    // Nobody got anywhere but the partner: the swap is agreed, no placement moved.
    assert_eq!(swap_status(&app, swap), "agreed");
    let moved: i64 =
        placements::table.filter(placements::origin.eq("swap")).count().get_result(&mut app.conn()).expect("count");
    assert_eq!(moved, 0);
    // Without the CSRF token the partner's answer is refused.
    let mut two = Browser::from_address("10.0.0.2");
    two.log_in(&svc, &s2.0, DEMO_PASSWORD).await;
    let page = two.post_raw(&svc, &format!("/my/placement/{c}/swaps/{swap}/withdraw"), &[("version", "1")]).await;
    assert_eq!(page.status, 403);
}
