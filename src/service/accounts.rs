//! Accounts: registration with e-mail verification, log-in with throttling, password reset, staff
//! accounts, API tokens. Answers never reveal whether an account exists.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::password::check_password;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::store::audit::{AuditEntry, Origin};
use crate::store::users::{self, NewUser};

pub use crate::store::users::User;
use crate::store::{now, outbox, sessions};

/// Failed log-ins tolerated in the window, per account from one address, before that address is refused
/// for that account. Counting the pair (not the account alone) means a guesser cannot lock the owner out.
pub const MAX_FAILURES_PER_PAIR: i64 = 5;
/// Failed log-ins from one address on any accounts after which attempts from it are spaced out, never
/// refused: behind a carrier-grade NAT one address is many people, and a guesser there must not lock them out.
pub const ADDRESS_FAILURES_BEFORE_DELAY: i64 = 20;
/// Failed log-ins on one account from anywhere after which attempts on it are spaced out.
pub const ACCOUNT_FAILURES_BEFORE_DELAY: i64 = 10;
/// The longest spacing between attempts, and the longest any attempt is made to wait, in delay units
/// (a second in production, `Config::login_delay_unit`).
pub const MAX_LOGIN_DELAY_UNITS: u32 = 8;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
pub const VERIFY_TOKEN_HOURS: i64 = 48;
pub const RESET_TOKEN_MINUTES: i64 = 60;
pub const REGISTRATIONS_PER_ADDRESS_PER_HOUR: i64 = 10;
pub const RESETS_PER_ADDRESS_PER_HOUR: i64 = 10;
pub const RESETS_PER_ACCOUNT_PER_HOUR: i64 = 3;
pub const VERIFY_RESENDS_PER_ADDRESS_PER_HOUR: i64 = 10;
pub const VERIFY_RESENDS_PER_ACCOUNT_PER_HOUR: i64 = 3;

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    // argon2id with the crate's defaults: m = 19,456 KiB, t = 2, p = 1 (ASVS 11.4.2).
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A random secret of 256 bits, URL-safe; only its hash is stored.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && email.len() <= 254
}

pub struct Registration<'a> {
    pub email: &'a str,
    pub full_name: &'a str,
    pub password: &'a str,
    pub language: &'a str,
}

