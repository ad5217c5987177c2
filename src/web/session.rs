//! The session store behind actix-session: state kept in the database under a hash of the cookie's
//! random key, with the user's id beside it so that "log out everywhere" can find every session.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;

use crate::db::Db;
use crate::service::accounts::{hash_secret, new_secret};
use crate::store::{now, sessions};

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    /// When this server last extended each session's idle expiry (by hash of its key). The database write
    /// already happens at most once a minute; remembering it here also spares the round trip that finds
    /// nothing to write, on every request of a busy session.
    touched: Arc<Mutex<HashMap<String, Instant>>>,
}

/// How long a session's idle expiry may go without an extension: the same minute the database's own
/// condition (`sessions::touch`) allows, so an idle session expires at most two minutes early out of 30.
const TOUCH_EVERY: StdDuration = StdDuration::from_secs(60);

/// Bounded so that many sessions cannot grow the memo without limit; entries older than a minute are
/// useless and dropped first.
const MAX_TOUCHED: usize = 10_000;

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db, touched: Arc::default() }
    }

    /// True when this server extended the session less than a minute ago.
    fn touched_recently(&self, key_hash: &str) -> bool {
        self.touched.lock().map(|t| t.get(key_hash).is_some_and(|at| at.elapsed() < TOUCH_EVERY)).unwrap_or(false)
    }

    fn remember_touch(&self, key_hash: &str) {
        if let Ok(mut t) = self.touched.lock() {
            if t.len() >= MAX_TOUCHED {
                t.retain(|_, at| at.elapsed() < TOUCH_EVERY);
                if t.len() >= MAX_TOUCHED {
                    t.clear();
                }
            }
            t.insert(key_hash.to_string(), Instant::now());
        }
    }

    fn forget_touch(&self, key_hash: &str) {
        if let Ok(mut t) = self.touched.lock() {
            t.remove(key_hash);
        }
    }
}

fn expiry(ttl: &Duration) -> chrono::NaiveDateTime {
    now() + chrono::Duration::seconds(ttl.whole_seconds())
}

/// actix-session keeps values JSON-encoded; the user id is stored as a number.
fn user_of(state: &HashMap<String, String>) -> Option<i64> {
    state.get(super::USER_ID_KEY).and_then(|v| v.parse().ok())
}

fn other(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let key_hash = hash_secret(session_key.as_ref());
        let state = self
            .db
            .run(move |conn| sessions::load(conn, &key_hash, now()))
            .await
            .map_err(|e| LoadError::Other(other(e)))?;
        match state {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json).map(Some).map_err(|e| LoadError::Deserialization(other(e))),
        }
    }

    async fn save(&self, state: HashMap<String, String>, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(other(e)))?;
        let key = new_secret();
        let key_hash = hash_secret(&key);
        let user_id = user_of(&state);
        let expires_at = expiry(ttl);
        self.db
            .run(move |conn| sessions::insert(conn, &key_hash, user_id, &json, expires_at))
            .await
            .map_err(|e| SaveError::Other(other(e)))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(other(e)))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json = serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(other(e)))?;
        let key_hash = hash_secret(session_key.as_ref());
        let user_id = user_of(&state);
        let expires_at = expiry(ttl);
        let updated = self
            .db
            .run(move |conn| sessions::update(conn, &key_hash, user_id, &json, expires_at))
            .await
            .map_err(|e| UpdateError::Other(other(e)))?;
        if updated {
            self.remember_touch(&hash_secret(session_key.as_ref()));
            Ok(session_key)
        } else {
            // The session was ended elsewhere: start a new one rather than resurrect it.
            self.save(state, ttl).await.map_err(|e| UpdateError::Other(other(e)))
        }
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        let key_hash = hash_secret(session_key.as_ref());
        if self.touched_recently(&key_hash) {
            return Ok(());
        }
        let expires_at = expiry(ttl);
        let hash = key_hash.clone();
        self.db.run(move |conn| sessions::touch(conn, &hash, expires_at)).await.map_err(other)?;
        self.remember_touch(&key_hash);
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let key_hash = hash_secret(session_key.as_ref());
        self.forget_touch(&key_hash);
        self.db.run(move |conn| sessions::delete(conn, &key_hash)).await.map_err(other)
    }
}
