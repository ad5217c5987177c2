//! Data worth trusting (issue 9): places and cadres picked from lists, ID and phone numbers checked for
//! shape, free text typed before the lists mapped or listed for an officer; and French readers get French
//! eligibility questions, reasons and number formats.

use crate::common::*;
use diesel::connection::SimpleConnection;
use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use ruralserve::schema::{applications, users};

const APPLICANT: &str = "applicant@demo.ruralserve.org";
const OFFICER: &str = "officer@moh.demo.ruralserve.org";
const NGO_OFFICER: &str = "officer@rhsf.demo.ruralserve.org";

fn stored(app: &TestApp, id: i64) -> ruralserve::store::applications::Application {
    ruralserve::store::applications::find(&mut app.conn(), id).expect("application")
}

#[actix_web::test]
async fn places_cadre_id_and_phone_are_checked_next_to_their_fields_and_nothing_wrong_is_saved() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut b = Browser::new();
    b.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    let started = b.post(&svc, "/calls/1/apply", &[]).await;
    let id: i64 =
        started.location.as_deref().and_then(|l| l.split('/').nth(2)).and_then(|s| s.parse().ok()).expect("id");

    // The home step offers the 47 counties and, grouped by county, their sub-counties: no JavaScript needed.
    let home = b.get(&svc, &format!("/applications/{id}/step/home")).await;
    assert!(home.body.contains("<select id=\"home_county\" name=\"home_county\""), "{}", home.body);
    assert_eq!(home.body.matches("<optgroup label=").count(), 47);
    assert!(home.body.contains("<optgroup label=\"Turkana\"><option>Kibish</option>"));
    let version = version_in(&home.body);

    // A sub-county of another county is refused next to its field, and nothing is saved.
    let path = format!("/applications/{id}/step/home");
    let wrong =
        b.post(&svc, &path, &[("version", &version), ("home_county", "Turkana"), ("home_sub_county", "Kibra")]).await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(
        wrong.body.contains("id=\"home_sub_county-error\">This sub-county is not in the chosen county"),
        "{}",
        wrong.body
    );
    assert_eq!((stored(&app, id).home_county, stored(&app, id).home_sub_county), (String::new(), String::new()));
    let unknown =
        b.post(&svc, &path, &[("version", &version), ("home_county", "Atlantis"), ("home_sub_county", "")]).await;
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("id=\"home_county-error\">Choose a county from the list."), "{}", unknown.body);
    // A stray space or capital is the same county, stored in the list's spelling.
    let ok =
        b.post(&svc, &path, &[("version", &version), ("home_county", " turkana "), ("home_sub_county", "LOIMA")]).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!((stored(&app, id).home_county, stored(&app, id).home_sub_county), ("Turkana".into(), "Loima".into()));

    // Personal details: the phone and the ID number must have their shape; the browser posts every field.
    let path = format!("/applications/{id}/step/personal");
    let page = b.get(&svc, &path).await;
    let version = version_in(&page.body);
    let personal = |id_number: &'static str, phone: &'static str| {
        [
            ("full_name", "Achieng Applicant"),
            ("date_of_birth", "2004-03-02"),
            ("national_id", id_number),
            ("phone", phone),
        ]
    };
    let mut form = personal("31234567", "0812 345 678").to_vec();
    form.push(("version", &version));
    let bad_phone = b.post(&svc, &path, &form).await;
    assert_eq!(bad_phone.status, 422, "{}", bad_phone.body);
    assert!(bad_phone.body.contains("id=\"phone-error\">Enter a mobile number"), "{}", bad_phone.body);
    assert!(bad_phone.body.contains("value=\"0812 345 678\""), "what was typed is shown again");
    assert_eq!((stored(&app, id).phone, stored(&app, id).national_id), (String::new(), String::new()));
    let mut form = personal("A1234567", "0712 345 678").to_vec();
    form.push(("version", &version));
    let bad_id = b.post(&svc, &path, &form).await;
    assert_eq!(bad_id.status, 422);
    assert!(bad_id.body.contains("id=\"national_id-error\">An ID number is made of digits only"), "{}", bad_id.body);
    assert_eq!(stored(&app, id).national_id, "");
    let mut form = personal("3123 4567", "0712 345 678").to_vec();
    form.push(("version", &version));
    let good = b.post(&svc, &path, &form).await;
    assert_eq!(good.status, 303, "{}", good.body);
    // One number, one spelling: the international form.
    assert_eq!((stored(&app, id).phone, stored(&app, id).national_id), ("+254712345678".into(), "31234567".into()));

    // The cadre is picked from the programme's list of cadres.
    let path = format!("/applications/{id}/step/education");
    let page = b.get(&svc, &path).await;
    assert!(page.body.contains("<option value=\"clinical_medicine\">Clinical medicine</option>"), "{}", page.body);
    let version = version_in(&page.body);
    let education = |cadre: &'static str| {
        vec![
            ("institution", "KMTC Lodwar"),
            ("cadre", cadre),
            ("year_of_study", "1"),
            ("expected_graduation", "2029-11-30"),
            ("annual_tuition", "90,000"),
            ("enrolled_full_time", "yes"),
        ]
    };
    let mut form = education("astronomy");
    form.push(("version", &version));
    let bad_cadre = b.post(&svc, &path, &form).await;
    assert_eq!(bad_cadre.status, 422);
    assert!(bad_cadre.body.contains("id=\"cadre-error\">Choose a cadre from the list."), "{}", bad_cadre.body);
    assert_eq!(stored(&app, id).institution, "", "nothing of the step is saved");
    let mut form = education("nursing");
    form.push(("version", &version));
    assert_eq!(b.post(&svc, &path, &form).await.status, 303);
    assert_eq!(stored(&app, id).cadre, "nursing");

    // A number saved before the checks is refused at submission, by name.
    diesel::update(applications::table.find(id))
        .set(applications::phone.eq("0712 345678"))
        .execute(&mut app.conn())
        .expect("an old draft's phone");
    let view = b.get(&svc, &format!("/applications/{id}")).await;
    assert!(view.body.contains("Enter a mobile number such as 0712 345 678"), "listed as a blocker: {}", view.body);
    assert!(!view.body.contains(&format!("/applications/{id}/submit")), "no Submit while the number blocks it");
    let version = version_in(&b.get(&svc, &format!("/applications/{id}/step/personal")).await.body);
    let refused = b.post(&svc, &format!("/applications/{id}/submit"), &[("version", &version)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("Enter a mobile number such as 0712 345 678"), "{}", refused.body);
}

