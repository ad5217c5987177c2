//! Delivers the outbox: by SMTP when configured (the job runner calls [`deliver_due`] on every round),
//! otherwise messages stay readable on the development mailbox page. A message is marked sent only after
//! the server accepted it; failures retry with the job runner's backoff.

use std::time::Duration as StdDuration;

use chrono::NaiveDateTime;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Config;
use crate::domain::jobs::{lease_until, retry_at};
use crate::error::AppError;
use crate::store::{now, outbox};

const BATCH: i64 = 20;

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

/// Sends what is due at `start` once; returns how many were sent.
pub fn deliver_due(db_conn: &mut crate::db::DbConn, mailer: &Mailer, start: NaiveDateTime) -> Result<usize, AppError> {
    let claimed = outbox::claim_due(db_conn, start, lease_until(start), BATCH)?;
    let mut sent = 0;
    for message in claimed {
        match mailer.send(&message.recipient, &message.subject, &message.body) {
            Ok(()) => {
                outbox::mark_sent(db_conn, message.id, now())?;
                sent += 1;
            }
            Err(e) => {
                tracing::warn!(message = message.id, error = %e, "mail delivery failed; will retry");
                outbox::mark_failed(db_conn, message.id, &e, retry_at(start, message.attempts + 1))?;
            }
        }
    }
    Ok(sent)
}
