//! An applicant's whole path through the site: register, verify, log in, fill the form in steps,
//! upload, submit before the deadline, get a receipt; and the refusals along the way.

use crate::common::*;
use diesel::RunQueryDsl;

const EMAIL: &str = "wanjiru@example.org";
const PASSWORD: &str = "long walk to the clinic";

async fn registered_and_verified<S, B>(app: &TestApp, svc: &S) -> Browser
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    let mut b = Browser::new();
    b.get(svc, "/register").await;
    let page =
        b.post(svc, "/register", &[("full_name", "Wanjiru Kamau"), ("email", EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Before verification, log-in is refused with a clear reason.
    b.get(svc, "/login").await;
    let refused = b.post(svc, "/login", &[("email", EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("confirm your e-mail"), "{}", refused.body);
    let link = latest_link(app, EMAIL);
    assert!(link.starts_with("/verify?token="), "{link}");
    // Opening the link changes nothing (mail scanners open links): it shows a button that confirms.
    let opened = b.get(svc, &link).await;
    assert!(opened.body.contains("Confirm my e-mail address"), "{}", opened.body);
    b.get(svc, "/login").await;
    let still_refused = b.post(svc, "/login", &[("email", EMAIL), ("password", PASSWORD)]).await;
    assert_eq!(still_refused.status, 422, "opening the link alone does not confirm the address");
    b.get(svc, &link).await;
    let token = link.trim_start_matches("/verify?token=");
    // Another site cannot make a visitor's browser confirm: the button's form carries the CSRF token.
    let forged = b.post_raw(svc, "/verify", &[("token", token)]).await;
    assert_eq!(forged.status, 403);
    let verified = b.post(svc, "/verify", &[("token", token)]).await;
    assert!(verified.body.contains("Your e-mail is confirmed"), "{}", verified.body);
    let again = b.get(svc, &link).await;
    assert!(again.body.contains("not valid"), "a verification link works once");
    b.log_in(svc, EMAIL, PASSWORD).await;
    b
}

fn step<'a>(fields: &'a [(&'a str, &'a str)]) -> &'a [(&'a str, &'a str)] {
    fields
}

#[actix_web::test]
async fn an_applicant_applies_in_steps_and_gets_a_receipt() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = registered_and_verified(&app, &svc).await;

    let home = b.get(&svc, "/").await;
    assert!(home.body.contains("Rural Nursing Scholarship intake"));
    let started = b.post(&svc, "/calls/1/apply", &[]).await;
    assert_eq!(started.status, 303);
    let step_url = started.location.expect("redirect to the first step");
    let id: i64 = step_url.split('/').nth(2).and_then(|s| s.parse().ok()).expect("application id");
    // Applying twice reopens the same application: one per applicant per call.
    let again = b.post(&svc, "/calls/1/apply", &[]).await;
    assert_eq!(again.location.as_deref(), Some(step_url.as_str()));

    // Every step opens on a fresh draft.
    for name in ["personal", "education", "home", "essays", "eligibility", "documents"] {
        let page = b.get(&svc, &format!("/applications/{id}/step/{name}")).await;
        assert_eq!(page.status, 200, "step {name} of a fresh draft: {}", page.body);
    }
    // A step with gaps is saved anyway and re-shown with the errors next to the fields.
    b.get(&svc, &step_url).await;
    let gaps = b
        .post(
            &svc,
            &format!("/applications/{id}/step/personal"),
            &[("full_name", "Wanjiru Kamau"), ("date_of_birth", "31-12-2004")],
        )
        .await;
    assert_eq!(gaps.status, 422);
    assert!(gaps.body.contains("Enter a date as YYYY-MM-DD"), "{}", gaps.body);
    assert!(gaps.body.contains("id=\"national_id-error\""));
    // Leave and come back: what was typed is still there.
    let back = b.get(&svc, &format!("/applications/{id}/step/personal")).await;
    assert!(back.body.contains("value=\"Wanjiru Kamau\""));

    let steps: [(&str, &[(&str, &str)]); 5] = [
        (
            "personal",
            step(&[
                ("full_name", "Wanjiru Kamau"),
                ("date_of_birth", "2004-12-31"),
                ("national_id", "31234567"),
                ("phone", "+254700000001"),
            ]),
        ),
        (
            "education",
            step(&[
                ("institution", "KMTC Lodwar"),
                ("cadre", "nursing"),
                ("year_of_study", "1"),
                ("expected_graduation", "2029-11-30"),
                ("annual_tuition", "90,000"),
                ("enrolled_full_time", "yes"),
            ]),
        ),
        ("home", step(&[("home_county", "Turkana"), ("home_sub_county", "Loima")])),
        (
            "essays",
            step(&[
                ("essay_motivation", "<script>alert('x')</script> I want to heal."),
                ("essay_rural_service", "In Turkana, where I was born."),
            ]),
        ),
        (
            "eligibility",
            step(&[
                ("continuing_scholar", "no"),
                ("disadvantaged_background", "yes"),
                ("question_other_obligation", "no"),
                ("question_earlier_default", "no"),
                ("question_citizen", "yes"),
            ]),
        ),
    ];
    for (name, fields) in steps {
        b.get(&svc, &format!("/applications/{id}/step/{name}")).await;
        let saved = b.post(&svc, &format!("/applications/{id}/step/{name}"), fields).await;
        assert_eq!(saved.status, 303, "step {name}: {}", saved.body);
    }

    // Documents: a renamed executable is refused by its content; a real PDF is accepted.
    b.get(&svc, &format!("/applications/{id}/step/documents")).await;
    let fake =
        b.upload(&svc, &format!("/applications/{id}/documents"), "identity", "id.pdf", b"MZ\x90\x00 not a pdf").await;
    assert_eq!(fake.status, 422);
    assert!(fake.body.contains("Only PDF, JPEG and PNG"), "{}", fake.body);

    // Submitting with a missing document is refused with the reason (the page offers no "Submit" yet; the
    // server refuses it all the same).
    let view = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(!view.body.contains(&format!("action=\"/applications/{id}/submit\"")));
    let version = version_in(&b.get(&svc, &format!("/applications/{id}/step/personal")).await.body);
    let refused = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(refused.status, 422);
    // The reason is given in words, with the document's name, never its internal key.
    assert!(refused.body.contains("Proof of identity or citizenship"), "{}", refused.body);
    assert!(!refused.body.contains("document_identity"), "{}", refused.body);

    upload_required_documents(&mut b, &svc, id).await;
    let view = b.get(&svc, &format!("/applications/{id}")).await;
    // The essay's HTML is shown as text, never run.
    assert!(view.body.contains("&lt;script&gt;alert("), "essay must be escaped");
    assert!(!view.body.contains("<script>alert"));
    let version = version_in(&view.body);
    let submitted = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let receipt = b.get(&svc, &format!("/applications/{id}")).await;
    let year = chrono::Utc::now().format("%Y").to_string().parse::<i32>().expect("year") + 1;
    let reference = format!("MOH-{year}-{id:06}");
    assert!(receipt.body.contains(&reference), "receipt with {reference}: {}", receipt.body);
    assert!(receipt.body.contains("Eligible"));
    assert!(receipt.body.contains("Status history"));
    // The receipt is e-mailed too.
    let mail = ruralserve::store::outbox::latest_to(&mut app.conn(), EMAIL).expect("q").expect("receipt e-mail");
    assert!(mail.subject.contains(&reference));

    // Submission locks the record.
    let locked = b
        .post(
            &svc,
            &format!("/applications/{id}/step/home"),
            &[("home_county", "Nairobi"), ("home_sub_county", "Kibra"), ("version", "99")],
        )
        .await;
    assert_eq!(locked.status, 409, "{}", locked.body);
    let twice = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(twice.status, 409);

    // The audit trail holds every step, with before and after.
    let trail = ruralserve::store::audit::trail(&mut app.conn(), "application", &id.to_string()).expect("trail");
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"start_application")
            && actions.contains(&"save_step_home")
            && actions.contains(&"submit_application"),
        "{actions:?}"
    );
    assert!(trail.iter().all(|e| e.client_addr == "10.0.0.1"));
}

