//! Loads many realistic submitted applications for load tests: the demo funders and their calls, then
//! N applicants (one user row each), N submitted applications and one status event each, written with
//! multi-row INSERTs in a few large transactions.
//!
//!     RURALSERVE_DATABASE_URL=sqlite:///tmp/rs.db \
//!         cargo run --release --example seed_applications -- --count 100000
//!
//! It refuses to run when the applications table already holds more than 1,000 rows, so that running it
//! twice does not double the data.

use std::collections::BTreeMap;
use std::time::Instant;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use clap::Parser;
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use ruralserve::db::{self, DbConn};
use ruralserve::domain::application::reference_number;
use ruralserve::domain::eligibility::{assess, standard_questions, EligibilityFacts};
use ruralserve::error::AppError;
use ruralserve::schema::{application_events, applications, users};

#[derive(Parser)]
#[command(about = "Seeds submitted applications for load tests")]
struct Args {
    /// How many applications (and applicants) to add.
    #[arg(long, default_value_t = 100_000)]
    count: usize,
    /// The database; defaults to RURALSERVE_DATABASE_URL.
    #[arg(long, env = "RURALSERVE_DATABASE_URL")]
    database_url: String,
    /// Share of applications that go to the first demo call (the ministry's).
    #[arg(long, default_value_t = 0.8)]
    moh_share: f64,
    /// Seed of the pseudo-random generator, so that two runs load the same data.
    #[arg(long, default_value_t = 2027)]
    seed: u64,
}

/// Rows per INSERT: 26 columns × 1,000 rows stays below SQLite's 32,766 bound parameters and
/// PostgreSQL's 65,535.
const CHUNK: usize = 1_000;
/// Rows per transaction.
const TRANSACTION: usize = 20_000;

/// The 47 counties of Kenya, each with one of its sub-counties.
const COUNTIES: [(&str, &str); 47] = [
    ("Mombasa", "Likoni"),
    ("Kwale", "Msambweni"),
    ("Kilifi", "Ganze"),
    ("Tana River", "Galole"),
    ("Lamu", "Lamu West"),
    ("Taita-Taveta", "Voi"),
    ("Garissa", "Fafi"),
    ("Wajir", "Tarbaj"),
    ("Mandera", "Mandera West"),
    ("Marsabit", "Laisamis"),
    ("Isiolo", "Garbatulla"),
    ("Meru", "Igembe South"),
    ("Tharaka-Nithi", "Tharaka North"),
    ("Embu", "Mbeere North"),
    ("Kitui", "Mwingi Central"),
    ("Machakos", "Yatta"),
    ("Makueni", "Kibwezi West"),
    ("Nyandarua", "Ol Kalou"),
    ("Nyeri", "Mathira"),
    ("Kirinyaga", "Mwea East"),
    ("Murang'a", "Kandara"),
    ("Kiambu", "Gatundu North"),
    ("Turkana", "Loima"),
    ("West Pokot", "Pokot South"),
    ("Samburu", "Samburu East"),
    ("Trans Nzoia", "Kwanza"),
    ("Uasin Gishu", "Soy"),
    ("Elgeyo-Marakwet", "Marakwet East"),
    ("Nandi", "Tinderet"),
    ("Baringo", "Tiaty"),
    ("Laikipia", "Laikipia North"),
    ("Nakuru", "Molo"),
    ("Narok", "Narok South"),
    ("Kajiado", "Kajiado West"),
    ("Kericho", "Belgut"),
    ("Bomet", "Chepalungu"),
    ("Kakamega", "Mumias East"),
    ("Vihiga", "Hamisi"),
    ("Bungoma", "Mt. Elgon"),
    ("Busia", "Budalangi"),
    ("Siaya", "Ugenya"),
    ("Kisumu", "Nyando"),
    ("Homa Bay", "Suba North"),
    ("Migori", "Kuria West"),
    ("Kisii", "Bonchari"),
    ("Nyamira", "Borabu"),
    ("Nairobi", "Kibra"),
];

