//! The funder's side: programmes with terms, calls, the public listing, and the application list
//! with filters, search, pages and the CSV export.

use crate::common::*;

#[actix_web::test]
async fn an_officer_creates_a_programme_and_opens_a_call_that_the_public_sees_in_plain_words() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    officer.get(&svc, "/funder/programmes/new").await;
    let terms = [
        ("service_years_per_support_year", "2"),
        ("min_service_years", "3"),
        ("max_support_years", "4"),
        ("full_time_hours_per_week", "40"),
        ("half_time_hours_per_week", "20"),
        ("half_time_credit", "0.5"),
        ("days_away_allowed_per_service_year", "35"),
        ("parental_leave_max_days", "84"),
        ("verification_interval_months", "6"),
        ("verification_late_days", "60"),
        ("start_window_days", "270"),
        ("in_school_breach_multiplier", "1"),
        ("damages_multiplier", "2"),
        ("damages_annual_interest_rate", "0.05"),
        ("damages_payment_deadline_days", "1825"),
        ("damages_minimum", "0"),
        ("stipend_monthly", "12,000"),
        ("lump_sum_yearly", "30000"),
    ];
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Rural Clinical Officers"),
        ("cadre", "clinical medicine"),
        ("description", "For clinical officers."),
        ("currency", "KES"),
        ("terms_from", "2026-01-01"),
    ];
    fields.extend_from_slice(&terms);
    // A bad term is named next to its field, and nothing is created.
    let mut bad = fields.clone();
    bad.retain(|(k, _)| *k != "half_time_credit");
    bad.push(("half_time_credit", "1.5"));
    let refused = officer.post(&svc, "/funder/programmes/new", &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Enter a number from 0 to 1"), "{}", refused.body);
    let created = officer.post(&svc, "/funder/programmes/new", &fields).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let home = officer.get(&svc, "/funder").await;
    let programme_id = home
        .body
        .split("/funder/programmes/")
        .filter_map(|s| s.split('/').next())
        .filter_map(|s| s.parse::<i64>().ok())
        .max()
        .expect("programme link");
    officer.get(&svc, &format!("/funder/programmes/{programme_id}/calls/new")).await;
    let opens = (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%dT%H:%M").to_string();
    let closes = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%dT%H:%M").to_string();
    let backwards = officer
        .post(
            &svc,
            &format!("/funder/programmes/{programme_id}/calls/new"),
            &[
                ("title", "Backwards"),
                ("intake_year", "2027"),
                ("opens_at", &closes),
                ("closes_at", &opens),
                ("seats", "5"),
                ("budget", "1000000"),
            ],
        )
        .await;
    assert_eq!(backwards.status, 422);
    assert!(backwards.body.contains("The closing time must be after the opening time"));
    // The programme page shows its terms over time; new terms apply from a later date.
    let programme_page = officer.get(&svc, &format!("/funder/programmes/{programme_id}")).await;
    assert!(programme_page.body.contains("From 2026-01-01"), "{}", programme_page.body);
    let mut later: Vec<(&str, &str)> = terms.iter().filter(|(k, _)| *k != "min_service_years").copied().collect();
    later.push(("min_service_years", "4"));
    later.push(("terms_from", "2027-07-01"));
    let added = officer.post(&svc, &format!("/funder/programmes/{programme_id}/terms"), &later).await;
    assert_eq!(added.status, 303, "{}", added.body);
    let same_date = officer.post(&svc, &format!("/funder/programmes/{programme_id}/terms"), &later).await;
    assert_eq!(same_date.status, 422);
    assert!(same_date.body.contains("Terms already start on this date"), "{}", same_date.body);
    let programme_page = officer.get(&svc, &format!("/funder/programmes/{programme_id}")).await;
    assert!(
        programme_page.body.contains("From 2027-07-01")
            && programme_page.body.contains("You serve at least 4 year(s) in all.")
    );
    officer.get(&svc, &format!("/funder/programmes/{programme_id}/calls/new")).await;
    let opened = officer
        .post(
            &svc,
            &format!("/funder/programmes/{programme_id}/calls/new"),
            &[
                ("title", "Clinical officers 2027"),
                ("intake_year", "2027"),
                ("opens_at", &opens),
                ("closes_at", &closes),
                ("seats", "5"),
                ("budget", "25,000,000.00"),
                ("required_documents", "identity"),
                ("required_documents", "transcript"),
                ("standard_questions", "other_obligation"),
                ("custom_text_1", "Do you hold a diploma in clinical medicine?"),
                ("custom_disqualify_1", "no"),
                ("custom_reason_1", "No diploma in clinical medicine"),
            ],
        )
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let call_url = opened.location.expect("call page");
    // The public page (no log-in) shows the call, its terms in words, in the installation's time zone.
    let mut public = Browser::new();
    assert!(public.get(&svc, "/").await.body.contains("Clinical officers 2027"));
    let page = public.get(&svc, &call_url).await;
    assert!(page.body.contains("You serve 2 year(s) for each year of support."), "{}", page.body);
    assert!(page.body.contains("You serve at least 3 year(s) in all."));
    assert!(page.body.contains("repay 2 times"));
    assert!(page.body.contains("12,000.00 KES"));
    assert!(page.body.contains("25,000,000.00 KES"));
    assert!(page.body.contains("EAT"), "times shown in Africa/Nairobi");
    // The call asks its own questions; a disqualifying answer is recorded as the officer worded it.
    let call_id: i64 = call_url.trim_start_matches("/calls/").parse().expect("call id");
    let listing = ruralserve::store::programmes::call_listing(&mut app.conn(), call_id).expect("call");
    let keys: Vec<String> = listing.call.questions().into_iter().map(|q| q.key).collect();
    assert_eq!(keys, vec!["other_obligation".to_string(), "custom_1".to_string()]);
    // An NGO officer cannot open a call in the ministry's programme.
    let mut ngo = Browser::new();
    ngo.log_in(&svc, "officer@rhsf.demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(ngo.get(&svc, &format!("/funder/programmes/{programme_id}/calls/new")).await.status, 404);
}

#[actix_web::test]
async fn the_application_list_filters_searches_pages_and_exports_safely() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    let all = officer.get(&svc, "/funder/applications").await;
    // 18 MOH applicants, 3 still drafts: 15 listed.
    assert!(all.body.contains("Applications (15)"), "{}", all.body);
    let turkana = officer.get(&svc, "/funder/applications?county=Turkana").await;
    let rows = turkana.body.matches("<tr><td data-label=\"Reference\"><a href=\"/applications/").count();
    assert!(rows > 0 && rows < 15);
    assert!(!turkana.body.contains(">Nairobi</td>"));
    let withdrawn = officer.get(&svc, "/funder/applications?status=withdrawn").await;
    assert!(withdrawn.body.contains("Applications (1)"));
    // Search by name is case-insensitive on both databases; by reference too.
    let by_name = officer.get(&svc, "/funder/applications?q=OTIENO").await;
    assert!(by_name.body.contains("Otieno"));
    let reference = all.body.split("MOH-").nth(1).map(|s| format!("MOH-{}", &s[..11])).expect("a reference");
    let by_ref = officer.get(&svc, &format!("/funder/applications?q={}", reference.to_lowercase())).await;
    assert!(by_ref.body.contains("Applications (1)"), "{reference}: {}", by_ref.body);
    // Pages of 25: add enough applications to need a second page.
    {
        let mut conn = app.conn();
        for i in 0..20 {
            let id = ruralserve::store::users::insert(
                &mut conn,
                &ruralserve::store::users::NewUser {
                    email: &format!("extra{i}@example.org"),
                    password_hash: "x",
                    full_name: "Extra",
                    role: "applicant",
                    organisation_id: None,
                    email_verified: true,
                    language: "en",
                },
            )
            .expect("user");
            let app_id = ruralserve::store::applications::insert_draft(
                &mut conn,
                1,
                id,
                &format!("=HYPERLINK(\"http://evil\") {i}"),
            )
            .expect("draft");
            ruralserve::store::applications::mark_submitted(
                &mut conn,
                app_id,
                1,
                &ruralserve::store::applications::Submission {
                    reference: &format!("MOH-2099-{app_id:06}"),
                    eligible: true,
                    reasons: &[],
                    at: chrono::Utc::now().naive_utc(),
                },
            )
            .expect("submit");
        }
    }
    let first = officer.get(&svc, "/funder/applications").await;
    assert!(first.body.contains("Page 1 of 2"));
    assert_eq!(first.body.matches("<tr><td data-label=\"Reference\"><a href=\"/applications/").count(), 25);
    let second = officer.get(&svc, "/funder/applications?page=2").await;
    assert_eq!(second.body.matches("<tr><td data-label=\"Reference\"><a href=\"/applications/").count(), 10);
    // The "next" link pages by the last id seen and gives the same rows.
    let next = first.body.split("&amp;page=2&amp;before=").nth(1).and_then(|s| s.split('"').next()).expect("next link");
    let by_cursor = officer.get(&svc, &format!("/funder/applications?page=2&before={next}")).await;
    let ids = |body: &str| -> Vec<String> {
        body.split("<tr><td data-label=\"Reference\"><a href=\"/applications/")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(String::from)
            .collect()
    };
    assert_eq!(ids(&by_cursor.body), ids(&second.body));
    assert!(by_cursor.body.contains("Applications (35)"), "the total counts every page");
    // The CSV export has every field, and cells that would run as formulas are neutralised.
    let csv = officer.get(&svc, "/funder/applications.csv").await;
    assert_eq!(csv.status, 200);
    assert!(csv
        .headers
        .get("Content-Disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .contains("attachment"));
    let mut lines = csv.body.lines();
    let header = lines.next().expect("header");
    for column in [
        "reference",
        "eligibility_reasons",
        "national_id",
        "annual_tuition_minor",
        "essay_rural_service",
        "home_sub_county",
    ] {
        assert!(header.contains(column), "{column} in {header}");
    }
    assert_eq!(csv.body.lines().count(), 36, "header + 35 applications");
    assert!(csv.body.contains("'=HYPERLINK"));
    assert!(!csv.body.contains(",=HYPERLINK"));
}

/// Adds `n` submitted, eligible applications to the ministry's call (call 1).
fn submit_many(app: &TestApp, n: usize, county: &str) {
    let mut conn = app.conn();
    for i in 0..n {
        let id = ruralserve::store::users::insert(
            &mut conn,
            &ruralserve::store::users::NewUser {
                email: &format!("many-{county}-{i}@example.org"),
                password_hash: "x",
                full_name: "Many",
                role: "applicant",
                organisation_id: None,
                email_verified: true,
                language: "en",
            },
        )
        .expect("user");
        let app_id = ruralserve::store::applications::insert_draft(&mut conn, 1, id, &format!("Many {county} {i}"))
            .expect("draft");
        let answers = ruralserve::domain::application::ApplicationAnswers {
            full_name: format!("Many {county} {i}"),
            home_county: county.to_string(),
            ..Default::default()
        };
        ruralserve::store::applications::save_answers(&mut conn, app_id, 1, &answers, "{}").expect("answers");
        ruralserve::store::applications::mark_submitted(
            &mut conn,
            app_id,
            2,
            &ruralserve::store::applications::Submission {
                reference: &format!("MOH-2098-{app_id:06}"),
                eligible: true,
                reasons: &[],
                at: chrono::Utc::now().naive_utc(),
            },
        )
        .expect("submit");
    }
}

/// The application ids of a list page, in the order shown.
fn listed_ids(body: &str) -> Vec<i64> {
    body.split("<tr><td data-label=\"Reference\"><a href=\"/applications/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The `href` of the pager's link whose text starts with `label` ("Next", "← Previous").
fn pager_link(body: &str, label: &str) -> Option<String> {
    let pager = body.split("class=\"pager\"").nth(1)?;
    pager
        .split("<a href=\"")
        .skip(1)
        .find(|a| a.split('>').nth(1).is_some_and(|text| text.trim_start().starts_with(label)))
        .and_then(|a| a.split('"').next())
        .map(|href| href.replace("&amp;", "&"))
}

#[actix_web::test]
async fn numbered_pages_next_and_previous_links_agree_with_the_full_order() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    // 10 of the demo's applications are submitted and eligible; with 70 more, four pages of 25, the last
    // one of 5.
    submit_many(&app, 70, "Turkana");
    let mut officer = Browser::new();
    officer.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    let base = "/funder/applications?status=submitted&eligibility=eligible";

    // Pages asked for by number, one after the other, give every match once, newest (highest id) first.
    let mut by_number = vec![];
    for page in 1..=4 {
        let body = officer.get(&svc, &format!("{base}&page={page}")).await.body;
        assert!(body.contains(&format!("Page {page} of 4")), "page {page}: {body}");
        by_number.push(listed_ids(&body));
    }
    assert_eq!(by_number.iter().map(Vec::len).collect::<Vec<_>>(), vec![25, 25, 25, 5]);
    let all: Vec<i64> = by_number.concat();
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats: {all:?}");
    let total = officer.get(&svc, base).await.body;
    assert!(total.contains("Applications (80)"), "{total}");
    // Past the last page: no rows, no error.
    let past = officer.get(&svc, &format!("{base}&page=9")).await;
    assert_eq!(past.status, 200);
    assert!(listed_ids(&past.body).is_empty());

    // "Next" links walk the same pages.
    let mut url = "?status=submitted&eligibility=eligible".to_string();
    for (page, expected) in by_number.iter().enumerate() {
        let body = officer.get(&svc, &format!("/funder/applications{url}")).await.body;
        assert_eq!(&listed_ids(&body), expected, "page {} through the next links", page + 1);
        match pager_link(&body, "Next") {
            Some(next) => url = next,
            None => assert_eq!(page, 3, "only the last page has no next link"),
        }
    }

    // "Previous" links walk back the same pages: keyset cursors beyond page 2, a plain link to page 1.
    let mut body = officer.get(&svc, &format!("{base}&page=4")).await.body;
    for page in (1..=3).rev() {
        let previous = pager_link(&body, "← Previous").expect("a previous link");
        assert_eq!(previous.contains("after="), page > 1, "page {page}: {previous}");
        body = officer.get(&svc, &format!("/funder/applications{previous}")).await.body;
        assert!(body.contains(&format!("Page {page} of 4")), "{body}");
        assert_eq!(listed_ids(&body), by_number[page - 1], "page {page} through the previous links");
    }
    assert!(pager_link(&body, "← Previous").is_none(), "page 1 has no previous link");

    // A filter with a search pages the same way by number as by cursor.
    let search = "/funder/applications?county=Turkana&q=many";
    let first = officer.get(&svc, search).await.body;
    let second = officer.get(&svc, &format!("{search}&page=2")).await.body;
    let next = pager_link(&first, "Next").expect("next link");
    let by_cursor = officer.get(&svc, &format!("/funder/applications{next}")).await.body;
    assert_eq!(listed_ids(&second), listed_ids(&by_cursor));
    assert_eq!(listed_ids(&second).len(), 25);
}

#[actix_web::test]
async fn the_csv_export_is_refused_where_the_list_is_and_leaves_an_audit_entry() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    // The export's use case decides who may export as the list's does: roles that do not read applications
    // are refused, and their refusal leaves no export in the trail.
    for email in ["supervisor@moh.demo.ruralserve.org", "applicant@demo.ruralserve.org"] {
        let mut refused = Browser::new();
        refused.log_in(&svc, email, DEMO_PASSWORD).await;
        assert_eq!(refused.get(&svc, "/funder/applications.csv").await.status, 403, "{email}");
    }
    let exports =
        |app: &TestApp| ruralserve::store::audit::trail(&mut app.conn(), "applications", "csv").expect("trail").len();
    assert_eq!(exports(&app), 0);
    let mut officer = Browser::new();
    officer.log_in(&svc, "officer@moh.demo.ruralserve.org", DEMO_PASSWORD).await;
    assert_eq!(officer.get(&svc, "/funder/applications.csv").await.status, 200);
    let trail = ruralserve::store::audit::trail(&mut app.conn(), "applications", "csv").expect("trail");
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "export_applications");
}