#[actix_web::test]
async fn an_applicant_under_another_obligation_is_flagged_ineligible_with_the_reason() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    let list = officer.get(&svc, "/funder/applications?eligibility=ineligible").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Ineligible"));
    // Open one flagged application: the reason is stated.
    let first = list.body.split("href=\"/applications/").nth(1).and_then(|s| s.split('"').next()).expect("a row");
    let detail = officer.get(&svc, &format!("/applications/{first}")).await;
    assert!(
        detail.body.contains("Already under another service obligation")
            || detail.body.contains("Not enrolled full-time"),
        "{}",
        detail.body
    );
}

#[actix_web::test]
async fn submission_after_the_closing_time_is_refused_by_the_server() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, "student01.moh@demo.ruralserve.org", DEMO_PASSWORD).await;
    // student01's application (i = 0) is a complete draft; close the call under it.
    let mine = b.get(&svc, "/my/applications").await;
    let id =
        mine.body.split("/applications/").nth(1).and_then(|s| s.split('/').next()).expect("application").to_string();
    diesel::sql_query("UPDATE calls SET opens_at = '2020-01-01 00:00:00', closes_at = '2020-02-01 00:00:00'")
        .execute(&mut app.conn())
        .expect("close");
    let view = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(view.body.contains("The call has closed"), "the review page says so: {}", view.body);
    let version = version_in(&b.get(&svc, &format!("/applications/{id}/step/personal")).await.body);
    let refused = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("The call has closed"), "{}", refused.body);
}