#[actix_web::test]
async fn a_county_filter_in_another_case_or_spacing_finds_the_same_applications() {
    let app = TestApp::new().with_demo();
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let exact = officer.get(&svc, "/funder/applications?county=Turkana").await;
    let sloppy = officer.get(&svc, "/funder/applications?county=%20tURKANA%20&cadre=Nursing").await;
    assert_eq!(exact.status, 200);
    let count = |body: &str| body.matches("\"><a href=\"/applications/").count();
    assert!(count(&exact.body) > 0, "the demo has applicants from Turkana");
    assert_eq!(count(&sloppy.body), count(&exact.body));
    // The county choices are the list's 47, whatever was typed into applications.
    let choices =
        exact.body.split("<select name=\"county\"").nth(1).and_then(|s| s.split("</select>").next()).expect("county");
    assert_eq!(choices.matches("<option").count(), 48, "47 counties and 'all'");
    assert!(choices.contains("<option selected>Turkana</option>"));
}

/// Writes answers as they were stored before the lists: free text, as typed.
fn typed_before_the_lists(app: &TestApp, id: i64, county: &str, sub_county: &str, cadre: &str) {
    diesel::update(applications::table.find(id))
        .set((
            applications::home_county.eq(county),
            applications::home_sub_county.eq(sub_county),
            applications::cadre.eq(cadre),
        ))
        .execute(&mut app.conn())
        .expect("update");
}

