//! Loads a national-scale placement cycle for load tests (issue 11, point 12): on top of the demo funders
//! and the facility registry (both loaded here when missing), N scholars of the ministry (a user, a
//! submitted application with its reference and an `active` award graduating inside the cycle), one
//! `placement_cycles` row for MOH covering them, their `cycle_scholars` rows, F facilities of the registry
//! made eligible with a need score and a vacancy, and L ranked choices per scholar.
//!
//!     RURALSERVE_DATABASE_URL=sqlite:///tmp/rs.db \
//!         cargo run --release --example seed_placement -- --count 100000
//!
//! The market is the one `ruralserve match-generate` writes for the same sizes and seed (Zipf popularity
//! over a seeded order of facilities, seats about 1.1 per scholar, scores 40–100; its tier 0 becomes tier 0
//! with a reason, its tiers 1 and 2 the ordinary tier 1): generated
//! facility `F{k}` is the k-th of the chosen registry facilities and applicant `A{i}` the i-th scholar.
//! Rows are written with multi-row INSERTs in a few large transactions. It refuses to run when the
//! database already holds more than 1,000 cycle scholars, so that running it twice does not double them.

use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use clap::Parser;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use ruralserve::db::{self, DbConn};
use ruralserve::domain::application::reference_number;
use ruralserve::domain::matching::generator::generate_instance;
use ruralserve::error::AppError;
use ruralserve::schema::{
    application_events, applications, awards, cycle_scholars, facilities, facility_need_scores, organisations,
    placement_cycle_programmes, placement_cycles, scholar_choices, users, vacancies,
};

#[derive(Parser)]
#[command(about = "Seeds a placement cycle with scholars, eligible facilities, vacancies and choices")]
struct Args {
    /// How many scholars to add.
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// How many registry facilities to make eligible, with a vacancy.
    #[arg(long, default_value_t = 10_000)]
    facilities: usize,
    /// Ranked choices per scholar.
    #[arg(long, default_value_t = 20)]
    choices: usize,
    /// The database; defaults to RURALSERVE_DATABASE_URL.
    #[arg(long, env = "RURALSERVE_DATABASE_URL")]
    database_url: String,
    /// Seed of the market and of the names, so that two runs load the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

const FACILITIES_CSV: &[u8] = include_bytes!("../assets/kenya-health-facilities-2020.csv");
/// Rows per INSERT: the widest table here (applications, 26 columns) × 1,000 stays below SQLite's 32,766
/// bound parameters and PostgreSQL's 65,535.
const CHUNK: usize = 1_000;
/// Choices have 3 columns: 10,000 rows per INSERT.
const CHOICE_CHUNK: usize = 10_000;
/// Scholars per transaction.
const TRANSACTION: usize = 20_000;
const TITLE: &str = "National placement (load test)";

const FIRST: [&str; 16] = [
    "Achieng", "Wanjiru", "Mohamed", "Amina", "Kiprono", "Njeri", "Otieno", "Fatuma", "Barasa", "Chebet", "Hassan",
    "Mumbua", "Akinyi", "Kamau", "Halima", "Ekai",
];
const LAST: [&str; 16] = [
    "Otieno",
    "Kamau",
    "Abdi",
    "Mwangi",
    "Lokwang",
    "Wekesa",
    "Odhiambo",
    "Kiprop",
    "Njoroge",
    "Hussein",
    "Ekiru",
    "Mutiso",
    "Onyango",
    "Chepkoech",
    "Wambua",
    "Adan",
];
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

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUser {
    id: i64,
    email: String,
    password_hash: String,
    full_name: String,
    role: &'static str,
    organisation_id: Option<i64>,
    email_verified: bool,
    disabled: bool,
    language: &'static str,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = applications)]
struct NewApplication {
    id: i64,
    call_id: i64,
    applicant_id: i64,
    reference: Option<String>,
    status: &'static str,
    eligibility: Option<&'static str>,
    eligibility_reasons: &'static str,
    full_name: String,
    date_of_birth: Option<NaiveDate>,
    national_id: String,
    phone: String,
    institution: &'static str,
    cadre: &'static str,
    year_of_study: Option<i32>,
    expected_graduation: Option<NaiveDate>,
    annual_tuition_minor: Option<i64>,
    enrolled_full_time: Option<bool>,
    home_county: &'static str,
    home_sub_county: &'static str,
    essay_motivation: &'static str,
    essay_rural_service: String,
    eligibility_answers: &'static str,
    submitted_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = application_events)]
struct NewEvent {
    application_id: i64,
    status: &'static str,
    note: String,
    actor_id: Option<i64>,
    at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = awards)]