#[actix_web::test]
async fn one_application_per_applicant_per_call_is_enforced_by_the_database() {
    let app = TestApp::new().with_demo();
    let mut conn = app.conn();
    let user =
        ruralserve::store::users::find_by_email(&mut conn, "applicant@demo.ruralserve.org").expect("q").expect("user");
    ruralserve::store::applications::insert_draft(&mut conn, 1, user.id, "A").expect("first");
    let second = ruralserve::store::applications::insert_draft(&mut conn, 1, user.id, "A");
    assert!(matches!(second, Err(ruralserve::error::AppError::Conflict(_))), "{second:?}");
}

const STUDENT: &str = "student01.moh@demo.ruralserve.org";

/// A page as the browser reads it: tera escapes `/` and `'` in values, which a browser decodes.
fn plain(body: &str) -> String {
    body.replace("&#x2F;", "/").replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

/// The id of the first application on the applicant's list.
fn first_application(body: &str) -> i64 {
    body.split("/applications/")
        .nth(1)
        .and_then(|s| s.split(['/', '"']).next())
        .and_then(|s| s.parse().ok())
        .expect("an application on the list")
}

fn status_of(app: &TestApp, id: i64) -> Option<String> {
    use diesel::prelude::*;
    use ruralserve::schema::applications;
    applications::table.find(id).select(applications::status).first(&mut app.conn()).optional().expect("query")
}

#[actix_web::test]
async fn a_draft_is_deleted_after_a_confirmation_and_withdrawing_it_never_answers_500() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, STUDENT, DEMO_PASSWORD).await;
    let id = first_application(&b.get(&svc, "/my/applications").await.body);
    assert_eq!(status_of(&app, id).as_deref(), Some("draft"));
    let view = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(view.body.contains(&format!("href=\"/applications/{id}/delete\"")), "{}", view.body);
    assert!(!view.body.contains(&format!("action=\"/applications/{id}/withdraw\"")));
    let version = version_in(&b.get(&svc, &format!("/applications/{id}/step/personal")).await.body);

    // The old withdraw form, posted as a browser posts it, is sent to the question instead of a 500.
    let old_form = b.post(&svc, &format!("/applications/{id}/withdraw"), &[("version", &version)]).await;
    assert_eq!(old_form.status, 303, "{}", old_form.body);
    assert_eq!(old_form.location, Some(format!("/applications/{id}/delete")));
    assert_eq!(status_of(&app, id).as_deref(), Some("draft"), "nothing happens before the confirmation");

    // The question: a GET that changes nothing, with the form that does it.
    let question = b.get(&svc, &format!("/applications/{id}/delete")).await;
    assert_eq!(question.status, 200);
    assert!(question.body.contains("Delete this draft?"), "{}", question.body);
    assert!(question.body.contains(&format!("action=\"/applications/{id}/delete\"")));
    assert_eq!(status_of(&app, id).as_deref(), Some("draft"));
    let version = version_in(&question.body);
    let deleted = b.post(&svc, &format!("/applications/{id}/delete"), &[("version", &version)]).await;
    assert_eq!(deleted.status, 303, "{}", deleted.body);
    assert_eq!(deleted.location.as_deref(), Some("/my/applications"));
    assert_eq!(status_of(&app, id), None, "the draft is gone");
    let list = b.get(&svc, "/my/applications").await;
    assert!(list.body.contains("Your draft is deleted"), "{}", list.body);
    assert_eq!(b.get(&svc, &format!("/applications/{id}")).await.status, 404);
    // Deleting twice is a clear "not found", never a 500.
    let again = b.post(&svc, &format!("/applications/{id}/delete"), &[("version", &version)]).await;
    assert_eq!(again.status, 404);
    // The audit trail keeps that the draft existed and was deleted.
    let trail = ruralserve::store::audit::trail(&mut app.conn(), "application", &id.to_string()).expect("trail");
    assert!(trail.iter().any(|e| e.action == "delete_draft"));
}