#[actix_web::test]
async fn the_migration_maps_typed_places_and_cadres_and_an_officer_sees_those_it_could_not() {
    let app = TestApp::new().with_demo();
    let submitted: Vec<(i64, i64)> = applications::table
        .inner_join(ruralserve::schema::calls::table)
        .filter(applications::status.ne("draft"))
        .select((applications::id, ruralserve::schema::calls::programme_id))
        .order(applications::id)
        .load(&mut app.conn())
        .expect("applications");
    let moh: Vec<i64> = submitted.iter().filter(|(_, p)| *p == 1).map(|(id, _)| *id).collect();
    let ngo: Vec<i64> = submitted.iter().filter(|(_, p)| *p != 1).map(|(id, _)| *id).collect();
    typed_before_the_lists(&app, moh[0], "  turkana county", "loima ", "Clinical Medicine");
    typed_before_the_lists(&app, moh[1], "MURANG'A", "muranga  south", "nurse");
    typed_before_the_lists(&app, moh[2], "Lodwar town", "Kanamkemer", "astronomy");
    typed_before_the_lists(&app, moh[3], "Turkana", "Lodwar", "nursing");
    typed_before_the_lists(&app, ngo[0], "Gotham", "Narrows", "midwifery");
    // Before reasons had keys, the status history repeated them as an English sentence.
    ruralserve::store::applications::add_event(&mut app.conn(), moh[0], "ineligible", "Not enrolled full-time", None)
        .expect("event");

    let sql = match *app.conn() {
        ruralserve::db::DbConn::Pg(_) => {
            include_str!("../../migrations/postgres/2026-12-03-000013_canonical_places_cadres_and_reasons/up.sql")
        }
        ruralserve::db::DbConn::Sqlite(_) => {
            include_str!("../../migrations/sqlite/2026-12-03-000013_canonical_places_cadres_and_reasons/up.sql")
        }
    };
    app.conn().batch_execute(sql).expect("the migration runs over typed values");

    let place = |id: i64| {
        let a = stored(&app, id);
        (a.home_county, a.home_sub_county, a.cadre)
    };
    assert_eq!(place(moh[0]), ("Turkana".into(), "Loima".into(), "clinical_medicine".into()));
    assert_eq!(place(moh[1]), ("Muranga".into(), "Muranga South".into(), "nursing".into()));
    assert_eq!(place(moh[2]), ("Lodwar town".into(), "Kanamkemer".into(), "astronomy".into()));
    assert_eq!(place(moh[3]), ("Turkana".into(), "Lodwar".into(), "nursing".into()));
    let history = ruralserve::store::applications::events(&mut app.conn(), moh[0]).expect("history");
    assert!(history.iter().all(|e| !e.note.contains("Not enrolled")), "{history:?}");

    // What could not be mapped is listed for the organisation's officers, and only theirs.
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let list = officer.get(&svc, "/funder/applications").await;
    // Two places and one cadre ("astronomy") the migration could not map.
    assert!(list.body.contains("<a href=\"/funder/places\">Places to check (3)</a>"), "{}", list.body);
    let places = officer.get(&svc, "/funder/places").await;
    assert_eq!(places.status, 200);
    assert!(places.body.contains(">astronomy</td>"), "{}", places.body);
    assert!(places.body.contains("Lodwar town") && places.body.contains("Kanamkemer"), "{}", places.body);
    assert!(places.body.contains(">Lodwar</td>"), "a known county with a sub-county off its list");
    assert!(!places.body.contains("Gotham"), "another organisation's application");
    assert!(!places.body.contains("Muranga South"), "mapped places are not listed");
    let mut ngo_officer = Browser::new();
    ngo_officer.log_in(&svc, NGO_OFFICER, DEMO_PASSWORD).await;
    let theirs = ngo_officer.get(&svc, "/funder/places").await;
    assert!(theirs.body.contains("Gotham") && !theirs.body.contains("Lodwar town"), "{}", theirs.body);
    let mut applicant = Browser::new();
    applicant.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    assert_eq!(applicant.get(&svc, "/funder/places").await.status, 403);
}