struct NewAward {
    id: i64,
    application_id: i64,
    call_id: i64,
    status: &'static str,
    support_years: i32,
    annual_tuition_minor: i64,
    stipend_monthly_minor: i64,
    lump_sum_yearly_minor: i64,
    total_cost_minor: i64,
    currency: &'static str,
    terms_effective_from: NaiveDate,
    proposed_by: i64,
    proposed_at: NaiveDateTime,
    decided_by: Option<i64>,
    decided_at: Option<NaiveDateTime>,
    offer_deadline: Option<NaiveDateTime>,
    accepted_name: Option<String>,
    accepted_at: Option<NaiveDateTime>,
    accepted_from: Option<&'static str>,
    countersigned_by: Option<i64>,
    countersigned_at: Option<NaiveDateTime>,
    version: i32,
    support_starts_on: Option<NaiveDate>,
    school_terms_per_year: i32,
    years_confirmed: i32,
    expected_graduation: Option<NaiveDate>,
}

#[derive(Insertable)]
#[diesel(table_name = cycle_scholars)]
struct NewCycleScholar {
    id: i64,
    cycle_id: i64,
    award_id: i64,
    included: bool,
    priority_tier: i32,
    tier_reason: &'static str,
    score_hundredths: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = scholar_choices)]
struct NewChoice {
    cycle_scholar_id: i64,
    rank: i32,
    facility_id: i64,
}

#[derive(Insertable)]
#[diesel(table_name = vacancies)]
struct NewVacancy {
    cycle_id: i64,
    facility_id: i64,
    seats: i32,
    updated_by: i64,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = facility_need_scores)]
struct NewNeedScore {
    facility_id: i64,
    score: i32,
    source: &'static str,
    effective_from: NaiveDate,
    recorded_by: Option<i64>,
    recorded_at: NaiveDateTime,
}

fn max_id(conn: &mut DbConn, table: &str) -> Result<i64, AppError> {
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        m: i64,
    }
    let row: Max = diesel::sql_query(format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}")).get_result(conn)?;
    Ok(row.m)
}

fn user_id(conn: &mut DbConn, email: &str) -> Result<i64, AppError> {
    Ok(users::table.filter(users::email.eq(email)).select(users::id).first(conn)?)
}

/// Multi-row INSERT does not cross the multi-backend connection: each backend is called directly.
macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr, $chunk:expr) => {{
        for chunk in $rows.chunks($chunk) {
            let insert = diesel::insert_into($table).values(chunk);
            match &mut *$conn {
                DbConn::Pg(pg) => insert.execute(pg)?,
                DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
            };
        }
    }};
}

/// Who stands behind the rows: the demo's ministry staff.
struct Staff {
    officer: i64,
    approver: i64,
    placement: i64,
}

/// The generated id's number: `F12` → 12.
fn ordinal(id: &str) -> Result<usize, AppError> {
    id[1..].parse::<usize>().map_err(|_| AppError::Internal(format!("generated id {id} has no number")))
}