#[actix_web::test]
async fn a_submitted_application_is_withdrawn_only_after_a_confirmation() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    // Some demo applicant holds a submitted application.
    let (id, email): (i64, String) = {
        use diesel::prelude::*;
        use ruralserve::schema::{applications, users};
        applications::table
            .inner_join(users::table)
            .filter(applications::status.eq("submitted"))
            .select((applications::id, users::email))
            .first(&mut app.conn())
            .expect("a submitted application")
    };
    let mut b = Browser::new();
    b.log_in(&svc, &email, DEMO_PASSWORD).await;
    let view = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(view.body.contains(&format!("href=\"/applications/{id}/withdraw\"")), "{}", view.body);
    assert!(!view.body.contains(&format!("/applications/{id}/delete")), "a submitted application is not deleted");
    let question = b.get(&svc, &format!("/applications/{id}/withdraw")).await;
    assert_eq!(question.status, 200);
    assert!(question.body.contains("Withdraw this application?"), "{}", question.body);
    assert_eq!(status_of(&app, id).as_deref(), Some("submitted"));
    let refused =
        b.post(&svc, &format!("/applications/{id}/delete"), &[("version", &version_in(&question.body))]).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    let done = b.post(&svc, &format!("/applications/{id}/withdraw"), &[("version", &version_in(&question.body))]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(status_of(&app, id).as_deref(), Some("withdrawn"));
}

