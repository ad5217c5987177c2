//! Placement cycles (issue 11, points 2 and 3): opening a cycle and who it takes in, adding and taking out
//! scholars with a reason, a priority tier with its document, vacancies by form and CSV, a coordinator
//! limited to counties, floors and regional caps, a programme's bond counties, the API, and who may do what.

use crate::common::*;
use diesel::prelude::*;
use ruralserve::schema::{
    applications, audit_events, awards, calls, coordinator_counties, cycle_region_caps, cycle_scholars, facilities,
    organisations, placement_cycles, programmes, vacancies,
};

const COORDINATOR: &str = "placement@moh.demo.ruralserve.org";
const OTHER_COORDINATOR: &str = "placement@rhsf.demo.ruralserve.org";
const OFFICER: &str = "officer@moh.demo.ruralserve.org";
const NGO_OFFICER: &str = "officer@rhsf.demo.ruralserve.org";
const ADMIN: &str = "admin@demo.ruralserve.org";
const APPLICANT: &str = "applicant@demo.ruralserve.org";
const REVIEWER: &str = "reviewer@moh.demo.ruralserve.org";
const COMPLIANCE: &str = "compliance@moh.demo.ruralserve.org";
const SUPERVISOR: &str = "supervisor@moh.demo.ruralserve.org";

const FACILITIES: &str = "code,name,keph_level,facility_type,owner_type,county,sub_county,ward,beds,latitude,longitude\n\
10001,Lodwar County Referral Hospital,Level 4,Hospital,Ministry of Health,Turkana,Turkana Central,Township,200,3.12,35.6\n\
10002,Kakuma Mission Hospital,Level 4,Hospital,Faith Based,Turkana,Turkana West,Kakuma,120,3.7,34.8\n\
10003,Marsabit County Referral Hospital,Level 4,Hospital,Ministry of Health,Marsabit,Saku,Central,150,2.33,37.99\n\
10004,Kenyatta National Hospital,Level 6,Hospital,Ministry of Health,Nairobi,Dagoretti North,Kilimani,1800,-1.3,36.8\n\
10005,Closed Dispensary,Level 2,Dispensary,Ministry of Health,Turkana,Loima,Lokiriama,0,,\n";

fn programme_of(app: &TestApp, name: &str) -> i64 {
    programmes::table
        .filter(programmes::name.eq(name))
        .select(programmes::id)
        .first(&mut app.conn())
        .expect("programme")
}

fn moh_programme(app: &TestApp) -> i64 {
    programme_of(app, "Rural Nursing Scholarship")
}

fn call_of(app: &TestApp, title: &str) -> i64 {
    calls::table.filter(calls::title.eq(title)).select(calls::id).first(&mut app.conn()).expect("call")
}

/// The `nth` submitted application of a call, with its reference.
fn application(app: &TestApp, call: i64, nth: i64) -> (i64, String) {
    let (id, reference): (i64, Option<String>) = applications::table
        .filter(applications::call_id.eq(call))
        .filter(applications::reference.is_not_null())
        .order(applications::id)
        .offset(nth)
        .select((applications::id, applications::reference))
        .first(&mut app.conn())
        .expect("an application");
    (id, reference.expect("a reference"))
}

