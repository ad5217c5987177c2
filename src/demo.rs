//! The demo data set: two funders, a programme and an open call each, one account per role, a few dozen
//! applications in various states, and the real Kenyan facility list. Loading it twice adds nothing.

use chrono::{Datelike, Duration, NaiveDate};

use crate::db::{write_transaction, DbConn};
use crate::domain::application::reference_number;
use crate::domain::eligibility::{assess, standard_questions, EligibilityFacts};
use crate::domain::programme::ProgrammeTerms;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::service::accounts::hash_password;
use crate::store::applications::{self as apps, Submission};
use crate::store::programmes::{self as programmes, NewCall, NewProgramme};
use crate::store::users::{self, NewUser};
use crate::store::{now, organisations};

mod placement;

pub use placement::DemoCycles;

pub const DEMO_PASSWORD: &str = "rural-service-demo";
const FACILITIES_CSV: &[u8] = include_bytes!("../assets/kenya-health-facilities-2020.csv");

const COUNTIES: [(&str, &str); 8] = [
    ("Turkana", "Loima"),
    ("Marsabit", "Laisamis"),
    ("Mandera", "Mandera West"),
    ("Wajir", "Tarbaj"),
    ("Garissa", "Fafi"),
    ("Kilifi", "Ganze"),
    ("Nairobi", "Kibra"),
    ("Kisumu", "Nyando"),
];
const FIRST: [&str; 12] = [
    "Achieng", "Wanjiru", "Mohamed", "Amina", "Kiprono", "Njeri", "Otieno", "Fatuma", "Barasa", "Chebet", "Hassan",
    "Mumbua",
];
const LAST: [&str; 6] = ["Otieno", "Kamau", "Abdi", "Mwangi", "Lokwang", "Wekesa"];

fn ensure_organisation(conn: &mut DbConn, code: &str, name: &str, kind: &str) -> Result<i64, AppError> {
    match organisations::find_by_code(conn, code)? {
        Some(o) => Ok(o.id),
        None => organisations::insert(conn, code, name, kind),
    }
}

fn ensure_user(
    conn: &mut DbConn,
    hash: &str,
    email: &str,
    name: &str,
    role: Role,
    organisation_id: Option<i64>,
) -> Result<i64, AppError> {
    if let Some(u) = users::find_by_email(conn, email)? {
        return Ok(u.id);
    }
    users::insert(
        conn,
        &NewUser {
            email,
            password_hash: hash,
            full_name: name,
            role: role.as_str(),
            organisation_id,
            email_verified: true,
            language: "en",
        },
    )
}

struct DemoProgramme<'a> {
    organisation_id: i64,
    name: &'a str,
    cadre: &'a str,
    description: &'a str,
    terms: ProgrammeTerms,
    call_title: &'a str,
    seats: i32,
    budget_minor: i64,
}

fn ensure_programme_and_call(conn: &mut DbConn, p: &DemoProgramme) -> Result<i64, AppError> {
    let programme_id = match programmes::find_programme_by_name(conn, p.organisation_id, p.name)? {
        Some(existing) => existing.id,
        None => {
            let id = programmes::insert_programme(
                conn,
                &NewProgramme {
                    organisation_id: p.organisation_id,
                    name: p.name,
                    cadre: p.cadre,
                    description: p.description,
                    currency: "KES",
                },
            )?;
            programmes::insert_terms(conn, id, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default(), &p.terms)?;
            id
        }
    };
    if let Some(call) = programmes::find_call_by_title(conn, programme_id, p.call_title)? {
        return Ok(call.id);
    }
    let today = now();
    programmes::insert_call(
        conn,
        &NewCall {
            programme_id,
            title: p.call_title,
            intake_year: today.year() + 1,
            opens_at: today - Duration::days(30),
            closes_at: today + Duration::days(60),
            seats: p.seats,
            budget_minor: p.budget_minor,
            currency: "KES",
            required_documents: "identity,admission_letter,transcript",
            eligibility_questions: &standard_questions(),
        },
    )
}