/// Registers an applicant and e-mails a verification link. If the address is taken, the owner is told by
/// e-mail instead, and the page answers the same either way.
pub fn register(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    r: &Registration,
    client_addr: &str,
) -> Result<(), AppError> {
    if !users::within_rate_limit(conn, "register", client_addr, REGISTRATIONS_PER_ADDRESS_PER_HOUR, Duration::hours(1))?
    {
        tracing::warn!(%client_addr, "registration rate limit");
        return Err(AppError::TooManyRequests);
    }
    let email = normalise_email(r.email);
    let mut errors = crate::error::FieldErrors::new();
    if !is_plausible_email(&email) {
        errors.insert("email".into(), "error-email".into());
    }
    if r.full_name.trim().is_empty() {
        errors.insert("full_name".into(), "error-required".into());
    }
    if let Err(key) = check_password(r.password, &email) {
        errors.insert("password".into(), key.into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = hash_password(r.password)?;
    write_transaction(conn, |conn| {
        if let Some(existing) = users::find_by_email(conn, &email)? {
            let lang = existing.language.as_str();
            outbox::enqueue(
                conn,
                &email,
                &i18n.t(lang, "mail-account-exists-subject"),
                &i18n.t_args(lang, "mail-account-exists-body", &[("url", format!("{public_url}/password/forgot"))]),
            )?;
            return Ok(());
        }
        let user_id = users::insert(
            conn,
            &NewUser {
                email: &email,
                password_hash: &hash,
                full_name: r.full_name.trim(),
                role: Role::Applicant.as_str(),
                organisation_id: None,
                email_verified: false,
                language: r.language,
            },
        )?;
        send_link(conn, i18n, public_url, user_id, &email, r.language, EmailedLink::VerifyEmail)?;
        let origin = Origin { actor_id: Some(user_id), client_addr: client_addr.to_string() };
        AuditEntry::new("register", "user", user_id)
            .after(&serde_json::json!({"email": email, "role": "applicant"}))
            .record(conn, &origin)?;
        Ok(())
    })
}

/// Whether a verification link still works, without using it: the link's page asks for a press of a button
/// (a GET changes nothing, and mail scanners that open links must not confirm an address on their own).
pub fn verification_link_works(conn: &mut DbConn, token: &str) -> Result<bool, AppError> {
    users::token_usable(conn, "verify_email", &hash_secret(token))
}

pub fn verify_email(conn: &mut DbConn, token: &str, client_addr: &str) -> Result<bool, AppError> {
    write_transaction(conn, |conn| {
        let Some(user_id) = users::consume_token(conn, "verify_email", &hash_secret(token))? else {
            return Ok(false);
        };
        users::set_verified(conn, user_id)?;
        let origin = Origin { actor_id: Some(user_id), client_addr: client_addr.to_string() };
        AuditEntry::new("verify_email", "user", user_id)
            .before(&serde_json::json!({"email_verified": false}))
            .after(&serde_json::json!({"email_verified": true}))
            .record(conn, &origin)?;
        Ok(true)
    })
}

/// Hourly limits on a request that e-mails an account (a reset, a new verification link).
struct HourlyLimits {
    kind: &'static str,
    per_address: i64,
    per_account: i64,
}

impl HourlyLimits {
    /// Over the client address's limit the request is refused; over the account's, `Ok(false)`: the caller
    /// drops it silently, since answering differently would reveal that the account exists.
    fn allow(&self, conn: &mut DbConn, client_addr: &str, email: &str) -> Result<bool, AppError> {
        if !users::within_rate_limit(conn, self.kind, client_addr, self.per_address, Duration::hours(1))? {
            tracing::warn!(%client_addr, kind = self.kind, "hourly rate limit");
            return Err(AppError::TooManyRequests);
        }
        users::within_rate_limit(conn, &format!("{}_account", self.kind), email, self.per_account, Duration::hours(1))
    }
}

/// A single-use link sent by e-mail: to verify the address, or to choose a new password.
#[derive(Clone, Copy)]
enum EmailedLink {
    VerifyEmail,
    ResetPassword,
}

/// Stores a new single-use token for the link (only its hash) and queues the e-mail that carries it, in the
/// recipient's language.
fn send_link(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    user_id: i64,
    email: &str,
    lang: &str,
    link: EmailedLink,
) -> Result<(), AppError> {
    let (purpose, lifetime, path, subject, body) = match link {
        EmailedLink::VerifyEmail => {
            ("verify_email", Duration::hours(VERIFY_TOKEN_HOURS), "/verify", "mail-verify-subject", "mail-verify-body")
        }
        EmailedLink::ResetPassword => (
            "reset_password",
            Duration::minutes(RESET_TOKEN_MINUTES),
            "/password/reset",
            "mail-reset-subject",
            "mail-reset-body",
        ),
    };
    let token = new_secret();
    users::insert_token(conn, user_id, purpose, &hash_secret(&token), now() + lifetime)?;
    outbox::enqueue(
        conn,
        email,
        &i18n.t(lang, subject),
        &i18n.t_args(lang, body, &[("url", format!("{public_url}{path}?token={token}"))]),
    )?;
    Ok(())
}

/// E-mails a fresh verification link if the address belongs to an account still waiting for one; answers
/// the same whether or not it does, so that nobody learns which addresses have accounts. Limited per client
/// address (a refusal) and per account (extra requests are dropped silently), like password resets.
pub fn resend_verification(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    email: &str,
    client_addr: &str,
) -> Result<(), AppError> {
    let email = normalise_email(email);
    let hourly = HourlyLimits {
        kind: "verify_resend",
        per_address: VERIFY_RESENDS_PER_ADDRESS_PER_HOUR,
        per_account: VERIFY_RESENDS_PER_ACCOUNT_PER_HOUR,
    };
    if !hourly.allow(conn, client_addr, &email)? {
        return Ok(());
    }
    write_transaction(conn, |conn| {
        let Some(user) = users::find_by_email(conn, &email)? else {
            return Ok(());
        };
        if user.email_verified || user.disabled {
            return Ok(());
        }
        send_link(conn, i18n, public_url, user.id, &email, &user.language, EmailedLink::VerifyEmail)?;
        let origin = Origin { actor_id: Some(user.id), client_addr: client_addr.to_string() };
        AuditEntry::new("resend_verification", "user", user.id).record(conn, &origin)?;
        Ok(())
    })
}

/// Why a log-in failed, as far as the user may know.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginRefusal {
    /// Wrong e-mail or password (never says which), or a disabled account.
    BadCredentials,
    /// The address is not verified yet: the user needs the e-mailed link.
    Unverified,
    Throttled,
}

/// The spacing between attempts on a subject with `failures` recent failures, `threshold` of them
/// tolerated: nothing up to the threshold, then 1, 2, 4… units up to `MAX_LOGIN_DELAY_UNITS`.
pub fn login_spacing_for(failures: i64, threshold: i64, unit: std::time::Duration) -> std::time::Duration {
    let over = failures - threshold;
    if over < 0 {
        return std::time::Duration::ZERO;
    }
    let units = 1u32.checked_shl(u32::try_from(over).unwrap_or(u32::MAX)).unwrap_or(u32::MAX);
    unit.saturating_mul(units.min(MAX_LOGIN_DELAY_UNITS))
}

/// What an attempt does before its password is checked.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginTurn {
    /// Wait this long (no database connection held), then check.
    WaitFor(std::time::Duration),
    /// Refused without checking, and without moving any slot (a refusal never makes a lock last longer).
    Refused,
}