fn date(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// An award row in the given status for the `nth` application of a call, graduating on `graduation`. The
/// demo has no binding award, so the tests write one the way the award's use cases would leave it.
fn award(app: &TestApp, call_title: &str, nth: i64, status: &str, graduation: &str) -> (i64, String) {
    let call = call_of(app, call_title);
    let (application_id, reference) = application(app, call, nth);
    (award_for(app, call, application_id, status, graduation), reference)
}

/// An award row in the given status for this application.
fn award_for(app: &TestApp, call: i64, application_id: i64, status: &str, graduation: &str) -> i64 {
    let officer = ruralserve::store::users::find_by_email(&mut app.conn(), OFFICER).expect("q").expect("officer");
    let mut conn = app.conn();
    let id = ruralserve::store::awards::insert(
        &mut conn,
        &ruralserve::store::awards::NewAward {
            application_id,
            call_id: call,
            support_years: 3,
            annual_tuition_minor: 10_000_000,
            stipend_monthly_minor: 0,
            lump_sum_yearly_minor: 0,
            total_cost_minor: 30_000_000,
            currency: "KES",
            terms_effective_from: date("2025-01-01"),
            proposed_by: officer.id,
            support_starts_on: date("2025-09-01"),
            school_terms_per_year: 3,
            expected_graduation: Some(date(graduation)),
        },
    )
    .expect("award");
    diesel::update(awards::table.find(id)).set(awards::status.eq(status)).execute(&mut conn).expect("status");
    id
}

/// `n` more active awards of the ministry's call graduating in the cycle's window, each with its own applicant
/// and submitted application named "Scholar NN" with the reference "TST-00NN".
fn many_awards(app: &TestApp, n: usize) {
    let call = call_of(app, MOH_CALL);
    let hash = ruralserve::service::accounts::hash_password(DEMO_PASSWORD).expect("hash");
    for i in 0..n {
        let email = format!("scholar{i:02}@test.example");
        let name = format!("Scholar {i:02}");
        let user = ruralserve::store::users::insert(
            &mut app.conn(),
            &ruralserve::store::users::NewUser {
                email: &email,
                password_hash: &hash,
                full_name: &name,
                role: "applicant",
                organisation_id: None,
                email_verified: true,
                language: "en",
            },
        )
        .expect("user");
        let application =
            ruralserve::store::applications::insert_draft(&mut app.conn(), call, user, &name).expect("application");
        diesel::update(applications::table.find(application))
            .set((applications::reference.eq(format!("TST-{i:04}")), applications::status.eq("submitted")))
            .execute(&mut app.conn())
            .expect("submitted");
        award_for(app, call, application, "active", "2028-11-30");
    }
}

/// The scholars' names a cycle page lists, in order.
fn listed_names(body: &str) -> Vec<String> {
    body.split("/scholars/")
        .skip(1)
        .filter_map(|rest| rest.split_once("\">").map(|(_, after)| after))
        .filter_map(|after| after.split_once("</a>").map(|(name, _)| name.to_string()))
        .collect()
}

/// The "Next" link of a page, unescaped.
fn next_link(body: &str) -> Option<String> {
    body.split("<p class=\"pager\"><a class=\"button\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|link| link.replace("&amp;", "&").replace("&#x2F;", "/"))
}

const MOH_CALL: &str = "Rural Nursing Scholarship intake";
const NGO_CALL: &str = "Midwives for the North intake";

/// Adds a staff account, unless the demo already has it; its id.
fn add_user(app: &TestApp, email: &str, role: &str, organisation_code: &str) -> i64 {
    let mut conn = app.conn();
    if let Some(existing) = ruralserve::store::users::find_by_email(&mut conn, email).expect("query") {
        return existing.id;
    }
    let org: i64 = organisations::table
        .filter(organisations::code.eq(organisation_code))
        .select(organisations::id)
        .first(&mut conn)
        .expect("organisation");
    let hash = ruralserve::service::accounts::hash_password(DEMO_PASSWORD).expect("hash");
    ruralserve::store::users::insert(
        &mut conn,
        &ruralserve::store::users::NewUser {
            email,
            password_hash: &hash,
            full_name: "Olive Other",
            role,
            organisation_id: Some(org),
            email_verified: true,
            language: "en",
        },
    )
    .expect("user")
}

fn with_registry(app: &TestApp) {
    let mut conn = app.conn();
    let report = ruralserve::service::facilities::import_csv(&mut conn, FACILITIES.as_bytes()).expect("import");
    assert_eq!(report.inserted, 5, "{:?}", report.rejected);
    diesel::update(facilities::table.filter(facilities::code.ne("10005")))
        .set((facilities::eligible.eq(true), facilities::need_score.eq(Some(20))))
        .execute(&mut conn)
        .expect("eligible");
}

/// A cycle's form as a browser posts it, with the dates in order.
fn cycle_form(programme: i64) -> Vec<(String, String)> {
    [
        ("title", "Nursing placement 2029"),
        ("graduation_from", "2028-11-01"),
        ("graduation_until", "2028-12-31"),
        ("choices_open_at", "2029-01-05T08:00"),
        ("choices_close_at", "2029-01-31T17:00"),
        ("match_on", "2029-02-02"),
        ("publish_on", "2029-02-05"),
        ("acceptance_deadline", "2029-02-20T17:00"),
        ("appeal_until", "2029-02-25"),
        ("service_start_from", "2029-03-01"),
        ("service_start_until", "2029-03-31"),
        ("max_choices", "10"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain(std::iter::once((format!("programme_{programme}"), "on".to_string())))
    .collect()
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn audit_count(app: &TestApp, action: &str) -> i64 {
    audit_events::table.filter(audit_events::action.eq(action)).count().get_result(&mut app.conn()).expect("count")
}

async fn open_cycle<S, B>(app: &TestApp, svc: &S, browser: &mut Browser) -> i64
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let form = cycle_form(moh_programme(app));
    browser.get(svc, "/placement/cycles/new").await;
    let page = browser.post(svc, "/placement/cycles/new", &pairs(&form)).await;
    assert_eq!(page.status, 303, "{}", page.body);
    page.location.expect("location").rsplit('/').next().expect("id").parse().expect("cycle id")
}

#[derive(Debug, PartialEq)]
struct Member {
    award: i64,
    included: bool,
    score: Option<i32>,
    counties: Option<String>,
}

fn members(app: &TestApp, cycle: i64) -> Vec<Member> {
    cycle_scholars::table
        .filter(cycle_scholars::cycle_id.eq(cycle))
        .order(cycle_scholars::award_id)
        .select((
            cycle_scholars::award_id,
            cycle_scholars::included,
            cycle_scholars::score_hundredths,
            cycle_scholars::allowed_counties,
        ))
        .load::<(i64, bool, Option<i32>, Option<String>)>(&mut app.conn())
        .expect("scholars")
        .into_iter()
        .map(|(award, included, score, counties)| Member { award, included, score, counties })
        .collect()
}

#[actix_web::test]
async fn a_new_cycle_takes_in_the_binding_awards_graduating_in_its_window_and_later_ones_on_request() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let (active, _) = award(&app, MOH_CALL, 0, "active", "2028-11-30");
    let (ended, _) = award(&app, MOH_CALL, 1, "support_ended", "2028-12-31");
    award(&app, MOH_CALL, 2, "offered", "2028-11-30");
    award(&app, MOH_CALL, 3, "active", "2030-11-30");
    award(&app, NGO_CALL, 0, "active", "2028-11-30");
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let home = b.get(&svc, "/placement").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("/placement/cycles/new"));
    let form = b.get(&svc, "/placement/cycles/new").await;
    assert!(form.body.contains("Rural Nursing Scholarship"));
    assert!(!form.body.contains("Midwives for the North"), "another funder's programme is not offered");
    let cycle = open_cycle(&app, &svc, &mut b).await;

    let found = members(&app, cycle);
    assert_eq!(found.iter().map(|m| m.award).collect::<Vec<_>>(), vec![active, ended]);
    assert!(found.iter().all(|m| m.included && m.counties.is_none()));
    assert!(found[0].score.is_some(), "the ministry's applications were reviewed: the score comes with them");
    let (cadre, organisation): (String, i64) = placement_cycles::table
        .find(cycle)
        .select((placement_cycles::cadre, placement_cycles::organisation_id))
        .first(&mut app.conn())
        .expect("cycle");
    assert_eq!(cadre, "nursing");
    assert!(organisation > 0);
    assert_eq!(audit_count(&app, "create_cycle"), 1);

    let page = b.get(&svc, &format!("/placement/cycles/{cycle}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Nursing placement 2029"));
    assert!(page.body.contains("2028-11-30"));
    assert!(page.body.contains("data-label="), "the scholars' table keeps its labels on a phone");
    assert!(b.get(&svc, "/placement").await.body.contains("Nursing placement 2029"));

    // An award that becomes binding later comes in on "take in new awards"; running it again adds nothing.
    let (late, _) = award(&app, MOH_CALL, 4, "active", "2028-12-01");
    let taken = b.post(&svc, &format!("/placement/cycles/{cycle}/take-in"), &[]).await;
    assert_eq!(taken.status, 303);
    assert!(members(&app, cycle).iter().any(|m| m.award == late));
    b.post(&svc, &format!("/placement/cycles/{cycle}/take-in"), &[]).await;
    assert_eq!(members(&app, cycle).len(), 3);
}

#[actix_web::test]
async fn a_cycle_with_dates_out_of_order_is_refused_with_every_wrong_field_named_and_nothing_saved() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    b.get(&svc, "/placement/cycles/new").await;
    let mut form: Vec<(String, String)> = cycle_form(moh_programme(&app))
        .into_iter()
        .filter(|(k, _)| !k.starts_with("programme_"))
        .map(|(k, v)| match k.as_str() {
            "title" => (k, String::new()),
            "choices_close_at" => (k, "2029-01-01T08:00".into()),
            "publish_on" => (k, "2029-02-01".into()),
            "service_start_until" => (k, "2029-02-28".into()),
            "max_choices" => (k, "60".into()),
            _ => (k, v),
        })
        .collect();
    let page = b.post(&svc, "/placement/cycles/new", &pairs(&form)).await;
    assert_eq!(page.status, 422, "{}", page.body);
    for field in ["title", "choices_close_at", "publish_on", "service_start_until", "max_choices"] {
        assert!(page.body.contains(&format!("id=\"{field}-error\"")), "{field} is named: {}", page.body);
    }
    assert!(page.body.contains("Choices must close after they open."));
    assert!(page.body.contains("Choose at least one programme"));
    assert!(page.body.contains("2029-02-01"), "what was typed is shown again");
    // A date that does not read is named too.
    form.retain(|(k, _)| k != "match_on");
    form.push(("match_on".into(), "next week".into()));
    let page = b.post(&svc, "/placement/cycles/new", &pairs(&form)).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("id=\"match_on-error\""));
    let count: i64 = placement_cycles::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(count, 0);
}