/// Loads the demo set and says what is there and how to log in.
pub fn load(conn: &mut DbConn, public_url: &str) -> Result<String, AppError> {
    let facilities = crate::service::facilities::import_csv(conn, FACILITIES_CSV)?;
    crate::service::facilities::seed_demo_need_scores(conn)?;
    let (accounts, calls) = load_funders(conn)?;
    let hash = hash_password(DEMO_PASSWORD)?;
    let cycles = write_transaction(conn, |conn| placement::load(conn, &hash))?;
    placement::publish_foundation_run(conn, cycles.foundation, public_url)?;
    placement::file_demo_appeal(conn, cycles.foundation, public_url)?;
    placement::start_foundation_service(conn, cycles.foundation)?;
    placement::queue_demo_second_round(conn, cycles.foundation)?;
    let mut summary = format!(
        "Demo data loaded: 2 funders, calls {:?}, {} facilities in the registry ({} added now, {} rows rejected), placement cycles {:?}.\nDemo log-ins (password: {DEMO_PASSWORD}):\n",
        calls,
        crate::store::facilities::count(conn)?,
        facilities.inserted,
        facilities.rejected.len(),
        cycles
    );
    for (email, role) in accounts {
        summary.push_str(&format!("  {:<24} {email}\n", role.as_str()));
    }
    Ok(summary)
}

