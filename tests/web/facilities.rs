//! The facility registry: search, filters and keyset paging; need scores with their history and current value;
//! eligibility that lapses by date; edits limited to a coordinator's counties and refused on a stale version;
//! the all-or-nothing CSV upload; supervisors and their view; the demo rule; the role × route matrix.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use ruralserve::schema::{audit_events, facilities, facility_need_scores};
use ruralserve::store::facilities::NewFacility;

use crate::common::*;

const COORDINATOR: &str = "placement@moh.demo.ruralserve.org";
const OTHER_COORDINATOR: &str = "placement@rhsf.demo.ruralserve.org";
const SUPERVISOR: &str = "supervisor@moh.demo.ruralserve.org";
const ADMIN: &str = "admin@demo.ruralserve.org";

fn today() -> NaiveDate {
    ruralserve::service::now().date()
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).format("%Y-%m-%d").to_string()
}

fn facility(key: &str, name: &str, county: &str, level: i32, owner: &str, beds: i32) -> NewFacility {
    NewFacility {
        registry_key: key.into(),
        code: key.strip_prefix("mfl:").map(String::from),
        name: name.into(),
        keph_level: Some(level),
        facility_type: if level == 2 { "Dispensary".into() } else { "Primary care hospitals".into() },
        owner_type: owner.into(),
        county: county.into(),
        sub_county: format!("{county} Central"),
        ward: "Ward".into(),
        beds,
        latitude_e6: None,
        longitude_e6: None,
        services: String::new(),
    }
}

/// The demo's people, a placement coordinator of the NGO, and 120 facilities: 60 public dispensaries in
/// Turkana ("Alpha 000" …) and 60 private hospitals in Nairobi ("Beta 000" …).
fn registry_app() -> TestApp {
    let app = TestApp::new().with_demo();
    let mut conn = app.conn();
    let mut batch = Vec::new();
    for i in 0..60 {
        batch.push(facility(
            &format!("mfl:{}", 10_000 + i),
            &format!("Alpha {i:03}"),
            "Turkana",
            2,
            "Ministry of Health",
            0,
        ));
        batch.push(facility(
            &format!("mfl:{}", 20_000 + i),
            &format!("Beta {i:03}"),
            "Nairobi",
            4,
            "Private Practice",
            80,
        ));
    }
    ruralserve::store::facilities::insert_batch(&mut conn, &batch).expect("facilities");
    // The other funder's placement coordinator comes with the demo.
    assert!(ruralserve::store::users::find_by_email(&mut conn, OTHER_COORDINATOR).expect("query").is_some());
    drop(conn);
    app
}

fn id_of(app: &TestApp, key: &str) -> i64 {
    facilities::table
        .filter(facilities::registry_key.eq(key))
        .select(facilities::id)
        .first(&mut app.conn())
        .expect("facility")
}

fn row(app: &TestApp, key: &str) -> ruralserve::store::facilities::Facility {
    ruralserve::store::facilities::find_by_key(&mut app.conn(), key).expect("facility")
}

fn user_id(app: &TestApp, email: &str) -> i64 {
    ruralserve::store::users::find_by_email(&mut app.conn(), email).expect("query").expect("user").id
}

async fn browser_for<S, B>(svc: &S, email: &str) -> Browser
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut b = Browser::new();
    b.log_in(svc, email, DEMO_PASSWORD).await;
    b
}