#[actix_web::test]
async fn scholars_are_added_by_reference_and_taken_out_only_with_a_reason_both_audited() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let (inside, _) = award(&app, MOH_CALL, 0, "active", "2028-11-30");
    let (outside, outside_ref) = award(&app, MOH_CALL, 1, "active", "2030-11-30");
    let (_, offered_ref) = award(&app, MOH_CALL, 2, "offered", "2028-11-30");
    let (_, ngo_ref) = award(&app, NGO_CALL, 0, "active", "2028-11-30");
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let scholar: i64 = cycle_scholars::table
        .filter(cycle_scholars::award_id.eq(inside))
        .select(cycle_scholars::id)
        .first(&mut app.conn())
        .expect("scholar");

    let here = format!("/placement/cycles/{cycle}/scholars/{scholar}");
    let page = b.get(&svc, &here).await;
    assert!(page.body.contains(&format!("action=\"{here}/remove\"")), "the take-out form is on the scholar's page");
    let refused = b.post(&svc, &format!("{here}/remove"), &[("reason", "")]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"reason-error\""), "the message is next to the field");
    assert!(refused.body.contains("This is required."));
    assert!(refused.body.contains(&format!("action=\"{here}/remove\"")), "the scholar's page again");
    assert!(!refused.body.contains("/take-in"), "not the cycle page");
    assert!(members(&app, cycle)[0].included);
    let removed = b.post(&svc, &format!("{here}/remove"), &[("reason", "Deferred a year")]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(removed.location.as_deref(), Some(here.as_str()), "back to the scholar's page");
    let page = b.get(&svc, &here).await;
    assert!(page.body.contains("The scholar is out of the cycle."), "with the flash");
    assert!(page.body.contains("Deferred a year"), "the membership note");
    assert!(!page.body.contains(&format!("action=\"{here}/remove\"")), "out already: no take-out form");
    assert!(!members(&app, cycle)[0].included);
    assert_eq!(audit_count(&app, "remove_cycle_scholar"), 1);
    // Taken out stays out when new awards are taken in.
    b.post(&svc, &format!("/placement/cycles/{cycle}/take-in"), &[]).await;
    assert!(!members(&app, cycle)[0].included);

    let add = format!("/placement/cycles/{cycle}/scholars");
    for (reference, message) in [
        (ngo_ref.as_str(), "No award of your organisation has this reference."),
        (offered_ref.as_str(), "This award is not binding"),
        ("MOH-0000-9999", "No award of your organisation has this reference."),
    ] {
        let page = b.post(&svc, &add, &[("reference", reference), ("reason", "Graduates early")]).await;
        assert_eq!(page.status, 422, "{reference}");
        assert!(page.body.contains(message), "{reference}: {}", page.body);
    }
    let no_reason = b.post(&svc, &add, &[("reference", &outside_ref), ("reason", "")]).await;
    assert_eq!(no_reason.status, 422);
    let added = b.post(&svc, &add, &[("reference", &outside_ref), ("reason", "Graduates early")]).await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert!(members(&app, cycle).iter().any(|m| m.award == outside && m.included));
    assert_eq!(audit_count(&app, "add_cycle_scholar"), 1);
    let again = b.post(&svc, &add, &[("reference", &outside_ref), ("reason", "Twice")]).await;
    assert_eq!(again.status, 422);
}