#[actix_web::test]
async fn a_french_reader_sees_french_questions_reasons_and_numbers() {
    let app = TestApp::new().with_demo();
    diesel::update(users::table.filter(users::email.eq_any([OFFICER, APPLICANT])))
        .set(users::language.eq("fr"))
        .execute(&mut app.conn())
        .expect("French readers");
    let ineligible: Vec<(i64, String)> = applications::table
        .filter(applications::eligibility.eq("ineligible"))
        .filter(applications::call_id.eq(1))
        .select((applications::id, applications::eligibility_reasons))
        .load(&mut app.conn())
        .expect("ineligible applications");
    let (id, reasons) = ineligible.first().cloned().expect("the demo has an ineligible application");
    // Reasons are stored as keys with their values, not as English sentences.
    assert!(reasons.contains("\"key\":\"reason-"), "{reasons}");
    assert!(!reasons.contains("Not enrolled"), "{reasons}");
    diesel::update(applications::table.find(id))
        .set((applications::annual_tuition_minor.eq(Some(1_000_000_i64)), applications::eligibility_reasons.eq(
            r#"[{"key":"reason-not-full-time"},{"key":"reason-cadre-outside","args":{"cadre":"medicine","programme_cadre":"nursing"}},"Earlier default on a service obligation","Typed by hand"]"#,
        )))
        .execute(&mut app.conn())
        .expect("reasons");

    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let page = officer.get(&svc, &format!("/applications/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<li>Pas inscrit à temps plein</li>"), "{}", page.body);
    assert!(
        page.body.contains("<li>La filière Médecine n'est pas celle de ce programme (Soins infirmiers)</li>")
            || page
                .body
                .contains("<li>La filière Médecine n&#x27;est pas celle de ce programme (Soins infirmiers)</li>"),
        "{}",
        page.body
    );
    // A row written before reasons had keys is read back with its key, or shown as written.
    assert!(page.body.contains("<li>Manquement antérieur à une obligation de service</li>"), "{}", page.body);
    assert!(page.body.contains("<li>Typed by hand</li>"));
    // French numbers: a narrow no-break space groups thousands, a comma marks the decimals.
    assert!(page.body.contains("10\u{202f}000,00\u{a0}KES"), "{}", page.body);
    assert!(!page.body.contains("10,000.00"));

    // The applicant reads the call's standard eligibility questions in French.
    let mut applicant = Browser::new();
    applicant.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    let started = applicant.post(&svc, "/calls/1/apply", &[]).await;
    let draft = started.location.as_deref().and_then(|l| l.split('/').nth(2)).expect("draft").to_string();
    let questions = applicant.get(&svc, &format!("/applications/{draft}/step/eligibility")).await;
    assert!(questions.body.contains("Êtes-vous citoyen du pays qui finance ce programme ?"), "{}", questions.body);
    assert!(!questions.body.contains("Are you a citizen"));
    // A French amount is read with its decimal comma.
    let path = format!("/applications/{draft}/step/education");
    let page = applicant.get(&svc, &path).await;
    let version = version_in(&page.body);
    let saved = applicant
        .post(
            &svc,
            &path,
            &[
                ("version", &version),
                ("institution", "KMTC Lodwar"),
                ("cadre", "nursing"),
                ("year_of_study", "1"),
                ("expected_graduation", "2029-11-30"),
                ("annual_tuition", "90 000,50"),
                ("enrolled_full_time", "yes"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id: i64 = draft.parse().expect("id");
    assert_eq!(stored(&app, id).annual_tuition_minor, Some(9_000_050));
    let again = applicant.get(&svc, &path).await;
    assert!(again.body.contains("value=\"90\u{202f}000,50\""), "{}", again.body);
}

#[actix_web::test]
async fn a_french_officer_types_decimals_and_amounts_the_french_way_and_picks_the_cadre_from_the_list() {
    let app = TestApp::new().with_demo();
    diesel::update(users::table.filter(users::email.eq(OFFICER)))
        .set(users::language.eq("fr"))
        .execute(&mut app.conn())
        .expect("French officer");
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let form = officer.get(&svc, "/funder/programmes/new").await;
    assert!(form.body.contains("<option value=\"midwifery\">Maïeutique (sage-femme)</option>"), "{}", form.body);
    let fields = |cadre: &'static str| {
        vec![
            ("name", "Bourse des sages-femmes"),
            ("cadre", cadre),
            ("description", ""),
            ("currency", "KES"),
            ("terms_from", "2026-01-01"),
            ("service_years_per_support_year", "1,5"),
            ("min_service_years", "3"),
            ("max_support_years", "4"),
            ("full_time_hours_per_week", "40"),
            ("half_time_hours_per_week", "20"),
            ("half_time_credit", "0,5"),
            ("days_away_allowed_per_service_year", "35"),
            ("parental_leave_max_days", "84"),
            ("verification_interval_months", "6"),
            ("verification_late_days", "60"),
            ("start_window_days", "270"),
            ("in_school_breach_multiplier", "1"),
            ("damages_multiplier", "2"),
            ("damages_annual_interest_rate", "0,05"),
            ("damages_payment_deadline_days", "1825"),
            ("damages_minimum", "0"),
            ("stipend_monthly", "12 000,50"),
            ("lump_sum_yearly", "30 000"),
        ]
    };
    let refused = officer.post(&svc, "/funder/programmes/new", &fields("astrologie")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"cadre-error\">Choisissez une filière dans la liste."), "{}", refused.body);
    let created = officer.post(&svc, "/funder/programmes/new", &fields("midwifery")).await;
    assert_eq!(created.status, 303, "{}", created.body);
    let programme = ruralserve::schema::programmes::table
        .order(ruralserve::schema::programmes::id.desc())
        .select(ruralserve::schema::programmes::cadre)
        .first::<String>(&mut app.conn())
        .expect("programme");
    assert_eq!(programme, "midwifery");
    let home = officer.get(&svc, "/funder").await;
    assert!(home.body.contains("Maïeutique (sage-femme)"), "the cadre by its French name: {}", home.body);
    let id = home
        .body
        .split("/funder/programmes/")
        .filter_map(|s| s.split('/').next())
        .filter_map(|s| s.split('"').next())
        .filter_map(|s| s.parse::<i64>().ok())
        .max()
        .expect("programme link");
    let page = officer.get(&svc, &format!("/funder/programmes/{id}")).await;
    assert!(page.body.contains("12\u{202f}000,50\u{a0}KES"), "{}", page.body);
}

#[actix_web::test]
async fn a_french_reader_of_a_call_reads_the_cadre_and_the_questions_in_french() {
    let app = TestApp::new().with_demo();
    diesel::update(ruralserve::schema::programmes::table.find(1_i64))
        .set(ruralserve::schema::programmes::cadre.eq("clinical_medicine"))
        .execute(&mut app.conn())
        .expect("a two-word cadre");
    diesel::update(users::table.filter(users::email.eq(APPLICANT)))
        .set(users::language.eq("fr"))
        .execute(&mut app.conn())
        .expect("a French reader");
    let svc = service!(app);
    let mut applicant = Browser::new();
    applicant.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    let call = applicant.get(&svc, "/calls/1").await;
    assert_eq!(call.status, 200);
    assert!(call.body.contains("<li>Vous suivez une formation en Médecine clinique.</li>"), "{}", call.body);
    assert!(!call.body.contains("clinical_medicine"), "no internal key: {}", call.body);
    assert!(call.body.contains("Êtes-vous citoyen du pays qui finance ce programme ?"), "{}", call.body);
    assert!(!call.body.contains("Are you a citizen"), "{}", call.body);

    // What blocks submission names an unanswered question in the reader's language too.
    let started = applicant.post(&svc, "/calls/1/apply", &[]).await;
    let draft = started.location.as_deref().and_then(|l| l.split('/').nth(2)).expect("draft").to_string();
    let review = applicant.get(&svc, &format!("/applications/{draft}")).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("Êtes-vous citoyen du pays qui finance ce programme ?"), "{}", review.body);
    assert!(!review.body.contains("Are you a citizen"), "{}", review.body);
}