/// Gives a log-in attempt its turn. An attacked account (`account:<e-mail>`) and a failing address
/// (`address:<ip>`) each keep a "next attempt not before" time; an attempt takes the next free time and
/// moves it on by the spacing, in one write transaction, so parallel guesses are spaced out rather than all
/// waiting at once. Subjects below their thresholds keep no slot: a normal log-in does not wait.
///
/// No attempt waits longer than `MAX_LOGIN_DELAY_UNITS`. When the next free time is further out, an
/// address that has failed on this account is refused (the "try later" message); an address that has not
/// (the owner somewhere else, or a neighbour behind the same NAT) waits the longest wait and is checked
/// without taking a slot, so no guesser can lock the owner out. A guesser with fresh addresses thus gets at
/// most one unspaced guess per address per window, after which that address queues like the others.
pub fn login_turn(
    conn: &mut DbConn,
    email: &str,
    client_addr: &str,
    unit: std::time::Duration,
) -> Result<LoginTurn, AppError> {
    let email = normalise_email(email);
    let since = now() - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let failures = users::recent_failures(conn, &email, client_addr, since)?;
    if failures.by_pair >= MAX_FAILURES_PER_PAIR {
        record_throttled(conn, &email, client_addr)?;
        return Ok(LoginTurn::Refused);
    }
    let by_account = users::account_failures_since(conn, &email, since)?;
    let spacings: Vec<(String, std::time::Duration)> = [
        (format!("account:{email}"), login_spacing_for(by_account, ACCOUNT_FAILURES_BEFORE_DELAY, unit)),
        (format!("address:{client_addr}"), login_spacing_for(failures.by_address, ADDRESS_FAILURES_BEFORE_DELAY, unit)),
    ]
    .into_iter()
    .filter(|(_, spacing)| !spacing.is_zero())
    .collect();
    if spacings.is_empty() {
        return Ok(LoginTurn::WaitFor(std::time::Duration::ZERO));
    }
    for (subject, _) in &spacings {
        users::ensure_login_slot(conn, subject)?;
    }
    let longest = unit.saturating_mul(MAX_LOGIN_DELAY_UNITS);
    let clean = failures.by_pair == 0;
    let turn = write_transaction(conn, |conn| {
        let now = now();
        let mut moves = Vec::new();
        let mut wait = std::time::Duration::ZERO;
        for (subject, spacing) in &spacings {
            let slot = users::locked_login_slot(conn, subject)?.max(now);
            let until = (slot - now).to_std().unwrap_or_default();
            if until <= longest {
                wait = wait.max(until);
                let spacing = Duration::from_std(*spacing).map_err(|e| AppError::Internal(e.to_string()))?;
                moves.push((subject, slot + spacing));
            } else if clean {
                wait = longest;
            } else {
                return Ok(LoginTurn::Refused);
            }
        }
        for (subject, not_before) in moves {
            users::set_login_slot(conn, subject, not_before)?;
        }
        Ok(LoginTurn::WaitFor(wait))
    })?;
    if turn == LoginTurn::Refused {
        record_throttled(conn, &email, client_addr)?;
    }
    Ok(turn)
}