const FIRST: [&str; 40] = [
    "Achieng",
    "Wanjiru",
    "Mohamed",
    "Amina",
    "Kiprono",
    "Njeri",
    "Otieno",
    "Fatuma",
    "Barasa",
    "Chebet",
    "Hassan",
    "Mumbua",
    "Akinyi",
    "Kamau",
    "Halima",
    "Ekai",
    "Nasimiyu",
    "Kipchumba",
    "Wairimu",
    "Abdi",
    "Naliaka",
    "Omondi",
    "Jepkosgei",
    "Mutua",
    "Zawadi",
    "Lokiru",
    "Nyambura",
    "Wafula",
    "Adhiambo",
    "Ibrahim",
    "Auma",
    "Korir",
    "Mwende",
    "Saida",
    "Ochieng",
    "Nafula",
    "Kibet",
    "Muthoni",
    "Ali",
    "Awino",
];
const LAST: [&str; 40] = [
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
    "Nyaga",
    "Simiyu",
    "Kariuki",
    "Ouma",
    "Rotich",
    "Achieng",
    "Kilonzo",
    "Lemayian",
    "Juma",
    "Kimani",
    "Nakuru",
    "Ngugi",
    "Omar",
    "Kirui",
    "Muriuki",
    "Ekal",
    "Wanyama",
    "Okoth",
    "Gitau",
    "Mohamud",
    "Langat",
    "Opiyo",
    "Koech",
    "Nanjala",
];
const INSTITUTIONS: [&str; 8] = [
    "Kenya Medical Training College",
    "University of Nairobi",
    "Moi University",
    "Kenyatta University",
    "Maseno University",
    "Masinde Muliro University",
    "Aga Khan University",
    "Egerton University",
];
const MOTIVATION: [&str; 4] = [
    "I grew up three hours' walk from the nearest dispensary and want to change that.",
    "My mother delivered me at home without a skilled attendant; I want every mother to have one.",
    "I have volunteered at our health centre since secondary school and want to return as a nurse.",
    "Our sub-county has one clinician for thousands of people; I want to be the second.",
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
    eligibility_reasons: String,
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
    eligibility_answers: String,
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

/// One demo call the applications go to.
struct Target {
    call_id: i64,
    org_code: &'static str,
    cadre: &'static str,
    intake_year: i32,
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

/// Multi-row INSERT does not cross the multi-backend connection: each backend is called directly.
macro_rules! insert_chunks {
    ($conn:expr, $table:expr, $rows:expr) => {{
        for chunk in $rows.chunks(CHUNK) {
            let insert = diesel::insert_into($table).values(chunk);
            match &mut *$conn {
                DbConn::Pg(pg) => insert.execute(pg)?,
                DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
            };
        }
    }};
}

struct Batch {
    users: Vec<NewUser>,
    applications: Vec<NewApplication>,
    events: Vec<NewEvent>,
}

fn build_batch(
    rng: &mut StdRng,
    hash: &str,
    targets: &[Target; 2],
    moh_share: f64,
    first_user: i64,
    first_application: i64,
    n: usize,
) -> Batch {
    let questions = standard_questions();
    let now = ruralserve::store::now();
    let mut batch =
        Batch { users: Vec::with_capacity(n), applications: Vec::with_capacity(n), events: Vec::with_capacity(n) };
    for i in 0..n {
        let user_id = first_user + i as i64;
        let id = first_application + i as i64;
        let target = &targets[usize::from(!rng.gen_bool(moh_share))];
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let last = LAST[rng.gen_range(0..LAST.len())];
        let full_name = format!("{first} {last}");
        let (county, sub_county) = COUNTIES[rng.gen_range(0..COUNTIES.len())];
        let created_at = now - Duration::minutes(rng.gen_range(60..60 * 24 * 45));
        let submitted_at = created_at + Duration::minutes(rng.gen_range(10..60 * 24 * 5));
        let submitted_at = submitted_at.min(now);

        // About 15% are ineligible, for one of the built-in rules' reasons.
        let mut cadre = target.cadre;
        let mut full_time = true;
        let mut answers: BTreeMap<String, bool> = [
            ("other_obligation".to_string(), false),
            ("earlier_default".to_string(), false),
            ("citizen".to_string(), true),
        ]
        .into_iter()
        .collect();
        if rng.gen_bool(0.15) {
            match rng.gen_range(0..5) {
                0 => cadre = if cadre == "nursing" { "clinical_medicine" } else { "nursing" },
                1 => full_time = false,
                2 => {
                    answers.insert("other_obligation".into(), true);
                }
                3 => {
                    answers.insert("earlier_default".into(), true);
                }
                _ => {
                    answers.insert("citizen".into(), false);
                }
            }
        }
        let pairs: Vec<(String, bool)> = answers.clone().into_iter().collect();
        let outcome = assess(
            &EligibilityFacts {
                cadre,
                programme_cadre: target.cadre,
                enrolled_full_time: Some(full_time),
                answers: &pairs,
            },
            &questions,
        );
        let reference = reference_number(target.org_code, target.intake_year, id);
        let year_of_study = rng.gen_range(1..=3);

        batch.users.push(NewUser {
            id: user_id,
            email: format!("applicant{user_id:07}@seed.ruralserve.org"),
            password_hash: hash.to_string(),
            full_name: full_name.clone(),
            role: "applicant",
            organisation_id: None,
            email_verified: true,
            disabled: false,
            language: if rng.gen_bool(0.2) { "sw" } else { "en" },
            created_at,
        });
        batch.applications.push(NewApplication {
            id,
            call_id: target.call_id,
            applicant_id: user_id,
            reference: Some(reference.clone()),
            status: "submitted",
            eligibility: Some(if outcome.eligible { "eligible" } else { "ineligible" }),
            eligibility_reasons: serde_json::to_string(&outcome.reasons).unwrap_or_default(),
            full_name,
            date_of_birth: NaiveDate::from_ymd_opt(
                rng.gen_range(1998..=2006),
                rng.gen_range(1..=12),
                rng.gen_range(1..=28),
            ),
            national_id: format!("{}", rng.gen_range(20_000_000..40_000_000)),
            phone: format!("+2547{:08}", rng.gen_range(0..100_000_000)),
            institution: INSTITUTIONS[rng.gen_range(0..INSTITUTIONS.len())],
            cadre,
            year_of_study: Some(year_of_study),
            expected_graduation: NaiveDate::from_ymd_opt(target.intake_year + 3 - year_of_study, 11, 30),
            annual_tuition_minor: Some(rng.gen_range(60..=140) * 100_000),
            enrolled_full_time: Some(full_time),
            home_county: county,
            home_sub_county: sub_county,
            essay_motivation: MOTIVATION[rng.gen_range(0..MOTIVATION.len())],
            essay_rural_service: format!("I will serve in {sub_county}, {county}, where I was born."),
            eligibility_answers: serde_json::to_string(&answers).unwrap_or_default(),
            submitted_at: Some(submitted_at),
            created_at,
            updated_at: submitted_at,
            version: 2,
        });
        batch.events.push(NewEvent {
            application_id: id,
            status: "submitted",
            note: reference,
            actor_id: Some(user_id),
            at: submitted_at,
        });
    }
    batch
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
    let existing: i64 = applications::table.count().get_result(&mut conn)?;
    if existing > 1_000 {
        return Err(AppError::Conflict(format!(
            "the applications table already has {existing} rows; seed a fresh database"
        )));
    }
    let (_, [moh_call, ngo_call]) = ruralserve::demo::load_funders(&mut conn)?;
    let intake = |conn: &mut DbConn, id| -> Result<i32, AppError> {
        Ok(ruralserve::store::programmes::find_call(conn, id)?.intake_year)
    };
    let targets = [
        Target { call_id: moh_call, org_code: "MOH", cadre: "nursing", intake_year: intake(&mut conn, moh_call)? },
        Target { call_id: ngo_call, org_code: "RHSF", cadre: "midwifery", intake_year: intake(&mut conn, ngo_call)? },
    ];
    let hash = ruralserve::service::accounts::hash_password(ruralserve::demo::DEMO_PASSWORD)?;
    let mut rng = StdRng::seed_from_u64(args.seed);
    let mut next_user = max_id(&mut conn, "users")? + 1;
    let mut next_application = max_id(&mut conn, "applications")? + 1;

    let mut done = 0;
    while done < args.count {
        let n = TRANSACTION.min(args.count - done);
        let batch = build_batch(&mut rng, &hash, &targets, args.moh_share, next_user, next_application, n);
        db::write_transaction(&mut conn, |conn| {
            insert_chunks!(conn, users::table, batch.users);
            insert_chunks!(conn, applications::table, batch.applications);
            insert_chunks!(conn, application_events::table, batch.events);
            Ok(())
        })?;
        next_user += n as i64;
        next_application += n as i64;
        done += n;
        eprintln!("{done} applications inserted ({:.1} s)", started.elapsed().as_secs_f64());
    }

    // Explicit ids do not advance PostgreSQL's sequences (SQLite's AUTOINCREMENT follows by itself).
    if let DbConn::Pg(pg) = &mut conn {
        for table in ["users", "applications", "application_events"] {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .execute(pg)?;
        }
        // Autovacuum would vacuum and analyse the new rows within minutes (setting the visibility map that
        // index-only scans need); do it now so the benchmark measures the steady state.
        diesel::sql_query("VACUUM ANALYZE").execute(pg)?;
    }
    // SQLite is deliberately not analysed: the server never runs ANALYZE, so its plans are the ones
    // a production file gets.
    let total: i64 = applications::table.count().get_result(&mut conn)?;
    println!(
        "seeded {} applications in {:.1} s; the table now holds {total} (calls {moh_call} and {ngo_call})",
        args.count,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed_applications: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