/// A programme cadre and application cadres typed before the list of cadres, left by the migration.
fn cadres_off_the_list(app: &TestApp) -> (i64, i64) {
    use ruralserve::schema::{calls, programmes};
    diesel::update(programmes::table.find(1_i64))
        .set(programmes::cadre.eq("Community health"))
        .execute(&mut app.conn())
        .expect("MOH programme");
    diesel::update(programmes::table.filter(programmes::id.ne(1_i64)))
        .set(programmes::cadre.eq("Traditional birth care"))
        .execute(&mut app.conn())
        .expect("the other organisation's programme");
    let submitted = |programme: bool| {
        applications::table
            .inner_join(calls::table)
            .filter(applications::status.eq("submitted"))
            .filter(if programme { calls::programme_id.eq(1_i64) } else { calls::programme_id.eq(2_i64) })
            .select(applications::id)
            .order(applications::id)
            .first::<i64>(&mut app.conn())
            .expect("a submitted application")
    };
    let (moh, ngo) = (submitted(true), submitted(false));
    diesel::update(applications::table.find(moh))
        .set(applications::cadre.eq("Astronomy"))
        .execute(&mut app.conn())
        .expect("moh");
    diesel::update(applications::table.find(ngo))
        .set(applications::cadre.eq("Alchemy"))
        .execute(&mut app.conn())
        .expect("ngo");
    (moh, ngo)
}