fn record_throttled(conn: &mut DbConn, email: &str, client_addr: &str) -> Result<(), AppError> {
    tracing::warn!(%email, %client_addr, "log-in throttled");
    AuditEntry::new("login_throttled", "user", email)
        .record(conn, &Origin { actor_id: None, client_addr: client_addr.into() })
}

/// Checks a log-in, after `login_turn`. Failed attempts are counted per account and address pair; past
/// the limit, that pair is refused for the rest of the window, right password or not, while the same
/// account from an address that has not been failing still gets in. A refused attempt is not counted as
/// a failure, so hammering during a lock does not make it last longer.
pub fn login(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    client_addr: &str,
) -> Result<Result<User, LoginRefusal>, AppError> {
    let email = normalise_email(email);
    let since = now() - Duration::minutes(FAILURE_WINDOW_MINUTES);
    let failures = users::recent_failures(conn, &email, client_addr, since)?;
    if failures.by_pair >= MAX_FAILURES_PER_PAIR {
        record_throttled(conn, &email, client_addr)?;
        return Ok(Err(LoginRefusal::Throttled));
    }
    let user = users::find_by_email(conn, &email)?;
    let ok = match &user {
        Some(u) => verify_password(password, &u.password_hash),
        None => {
            // Spend the same time as a real check so that timing does not reveal which accounts exist.
            let _ = verify_password(password, dummy_hash());
            false
        }
    };
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => {
            users::record_login_attempt(conn, &email, client_addr, false)?;
            AuditEntry::new("login_failed", "user", &email)
                .record(conn, &Origin { actor_id: None, client_addr: client_addr.into() })?;
            return Ok(Err(LoginRefusal::BadCredentials));
        }
    };
    if !user.email_verified {
        return Ok(Err(LoginRefusal::Unverified));
    }
    users::record_login_attempt(conn, &email, client_addr, true)?;
    Ok(Ok(user))
}

/// An argon2id hash of a random password, checked against when the account does not exist.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

/// E-mails a reset link if the account exists; says nothing either way.
pub fn request_password_reset(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    email: &str,
    client_addr: &str,
) -> Result<(), AppError> {
    let email = normalise_email(email);
    let hourly = HourlyLimits {
        kind: "reset",
        per_address: RESETS_PER_ADDRESS_PER_HOUR,
        per_account: RESETS_PER_ACCOUNT_PER_HOUR,
    };
    if !hourly.allow(conn, client_addr, &email)? {
        return Ok(());
    }
    write_transaction(conn, |conn| {
        let Some(user) = users::find_by_email(conn, &email)? else {
            return Ok(());
        };
        if user.disabled {
            return Ok(());
        }
        send_link(conn, i18n, public_url, user.id, &email, &user.language, EmailedLink::ResetPassword)
    })
}