#[actix_web::test]
async fn a_graduation_date_in_9999_is_refused_next_to_the_field_and_not_saved() {
    use diesel::prelude::*;
    use ruralserve::schema::applications;
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, STUDENT, DEMO_PASSWORD).await;
    let id = first_application(&b.get(&svc, "/my/applications").await.body);
    let stored = || -> Option<chrono::NaiveDate> {
        applications::table.find(id).select(applications::expected_graduation).first(&mut app.conn()).expect("q")
    };
    let before = stored();
    assert!(before.is_some(), "the demo draft is complete");
    let url = format!("/applications/{id}/step/education");
    let page = b.get(&svc, &url).await;
    let fields = |date: &'static str| {
        vec![
            ("institution", "KMTC Lodwar"),
            ("cadre", "nursing"),
            ("year_of_study", "1"),
            ("expected_graduation", date),
            ("annual_tuition", "90,000"),
            ("enrolled_full_time", "yes"),
        ]
    };
    let mut with_version = fields("9999-12-31");
    let version = version_in(&page.body);
    with_version.push(("version", &version));
    let refused = b.post(&svc, &url, &with_version).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"expected_graduation-error\""), "{}", refused.body);
    assert!(
        plain(&refused.body).contains("later than the programme's maximum years of support allow"),
        "{}",
        refused.body
    );
    assert_ne!(stored(), chrono::NaiveDate::from_ymd_opt(9999, 12, 31));
    // "Save draft" keeps gaps for later, but not a refused date.
    let mut save_only = fields("0202-01-01");
    save_only.push(("save_only", "1"));
    let page = b.get(&svc, &url).await;
    let version = version_in(&page.body);
    save_only.push(("version", &version));
    let refused = b.post(&svc, &url, &save_only).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("The date must be in the future"), "{}", refused.body);
    assert_ne!(stored(), chrono::NaiveDate::from_ymd_opt(202, 1, 1));
    // A date of birth a century and a half ago is refused too.
    let page = b.get(&svc, &format!("/applications/{id}/step/personal")).await;
    let version = version_in(&page.body);
    let old = b
        .post(
            &svc,
            &format!("/applications/{id}/step/personal"),
            &[
                ("full_name", "Achieng"),
                ("date_of_birth", "1870-01-01"),
                ("national_id", "31234567"),
                ("phone", "+254700000001"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(old.status, 422);
    assert!(old.body.contains("too far in the past"), "{}", old.body);
}

#[actix_web::test]
async fn a_new_graduation_date_in_9999_is_refused_on_an_award_and_dates_elsewhere_are_bounded() {
    use diesel::prelude::*;
    use ruralserve::schema::{applications, awards, calls, status_changes, users};
    use ruralserve::service::awards as service;
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let call: i64 = calls::table
        .filter(calls::title.eq("Rural Nursing Scholarship intake"))
        .select(calls::id)
        .first(&mut app.conn())
        .expect("call");
    let actor = |email: &str| {
        let user = ruralserve::store::users::find_by_email(&mut app.conn(), email).expect("q").expect("user");
        ruralserve::service::Actor::from_user(&user, "10.0.0.2").expect("actor")
    };
    let (officer, approver) = (actor("officer@moh.demo.ruralserve.org"), actor("approver@moh.demo.ruralserve.org"));
    let conn = &mut app.conn();
    service::propose_line(conn, &officer, call).expect("proposals");
    let (award, application_id): (i64, i64) = awards::table
        .filter(awards::call_id.eq(call))
        .order(awards::id)
        .select((awards::id, awards::application_id))
        .first(conn)
        .expect("an award");
    let (email, name): (String, String) = applications::table
        .inner_join(users::table)
        .filter(applications::id.eq(application_id))
        .select((users::email, applications::full_name))
        .first(conn)
        .expect("scholar");
    let scholar = actor(&email);
    let version = || -> i32 { awards::table.find(award).select(awards::version).first(&mut app.conn()).expect("v") };
    service::decide(conn, &approver, award, version(), true).expect("approved");
    let deadline = chrono::Utc::now().naive_utc() + chrono::Duration::days(5);
    let i18n = ruralserve::i18n::I18n::shared().expect("translations");
    service::offer(conn, i18n, "http://localhost", &officer, award, version(), deadline).expect("offered");
    service::respond(conn, &scholar, award, version(), true, &name, true).expect("accepted");
    service::countersign(conn, &officer, award, version()).expect("countersigned");

    let mut b = Browser::new();
    b.log_in(&svc, &email, DEMO_PASSWORD).await;
    b.get(&svc, &format!("/awards/{award}")).await;
    let refused = b
        .post(
            &svc,
            &format!("/awards/{award}/changes"),
            &[("kind", "new_graduation_date"), ("new_graduation_date", "9999-12-31"), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("too far in the future"), "{}", refused.body);
    // Within reach of today but past the programme's maximum years of support from the award's start.
    let too_late = (chrono::Utc::now().date_naive() + chrono::Duration::days(365 * 9)).to_string();
    let refused = b
        .post(
            &svc,
            &format!("/awards/{award}/changes"),
            &[("kind", "new_graduation_date"), ("new_graduation_date", &too_late), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("maximum years of support"), "{}", refused.body);
    let count: i64 = status_changes::table.count().get_result(&mut app.conn()).expect("count");
    assert_eq!(count, 0, "nothing is saved");

    // The officer's forms: a payment dated in 1999 and a call opening in 9999 are refused by field.
    let mut officer_b = Browser::new();
    officer_b.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    officer_b.get(&svc, &format!("/funder/calls/{call}")).await;
    let far =
        officer_b.post(&svc, &format!("/funder/calls/{call}/settings"), &[("support_starts_on", "9999-12-31")]).await;
    assert_eq!(far.status, 422, "{}", far.body);
    assert!(far.body.contains("too far in the future"), "{}", far.body);
    let programme: i64 = calls::table.find(call).select(calls::programme_id).first(&mut app.conn()).expect("p");
    let form = format!("/funder/programmes/{programme}/calls/new");
    officer_b.get(&svc, &form).await;
    let far = officer_b
        .post(
            &svc,
            &form,
            &[
                ("title", "Typo call"),
                ("intake_year", "2027"),
                ("opens_at", "9999-12-31T08:00"),
                ("closes_at", "9999-12-31T17:00"),
                ("seats", "3"),
                ("budget", "1,000"),
            ],
        )
        .await;
    assert_eq!(far.status, 422, "{}", far.body);
    assert!(far.body.contains("too far in the future"), "{}", far.body);
}

#[actix_web::test]
async fn the_call_page_states_who_may_apply_and_the_documents_before_anyone_applies() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut anonymous = Browser::new();
    let page = anonymous.get(&svc, "/calls/1").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Who may apply"), "{}", page.body);
    assert!(page.body.contains("You are enrolled full-time."), "{}", page.body);
    assert!(page.body.contains("makes an application ineligible"), "{}", page.body);
    assert!(page.body.contains("Documents to upload"));
    assert!(!page.body.contains("admission_letter"), "no internal keys: {}", page.body);
}

#[actix_web::test]
async fn the_steps_are_numbered_and_marked_and_the_review_says_what_blocks_in_words() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    let started = b.post(&svc, "/calls/1/apply", &[]).await;
    let step_url = started.location.expect("a draft");
    let id: i64 = step_url.split('/').nth(2).and_then(|s| s.parse().ok()).expect("id");

    let step = b.get(&svc, &step_url).await;
    assert!(step.body.contains("1.</span> Personal details"), "{}", step.body);
    assert!(step.body.contains("Step 1: Personal details"), "{}", step.body);
    assert!(step.body.contains("missing something"), "{}", step.body);

    // The need question has no answer ticked until the applicant gives one; leaving it out is refused.
    let eligibility = b.get(&svc, &format!("/applications/{id}/step/eligibility")).await;
    for key in ["continuing_scholar", "disadvantaged_background"] {
        for answer in ["yes", "no"] {
            let ticked = format!("name=\"{key}\" value=\"{answer}\" checked");
            assert!(!eligibility.body.contains(&ticked), "{ticked} is pre-ticked");
        }
    }
    let version = version_in(&eligibility.body);
    let unanswered = b
        .post(
            &svc,
            &format!("/applications/{id}/step/eligibility"),
            &[("question_other_obligation", "no"), ("version", &version)],
        )
        .await;
    assert_eq!(unanswered.status, 422, "{}", unanswered.body);
    assert!(unanswered.body.contains("name=\"disadvantaged_background\" value=\"yes\">"));

    // The documents step lists every required document and what is uploaded.
    b.get(&svc, &format!("/applications/{id}/step/documents")).await;
    let uploaded = b.upload(&svc, &format!("/applications/{id}/documents"), "identity", "my-id.pdf", PDF).await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    let documents = b.get(&svc, &format!("/applications/{id}/step/documents")).await;
    assert!(documents.body.contains("Required documents"), "{}", documents.body);
    assert!(documents.body.contains("my-id.pdf"));
    assert!(documents.body.contains("Not uploaded yet."));

    // The review page says what blocks, in words, each with a link to its step; no "Submit" yet.
    for lang in ["en", "fr"] {
        b.post(&svc, "/language", &[("lang", lang), ("back", "/")]).await;
        let review = b.get(&svc, &format!("/applications/{id}")).await;
        assert_eq!(review.status, 200);
        for internal in ["document_", "question_", "home_county", "error-", "full_name:"] {
            assert!(!review.body.contains(internal), "{lang}: internal key {internal} shown: {}", review.body);
        }
        assert!(review.body.contains(&format!("href=\"/applications/{id}/step/documents\"")));
        assert!(review.body.contains(&format!("href=\"/applications/{id}/step/home\"")));
        assert!(!review.body.contains(&format!("action=\"/applications/{id}/submit\"")), "{lang}: Submit offered");
    }
    b.post(&svc, "/language", &[("lang", "en"), ("back", "/")]).await;
    let review = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(review.body.contains("Admission letter") || review.body.contains("admission letter"), "{}", review.body);
    // The server refuses a submission all the same, with the same words.
    let version = version_in(&b.get(&svc, &format!("/applications/{id}/step/personal")).await.body);
    let refused = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(refused.status, 422);
    assert!(!refused.body.contains("document_"), "{}", refused.body);
}

#[actix_web::test]
async fn a_complete_draft_offers_submit_and_the_receipt_keeps_the_reference_whole() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, STUDENT, DEMO_PASSWORD).await;
    let id = first_application(&b.get(&svc, "/my/applications").await.body);
    upload_required_documents(&mut b, &svc, id).await;
    let review = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(!review.body.contains("class=\"blockers\""), "{}", review.body);
    assert!(review.body.contains("✓ done"));
    assert!(review.body.contains(&format!("action=\"/applications/{id}/submit\"")), "{}", review.body);
    assert!(review.body.contains("class=\"values\""));
    let submitted =
        b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version_in(&review.body))]).await;
    assert_eq!(submitted.status, 303, "{}", submitted.body);
    let receipt = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(receipt.body.contains("<strong class=\"reference\">MOH-"), "{}", receipt.body);
    let css = b.get(&svc, "/static/style.css").await;
    assert!(css.body.contains(".reference{white-space:nowrap"));
    assert!(css.body.contains("dl.values{display:block}"));
}