#[actix_web::test]
async fn cadres_off_the_list_are_listed_for_the_organisations_officers_only() {
    let app = TestApp::new().with_demo();
    let (moh, ngo) = cadres_off_the_list(&app);
    let svc = service!(app);
    // A draft whose cadre was typed before the list is listed too.
    let mut applicant = Browser::new();
    applicant.log_in(&svc, APPLICANT, DEMO_PASSWORD).await;
    let started = applicant.post(&svc, "/calls/1/apply", &[]).await;
    let draft: i64 =
        started.location.as_deref().and_then(|l| l.split('/').nth(2)).and_then(|s| s.parse().ok()).expect("draft");
    diesel::update(applications::table.find(draft))
        .set(applications::cadre.eq("Herbalism"))
        .execute(&mut app.conn())
        .expect("draft cadre");

    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let list = officer.get(&svc, "/funder/applications").await;
    assert!(list.body.contains("<a href=\"/funder/places\">Places to check (3)</a>"), "{}", list.body);
    let places = officer.get(&svc, "/funder/places").await;
    assert_eq!(places.status, 200);
    assert!(places.body.contains("<a href=\"/funder/programmes/1\">Rural Nursing Scholarship</a>"), "{}", places.body);
    assert!(places.body.contains(">Community health</td>"), "{}", places.body);
    assert!(places.body.contains(&format!("<a href=\"/applications/{moh}\">")), "{}", places.body);
    assert!(places.body.contains(">Astronomy</td>") && places.body.contains(">Herbalism</td>"), "{}", places.body);
    assert!(!places.body.contains("Alchemy") && !places.body.contains("Traditional birth care"), "{}", places.body);
    assert!(!places.body.contains(&format!("/applications/{ngo}\"")));

    let mut ngo_officer = Browser::new();
    ngo_officer.log_in(&svc, NGO_OFFICER, DEMO_PASSWORD).await;
    let theirs = ngo_officer.get(&svc, "/funder/places").await;
    assert!(
        theirs.body.contains(">Alchemy</td>") && theirs.body.contains(">Traditional birth care</td>"),
        "{}",
        theirs.body
    );
    assert!(!theirs.body.contains("Community health") && !theirs.body.contains("Astronomy"), "{}", theirs.body);
    assert!(!theirs.body.contains("Herbalism"));
}

#[actix_web::test]
async fn an_officer_picks_a_programme_cadre_from_the_list_in_place_of_one_typed_before_it() {
    use ruralserve::schema::{audit_events, programmes};
    let app = TestApp::new().with_demo();
    cadres_off_the_list(&app);
    let cadre =
        || programmes::table.find(1_i64).select(programmes::cadre).first::<String>(&mut app.conn()).expect("cadre");
    let svc = service!(app);
    let mut officer = Browser::new();
    officer.log_in(&svc, OFFICER, DEMO_PASSWORD).await;
    let page = officer.get(&svc, "/funder/programmes/1").await;
    assert!(page.body.contains("action=\"/funder/programmes/1/cadre\""), "{}", page.body);
    assert!(page.body.contains("<option value=\"clinical_medicine\">Clinical medicine</option>"), "{}", page.body);

    // Another organisation's officer is refused before the value is read, and sees nothing of the programme.
    let mut ngo_officer = Browser::new();
    ngo_officer.log_in(&svc, NGO_OFFICER, DEMO_PASSWORD).await;
    ngo_officer.get(&svc, "/funder").await;
    let theirs = ngo_officer.post(&svc, "/funder/programmes/1/cadre", &[("cadre", "astronomy")]).await;
    assert_eq!(theirs.status, 404, "{}", theirs.body);
    assert!(!theirs.body.contains("Rural Nursing Scholarship"));

    let bad = officer.post(&svc, "/funder/programmes/1/cadre", &[("cadre", "astronomy")]).await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("id=\"cadre-error\">Choose a cadre from the list.</span>"), "{}", bad.body);
    let empty = officer.post(&svc, "/funder/programmes/1/cadre", &[("cadre", "")]).await;
    assert_eq!(empty.status, 422, "{}", empty.body);
    assert!(empty.body.contains("id=\"cadre-error\">"), "{}", empty.body);
    assert_eq!(cadre(), "Community health");

    let good = officer.post(&svc, "/funder/programmes/1/cadre", &[("cadre", "public_health")]).await;
    assert_eq!(good.status, 303, "{}", good.body);
    assert_eq!(cadre(), "public_health");
    let audited: Vec<(Option<String>, Option<String>)> = audit_events::table
        .filter(audit_events::action.eq("set_programme_cadre"))
        .filter(audit_events::entity_id.eq("1"))
        .select((audit_events::before_value, audit_events::after_value))
        .load(&mut app.conn())
        .expect("audit");
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert!(audited[0].0.as_deref().unwrap_or_default().contains("Community health"), "{audited:?}");
    assert!(audited[0].1.as_deref().unwrap_or_default().contains("public_health"), "{audited:?}");
    // Once on the list the form is gone, and the programme is no longer to check.
    let page = officer.get(&svc, "/funder/programmes/1").await;
    assert!(!page.body.contains("/funder/programmes/1/cadre"), "{}", page.body);
    let places = officer.get(&svc, "/funder/places").await;
    assert!(!places.body.contains("Community health"), "{}", places.body);
}