#[actix_web::test]
async fn a_priority_tier_needs_a_reason_and_a_real_document_that_only_the_coordinators_download() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    add_user(&app, OTHER_COORDINATOR, "placement_coordinator", "RHSF");
    let (inside, _) = award(&app, MOH_CALL, 0, "active", "2028-11-30");
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let scholar: i64 = cycle_scholars::table
        .filter(cycle_scholars::award_id.eq(inside))
        .select(cycle_scholars::id)
        .first(&mut app.conn())
        .expect("scholar");
    let path = format!("/placement/cycles/{cycle}/scholars/{scholar}/tier");
    let here = format!("/placement/cycles/{cycle}/scholars/{scholar}");
    let cycle_page = b.get(&svc, &format!("/placement/cycles/{cycle}")).await;
    assert!(cycle_page.body.contains(&format!("href=\"{here}\"")), "each row links to the scholar's page");
    assert!(!cycle_page.body.contains(&path), "the cycle page carries no tier form");
    let page = b.get(&svc, &here).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("action=\"{path}\"")), "the scholar's page carries the tier form");
    let no_reason = b.upload_with(&svc, &path, &[("tier", "0"), ("reason", "")], "letter.pdf", PDF).await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains(&format!("action=\"{path}\"")), "the scholar's page again");
    assert!(!no_reason.body.contains("/take-in"), "not the cycle page");
    assert!(no_reason.body.contains("This is required."));
    let not_a_document =
        b.upload_with(&svc, &path, &[("tier", "0"), ("reason", "Disability")], "letter.pdf", b"MZ\x90\x00 exe").await;
    assert_eq!(not_a_document.status, 422);
    let empty = b.upload_with(&svc, &path, &[("tier", "0"), ("reason", "Disability")], "letter.pdf", b"").await;
    assert_eq!(empty.status, 422);
    let tier: i32 =
        cycle_scholars::table.find(scholar).select(cycle_scholars::priority_tier).first(&mut app.conn()).expect("tier");
    assert_eq!(tier, 1, "nothing changed: everyone starts in tier 1");

    let granted = b.upload_with(&svc, &path, &[("tier", "0"), ("reason", "Disability")], "letter.pdf", PDF).await;
    assert_eq!(granted.status, 303, "{}", granted.body);
    assert_eq!(granted.location.as_deref(), Some(here.as_str()), "back to the scholar's page");
    let page = b.get(&svc, &here).await;
    assert!(page.body.contains("The priority tier is granted."), "with the flash");
    assert!(page.body.contains("Disability"));
    assert!(page.body.contains(&format!("{here}/tier-document")), "the document's link");
    let (tier, reason, key): (i32, String, Option<String>) = cycle_scholars::table
        .find(scholar)
        .select((cycle_scholars::priority_tier, cycle_scholars::tier_reason, cycle_scholars::tier_document_key))
        .first(&mut app.conn())
        .expect("tier");
    assert_eq!((tier, reason.as_str()), (0, "Disability"));
    assert!(key.expect("a document").starts_with("documents/"), "stored under a random name");
    assert_eq!(audit_count(&app, "grant_priority_tier"), 1);

    let document = format!("/placement/cycles/{cycle}/scholars/{scholar}/tier-document");
    let download = b.get(&svc, &document).await;
    assert_eq!(download.status, 200);
    assert!(download
        .headers
        .get("content-disposition")
        .expect("disposition")
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(download.body.as_bytes(), PDF);
    for (email, status) in [(ADMIN, 403), (OFFICER, 403), (APPLICANT, 403), (OTHER_COORDINATOR, 404)] {
        let mut other = Browser::new();
        other.log_in(&svc, email, DEMO_PASSWORD).await;
        assert_eq!(other.get(&svc, &document).await.status, status, "{email}");
    }
}

fn seats(app: &TestApp, cycle: i64) -> Vec<(String, i32)> {
    vacancies::table
        .inner_join(facilities::table)
        .filter(vacancies::cycle_id.eq(cycle))
        .order(facilities::code)
        .select((facilities::code.assume_not_null(), vacancies::seats))
        .load(&mut app.conn())
        .expect("vacancies")
}