#[actix_web::test]
async fn after_log_in_the_visitor_returns_to_the_page_they_asked_for_and_only_on_this_site() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    let sent = b.get(&svc, "/my/applications").await;
    assert_eq!(sent.status, 303);
    assert_eq!(sent.location.as_deref(), Some("/login?next=/my/applications"));
    let login = b.get(&svc, "/login?next=/calls/1").await;
    assert!(plain(&login.body).contains("name=\"next\" value=\"/calls/1\""), "{}", login.body);
    let back = b.post(&svc, "/login", &[("email", STUDENT), ("password", DEMO_PASSWORD), ("next", "/calls/1")]).await;
    assert_eq!(back.status, 303, "{}", back.body);
    assert_eq!(back.location.as_deref(), Some("/calls/1"));

    // A "next" that leaves the site is dropped: the role's home instead.
    for evil in ["//evil.example/", "/\\evil.example/", "https://evil.example/", "/%5Cevil.example", "/\t/evil.example"]
    {
        let mut other = Browser::new();
        let form = other.get(&svc, &format!("/login?next={}", evil.replace('\t', "%09").replace('\\', "%5C"))).await;
        assert!(!form.body.contains("name=\"next\""), "{evil:?} kept on the form");
        let home = other.post(&svc, "/login", &[("email", STUDENT), ("password", DEMO_PASSWORD), ("next", evil)]).await;
        assert_eq!(home.location.as_deref(), Some("/my/applications"), "{evil:?}");
    }
    // The log-in link of a page carries that page.
    let mut anonymous = Browser::new();
    let call = anonymous.get(&svc, "/calls/1").await;
    assert!(plain(&call.body).contains("href=\"/login?next=/calls/1\""), "{}", call.body);
}

