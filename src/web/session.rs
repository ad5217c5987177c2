//! The session store behind actix-session: state kept in the database under a hash of the cookie's
//! random key, with the user's id beside it so that "log out everywhere" can find every session.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;

use crate::db::Db;
use crate::service::accounts::{hash_secret, new_secret};
use crate::store::{now, sessions};

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
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
            Ok(session_key)
        } else {
            // The session was ended elsewhere: start a new one rather than resurrect it.
            self.save(state, ttl).await.map_err(|e| UpdateError::Other(other(e)))
        }
    }

    async fn update_ttl(&self, session_key: &SessionKey, ttl: &Duration) -> Result<(), anyhow::Error> {
        let key_hash = hash_secret(session_key.as_ref());
        let expires_at = expiry(ttl);
        self.db.run(move |conn| sessions::touch(conn, &key_hash, expires_at)).await.map_err(other)
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let key_hash = hash_secret(session_key.as_ref());
        self.db.run(move |conn| sessions::delete(conn, &key_hash)).await.map_err(other)
    }
}