/// Sets a new password from a reset token; the token works once. Every session of the user ends.
pub fn reset_password(conn: &mut DbConn, token: &str, password: &str, client_addr: &str) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let user_id = users::consume_token(conn, "reset_password", &hash_secret(token))?
            .ok_or_else(|| AppError::field("token", "error-token-invalid"))?;
        let user = users::find(conn, user_id)?;
        check_password(password, &user.email).map_err(|key| AppError::field("password", key))?;
        users::set_password(conn, user_id, &hash_password(password)?)?;
        // A reset proves control of the mailbox, so it also verifies the address.
        users::set_verified(conn, user_id)?;
        // Whoever knew the old password may hold other reset links, sessions or API tokens: all end here.
        users::use_up_tokens(conn, user_id, "reset_password")?;
        sessions::delete_for_user(conn, user_id)?;
        users::revoke_api_tokens_of_user(conn, user_id)?;
        let origin = Origin { actor_id: Some(user_id), client_addr: client_addr.to_string() };
        AuditEntry::new("reset_password", "user", user_id).record(conn, &origin)?;
        Ok(())
    })
}

pub struct NewStaff<'a> {
    pub email: &'a str,
    pub full_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub organisation_id: Option<i64>,
}

/// Creates a staff or administrator account (administrators only, or the shell through `origin`).
pub fn create_staff(conn: &mut DbConn, origin: &Origin, s: &NewStaff) -> Result<i64, AppError> {
    let email = normalise_email(s.email);
    let mut errors = crate::error::FieldErrors::new();
    if !is_plausible_email(&email) {
        errors.insert("email".into(), "error-email".into());
    }
    if s.full_name.trim().is_empty() {
        errors.insert("full_name".into(), "error-required".into());
    }
    if let Err(key) = check_password(s.password, &email) {
        errors.insert("password".into(), key.into());
    }
    if s.role.needs_organisation() && s.organisation_id.is_none() {
        errors.insert("organisation_id".into(), "error-organisation-required".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = hash_password(s.password)?;
    write_transaction(conn, |conn| {
        let id = users::insert(
            conn,
            &NewUser {
                email: &email,
                password_hash: &hash,
                full_name: s.full_name.trim(),
                role: s.role.as_str(),
                organisation_id: s.organisation_id,
                email_verified: true,
                language: "en",
            },
        )?;
        AuditEntry::new("create_user", "user", id)
            .after(&serde_json::json!({"email": email, "role": s.role.as_str(), "organisation_id": s.organisation_id}))
            .record(conn, origin)?;
        Ok(id)
    })
}

pub fn set_disabled(conn: &mut DbConn, actor: &Actor, user_id: i64, disabled: bool) -> Result<(), AppError> {
    actor.require(&[Role::Administrator])?;
    if user_id == actor.user_id {
        return Err(AppError::Conflict("error-own-account".into()));
    }
    write_transaction(conn, |conn| {
        let before = users::find(conn, user_id)?;
        users::set_disabled(conn, user_id, disabled)?;
        if disabled {
            // Disabling takes effect at once on every server: the sessions and API tokens are gone, and
            // enabling the account again does not bring them back.
            sessions::delete_for_user(conn, user_id)?;
            users::revoke_api_tokens_of_user(conn, user_id)?;
        }
        AuditEntry::new(if disabled { "disable_user" } else { "enable_user" }, "user", user_id)
            .before(&serde_json::json!({"disabled": before.disabled}))
            .after(&serde_json::json!({"disabled": disabled}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// Ends every session and revokes every API token of the actor, on every device.
pub fn log_out_everywhere(conn: &mut DbConn, actor: &Actor) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let sessions_ended = sessions::delete_for_user(conn, actor.user_id)?;
        let tokens_revoked = users::revoke_api_tokens_of_user(conn, actor.user_id)?;
        AuditEntry::new("log_out_everywhere", "user", actor.user_id)
            .after(&serde_json::json!({"sessions_ended": sessions_ended, "api_tokens_revoked": tokens_revoked}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// An issued API token: the secret (shown once, stored hashed) and when it stops working.
pub struct IssuedToken {
    pub secret: String,
    pub expires_at: chrono::NaiveDateTime,
}

/// Issues an API token for a correct e-mail and password, valid for `days`.
pub fn issue_api_token(
    conn: &mut DbConn,
    email: &str,
    password: &str,
    client_addr: &str,
    days: i64,
) -> Result<IssuedToken, AppError> {
    let user = match login(conn, email, password, client_addr)? {
        Ok(user) => user,
        Err(LoginRefusal::Throttled) => return Err(AppError::TooManyRequests),
        Err(_) => return Err(AppError::Unauthenticated),
    };
    let secret = new_secret();
    let expires_at = now() + Duration::days(days);
    write_transaction(conn, |conn| {
        let id = users::insert_api_token(conn, user.id, &hash_secret(&secret), expires_at)?;
        let origin = Origin { actor_id: Some(user.id), client_addr: client_addr.to_string() };
        AuditEntry::new("issue_api_token", "api_token", id)
            .after(&serde_json::json!({"expires_at": expires_at}))
            .record(conn, &origin)?;
        Ok(())
    })?;
    Ok(IssuedToken { secret, expires_at })
}

/// The actor's own live API tokens.
pub fn api_tokens(conn: &mut DbConn, actor: &Actor) -> Result<Vec<users::ApiToken>, AppError> {
    users::live_api_tokens(conn, actor.user_id, now())
}

/// The actor a presented API token stands for: a live token of an enabled account, else unauthenticated.
pub fn api_actor(conn: &mut DbConn, secret: &str, client_addr: &str) -> Result<Actor, AppError> {
    let user = users::user_for_api_token(conn, &hash_secret(secret), now())?.ok_or(AppError::Unauthenticated)?;
    Actor::from_user(&user, client_addr)
}

/// Revokes the token presented with the request (its bearer logs out); one unknown or already revoked is
/// unauthenticated.
pub fn revoke_presented_api_token(conn: &mut DbConn, secret: &str) -> Result<(), AppError> {
    if users::revoke_api_token(conn, &hash_secret(secret))? == 0 {
        return Err(AppError::Unauthenticated);
    }
    Ok(())
}

/// Revokes one of the actor's own tokens; another user's token is as good as missing.
pub fn revoke_api_token(conn: &mut DbConn, actor: &Actor, token_id: i64) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        if users::revoke_api_token_of(conn, actor.user_id, token_id)? == 0 {
            return Err(AppError::NotFound);
        }
        AuditEntry::new("revoke_api_token", "api_token", token_id).record(conn, &actor.origin())?;
        Ok(())
    })
}

/// The logged-in user of a session, if the account still exists; a deleted account reads as logged out. One
/// query, on every page a logged-in visitor opens.
pub fn session_user(conn: &mut DbConn, user_id: i64) -> Result<Option<User>, AppError> {
    users::find(conn, user_id).map(Some).or_else(|e| match e {
        AppError::NotFound => Ok(None),
        other => Err(other),
    })
}

/// Remembers the actor's language on their account, for pages and e-mails.
pub fn set_language(conn: &mut DbConn, actor: &Actor, language: &str) -> Result<(), AppError> {
    users::set_language(conn, actor.user_id, language)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_on_an_attacked_subject_are_spaced_further_apart_up_to_a_bound() {
        let t = ACCOUNT_FAILURES_BEFORE_DELAY;
        let secs = |n| login_spacing_for(n, t, std::time::Duration::from_secs(1)).as_secs();
        assert_eq!(secs(0), 0);
        assert_eq!(secs(t - 1), 0);
        assert_eq!(secs(t), 1);
        assert_eq!(secs(t + 2), 4);
        assert_eq!(secs(t + 3), u64::from(MAX_LOGIN_DELAY_UNITS));
        assert_eq!(secs(i64::MAX), u64::from(MAX_LOGIN_DELAY_UNITS));
    }
}