#[actix_web::test]
async fn switching_language_stays_on_the_page_and_refuses_an_address_off_site() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    let page = b.get(&svc, "/calls/1").await;
    assert!(plain(&page.body).contains("name=\"back\" value=\"/calls/1\""), "{}", page.body);
    let stayed = b.post(&svc, "/language", &[("lang", "fr"), ("back", "/calls/1")]).await;
    assert_eq!(stayed.location.as_deref(), Some("/calls/1"));
    for evil in [
        "//evil.example/",
        "/\\evil.example/",
        "/%5Cevil.example/",
        "/\t/evil.example/",
        "/\n/evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
    ] {
        let refused = b.post(&svc, "/language", &[("lang", "en"), ("back", evil)]).await;
        assert_eq!(refused.location.as_deref(), Some("/"), "{evil:?}");
    }
}

#[actix_web::test]
async fn the_verification_page_offers_log_in_and_the_e_mail_can_be_sent_again() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.get(&svc, "/register").await;
    let done =
        b.post(&svc, "/register", &[("full_name", "Wanjiru Kamau"), ("email", EMAIL), ("password", PASSWORD)]).await;
    assert!(done.body.contains("href=\"/verify/resend\""), "{}", done.body);
    let first = latest_link(&app, EMAIL);
    // Ask again, as someone who lost the e-mail: a new link, and the same answer as for an unknown address.
    let form = b.get(&svc, "/verify/resend").await;
    assert_eq!(form.status, 200);
    let known = b.post(&svc, "/verify/resend", &[("email", EMAIL)]).await;
    assert_eq!(known.status, 200, "{}", known.body);
    let second = latest_link(&app, EMAIL);
    assert_ne!(first, second, "a new link is sent");
    let unknown = b.post(&svc, "/verify/resend", &[("email", "nobody@example.org")]).await;
    assert_eq!(unknown.status, 200);
    let text = |body: &str| body.split("<main>").nth(1).map(|m| m.split("</main>").next().unwrap_or("").to_string());
    assert_eq!(text(&known.body), text(&unknown.body), "the answer must not reveal the account");
    b.get(&svc, &second).await;
    let verified = b.post(&svc, "/verify", &[("token", second.trim_start_matches("/verify?token="))]).await;
    assert!(verified.body.contains("Your e-mail is confirmed"), "{}", verified.body);
    assert!(verified.body.contains("href=\"/login\""), "the page offers to log in: {}", verified.body);
    // Once verified, asking again sends nothing.
    let before = ruralserve::store::outbox::latest_to(&mut app.conn(), EMAIL).expect("q").expect("mail").id;
    b.post(&svc, "/verify/resend", &[("email", EMAIL)]).await;
    let after = ruralserve::store::outbox::latest_to(&mut app.conn(), EMAIL).expect("q").expect("mail").id;
    assert_eq!(before, after);
    // Rate-limited per address like the other account forms.
    let mut last = 0;
    for _ in 0..12 {
        last = b.post(&svc, "/verify/resend", &[("email", "someone@example.org")]).await.status;
    }
    assert_eq!(last, 429);
}