/// The demo's log-ins, each with its role.
pub type DemoAccounts = [(&'static str, Role); 15];

/// The people, funders, programmes, calls and applications of the demo, without the facility registry.
pub fn load_funders(conn: &mut DbConn) -> Result<(DemoAccounts, [i64; 2]), AppError> {
    let hash = hash_password(DEMO_PASSWORD)?;
    write_transaction(conn, |conn| {
        let moh = ensure_organisation(conn, "MOH", "Ministry of Health (demo)", "ministry")?;
        let ngo = ensure_organisation(conn, "RHSF", "Rural Health Scholars Foundation (demo)", "ngo")?;
        let accounts = [
            ("admin@demo.ruralserve.org", "Ada Administrator", Role::Administrator, None),
            ("officer@moh.demo.ruralserve.org", "Peter Officer", Role::ProgrammeOfficer, Some(moh)),
            ("approver@moh.demo.ruralserve.org", "Grace Approver", Role::ProgrammeOfficer, Some(moh)),
            ("reviewer@moh.demo.ruralserve.org", "Rita Reviewer", Role::Reviewer, Some(moh)),
            ("reviewer2@moh.demo.ruralserve.org", "Rex Reviewer", Role::Reviewer, Some(moh)),
            ("placement@moh.demo.ruralserve.org", "Paul Placement", Role::PlacementCoordinator, Some(moh)),
            // A second coordinator each: publishing a placement takes two people.
            ("placement2@moh.demo.ruralserve.org", "Pamela Placement", Role::PlacementCoordinator, Some(moh)),
            ("compliance@moh.demo.ruralserve.org", "Carol Compliance", Role::ComplianceCoordinator, Some(moh)),
            ("supervisor@moh.demo.ruralserve.org", "Sam Supervisor", Role::FacilitySupervisor, Some(moh)),
            ("officer@rhsf.demo.ruralserve.org", "Nadia NGO Officer", Role::ProgrammeOfficer, Some(ngo)),
            ("approver@rhsf.demo.ruralserve.org", "Nuru NGO Approver", Role::ProgrammeOfficer, Some(ngo)),
            ("placement@rhsf.demo.ruralserve.org", "Ruth Placement", Role::PlacementCoordinator, Some(ngo)),
            ("placement2@rhsf.demo.ruralserve.org", "Rashid Placement", Role::PlacementCoordinator, Some(ngo)),
            ("compliance@rhsf.demo.ruralserve.org", "Zawadi Compliance", Role::ComplianceCoordinator, Some(ngo)),
            ("applicant@demo.ruralserve.org", "Achieng Applicant", Role::Applicant, None),
        ];
        for (email, name, role, org) in accounts {
            ensure_user(conn, &hash, email, name, role, org)?;
        }
        let moh_call = ensure_programme_and_call(
            conn,
            &DemoProgramme {
                organisation_id: moh,
                name: "Rural Nursing Scholarship",
                cadre: "nursing",
                description:
                    "Tuition, a monthly stipend and books for nursing students who will serve in underserved counties.",
                terms: ProgrammeTerms {
                    stipend_monthly_minor: 1_000_000,
                    lump_sum_yearly_minor: 2_500_000,
                    ..ProgrammeTerms::typical()
                },
                call_title: "Rural Nursing Scholarship intake",
                seats: 20,
                budget_minor: 3_000_000_000,
            },
        )?;
        let ngo_call = ensure_programme_and_call(
            conn,
            &DemoProgramme {
                organisation_id: ngo,
                name: "Midwives for the North",
                cadre: "midwifery",
                description: "Full support for midwifery students from the arid north, bonded to serve there.",
                terms: ProgrammeTerms { min_service_years: 3.0, damages_multiplier: 2.0, ..ProgrammeTerms::typical() },
                call_title: "Midwives for the North intake",
                seats: 10,
                budget_minor: 1_200_000_000,
            },
        )?;
        for (call_id, org_code, cadre) in [(moh_call, "MOH", "nursing"), (ngo_call, "RHSF", "midwifery")] {
            seed_applications(conn, &hash, call_id, org_code, cadre)?;
        }
        seed_reviews(conn, moh_call)?;
        Ok((accounts.map(|(email, _, role, _)| (email, role)), [moh_call, ngo_call]))
    })
}

/// The ministry's call gets a rubric, two priority tiers and two reviewers' scores on every eligible
/// application, so that its ranking and funding line have something to show. Left alone once it has a rubric.
fn seed_reviews(conn: &mut DbConn, call_id: i64) -> Result<(), AppError> {
    use crate::domain::ranking::PriorityRule;
    use crate::domain::review::{Criterion, Rubric, ScoreSheet};
    use crate::store::reviews::{self, CallRubric};
    if reviews::rubric_of(conn, call_id)?.is_some() {
        return Ok(());
    }
    let criterion =
        |key: &str, label: &str, weight| Criterion { key: key.into(), label: label.into(), max_points: 10, weight };
    let rubric = Rubric {
        criteria: vec![
            criterion("academic", "Academic record", 40),
            criterion("motivation", "Motivation for rural service", 40),
            criterion("need", "Financial need", 20),
        ],
        minimum_fundable: 50,
    };
    let priority_rules = vec![
        PriorityRule::ContinuingScholar,
        PriorityRule::UnderservedHomeArea { districts: vec!["Loima".into(), "Laisamis".into(), "Mandera West".into()] },
    ];
    reviews::save_rubric(conn, call_id, &CallRubric { rubric: rubric.clone(), priority_rules })?;
    let officer = users::find_by_email(conn, "officer@moh.demo.ruralserve.org")?.ok_or(AppError::NotFound)?;
    let panel = ["reviewer@moh.demo.ruralserve.org", "reviewer2@moh.demo.ruralserve.org"];
    for (n, application) in apps::submitted_of_call(conn, call_id)?.iter().enumerate() {
        if application.eligibility.as_deref() != Some("eligible") {
            continue;
        }
        for (r, email) in panel.iter().enumerate() {
            let reviewer = users::find_by_email(conn, email)?.ok_or(AppError::NotFound)?;
            reviews::assign(conn, application.id, reviewer.id, officer.id)?;
            let assignment = reviews::find_for(conn, application.id, reviewer.id)?.ok_or(AppError::NotFound)?;
            reviews::set_declaration(conn, assignment.id, None, "none", false)?;
            // Scores spread from 3 to 10 so that one application falls under the minimum.
            let points = |k: usize| u32::try_from(3 + (n * 3 + r + k) % 8).unwrap_or(5);
            let sheet: ScoreSheet = [
                ("academic".to_string(), points(0)),
                ("motivation".to_string(), points(1)),
                ("need".to_string(), points(2)),
            ]
            .into_iter()
            .collect();
            let total = rubric.total_hundredths(&sheet).map_err(AppError::Validation)?;
            reviews::save_scores(conn, assignment.id, &sheet, total, "")?;
        }
    }
    Ok(())
}

/// Eighteen applicants per call: drafts, eligible and ineligible submissions, and a withdrawal.
fn seed_applications(conn: &mut DbConn, hash: &str, call_id: i64, org_code: &str, cadre: &str) -> Result<(), AppError> {
    let call = programmes::find_call(conn, call_id)?;
    let questions = standard_questions();
    for i in 0..18usize {
        let email = format!("student{:02}.{}@demo.ruralserve.org", i + 1, org_code.to_lowercase());
        let name = format!("{} {}", FIRST[(i + org_code.len()) % FIRST.len()], LAST[i % LAST.len()]);
        let user_id = ensure_user(conn, hash, &email, &name, Role::Applicant, None)?;
        if apps::find_for_applicant(conn, call_id, user_id)?.is_some() {
            continue;
        }
        let id = apps::insert_draft(conn, call_id, user_id, &name)?;
        apps::add_event(conn, id, "draft", "", Some(user_id))?;
        let (county, sub_county) = COUNTIES[i % COUNTIES.len()];
        let other_obligation = i % 7 == 3;
        let answers = crate::domain::application::ApplicationAnswers {
            full_name: name.clone(),
            date_of_birth: NaiveDate::from_ymd_opt(2000 + (i as i32 % 6), 1 + (i as u32 % 12), 1 + (i as u32 % 27)),
            national_id: format!("3{:07}", 1_000_000 + i * 7919),
            phone: format!("+2547{:08}", 10_000_000 + i * 4111),
            institution: "Kenya Medical Training College".into(),
            cadre: cadre.into(),
            year_of_study: Some(1 + (i as i32 % 3)),
            expected_graduation: NaiveDate::from_ymd_opt(2028 + (i as i32 % 3), 11, 30),
            annual_tuition_minor: Some(8_500_000 + (i as i64 % 4) * 500_000),
            enrolled_full_time: Some(i % 11 != 5),
            home_county: county.into(),
            home_sub_county: sub_county.into(),
            essay_motivation: "I grew up three hours' walk from the nearest dispensary and want to change that.".into(),
            essay_rural_service: format!("I will serve in {county}, where I was born."),
            continuing_scholar: i % 5 == 4,
            disadvantaged_background: i % 3 == 1,
            priority_answered: true,
        };
        let question_answers: std::collections::BTreeMap<String, bool> = [
            ("other_obligation".to_string(), other_obligation),
            ("earlier_default".to_string(), false),
            ("citizen".to_string(), true),
        ]
        .into_iter()
        .collect();
        apps::save_answers(conn, id, 1, &answers, &serde_json::to_string(&question_answers).unwrap_or_default())?;
        if i % 6 == 0 {
            continue; // stays a draft
        }
        let pairs: Vec<(String, bool)> = question_answers.into_iter().collect();
        let outcome = assess(
            &EligibilityFacts {
                cadre,
                programme_cadre: cadre,
                enrolled_full_time: answers.enrolled_full_time,
                answers: &pairs,
            },
            &questions,
        );
        let reference = reference_number(org_code, call.intake_year, id);
        let at = now() - Duration::days(20 - i as i64);
        apps::mark_submitted(
            conn,
            id,
            2,
            &Submission { reference: &reference, eligible: outcome.eligible, reasons: &outcome.reasons, at },
        )?;
        apps::add_event(conn, id, "submitted", &reference, Some(user_id))?;
        if !outcome.eligible {
            apps::add_event(conn, id, "ineligible", "", None)?;
        }
        if i == 17 {
            apps::set_status(conn, id, 3, "withdrawn")?;
            apps::add_event(conn, id, "withdrawn", "", Some(user_id))?;
        }
    }
    Ok(())
}
