//! Delivers the outbox: by SMTP when configured, otherwise messages stay readable on the development
//! mailbox page. A message is marked sent only after the server accepted it; failures retry with backoff.

use std::time::Duration as StdDuration;

use chrono::Duration;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Config;
use crate::db::Db;
use crate::error::AppError;
use crate::store::{now, outbox};

/// How long a claimed message is reserved for the process that claimed it.
const LEASE_MINUTES: i64 = 5;
const BATCH: i64 = 20;

/// Minutes to wait before the next attempt: 1, 2, 4 … capped at six hours. Nothing is ever dropped.
pub fn retry_delay_minutes(attempts: i32) -> i64 {
    let exponent = attempts.clamp(0, 9) as u32;
    (1_i64 << exponent).min(360)
}

pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Option<Mailer>, AppError> {
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        let transport = SmtpTransport::from_url(url)
            .map_err(|e| AppError::Config(format!("RURALSERVE_SMTP_URL: {e}")))?
            .timeout(Some(StdDuration::from_secs(20)))
            .build();
        let from = config.mail_from.parse().map_err(|e| AppError::Config(format!("RURALSERVE_MAIL_FROM: {e}")))?;
        Ok(Some(Mailer { transport, from }))
    }

    fn send(&self, recipient: &str, subject: &str, body: &str) -> Result<(), String> {
        let to: Mailbox = recipient.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_string())
            .map_err(|e| e.to_string())?;
        self.transport.send(&message).map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Sends what is due once; returns how many were sent.
pub fn deliver_due(db_conn: &mut crate::db::DbConn, mailer: &Mailer) -> Result<usize, AppError> {
    let start = now();
    let claimed = outbox::claim_due(db_conn, start, start + Duration::minutes(LEASE_MINUTES), BATCH)?;
    let mut sent = 0;
    for message in claimed {
        match mailer.send(&message.recipient, &message.subject, &message.body) {
            Ok(()) => {
                outbox::mark_sent(db_conn, message.id, now())?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(message = message.id, error = %e, "mail delivery failed; will retry");
                let retry = now() + Duration::minutes(retry_delay_minutes(message.attempts + 1));
                outbox::mark_failed(db_conn, message.id, &e, retry)?;
            }
        }
    }
    Ok(sent)
}

/// Runs delivery every few seconds for as long as the server runs.
pub fn spawn_worker(db: Db, mailer: Mailer) {
    let mailer = std::sync::Arc::new(mailer);
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(StdDuration::from_secs(5));
        loop {
            tick.tick().await;
            let mailer = mailer.clone();
            if let Err(e) = db.run(move |conn| deliver_due(conn, &mailer)).await {
                tracing::error!(error = %e, "outbox worker");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_never_stop() {
        assert_eq!(retry_delay_minutes(0), 1);
        assert_eq!(retry_delay_minutes(3), 8);
        assert_eq!(retry_delay_minutes(50), 360);
    }
}