fn run(args: &Args) -> Result<(), AppError> {
    let started = Instant::now();
    let mut conn = db::connect(&args.database_url)?;
    if let DbConn::Sqlite(s) = &mut conn {
        use diesel::connection::SimpleConnection;
        s.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
        )?;
    }
    db::run_migrations(&mut conn)?;
    let existing: i64 = cycle_scholars::table.count().get_result(&mut conn)?;
    if existing > 1_000 {
        return Err(AppError::Conflict(format!(
            "the cycle_scholars table already has {existing} rows; seed a fresh database"
        )));
    }
    let (_, [moh_call, _]) = ruralserve::demo::load_funders(&mut conn)?;
    let registry: i64 = facilities::table.count().get_result(&mut conn)?;
    if registry < args.facilities as i64 {
        let report = ruralserve::service::facilities::import_csv(&mut conn, FACILITIES_CSV)?;
        eprintln!("facility registry imported: {} rows read ({:.1} s)", report.read, started.elapsed().as_secs_f64());
    }
    let staff = Staff {
        officer: user_id(&mut conn, "officer@moh.demo.ruralserve.org")?,
        approver: user_id(&mut conn, "approver@moh.demo.ruralserve.org")?,
        placement: user_id(&mut conn, "placement@moh.demo.ruralserve.org")?,
    };
    let moh: i64 =
        organisations::table.filter(organisations::code.eq("MOH")).select(organisations::id).first(&mut conn)?;
    let call = ruralserve::store::programmes::find_call(&mut conn, moh_call)?;

    // The facilities of the market: a seeded choice among the whole registry.
    let mut facility_ids: Vec<i64> = facilities::table.order(facilities::id).select(facilities::id).load(&mut conn)?;
    if facility_ids.len() < args.facilities {
        return Err(AppError::Conflict(format!(
            "the registry has {} facilities, fewer than the {} asked for",
            facility_ids.len(),
            args.facilities
        )));
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    facility_ids.shuffle(&mut rng);
    facility_ids.truncate(args.facilities);
    let market = generate_instance(args.count, args.facilities, args.choices, args.seed);
    eprintln!("market generated ({:.1} s)", started.elapsed().as_secs_f64());

    let now = ruralserve::store::now();
    let today = now.date();
    // Scholars graduating in the half year up to a month from now belong to the cycle.
    let graduation_from = today - Duration::days(180);
    let graduation_until = today + Duration::days(30);
    let cycle_id = max_id(&mut conn, "placement_cycles")? + 1;
    db::write_transaction(&mut conn, |conn| {
        // Eligible with a need score (and its history row), grouped by score: 27 UPDATEs, not 10,000.
        let mut by_score: Vec<Vec<i64>> = vec![Vec::new(); 27];
        let mut history = Vec::with_capacity(market.facilities.len());
        for (f, &id) in market.facilities.iter().zip(&facility_ids) {
            let score = f.need_score.unwrap_or(0.0).clamp(0.0, 26.0) as i32;
            by_score[score as usize].push(id);
            history.push(NewNeedScore {
                facility_id: id,
                score,
                source: "seed_placement",
                effective_from: today,
                recorded_by: Some(staff.placement),
                recorded_at: now,
            });
        }
        for (score, ids) in by_score.iter().enumerate() {
            for chunk in ids.chunks(CHUNK) {
                diesel::update(facilities::table.filter(facilities::id.eq_any(chunk)))
                    .set((
                        facilities::eligible.eq(true),
                        facilities::need_score.eq(score as i32),
                        facilities::need_score_source.eq("seed_placement"),
                        facilities::need_score_effective.eq(today),
                        facilities::version.eq(facilities::version + 1),
                    ))
                    .execute(conn)?;
            }
        }
        insert_chunks!(conn, facility_need_scores::table, history, CHUNK);

        diesel::insert_into(placement_cycles::table)
            .values((
                placement_cycles::id.eq(cycle_id),
                placement_cycles::organisation_id.eq(moh),
                placement_cycles::title.eq(TITLE),
                placement_cycles::cadre.eq("nursing"),
                placement_cycles::graduation_from.eq(graduation_from),
                placement_cycles::graduation_until.eq(graduation_until),
                placement_cycles::choices_open_at.eq(now - Duration::days(10)),
                placement_cycles::choices_close_at.eq(now + Duration::days(20)),
                placement_cycles::match_on.eq(today + Duration::days(21)),
                placement_cycles::publish_on.eq(today + Duration::days(28)),
                placement_cycles::acceptance_deadline.eq(now + Duration::days(42)),
                placement_cycles::appeal_until.eq(today + Duration::days(56)),
                placement_cycles::service_start_from.eq(today + Duration::days(60)),
                placement_cycles::service_start_until.eq(today + Duration::days(120)),
                placement_cycles::max_choices.eq(args.choices.clamp(1, 50) as i32),
                placement_cycles::status.eq("open"),
                placement_cycles::created_by.eq(staff.placement),
                placement_cycles::created_at.eq(now),
            ))
            .execute(conn)?;
        diesel::insert_into(placement_cycle_programmes::table)
            .values((
                placement_cycle_programmes::cycle_id.eq(cycle_id),
                placement_cycle_programmes::programme_id.eq(call.programme_id),
            ))
            .execute(conn)?;
        let vacancy_rows: Vec<NewVacancy> = market
            .facilities
            .iter()
            .zip(&facility_ids)
            .map(|(f, &id)| NewVacancy {
                cycle_id,
                facility_id: id,
                seats: f.capacity as i32,
                updated_by: staff.placement,
                updated_at: now,
            })
            .collect();
        insert_chunks!(conn, vacancies::table, vacancy_rows, CHUNK);
        Ok(())
    })?;
    eprintln!(
        "cycle {cycle_id}, {} eligible facilities ({:.1} s)",
        facility_ids.len(),
        started.elapsed().as_secs_f64()
    );

    let hash = ruralserve::service::accounts::hash_password(ruralserve::demo::DEMO_PASSWORD)?;
    let first_user = max_id(&mut conn, "users")? + 1;
    let first_application = max_id(&mut conn, "applications")? + 1;
    let first_award = max_id(&mut conn, "awards")? + 1;
    let first_scholar = max_id(&mut conn, "cycle_scholars")? + 1;
    let mut done = 0;
    for batch in market.applicants.chunks(TRANSACTION) {
        let n = batch.len();
        let mut new_users = Vec::with_capacity(n);
        let mut new_applications = Vec::with_capacity(n);
        let mut new_events = Vec::with_capacity(n);
        let mut new_awards = Vec::with_capacity(n);
        let mut new_scholars = Vec::with_capacity(n);
        let mut new_choices = Vec::with_capacity(n * args.choices);
        for (k, applicant) in batch.iter().enumerate() {
            let i = done + k;
            let (user, application, award, scholar) =
                (first_user + i as i64, first_application + i as i64, first_award + i as i64, first_scholar + i as i64);
            let full_name = format!("{} {}", FIRST[rng.gen_range(0..FIRST.len())], LAST[rng.gen_range(0..LAST.len())]);
            let (county, sub_county) = COUNTIES[rng.gen_range(0..COUNTIES.len())];
            let reference = reference_number("MOH", call.intake_year, application);
            let submitted_at = now - Duration::days(rng.gen_range(700..900));
            let proposed_at = submitted_at + Duration::days(40);
            let graduation =
                graduation_from + Duration::days(rng.gen_range(0..=(graduation_until - graduation_from).num_days()));
            let support_starts = graduation - Duration::days(3 * 365);
            new_users.push(NewUser {
                id: user,
                email: format!("scholar{user:07}@seed.ruralserve.org"),
                password_hash: hash.clone(),
                full_name: full_name.clone(),
                role: "applicant",
                organisation_id: None,
                email_verified: true,
                disabled: false,
                language: "en",
                created_at: submitted_at - Duration::days(2),
            });
            new_applications.push(NewApplication {
                id: application,
                call_id: moh_call,
                applicant_id: user,
                reference: Some(reference.clone()),
                status: "submitted",
                eligibility: Some("eligible"),
                eligibility_reasons: "[]",
                full_name: full_name.clone(),
                date_of_birth: NaiveDate::from_ymd_opt(rng.gen_range(1998..=2004), rng.gen_range(1..=12), 15),
                national_id: format!("{}", rng.gen_range(20_000_000..40_000_000)),
                phone: format!("+2547{:08}", rng.gen_range(0..100_000_000)),
                institution: "Kenya Medical Training College",
                cadre: "nursing",
                year_of_study: Some(1),
                expected_graduation: Some(graduation),
                annual_tuition_minor: Some(10_000_000),
                enrolled_full_time: Some(true),
                home_county: county,
                home_sub_county: sub_county,
                essay_motivation: "I want to serve where I grew up.",
                essay_rural_service: format!("I will serve in {sub_county}, {county}."),
                eligibility_answers: r#"{"citizen":true,"earlier_default":false,"other_obligation":false}"#,
                submitted_at: Some(submitted_at),
                created_at: submitted_at - Duration::days(1),
                updated_at: submitted_at,
                version: 2,
            });
            new_events.push(NewEvent {
                application_id: application,
                status: "submitted",
                note: reference,
                actor_id: Some(user),
                at: submitted_at,
            });
            new_awards.push(NewAward {
                id: award,
                application_id: application,
                call_id: moh_call,
                status: "active",
                support_years: 3,
                annual_tuition_minor: 10_000_000,
                stipend_monthly_minor: 1_500_000,
                lump_sum_yearly_minor: 2_000_000,
                total_cost_minor: 3 * (10_000_000 + 12 * 1_500_000 + 2_000_000),
                currency: "KES",
                terms_effective_from: support_starts,
                proposed_by: staff.officer,
                proposed_at,
                decided_by: Some(staff.approver),
                decided_at: Some(proposed_at + Duration::days(2)),
                offer_deadline: Some(proposed_at + Duration::days(16)),
                accepted_name: Some(full_name),
                accepted_at: Some(proposed_at + Duration::days(5)),
                accepted_from: Some("127.0.0.1"),
                countersigned_by: Some(staff.officer),
                countersigned_at: Some(proposed_at + Duration::days(6)),
                version: 4,
                support_starts_on: Some(support_starts),
                school_terms_per_year: 2,
                years_confirmed: 3,
                expected_graduation: Some(graduation),
            });
            // The generator's tier 0 (a tenth) stands for the special circumstances a coordinator granted;
            // everyone else is tier 1, as in the cycle's own rules.
            let special = applicant.priority_tier == Some(0);
            new_scholars.push(NewCycleScholar {
                id: scholar,
                cycle_id,
                award_id: award,
                included: true,
                priority_tier: if special { 0 } else { 1 },
                tier_reason: if special { "Seeded: special circumstances (load test)" } else { "" },
                score_hundredths: applicant.score.map(|s| (s * 100.0).round() as i32),
            });
            for (rank, id) in applicant.preferences.iter().enumerate() {
                let k = ordinal(id)?;
                new_choices.push(NewChoice {
                    cycle_scholar_id: scholar,
                    rank: rank as i32 + 1,
                    facility_id: facility_ids[k - 1],
                });
            }
        }
        db::write_transaction(&mut conn, |conn| {
            insert_chunks!(conn, users::table, new_users, CHUNK);
            insert_chunks!(conn, applications::table, new_applications, CHUNK);
            insert_chunks!(conn, application_events::table, new_events, CHUNK);
            insert_chunks!(conn, awards::table, new_awards, CHUNK);
            insert_chunks!(conn, cycle_scholars::table, new_scholars, CHUNK);
            insert_chunks!(conn, scholar_choices::table, new_choices, CHOICE_CHUNK);
            Ok(())
        })?;
        done += n;
        eprintln!("{done} scholars inserted ({:.1} s)", started.elapsed().as_secs_f64());
    }

    // Explicit ids do not advance PostgreSQL's sequences (SQLite's AUTOINCREMENT follows by itself).
    if let DbConn::Pg(pg) = &mut conn {
        for table in ["users", "applications", "application_events", "awards", "placement_cycles", "cycle_scholars"] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(pg)?;
        }
        // What autovacuum would do within minutes; the benchmark measures the steady state.
        diesel::sql_query("VACUUM ANALYZE").execute(pg)?;
    }
    println!(
        "seeded cycle {cycle_id} ({TITLE}): {} scholars, {} facilities, {} choices each, in {:.1} s",
        args.count,
        args.facilities,
        args.choices,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_placement: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
