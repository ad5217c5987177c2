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
    let verified = b.get(svc, &link).await;
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

    // Submitting with a missing document is refused with the reason.
    let view = b.get(&svc, &format!("/applications/{id}")).await;
    let version = version_in(&view.body);
    let refused = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("document_identity"), "{}", refused.body);

    for kind in ["identity", "admission_letter", "transcript"] {
        b.get(&svc, &format!("/applications/{id}/step/documents")).await;
        let ok = b.upload(&svc, &format!("/applications/{id}/documents"), kind, "scan.pdf", PDF).await;
        assert_eq!(ok.status, 303, "{kind}: {}", ok.body);
    }
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
    let version = version_in(&view.body);
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
