//! The commands: `serve`, `worker`, `migrate`, `demo`, `user add`, `backup`, `import-facilities`, `match`,
//! `match-generate`, `obligation`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::service::accounts::{self, NewStaff};
use crate::store::audit::Origin;
use crate::store::organisations;

#[derive(Parser)]
#[command(name = "ruralserve", version, about = "Scholarships that buy rural service")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web server and a job runner (migrates the database first).
    Serve {
        /// Load the demo data set first and print the demo log-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Run the job runner alone (offer lapses, report holds, e-mail delivery), for a separate process;
    /// `serve` runs one too, and several on one database share the work safely.
    Worker,
    /// Apply pending database migrations.
    Migrate,
    /// Load the demo data set (idempotent).
    Demo,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Back up the database and the uploaded documents into a new folder. SQLite is copied consistently
    /// while the server runs (VACUUM INTO); on PostgreSQL, use pg_dump for the database (see README).
    Backup {
        /// A folder that does not exist yet.
        #[arg(long)]
        output: PathBuf,
    },
    /// Import health facilities from a CSV file with the Kenya Master Health Facility List's columns.
    ImportFacilities {
        #[arg(long)]
        file: PathBuf,
    },
    /// Place applicants at facilities from a JSON request (see docs/matching.md). Bad input: a message
    /// naming the place in the input, exit code 2, and no output file.
    Match {
        #[arg(long)]
        input: PathBuf,
        /// Where to write the result; standard output when absent.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Write a seeded synthetic placement market, as `match` input, for benchmarks and what-ifs.
    MatchGenerate {
        #[arg(long)]
        applicants: usize,
        #[arg(long)]
        facilities: usize,
        #[arg(long, default_value_t = 20)]
        list_length: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Facilities rank their applicants too: each lists everyone who listed it, in a seeded
        /// random order (a two-sided market).
        #[arg(long)]
        facility_lists: bool,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Service obligation status, end dates, Φ and damages for one scholar, from a JSON file
    /// (see docs/obligation.md). Bad input: a message naming the item, exit code 2.
    Obligation {
        #[arg(long)]
        input: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a staff or administrator account.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// applicant, reviewer, programme_officer, placement_coordinator, compliance_coordinator,
        /// facility_supervisor or administrator
        #[arg(long)]
        role: String,
        /// The organisation's code (e.g. MOH); required for staff.
        #[arg(long)]
        organisation: Option<String>,
        /// The password; read from RURALSERVE_NEW_PASSWORD when absent, so it stays out of shell history.
        #[arg(long, env = "RURALSERVE_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

pub fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    init_tracing();
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::from(2)
        }
    }
}

fn describe(e: &AppError) -> String {
    match e {
        AppError::Validation(fields) => {
            // Field messages are translation keys; the shell speaks English.
            let i18n = crate::i18n::I18n::new().ok();
            let say = |key: &str| i18n.as_ref().map(|t| t.t("en", key)).unwrap_or_else(|| key.to_string());
            fields.iter().map(|(f, m)| format!("{f}: {}", say(m))).collect::<Vec<_>>().join("; ")
        }
        AppError::Config(m) | AppError::Internal(m) | AppError::BadRequest(m) => m.clone(),
        AppError::Conflict(_) => e.public_message(),
        other => other.to_string(),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RURALSERVE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn migrated_connection(config: &Config) -> Result<db::DbConn, AppError> {
    let mut conn = db::connect(&config.database_url)?;
    db::run_migrations(&mut conn)?;
    Ok(conn)
}

fn read_input(path: &std::path::Path) -> Result<String, AppError> {
    std::fs::read_to_string(path).map_err(|e| AppError::BadRequest(format!("cannot read {}: {e}", path.display())))
}

fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), AppError> {
    match path {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(path) => std::fs::write(path, text)
            .map_err(|e| AppError::BadRequest(format!("cannot write {}: {e}", path.display()))),
    }
}

fn run(command: Command) -> Result<ExitCode, AppError> {
    match command {
        Command::Serve { demo } => {
            let config = Config::from_env()?;
            let mut conn = migrated_connection(&config)?;
            if demo {
                let summary = crate::demo::load(&mut conn, &config.public_url)?;
                println!("{summary}");
            }
            drop(conn);
            actix_web::rt::System::new()
                .block_on(crate::web::serve(config))
                .map_err(|e| AppError::Config(format!("server: {e}")))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker => {
            let config = Config::from_env()?;
            drop(migrated_connection(&config)?);
            let mailer = crate::mail::Mailer::from_config(&config)?;
            if mailer.is_none() {
                tracing::info!("no RURALSERVE_SMTP_URL: e-mails stay in the outbox, readable at /admin/mailbox");
            }
            // One round at a time, on one connection.
            let db = db::Db::new(db::build_pool(&config.database_url, 1)?);
            tracing::info!("job runner started");
            actix_web::rt::System::new().block_on(crate::service::jobs::work(db, mailer));
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { output } => {
            let config = Config::from_env()?;
            let summary = crate::backup::run(&config, &output)?;
            println!("{summary}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let config = Config::from_env()?;
            let mut conn = db::connect(&config.database_url)?;
            let applied = db::run_migrations(&mut conn)?;
            println!("{applied} migration(s) applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let config = Config::from_env()?;
            let mut conn = migrated_connection(&config)?;
            println!("{}", crate::demo::load(&mut conn, &config.public_url)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::User { action: UserAction::Add { email, name, role, organisation, password } } => {
            let config = Config::from_env()?;
            let mut conn = migrated_connection(&config)?;
            let role =
                Role::parse(&role).ok_or_else(|| AppError::BadRequest(format!("--role: unknown role {role:?}")))?;
            let organisation_id = match organisation {
                Some(code) => Some(
                    organisations::find_by_code(&mut conn, &code)?
                        .ok_or_else(|| {
                            AppError::BadRequest(format!("--organisation: no organisation with code {code:?}"))
                        })?
                        .id,
                ),
                None => None,
            };
            let origin = Origin { actor_id: None, client_addr: "cli".into() };
            let id = accounts::create_staff(
                &mut conn,
                &origin,
                &NewStaff { email: &email, full_name: &name, password: &password, role, organisation_id },
            )?;
            println!("user {id} created: {} ({})", accounts::normalise_email(&email), role.as_str());
            Ok(ExitCode::SUCCESS)
        }
        Command::Match { input, output } => {
            let text = read_input(&input)?;
            let report = crate::domain::matching::run_match_command(&text)
                .map_err(|error| AppError::BadRequest(format!("{}: {error}", input.display())))?;
            write_output(output.as_deref(), &report)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::MatchGenerate { applicants, facilities, list_length, seed, facility_lists, output } => {
            let instance = crate::domain::matching::generate_instance_json(
                applicants,
                facilities,
                list_length,
                seed,
                facility_lists,
            );
            write_output(output.as_deref(), &instance)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Obligation { input } => {
            let text = read_input(&input)?;
            match crate::domain::obligation::run_obligation_command(&text) {
                Ok(output) => {
                    println!("{output}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => Err(AppError::BadRequest(format!("{}: {error}", input.display()))),
            }
        }
        Command::ImportFacilities { file } => {
            let config = Config::from_env()?;
            let data = std::fs::read(&file).map_err(|e| AppError::BadRequest(format!("{}: {e}", file.display())))?;
            let mut conn = migrated_connection(&config)?;
            let report = crate::service::facilities::import_csv(&mut conn, &data)?;
            for (line, reason) in &report.rejected {
                eprintln!("{}:{line}: {reason}", file.display());
            }
            println!(
                "{} rows read, {} facilities added, {} already present, {} rejected",
                report.read,
                report.inserted,
                report.already_present,
                report.rejected.len()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