#[actix_web::test]
async fn vacancies_are_set_by_form_or_by_a_csv_that_is_applied_whole_or_not_at_all() {
    let app = TestApp::new().with_demo();
    with_registry(&app);
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let path = format!("/placement/cycles/{cycle}/vacancies");
    b.get(&svc, &path).await;
    let bad = b.post(&svc, &path, &[("code", "99999"), ("seats", "-1")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("No facility in the registry has this code."));
    assert!(bad.body.contains("Seats cannot be negative."));
    let closed = b.post(&svc, &path, &[("code", "10005"), ("seats", "1")]).await;
    assert_eq!(closed.status, 422);
    assert!(closed.body.contains("not eligible"));
    let saved = b.post(&svc, &path, &[("code", "10001"), ("seats", "3")]).await;
    assert_eq!(saved.status, 303);
    assert_eq!(seats(&app, cycle), vec![("10001".to_string(), 3)]);
    let page = b.get(&svc, &path).await;
    assert!(page.body.contains("Lodwar County Referral Hospital"));

    let template = b.get(&svc, &format!("{path}/template.csv")).await;
    assert_eq!(template.status, 200);
    assert!(template.body.starts_with("code,seats"));

    let csv = b"code,seats\n10002,2\n99999,1\n10003,two\n10005,1\n10004,-4\n";
    let refused = b.upload_with(&svc, &format!("{path}/csv"), &[], "vacancies.csv", csv).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    for line in ["Line 3", "Line 4", "Line 5", "Line 6"] {
        assert!(refused.body.contains(line), "{line} is named: {}", refused.body);
    }
    assert!(!refused.body.contains("Line 2:"), "the good row is not reported");
    assert_eq!(seats(&app, cycle), vec![("10001".to_string(), 3)], "nothing saved");

    let good = b"code,seats\n10001,5\n10002,2\n10004,0\n";
    let applied = b.upload_with(&svc, &format!("{path}/csv"), &[], "vacancies.csv", good).await;
    assert_eq!(applied.status, 303, "{}", applied.body);
    assert_eq!(seats(&app, cycle), vec![("10001".to_string(), 5), ("10002".to_string(), 2), ("10004".to_string(), 0)]);
    assert_eq!(audit_count(&app, "set_vacancy"), 4);
    let turkana = b.get(&svc, &format!("{path}?county=Turkana")).await;
    assert!(turkana.body.contains("Kakuma Mission Hospital"));
    assert!(!turkana.body.contains("Kenyatta National Hospital"));
}

#[actix_web::test]
async fn a_coordinator_limited_to_counties_sees_and_sets_only_those() {
    let app = TestApp::new().with_demo();
    with_registry(&app);
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let path = format!("/placement/cycles/{cycle}/vacancies");
    b.get(&svc, &path).await;
    assert_eq!(b.post(&svc, &path, &[("code", "10003"), ("seats", "2")]).await.status, 303);
    let coordinator =
        ruralserve::store::users::find_by_email(&mut app.conn(), COORDINATOR).expect("q").expect("coordinator");
    diesel::insert_into(coordinator_counties::table)
        .values((coordinator_counties::user_id.eq(coordinator.id), coordinator_counties::county.eq("Turkana")))
        .execute(&mut app.conn())
        .expect("limit");
    let page = b.get(&svc, &path).await;
    assert!(!page.body.contains("Marsabit County Referral Hospital"), "a county outside is not shown");
    let outside = b.post(&svc, &path, &[("code", "10003"), ("seats", "4")]).await;
    assert_eq!(outside.status, 422);
    assert!(outside.body.contains("outside the counties you are responsible for"));
    let csv = b.upload_with(&svc, &format!("{path}/csv"), &[], "v.csv", b"code,seats\n10001,1\n10003,1\n").await;
    assert_eq!(csv.status, 422);
    assert!(csv.body.contains("Line 3"));
    assert_eq!(seats(&app, cycle), vec![("10003".to_string(), 2)]);
    assert_eq!(b.post(&svc, &path, &[("code", "10001"), ("seats", "1")]).await.status, 303);
    let token = api_token(&svc, COORDINATOR).await;
    let (status, body) = api_get(&svc, &format!("/api/v1/cycles/{cycle}/vacancies"), &token).await;
    assert_eq!(status, 200);
    let codes: Vec<&str> =
        body["vacancies"].as_array().expect("list").iter().map(|v| v["code"].as_str().expect("code")).collect();
    assert_eq!(codes, vec!["10001"]);
}

#[actix_web::test]
async fn floors_and_regional_caps_are_set_changed_and_removed_with_an_audit_trail() {
    let app = TestApp::new().with_demo();
    with_registry(&app);
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let page = b.get(&svc, &format!("/placement/cycles/{cycle}")).await;
    let version = version_in(&page.body);
    let floor = format!("/placement/cycles/{cycle}/floor");
    let bad = b.post(&svc, &floor, &[("version", &version), ("floor_need_score", "30"), ("floor_minimum", "-1")]).await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Enter a whole number from 0 to 25 (26 for dental)."));
    let ok = b.post(&svc, &floor, &[("version", &version), ("floor_need_score", "18"), ("floor_minimum", "2")]).await;
    assert_eq!(ok.status, 303);
    let stale =
        b.post(&svc, &floor, &[("version", &version), ("floor_need_score", "10"), ("floor_minimum", "1")]).await;
    assert_eq!(stale.status, 409, "a stale form does not overwrite");
    let (score, minimum): (Option<i32>, i32) = placement_cycles::table
        .find(cycle)
        .select((placement_cycles::floor_need_score, placement_cycles::floor_minimum))
        .first(&mut app.conn())
        .expect("floor");
    assert_eq!((score, minimum), (Some(18), 2));

    let caps = format!("/placement/cycles/{cycle}/caps");
    assert_eq!(b.post(&svc, &caps, &[("county", "Atlantis"), ("cap", "3")]).await.status, 422);
    assert_eq!(b.post(&svc, &caps, &[("county", "Turkana"), ("cap", "-3")]).await.status, 422);
    assert_eq!(b.post(&svc, &caps, &[("county", "Turkana"), ("cap", "3")]).await.status, 303);
    assert_eq!(b.post(&svc, &caps, &[("county", "turkana"), ("cap", "5")]).await.status, 303);
    assert_eq!(b.post(&svc, &caps, &[("county", "Nairobi"), ("cap", "1")]).await.status, 303);
    let stored: Vec<(String, i32)> = cycle_region_caps::table
        .filter(cycle_region_caps::cycle_id.eq(cycle))
        .order(cycle_region_caps::county)
        .select((cycle_region_caps::county, cycle_region_caps::cap))
        .load(&mut app.conn())
        .expect("caps");
    assert_eq!(stored, vec![("Nairobi".to_string(), 1), ("Turkana".to_string(), 5)]);
    assert_eq!(b.post(&svc, &format!("{caps}/remove"), &[("county", "Nairobi")]).await.status, 303);
    let page = b.get(&svc, &format!("/placement/cycles/{cycle}")).await;
    assert!(page.body.contains("Turkana"));
    assert_eq!(audit_count(&app, "set_cycle_floor"), 1);
    assert_eq!(audit_count(&app, "set_region_cap"), 3);
    assert_eq!(audit_count(&app, "remove_region_cap"), 1);
}

#[actix_web::test]
async fn a_programme_officer_sets_the_bond_counties_that_new_cycles_carry_for_each_scholar() {
    let app = TestApp::new().with_demo();
    with_registry(&app);
    let svc = service!(app);
    let programme = moh_programme(&app);
    let bond = format!("/funder/programmes/{programme}/bond");
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let page = officer.get(&svc, &format!("/funder/programmes/{programme}")).await;
    assert!(page.body.contains("name=\"county:Turkana\""));
    let none = officer.post(&svc, &bond, &[("bond", "counties")]).await;
    assert_eq!(none.status, 422);
    let saved =
        officer.post(&svc, &bond, &[("bond", "counties"), ("county:Turkana", "on"), ("county:Marsabit", "on")]).await;
    assert_eq!(saved.status, 303);
    let stored: Option<String> =
        programmes::table.find(programme).select(programmes::bond_counties).first(&mut app.conn()).expect("bond");
    assert_eq!(stored.as_deref(), Some(r#"["Marsabit","Turkana"]"#));
    assert_eq!(audit_count(&app, "set_bond_counties"), 1);
    let page = officer.get(&svc, &format!("/funder/programmes/{programme}")).await;
    assert!(page.body.contains("Scholars of this programme serve: Marsabit, Turkana"), "{}", page.body);
    assert!(page.body.contains("name=\"county:Turkana\" value=\"on\" checked"));
    for (email, status) in [(COORDINATOR, 403), (NGO_OFFICER, 404), (APPLICANT, 403)] {
        let mut other = Browser::new();
        other.log_in(&svc, email, DEMO_PASSWORD).await;
        other.get(&svc, "/").await;
        assert_eq!(other.post(&svc, &bond, &[("bond", "anywhere")]).await.status, status, "{email}");
    }

    award(&app, MOH_CALL, 0, "active", "2028-11-30");
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    assert_eq!(members(&app, cycle)[0].counties.as_deref(), Some(r#"["Marsabit","Turkana"]"#));
    assert!(b.get(&svc, &format!("/placement/cycles/{cycle}")).await.body.contains("Marsabit, Turkana"));

    assert_eq!(officer.post(&svc, &bond, &[("bond", "anywhere")]).await.status, 303);
    let stored: Option<String> =
        programmes::table.find(programme).select(programmes::bond_counties).first(&mut app.conn()).expect("bond");
    assert_eq!(stored, None);
}

#[actix_web::test]
async fn the_api_shows_cycles_with_their_counts_to_the_funders_coordinators_only() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    add_user(&app, OTHER_COORDINATOR, "placement_coordinator", "RHSF");
    award(&app, MOH_CALL, 0, "active", "2028-11-30");
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let token = api_token(&svc, COORDINATOR).await;
    let (status, list) = api_get(&svc, "/api/v1/cycles", &token).await;
    assert_eq!(status, 200);
    assert_eq!(list["cycles"][0]["id"], cycle);
    let (status, one) = api_get(&svc, &format!("/api/v1/cycles/{cycle}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(one["counts"]["scholars"], 1);
    assert_eq!(one["cadre"], "nursing");
    assert_eq!(one["choices_open_at"], "2029-01-05T05:00:00+00:00", "08:00 in Nairobi, in UTC");
    let (status, _) = api_get(&svc, &format!("/api/v1/cycles/{cycle}/vacancies"), &token).await;
    assert_eq!(status, 200);

    let other = api_token(&svc, OTHER_COORDINATOR).await;
    assert_eq!(api_get(&svc, "/api/v1/cycles", &other).await.1["cycles"].as_array().map(Vec::len), Some(0));
    assert_eq!(api_get(&svc, &format!("/api/v1/cycles/{cycle}"), &other).await.0, 404);
    assert_eq!(api_get(&svc, &format!("/api/v1/cycles/{cycle}/vacancies"), &other).await.0, 404);
    let admin = api_token(&svc, ADMIN).await;
    assert_eq!(api_get(&svc, &format!("/api/v1/cycles/{cycle}"), &admin).await.0, 200);
    for email in [APPLICANT, OFFICER, REVIEWER, COMPLIANCE, SUPERVISOR] {
        let token = api_token(&svc, email).await;
        assert_eq!(api_get(&svc, "/api/v1/cycles", &token).await.0, 403, "{email}");
        assert_eq!(api_get(&svc, &format!("/api/v1/cycles/{cycle}"), &token).await.0, 404, "{email}");
    }
    assert_eq!(api_get(&svc, "/api/v1/cycles", "").await.0, 401);
}

#[actix_web::test]
async fn every_placement_page_and_form_refuses_the_roles_that_may_not_use_it() {
    let app = TestApp::new().with_demo();
    with_registry(&app);
    let svc = service!(app);
    add_user(&app, OTHER_COORDINATOR, "placement_coordinator", "RHSF");
    award(&app, MOH_CALL, 0, "active", "2028-11-30");
    let mut owner = Browser::new();
    owner.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut owner).await;
    let scholar: i64 = cycle_scholars::table.select(cycle_scholars::id).first(&mut app.conn()).expect("scholar");
    let c = format!("/placement/cycles/{cycle}");

    // (role, [GET /placement, GET new, GET cycle, GET vacancies, GET template, POST take-in, POST vacancy,
    //  POST cap, POST remove, GET scholar])
    let matrix: [(&str, [u16; 10]); 8] = [
        (COORDINATOR, [200, 200, 200, 200, 200, 303, 303, 303, 303, 200]),
        (OTHER_COORDINATOR, [200, 200, 404, 404, 404, 404, 404, 404, 404, 404]),
        (ADMIN, [200, 403, 200, 200, 200, 403, 403, 403, 403, 200]),
        (APPLICANT, [403, 403, 404, 404, 404, 403, 403, 403, 403, 404]),
        (REVIEWER, [403, 403, 404, 404, 404, 403, 403, 403, 403, 404]),
        (OFFICER, [403, 403, 404, 404, 404, 403, 403, 403, 403, 404]),
        (COMPLIANCE, [403, 403, 404, 404, 404, 403, 403, 403, 403, 404]),
        (SUPERVISOR, [403, 403, 404, 404, 404, 403, 403, 403, 403, 404]),
    ];
    for (email, expected) in matrix {
        let mut b = Browser::new();
        b.log_in(&svc, email, DEMO_PASSWORD).await;
        let got = [
            b.get(&svc, "/placement").await.status,
            b.get(&svc, "/placement/cycles/new").await.status,
            b.get(&svc, &c).await.status,
            b.get(&svc, &format!("{c}/vacancies")).await.status,
            b.get(&svc, &format!("{c}/vacancies/template.csv")).await.status,
            b.post(&svc, &format!("{c}/take-in"), &[]).await.status,
            b.post(&svc, &format!("{c}/vacancies"), &[("code", "10001"), ("seats", "1")]).await.status,
            b.post(&svc, &format!("{c}/caps"), &[("county", "Turkana"), ("cap", "1")]).await.status,
            b.post(&svc, &format!("{c}/scholars/{scholar}/remove"), &[("reason", "test")]).await.status,
            b.get(&svc, &format!("{c}/scholars/{scholar}")).await.status,
        ];
        assert_eq!(got, expected, "{email}");
    }
    // The administrator reads a scholar's page without its forms; a scholar of no such cycle is not found.
    let mut admin = Browser::new();
    admin.log_in(&svc, ADMIN, DEMO_PASSWORD).await;
    let read = admin.get(&svc, &format!("{c}/scholars/{scholar}")).await;
    assert!(!read.body.contains("/remove\"") && !read.body.contains("/tier\""), "no form for a reader");
    assert_eq!(owner.get(&svc, &format!("{c}/scholars/{}", scholar + 1000)).await.status, 404);
    // Only a coordinator of this funder changed anything: one vacancy, one cap, one removal.
    assert_eq!(audit_count(&app, "set_vacancy"), 1);
    assert_eq!(audit_count(&app, "set_region_cap"), 1);
    assert_eq!(audit_count(&app, "remove_cycle_scholar"), 1);

    let mut anonymous = Browser::new();
    for path in [
        "/placement".to_string(),
        "/placement/cycles/new".to_string(),
        c.clone(),
        format!("{c}/vacancies"),
        format!("{c}/scholars/{scholar}"),
    ] {
        let page = anonymous.get(&svc, &path).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(page.location.expect("to log in").starts_with("/login"));
    }
    let post = anonymous.post(&svc, &format!("{c}/take-in"), &[]).await;
    assert!(post.status == 303 || post.status == 403, "anonymous take-in: {}", post.status);
    // A form without its CSRF token is refused.
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    assert_eq!(b.post_raw(&svc, &format!("{c}/take-in"), &[]).await.status, 403);
}

#[actix_web::test]
async fn the_other_forms_of_a_cycle_refuse_other_roles_and_other_funders_before_reading_the_form() {
    let app = TestApp::new().with_demo();
    with_registry(&app);
    let svc = service!(app);
    add_user(&app, OTHER_COORDINATOR, "placement_coordinator", "RHSF");
    let (_, reference) = award(&app, MOH_CALL, 0, "active", "2030-11-30");
    let mut owner = Browser::new();
    owner.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut owner).await;
    owner.post(&svc, &format!("/placement/cycles/{cycle}/caps"), &[("county", "Turkana"), ("cap", "2")]).await;
    let c = format!("/placement/cycles/{cycle}");
    let form = cycle_form(moh_programme(&app));

    // (role, [POST floor, POST add scholar, POST remove cap, POST new cycle with the ministry's programme])
    let matrix: [(&str, [u16; 4]); 8] = [
        (OTHER_COORDINATOR, [404, 404, 404, 422]),
        (ADMIN, [403, 403, 403, 403]),
        (APPLICANT, [403, 403, 403, 403]),
        (REVIEWER, [403, 403, 403, 403]),
        (OFFICER, [403, 403, 403, 403]),
        (COMPLIANCE, [403, 403, 403, 403]),
        (SUPERVISOR, [403, 403, 403, 403]),
        (COORDINATOR, [303, 303, 303, 303]),
    ];
    for (email, expected) in matrix {
        let mut b = Browser::new();
        b.log_in(&svc, email, DEMO_PASSWORD).await;
        let got = [
            b.post(
                &svc,
                &format!("{c}/floor"),
                &[("version", "0"), ("floor_need_score", "10"), ("floor_minimum", "1")],
            )
            .await
            .status,
            b.post(&svc, &format!("{c}/scholars"), &[("reference", &reference), ("reason", "test")]).await.status,
            b.post(&svc, &format!("{c}/caps/remove"), &[("county", "Turkana")]).await.status,
            b.post(&svc, "/placement/cycles/new", &pairs(&form)).await.status,
        ];
        assert_eq!(got, expected, "{email}");
    }
    // The other funder's coordinator could not open a cycle over the ministry's programme.
    let cycles: i64 = placement_cycles::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(cycles, 2, "the first cycle and the owner's second");
    assert_eq!(audit_count(&app, "set_cycle_floor"), 1);
    assert_eq!(audit_count(&app, "add_cycle_scholar"), 1);
    assert_eq!(audit_count(&app, "remove_region_cap"), 1);
}

#[actix_web::test]
async fn a_published_cycle_takes_no_change_and_a_csv_without_its_columns_is_named_at_line_one() {
    let app = TestApp::new().with_demo();
    with_registry(&app);
    let svc = service!(app);
    let (inside, _) = award(&app, MOH_CALL, 0, "active", "2028-11-30");
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let c = format!("/placement/cycles/{cycle}");
    b.get(&svc, &format!("{c}/vacancies")).await;
    let headless = b.upload_with(&svc, &format!("{c}/vacancies/csv"), &[], "v.csv", b"facility,count\n10001,2\n").await;
    assert_eq!(headless.status, 422);
    assert!(headless.body.contains("Line 1"), "{}", headless.body);
    assert!(headless.body.contains("The first line must name the columns code and seats."));

    diesel::update(placement_cycles::table.find(cycle))
        .set(placement_cycles::status.eq("published"))
        .execute(&mut app.conn())
        .expect("published");
    let scholar: i64 = cycle_scholars::table
        .filter(cycle_scholars::award_id.eq(inside))
        .select(cycle_scholars::id)
        .first(&mut app.conn())
        .expect("scholar");
    assert_eq!(b.post(&svc, &format!("{c}/vacancies"), &[("code", "10001"), ("seats", "1")]).await.status, 409);
    assert_eq!(b.post(&svc, &format!("{c}/caps"), &[("county", "Turkana"), ("cap", "1")]).await.status, 409);
    assert_eq!(b.post(&svc, &format!("{c}/take-in"), &[]).await.status, 409);
    assert_eq!(b.post(&svc, &format!("{c}/scholars/{scholar}/remove"), &[("reason", "late")]).await.status, 409);
    assert!(members(&app, cycle)[0].included);
    assert_eq!(audit_count(&app, "set_vacancy"), 0);
}

#[actix_web::test]
async fn the_cycle_page_lists_its_scholars_fifty_a_page_without_forms_and_pages_on_by_name() {
    let app = TestApp::new().with_demo();
    many_awards(&app, 60);
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    assert_eq!(members(&app, cycle).len(), 60);
    let first = b.get(&svc, &format!("/placement/cycles/{cycle}")).await;
    assert_eq!(first.status, 200);
    assert!(first.body.contains("60 scholars in the cycle"), "the counts line counts them all");
    assert!(first.body.contains(&format!("href=\"/placement/cycles/{cycle}/runs\"")), "the cycle leads to its runs");
    let names = listed_names(&first.body);
    assert_eq!(names.len(), 50, "{names:?}");
    assert_eq!(names[0], "Scholar 00");
    assert_eq!(names[49], "Scholar 49");
    assert!(!first.body.contains("/remove\"") && !first.body.contains("/tier\""), "no per-row form");
    let next = next_link(&first.body).expect("a Next link");
    assert!(next.contains("after_name=Scholar%2049&after_id="), "{next}");
    let second = b.get(&svc, &next).await;
    assert_eq!(second.status, 200);
    let names = listed_names(&second.body);
    assert_eq!(names, (50..60).map(|i| format!("Scholar {i}")).collect::<Vec<_>>());
    assert!(next_link(&second.body).is_none(), "the last page has no Next link");

    // A cursor that does not read is refused, naming the field.
    for (query, field) in [("after_name=Scholar%2049&after_id=abc", "after_id"), ("after_id=7", "after_name")] {
        let bad = b.get(&svc, &format!("/placement/cycles/{cycle}?{query}")).await;
        assert_eq!(bad.status, 400, "{query}");
        assert!(bad.body.contains(field), "{query}: {}", bad.body);
    }
}

#[actix_web::test]
async fn the_cycle_page_searches_its_scholars_by_name_or_reference_whatever_the_case() {
    let app = TestApp::new().with_demo();
    many_awards(&app, 60);
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, COORDINATOR, DEMO_PASSWORD).await;
    let cycle = open_cycle(&app, &svc, &mut b).await;
    let c = format!("/placement/cycles/{cycle}");

    let by_name = b.get(&svc, &format!("{c}?q=SCHOLAR+0")).await;
    assert_eq!(by_name.status, 200);
    assert_eq!(listed_names(&by_name.body), (0..10).map(|i| format!("Scholar {i:02}")).collect::<Vec<_>>());
    assert!(next_link(&by_name.body).is_none());
    assert!(by_name.body.contains("value=\"SCHOLAR 0\""), "the search box keeps what was typed");
    assert!(by_name.body.contains("60 scholars in the cycle"), "the counts line still counts them all");

    let by_reference = b.get(&svc, &format!("{c}?q=tst-0042")).await;
    assert_eq!(listed_names(&by_reference.body), vec!["Scholar 42".to_string()]);

    // The search pages on too, and its Next link keeps it.
    let all = b.get(&svc, &format!("{c}?q=scholar")).await;
    assert_eq!(listed_names(&all.body).len(), 50);
    let next = next_link(&all.body).expect("a Next link");
    assert!(next.contains("q=scholar&"), "{next}");
    assert_eq!(listed_names(&b.get(&svc, &next).await.body).len(), 10);

    let none = b.get(&svc, &format!("{c}?q=nobody")).await;
    assert!(listed_names(&none.body).is_empty());
    assert!(none.body.contains("No scholar in this cycle matches this search."));
}
