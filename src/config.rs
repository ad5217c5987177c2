//! Configuration from `RURALSERVE_*` environment variables (and a `.env` file in development), with
//! defaults that run on a laptop.

use std::path::PathBuf;

use crate::domain::contact::{self, ContactRules};
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub data_dir: PathBuf,
    pub listen: String,
    /// The address users type, used in e-mailed links and the Origin check.
    pub public_url: String,
    pub time_zone: chrono_tz::Tz,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// When set, the client address is read from `X-Forwarded-For` only on requests from this peer.
    pub trusted_proxy: Option<String>,
    pub pool_size: u32,
    /// How long an API bearer token lives before it must be issued again.
    pub api_token_days: i64,
    /// The shape of a national ID and a phone number in the installation's country (Kenya's by default).
    pub contact: ContactRules,
    /// The unit of the spacing between log-in attempts on an attacked account (see
    /// `accounts::login_spacing_for`): a second; tests shorten it so that they stay fast.
    pub login_delay_unit: std::time::Duration,
}

/// Thirty days: long enough for a script run each month, short enough that a leaked token dies.
pub const DEFAULT_API_TOKEN_DAYS: i64 = 30;

fn var(name: &str) -> Option<String> {
    std::env::var(format!("RURALSERVE_{name}")).ok().filter(|v| !v.trim().is_empty())
}

/// Twice the CPU cores, at least 4. More connections than that only add database processes competing
/// with the server for the same cores: on 2 cores at 32 concurrent requests, 4 connections gave the
/// PostgreSQL list page a p99 of 33-51 ms against 117-161 ms with 8, for 10 % less throughput. Requests
/// beyond the pool wait their turn in order (`Db::run`).
fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(4, 64)
}

/// The country's shapes of phone numbers and ID numbers; each part defaults to Kenya's.
fn contact_rules() -> Result<ContactRules, AppError> {
    let kenya = ContactRules::default();
    let phone = match (var("PHONE_COUNTRY_CODE"), var("PHONE_PREFIXES"), var("PHONE_DIGITS")) {
        (None, None, None) => kenya.phone,
        (code, prefixes, digits) => contact::parse_phone_rule(
            &code.unwrap_or(kenya.phone.country_code),
            &prefixes.unwrap_or_else(|| kenya.phone.prefixes.join(",")),
            &digits.unwrap_or_else(|| kenya.phone.national_digits.to_string()),
        )
        .map_err(|e| AppError::Config(format!("RURALSERVE_PHONE_*: {e}")))?,
    };
    let national_id_digits = match var("NATIONAL_ID_DIGITS") {
        Some(v) => contact::parse_digit_range(&v)
            .map_err(|e| AppError::Config(format!("RURALSERVE_NATIONAL_ID_DIGITS: {e}")))?,
        None => kenya.national_id_digits,
    };
    Ok(ContactRules { phone, national_id_digits })
}

impl Config {
    pub fn from_env() -> Result<Config, AppError> {
        let data_dir = PathBuf::from(var("DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url =
            var("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}", data_dir.join("ruralserve.db").display()));
        crate::db::backend_of(&database_url)?;
        let listen = var("LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
        let public_url = var("PUBLIC_URL").unwrap_or_else(|| format!("http://{listen}"));
        let tz_name = var("TIME_ZONE").unwrap_or_else(|| "Africa/Nairobi".into());
        let time_zone = tz_name
            .parse()
            .map_err(|_| AppError::Config(format!("RURALSERVE_TIME_ZONE: unknown time zone {tz_name:?}")))?;
        let pool_size = match var("POOL_SIZE") {
            Some(v) => v.parse().map_err(|_| AppError::Config(format!("RURALSERVE_POOL_SIZE: not a number: {v:?}")))?,
            None => default_pool_size(),
        };
        let api_token_days = match var("API_TOKEN_DAYS") {
            Some(v) => v.trim().parse().ok().filter(|d| (1..=365).contains(d)).ok_or_else(|| {
                AppError::Config(format!("RURALSERVE_API_TOKEN_DAYS: a number of days from 1 to 365, not {v:?}"))
            })?,
            None => DEFAULT_API_TOKEN_DAYS,
        };
        let contact = contact_rules()?;
        Ok(Config {
            database_url,
            data_dir,
            listen,
            public_url: public_url.trim_end_matches('/').to_string(),
            time_zone,
            smtp_url: var("SMTP_URL"),
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "RuralServe <no-reply@ruralserve.local>".into()),
            trusted_proxy: var("TRUSTED_PROXY"),
            pool_size,
            api_token_days,
            contact,
            login_delay_unit: std::time::Duration::from_secs(1),
        })
    }

    /// True when users reach the server over TLS: cookies are then `Secure` and `__Host-` prefixed.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