#[actix_web::test]
async fn the_registry_is_searched_filtered_and_paged_by_keyset() {
    let app = registry_app();
    let svc = service!(app);
    let mut b = browser_for(&svc, COORDINATOR).await;

    let first = b
        .get(&svc, "/facilities?q=&county=Turkana&sub_county=&level=&facility_type=&owner=&min_score=&eligible=")
        .await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("Alpha 000") && first.body.contains("Alpha 049"));
    assert!(!first.body.contains("Alpha 050") && !first.body.contains("Beta"));
    let next = first
        .body
        .split("class=\"pager\"><a class=\"button\" href=\"")
        .nth(1)
        .expect("a next link")
        .split('"')
        .next()
        .unwrap();
    let next = next.replace("&amp;", "&").replace("&#x2F;", "/");
    assert!(
        next.contains("after_name=Alpha%20049") && next.contains("county=Turkana") && !next.contains("page="),
        "{next}"
    );
    let second = b.get(&svc, &next).await;
    assert_eq!(second.status, 200);
    assert!(second.body.contains("Alpha 050") && second.body.contains("Alpha 059"));
    assert!(!second.body.contains("Alpha 049"));
    assert!(!second.body.contains("after_name="), "the last page has no next link");

    // Search by name (any case) or code; filters by level and owner.
    let by_name = b.get(&svc, "/facilities?q=bETA%2001").await;
    assert_eq!(by_name.body.matches("Beta 01").count(), 10, "{}", by_name.body);
    let by_code = b.get(&svc, "/facilities?q=20005").await;
    assert!(by_code.body.contains("Beta 005") && !by_code.body.contains("Alpha"));
    let level4 = b.get(&svc, "/facilities?level=4&owner=Private%20Practice").await;
    assert!(level4.body.contains("Beta 000") && !level4.body.contains("Alpha 000"));
    let none = b.get(&svc, "/facilities?level=4&county=Turkana").await;
    assert!(none.body.contains("No facility matches"));
    let bad = b.get(&svc, "/facilities?min_score=lots").await;
    assert_eq!(bad.status, 400);

    // Need score and eligibility filters.
    let alpha = id_of(&app, "mfl:10003");
    let v = version_in(&b.get(&svc, &format!("/facilities/{alpha}")).await.body);
    let page = b
        .post(
            &svc,
            &format!("/facilities/{alpha}/need-score"),
            &[("score", "22"), ("source", "Survey"), ("effective_from", &day(0)), ("version", &v)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let v = version_in(&b.get(&svc, &format!("/facilities/{alpha}")).await.body);
    let page = b
        .post(
            &svc,
            &format!("/facilities/{alpha}/eligibility"),
            &[("eligible", "yes"), ("eligible_until", &day(30)), ("version", &v)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let needy = b.get(&svc, "/facilities?min_score=20").await;
    assert!(needy.body.contains("Alpha 003") && !needy.body.contains("Alpha 004"));
    let eligible = b.get(&svc, "/facilities?eligible=yes").await;
    assert!(eligible.body.contains("Alpha 003") && !eligible.body.contains("Alpha 004"));
    let not_eligible = b.get(&svc, "/facilities?eligible=no&county=Turkana").await;
    assert!(!not_eligible.body.contains("Alpha 003") && not_eligible.body.contains("Alpha 004"));
}

#[actix_web::test]
async fn the_current_need_score_is_the_latest_effective_entry_of_its_history() {
    let app = registry_app();
    let svc = service!(app);
    let mut b = browser_for(&svc, COORDINATOR).await;
    let id = id_of(&app, "mfl:10001");
    let url = format!("/facilities/{id}");
    let post = |score: &'static str, source: &'static str, date: String| (score, source, date);
    for (score, source, date) in [
        post("12", "County survey 2025", day(-200)),
        post("18", "Ministry circular", day(-10)),
        post("7", "Late entry", day(-300)),
    ] {
        let v = version_in(&b.get(&svc, &url).await.body);
        let page = b
            .post(
                &svc,
                &format!("{url}/need-score"),
                &[("score", score), ("source", source), ("effective_from", &date), ("version", &v)],
            )
            .await;
        assert_eq!(page.status, 303, "{}", page.body);
    }
    let f = row(&app, "mfl:10001");
    assert_eq!(f.need_score, Some(18), "the latest effective date wins, not the latest recorded");
    assert_eq!(f.need_score_source, "Ministry circular");
    let history: i64 = facility_need_scores::table
        .filter(facility_need_scores::facility_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(history, 3);
    let page = b.get(&svc, &url).await;
    for text in ["County survey 2025", "Ministry circular", "Late entry", &day(-300)] {
        assert!(page.body.contains(text), "{text} in the history");
    }
    // A tie on the date: the later entry is current.
    let v = version_in(&page.body);
    b.post(
        &svc,
        &format!("{url}/need-score"),
        &[("score", "19"), ("source", "Correction"), ("effective_from", &day(-10)), ("version", &v)],
    )
    .await;
    assert_eq!(row(&app, "mfl:10001").need_score, Some(19));

    // Refused: out of range, no source, in the future; each next to its field, nothing saved.
    let v = version_in(&b.get(&svc, &url).await.body);
    let page = b
        .post(
            &svc,
            &format!("{url}/need-score"),
            &[("score", "27"), ("source", ""), ("effective_from", &day(1)), ("version", &v)],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("from 0 to 25") && page.body.contains("Say where the score comes from"));
    assert!(page.body.contains("This date must be in the past"));
    assert_eq!(row(&app, "mfl:10001").need_score, Some(19));

    // Audited.
    let audits: i64 = audit_events::table
        .filter(audit_events::action.eq("facility.need_score"))
        .filter(audit_events::entity_id.eq(id.to_string()))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(audits, 4);
}

#[actix_web::test]
async fn a_stale_version_is_refused_and_changes_nothing() {
    let app = registry_app();
    let svc = service!(app);
    let mut first = browser_for(&svc, COORDINATOR).await;
    let mut second = browser_for(&svc, OTHER_COORDINATOR).await;
    let id = id_of(&app, "mfl:10002");
    let url = format!("/facilities/{id}");
    let v1 = version_in(&first.get(&svc, &url).await.body);
    let v2 = version_in(&second.get(&svc, &url).await.body);
    let ok = first
        .post(
            &svc,
            &format!("{url}/need-score"),
            &[("score", "20"), ("source", "A"), ("effective_from", &day(0)), ("version", &v1)],
        )
        .await;
    assert_eq!(ok.status, 303);
    let stale = second
        .post(
            &svc,
            &format!("{url}/need-score"),
            &[("score", "3"), ("source", "B"), ("effective_from", &day(0)), ("version", &v2)],
        )
        .await;
    assert_eq!(stale.status, 409);
    assert!(stale.body.contains("changed since you opened it"));
    let stale = second
        .post(
            &svc,
            &format!("{url}/eligibility"),
            &[("eligible", "yes"), ("eligible_until", &day(10)), ("version", &v2)],
        )
        .await;
    assert_eq!(stale.status, 409);
    let f = row(&app, "mfl:10002");
    assert_eq!((f.need_score, f.eligible), (Some(20), false));
    let history: i64 = facility_need_scores::table
        .filter(facility_need_scores::facility_id.eq(id))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(history, 1, "the stale entry was rolled back");
}

#[actix_web::test]
async fn eligibility_needs_a_recertification_date_and_lapses_after_it_without_a_write() {
    let app = registry_app();
    let svc = service!(app);
    let mut b = browser_for(&svc, COORDINATOR).await;
    let id = id_of(&app, "mfl:10004");
    let url = format!("/facilities/{id}");
    let v = version_in(&b.get(&svc, &url).await.body);
    let missing = b
        .post(&svc, &format!("{url}/eligibility"), &[("eligible", "yes"), ("eligible_until", ""), ("version", &v)])
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("Give the recertification date"));
    let ok = b
        .post(&svc, &format!("{url}/eligibility"), &[("eligible", "yes"), ("eligible_until", &day(5)), ("version", &v)])
        .await;
    assert_eq!(ok.status, 303);
    let page = b.get(&svc, &url).await;
    assert!(page.body.contains(&format!("recertification due by {}", day(5))));

    // The date passes (set in the database, as time would): the page reads "not eligible", writes nothing.
    diesel::update(facilities::table.find(id))
        .set(facilities::eligible_until.eq(today() - Duration::days(1)))
        .execute(&mut app.conn())
        .unwrap();
    let before = row(&app, "mfl:10004");
    let page = b.get(&svc, &url).await;
    assert!(page.body.contains("Not eligible: the recertification was due by"));
    let listed = b.get(&svc, "/facilities?eligible=yes").await;
    assert!(!listed.body.contains("Alpha 004"));
    let after = row(&app, "mfl:10004");
    assert_eq!((after.eligible, after.version), (before.eligible, before.version), "a GET changes nothing");
    assert!(after.eligible);
}

#[actix_web::test]
async fn a_coordinator_limited_to_counties_sees_and_edits_only_those() {
    let app = registry_app();
    let svc = service!(app);
    let coordinator_id = user_id(&app, COORDINATOR);
    let mut admin = browser_for(&svc, ADMIN).await;
    let refused =
        admin.post(&svc, &format!("/admin/coordinators/{coordinator_id}"), &[("counties", "Turkana, Atlantis")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Not counties of Kenya: Atlantis"));
    assert!(ruralserve::store::placement_cycles::counties_of_coordinator(&mut app.conn(), coordinator_id)
        .unwrap()
        .is_empty());
    let ok = admin.post(&svc, &format!("/admin/coordinators/{coordinator_id}"), &[("counties", "turkana")]).await;
    assert_eq!(ok.status, 303);
    assert_eq!(
        ruralserve::store::placement_cycles::counties_of_coordinator(&mut app.conn(), coordinator_id).unwrap(),
        vec!["Turkana".to_string()]
    );

    let mut b = browser_for(&svc, COORDINATOR).await;
    let list = b.get(&svc, "/facilities").await;
    assert!(list.body.contains("Alpha 000") && !list.body.contains("Beta 000"));
    let nairobi = id_of(&app, "mfl:20000");
    assert_eq!(b.get(&svc, &format!("/facilities/{nairobi}")).await.status, 404);
    let v = row(&app, "mfl:20000").version.to_string();
    let refused = b
        .post(
            &svc,
            &format!("/facilities/{nairobi}/need-score"),
            &[("score", "9"), ("source", "X"), ("effective_from", &day(0)), ("version", &v)],
        )
        .await;
    assert_eq!(refused.status, 404);
    let refused = b
        .post(
            &svc,
            &format!("/facilities/{nairobi}/eligibility"),
            &[("eligible", "yes"), ("eligible_until", &day(9)), ("version", &v)],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(row(&app, "mfl:20000").need_score, None);
    // The CSV upload refuses a row outside the counties, and saves nothing.
    let csv = format!(
        "code,need_score,source,effective_from,eligible,eligible_until\nmfl:10000,20,S,{d},,\nmfl:20000,20,S,{d},,\n",
        d = day(0)
    );
    let page = b.upload_with(&svc, "/facilities/upload", &[], "scores.csv", csv.as_bytes()).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("in a county you do not coordinate"));
    assert_eq!(row(&app, "mfl:10000").need_score, None);
    // Another funder's coordinator, not limited, reads the national registry.
    let mut other = browser_for(&svc, OTHER_COORDINATOR).await;
    assert_eq!(other.get(&svc, &format!("/facilities/{nairobi}")).await.status, 200);
}

#[actix_web::test]
async fn a_good_csv_is_applied_and_a_bad_one_reports_every_bad_row_and_saves_nothing() {
    let app = registry_app();
    let svc = service!(app);
    let mut b = browser_for(&svc, COORDINATOR).await;
    let template = b.get(&svc, "/facilities/upload/template.csv").await;
    assert_eq!(template.status, 200);
    assert!(template.body.starts_with("code,need_score,source,effective_from,eligible,eligible_until"));
    assert!(template.headers.get("content-disposition").unwrap().to_str().unwrap().contains("attachment"));

    let audits_before: i64 = audit_events::table.count().get_result(&mut app.conn()).unwrap();
    let good = format!(
        "code,need_score,source,effective_from,eligible,eligible_until\n\
         mfl:10010,21,County survey,{d},yes,{u}\n\
         mfl:10011,5,County survey,{d},no,\n\
         mfl:10012,,,,yes,{u}\n",
        d = day(-1),
        u = day(200)
    );
    let page = b.upload_with(&svc, "/facilities/upload", &[], "scores.csv", good.as_bytes()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Applied: 3 rows, 2 need scores changed, 2 eligibilities changed."), "{}", page.body);
    let f = row(&app, "mfl:10010");
    assert_eq!((f.need_score, f.eligible), (Some(21), true));
    assert_eq!(row(&app, "mfl:10012").need_score, None);
    assert!(row(&app, "mfl:10012").eligible);
    let audits_after: i64 = audit_events::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(audits_after - audits_before, 3, "one audit row per facility changed");

    let bad = format!(
        "code,need_score,source,effective_from,eligible,eligible_until\n\
         mfl:10020,15,Survey,{d},,\n\
         mfl:99999,15,Survey,{d},,\n\
         mfl:10021,30,Survey,{d},,\n\
         mfl:10022,15,Survey,2026-13-45,,\n\
         mfl:10023,15,,{d},,\n\
         mfl:10024,15,Survey,{d},maybe,\n\
         mfl:10025,15,Survey,{d},yes,\n",
        d = day(0)
    );
    let page = b.upload_with(&svc, "/facilities/upload", &[], "scores.csv", bad.as_bytes()).await;
    assert_eq!(page.status, 422);
    for (line, text) in [
        (3, "No facility in the registry has this code"),
        (4, "from 0 to 25"),
        (5, "Enter a date as YYYY-MM-DD"),
        (6, "Say where the score comes from"),
        (7, "Write yes, no, or leave empty"),
        (8, "Give the recertification date"),
    ] {
        assert!(page.body.contains(&format!("data-label=\"Line\">{line}</td>")), "line {line} reported");
        assert!(page.body.contains(text), "{text}");
    }
    assert!(!page.body.contains("data-label=\"Line\">2</td>"), "the good row is not reported");
    assert!(page.body.contains("Nothing was saved: 6 problems"));
    assert_eq!(row(&app, "mfl:10020").need_score, None, "nothing half-applied");
    let audits_final: i64 = audit_events::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(audits_final, audits_after);
}

/// A published placement of a demo application's award at a facility, inserted directly (the match-run work
/// that creates them lands separately).
fn place_scholar(app: &TestApp, application_email: &str, facility_id: i64) {
    use ruralserve::schema::{applications, cycle_scholars, match_runs, placement_cycles, placements, users};
    let mut conn = app.conn();
    let (application_id, call_id): (i64, i64) = applications::table
        .inner_join(users::table)
        .filter(users::email.eq(application_email))
        .select((applications::id, applications::call_id))
        .first(&mut conn)
        .unwrap();
    let officer =
        ruralserve::store::users::find_by_email(&mut conn, "officer@moh.demo.ruralserve.org").unwrap().unwrap();
    let award_id = ruralserve::store::awards::insert(
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
            terms_effective_from: today(),
            proposed_by: officer.id,
            support_starts_on: today(),
            school_terms_per_year: 3,
            expected_graduation: Some(today()),
        },
    )
    .unwrap();
    let now = ruralserve::service::now();
    let d = today();
    let cycle_id: i64 = diesel::insert_into(placement_cycles::table)
        .values((
            placement_cycles::organisation_id.eq(officer.organisation_id.unwrap()),
            placement_cycles::title.eq(format!("Cycle for {application_email}")),
            placement_cycles::cadre.eq("clinical_officer"),
            placement_cycles::graduation_from.eq(d),
            placement_cycles::graduation_until.eq(d),
            placement_cycles::choices_open_at.eq(now - Duration::days(20)),
            placement_cycles::choices_close_at.eq(now - Duration::days(10)),
            placement_cycles::match_on.eq(d),
            placement_cycles::publish_on.eq(d),
            placement_cycles::acceptance_deadline.eq(now + Duration::days(10)),
            placement_cycles::appeal_until.eq(d + Duration::days(20)),
            placement_cycles::service_start_from.eq(d + Duration::days(30)),
            placement_cycles::service_start_until.eq(d + Duration::days(90)),
            placement_cycles::max_choices.eq(10),
            placement_cycles::created_by.eq(officer.id),
            placement_cycles::created_at.eq(now),
        ))
        .returning(placement_cycles::id)
        .get_result(&mut conn)
        .unwrap();
    let scholar_id: i64 = diesel::insert_into(cycle_scholars::table)
        .values((cycle_scholars::cycle_id.eq(cycle_id), cycle_scholars::award_id.eq(award_id)))
        .returning(cycle_scholars::id)
        .get_result(&mut conn)
        .unwrap();
    let run_id: i64 = diesel::insert_into(match_runs::table)
        .values((
            match_runs::cycle_id.eq(cycle_id),
            match_runs::algorithm.eq("deferred-acceptance"),
            match_runs::proposing.eq("applicants"),
            match_runs::status.eq("published"),
            match_runs::created_by.eq(officer.id),
            match_runs::created_at.eq(now),
        ))
        .returning(match_runs::id)
        .get_result(&mut conn)
        .unwrap();
    diesel::insert_into(placements::table)
        .values((
            placements::run_id.eq(run_id),
            placements::cycle_scholar_id.eq(scholar_id),
            placements::award_id.eq(award_id),
            placements::facility_id.eq(facility_id),
            placements::choice_rank.eq(1),
            placements::published_at.eq(now),
        ))
        .execute(&mut conn)
        .unwrap();
}

fn full_name_of(app: &TestApp, email: &str) -> String {
    use ruralserve::schema::{applications, users};
    applications::table
        .inner_join(users::table)
        .filter(users::email.eq(email))
        .select(applications::full_name)
        .first(&mut app.conn())
        .unwrap()
}

#[actix_web::test]
async fn administrators_attach_supervisors_who_see_only_their_facilities_scholars() {
    let app = registry_app();
    let svc = service!(app);
    let supervisor_id = user_id(&app, SUPERVISOR);
    let officer_id = user_id(&app, "officer@moh.demo.ruralserve.org");
    let mine = id_of(&app, "mfl:10030");
    let theirs = id_of(&app, "mfl:10031");
    let mut admin = browser_for(&svc, ADMIN).await;
    assert_eq!(admin.get(&svc, "/admin/supervisors").await.status, 200);
    let unknown =
        admin.post(&svc, "/admin/supervisors", &[("user_id", &supervisor_id.to_string()), ("code", "424242")]).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("No facility in the registry has this code"));
    let not_supervisor =
        admin.post(&svc, "/admin/supervisors", &[("user_id", &officer_id.to_string()), ("code", "10030")]).await;
    assert_eq!(not_supervisor.status, 422);
    assert!(not_supervisor.body.contains("Choose a user with the facility supervisor role"));
    let ok =
        admin.post(&svc, "/admin/supervisors", &[("user_id", &supervisor_id.to_string()), ("code", "10030")]).await;
    assert_eq!(ok.status, 303);
    let ok =
        admin.post(&svc, "/admin/supervisors", &[("user_id", &supervisor_id.to_string()), ("code", "mfl:10032")]).await;
    assert_eq!(ok.status, 303);
    let audits: i64 = audit_events::table
        .filter(audit_events::action.eq("facility.supervisor_attached"))
        .count()
        .get_result(&mut app.conn())
        .unwrap();
    assert_eq!(audits, 2);
    let detached = admin
        .post(
            &svc,
            "/admin/supervisors/detach",
            &[("user_id", &supervisor_id.to_string()), ("facility_id", &id_of(&app, "mfl:10032").to_string())],
        )
        .await;
    assert_eq!(detached.status, 303);

    place_scholar(&app, "student03.moh@demo.ruralserve.org", mine);
    place_scholar(&app, "student04.moh@demo.ruralserve.org", theirs);
    let placed_here = full_name_of(&app, "student03.moh@demo.ruralserve.org");
    let placed_there = full_name_of(&app, "student04.moh@demo.ruralserve.org");

    let mut sup = browser_for(&svc, SUPERVISOR).await;
    let page = sup.get(&svc, "/supervisor").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Alpha 030") && page.body.contains(&placed_here), "{}", page.body);
    assert!(page.body.contains(&format!("Between {} and {}", day(30), day(90))));
    assert!(!page.body.contains("Alpha 031") && !page.body.contains(&placed_there));
    assert!(!page.body.contains("Alpha 032"), "detached");
    assert!(page.body.contains("href=\"/supervisor\""), "the nav link");
    // Their facility's page, not another's; the list holds only theirs.
    assert_eq!(sup.get(&svc, &format!("/facilities/{mine}")).await.status, 200);
    assert_eq!(sup.get(&svc, &format!("/facilities/{theirs}")).await.status, 404);
    let list = sup.get(&svc, "/facilities").await;
    assert!(list.body.contains("Alpha 030") && !list.body.contains("Alpha 031"));
    let page = admin.get(&svc, &format!("/facilities/{mine}")).await;
    assert!(page.body.contains("Sam Supervisor"), "the facility page names its supervisors");
}

#[actix_web::test]
async fn the_demo_rule_scores_every_facility_once() {
    let app = registry_app();
    let seeded = ruralserve::service::facilities::seed_demo_need_scores(&mut app.conn()).unwrap();
    assert_eq!(seeded, 120);
    assert_eq!(
        ruralserve::service::facilities::seed_demo_need_scores(&mut app.conn()).unwrap(),
        0,
        "only those without a score"
    );
    let public = row(&app, "mfl:10000");
    assert_eq!(public.need_score, Some(25));
    assert!(public.eligible && public.eligible_until.is_some());
    let private = row(&app, "mfl:20000");
    assert_eq!(private.need_score, Some(5));
    assert!(!private.eligible);
    let history: i64 = facility_need_scores::table.count().get_result(&mut app.conn()).unwrap();
    assert_eq!(history, 120);
    let svc = service!(app);
    let mut b = browser_for(&svc, COORDINATOR).await;
    let page = b.get(&svc, &format!("/facilities/{}", public.id)).await;
    assert!(page.body.contains("Computed by the demo rule"));
}

#[actix_web::test]
async fn the_api_lists_and_reads_facilities_scoped_like_the_pages() {
    let app = registry_app();
    let svc = service!(app);
    let token = api_token(&svc, COORDINATOR).await;
    let (status, body) = api_get(&svc, "/api/v1/facilities?county=Turkana", &token).await;
    assert_eq!(status, 200);
    let items = body["facilities"].as_array().unwrap();
    assert_eq!(items.len(), 50);
    assert_eq!(body["next"]["after_name"], "Alpha 049");
    let after_id = body["next"]["after_id"].as_i64().unwrap();
    let (_, body) =
        api_get(&svc, &format!("/api/v1/facilities?county=Turkana&after_name=Alpha%20049&after_id={after_id}"), &token)
            .await;
    assert_eq!(body["facilities"].as_array().unwrap().len(), 10);
    assert!(body["next"].is_null());
    let (status, body) = api_get(&svc, "/api/v1/facilities/mfl:10005", &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "Alpha 005");
    assert!(body["need_score_history"].as_array().unwrap().is_empty());
    let (status, _) = api_get(&svc, "/api/v1/facilities/mfl:424242", &token).await;
    assert_eq!(status, 404);

    // A supervisor reads their own facility only.
    ruralserve::store::facilities::attach_supervisor(
        &mut app.conn(),
        user_id(&app, SUPERVISOR),
        id_of(&app, "mfl:10005"),
        user_id(&app, ADMIN),
    )
    .unwrap();
    let token = api_token(&svc, SUPERVISOR).await;
    let (_, body) = api_get(&svc, "/api/v1/facilities", &token).await;
    assert_eq!(body["facilities"].as_array().unwrap().len(), 1);
    assert_eq!(api_get(&svc, "/api/v1/facilities/mfl:10005", &token).await.0, 200);
    assert_eq!(api_get(&svc, "/api/v1/facilities/mfl:10006", &token).await.0, 404);
    let token = api_token(&svc, "applicant@demo.ruralserve.org").await;
    assert_eq!(api_get(&svc, "/api/v1/facilities", &token).await.0, 403);
    assert_eq!(api_get(&svc, "/api/v1/facilities", "not-a-token").await.0, 401);
}

/// Every route this area adds, for every role: who may, and the refusals (403 for a whole area a role has
/// no business in, 404 for a facility outside the reader's scope, the log-in page for the anonymous).
#[actix_web::test]
async fn the_role_by_route_matrix_holds_for_the_facility_pages() {
    let app = registry_app();
    let svc = service!(app);
    let f = id_of(&app, "mfl:10040");
    let coordinator = user_id(&app, COORDINATOR);
    let empty_score: &[(&str, &str)] = &[("score", ""), ("source", ""), ("effective_from", ""), ("version", "0")];
    let empty_eligibility: &[(&str, &str)] = &[("eligible", ""), ("eligible_until", ""), ("version", "0")];

    // (who, list, facility page, need-score post, eligibility post, upload page, upload post, template,
    //  supervisor page, admin supervisors page, attach post, detach post, coordinators page, counties post, API)
    type Row = (&'static str, [u16; 15]);
    let cases: [Row; 9] = [
        ("applicant@demo.ruralserve.org", [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403]),
        (
            "reviewer@moh.demo.ruralserve.org",
            [403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403],
        ),
        (
            "officer@moh.demo.ruralserve.org",
            [200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        (COORDINATOR, [200, 200, 422, 422, 200, 422, 200, 403, 403, 403, 403, 403, 403, 403, 200]),
        (OTHER_COORDINATOR, [200, 200, 422, 422, 200, 422, 200, 403, 403, 403, 403, 403, 403, 403, 200]),
        (
            "compliance@moh.demo.ruralserve.org",
            [200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200],
        ),
        (SUPERVISOR, [200, 404, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403, 403, 403, 200]),
        (ADMIN, [200, 200, 403, 403, 403, 403, 403, 403, 200, 422, 404, 200, 422, 303, 200]),
        ("", [303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 401]),
    ];
    for (who, expected) in cases {
        let mut b = Browser::new();
        if !who.is_empty() {
            b.log_in(&svc, who, DEMO_PASSWORD).await;
        }
        let mut got = [0u16; 15];
        got[0] = b.get(&svc, "/facilities").await.status;
        got[1] = b.get(&svc, &format!("/facilities/{f}")).await.status;
        got[2] = b.post(&svc, &format!("/facilities/{f}/need-score"), empty_score).await.status;
        got[3] = b.post(&svc, &format!("/facilities/{f}/eligibility"), empty_eligibility).await.status;
        got[4] = b.get(&svc, "/facilities/upload").await.status;
        got[5] = b.upload_with(&svc, "/facilities/upload", &[], "empty.csv", b"").await.status;
        got[6] = b.get(&svc, "/facilities/upload/template.csv").await.status;
        got[7] = b.get(&svc, "/supervisor").await.status;
        got[8] = b.get(&svc, "/admin/supervisors").await.status;
        got[9] = b.post(&svc, "/admin/supervisors", &[("user_id", ""), ("code", "")]).await.status;
        got[10] = b
            .post(&svc, "/admin/supervisors/detach", &[("user_id", "1"), ("facility_id", &f.to_string())])
            .await
            .status;
        got[11] = b.get(&svc, "/admin/coordinators").await.status;
        got[12] = b.post(&svc, &format!("/admin/coordinators/{coordinator}"), &[("counties", "Nowhere")]).await.status;
        // The one successful change of the matrix: it limits nobody (an empty list means every county).
        got[13] = b.post(&svc, &format!("/admin/coordinators/{coordinator}"), &[("counties", "")]).await.status;
        got[14] = if who.is_empty() {
            api_get(&svc, "/api/v1/facilities", "").await.0
        } else {
            let token = api_token(&svc, who).await;
            api_get(&svc, "/api/v1/facilities", &token).await.0
        };
        assert_eq!(got, expected, "{who:?}: [list, page, score, eligibility, upload page, upload, template, supervisor, admin supervisors, attach, detach, coordinators, counties (bad), counties (ok), API]");
    }
    // Nothing changed through the refused or invalid posts.
    let audits: i64 =
        audit_events::table.filter(audit_events::entity.eq("facility")).count().get_result(&mut app.conn()).unwrap();
    assert_eq!(audits, 0);
}