/// An unanswered priority question is no one's "no": it blocks submission on the review page and on the
/// server, however the step was saved ("Save draft" keeps the rest of the step).
#[actix_web::test]
async fn unanswered_priority_questions_block_submission_until_answered() {
    use diesel::prelude::*;
    use ruralserve::schema::applications;
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, STUDENT, DEMO_PASSWORD).await;
    let id = first_application(&b.get(&svc, "/my/applications").await.body);
    upload_required_documents(&mut b, &svc, id).await;
    // The draft's priority answers are taken back, as for a draft saved before nothing was pre-ticked.
    diesel::update(applications::table.find(id))
        .set(applications::priority_answered.eq(false))
        .execute(&mut app.conn())
        .expect("unanswered");
    let step = b.get(&svc, &format!("/applications/{id}/step/eligibility")).await;
    let saved = b
        .post(
            &svc,
            &format!("/applications/{id}/step/eligibility"),
            &[
                ("question_other_obligation", "no"),
                ("question_earlier_default", "no"),
                ("question_citizen", "yes"),
                ("continuing_scholar", ""),
                ("save_only", ""),
                ("version", &version_in(&step.body)),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "a draft keeps its gaps: {}", saved.body);
    let review = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(review.body.contains("class=\"blockers\""), "{}", review.body);
    assert!(!review.body.contains(&format!("action=\"/applications/{id}/submit\"")), "no Submit yet");
    let version = version_in(&b.get(&svc, &format!("/applications/{id}/step/eligibility")).await.body);
    let refused = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(refused.status, 422, "the server refuses too: {}", refused.body);

    let answered = b
        .post(
            &svc,
            &format!("/applications/{id}/step/eligibility"),
            &[
                ("question_other_obligation", "no"),
                ("question_earlier_default", "no"),
                ("question_citizen", "yes"),
                ("continuing_scholar", "no"),
                ("disadvantaged_background", "yes"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(answered.status, 303, "{}", answered.body);
    let review = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(review.body.contains(&format!("action=\"/applications/{id}/submit\"")), "{}", review.body);
}

/// A sub-county sent without its county cannot be checked, so it is not stored, even in a draft.
#[actix_web::test]
async fn a_sub_county_without_its_county_is_not_stored() {
    use diesel::prelude::*;
    use ruralserve::schema::applications;
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, "applicant@demo.ruralserve.org", DEMO_PASSWORD).await;
    let started = b.post(&svc, "/calls/1/apply", &[]).await;
    let id: i64 =
        started.location.as_deref().and_then(|l| l.split('/').nth(2)).and_then(|s| s.parse().ok()).expect("a draft");
    let step = b.get(&svc, &format!("/applications/{id}/step/home")).await;
    let saved = b
        .post(
            &svc,
            &format!("/applications/{id}/step/home"),
            &[
                ("home_county", ""),
                ("home_sub_county", " lOIMA "),
                ("save_only", ""),
                ("version", &version_in(&step.body)),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored: (String, String) = applications::table
        .find(id)
        .select((applications::home_county, applications::home_sub_county))
        .first(&mut app.conn())
        .expect("the draft");
    assert_eq!(stored, (String::new(), String::new()));
}

/// A malformed id in a page's address is the site's 404 page, not a plain-text answer.
#[actix_web::test]
async fn a_malformed_id_in_a_page_address_is_the_sites_404_page() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, STUDENT, DEMO_PASSWORD).await;
    for path in ["/applications/abc", "/applications/1x/step/home", "/awards/%20"] {
        let page = b.get(&svc, path).await;
        assert_eq!(page.status, 404, "{path}");
        assert!(page.body.contains("<h1>404</h1>"), "{path}: {}", page.body);
    }
}

/// Uploads the demo call's three required documents to a draft, as the documents step does.
async fn upload_required_documents<S, B>(b: &mut Browser, svc: &S, id: i64)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<B>,
        Error = actix_web::Error,
    >,
    B: actix_web::body::MessageBody,
{
    for kind in ["identity", "admission_letter", "transcript"] {
        b.get(svc, &format!("/applications/{id}/step/documents")).await;
        let ok = b.upload(svc, &format!("/applications/{id}/documents"), kind, "scan.pdf", PDF).await;
        assert_eq!(ok.status, 303, "{kind}: {}", ok.body);
    }
}

/// The applicant's list and the reviewer's list are decided by their use cases, for their own role only.
#[actix_web::test]
async fn the_applicants_and_the_reviewers_lists_are_refused_to_other_roles() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut student = Browser::new();
    student.log_in(&svc, STUDENT, DEMO_PASSWORD).await;
    assert_eq!(student.get(&svc, "/my/applications").await.status, 200);
    assert_eq!(student.get(&svc, "/reviews").await.status, 403);
    let mut reviewer = Browser::new();
    reviewer.log_in(&svc, "reviewer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(reviewer.get(&svc, "/reviews").await.status, 200);
    assert_eq!(reviewer.get(&svc, "/my/applications").await.status, 403);
    let mut officer = Browser::new();
    officer.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(officer.get(&svc, "/my/applications").await.status, 403);
    assert_eq!(officer.get(&svc, "/reviews").await.status, 403);
}
