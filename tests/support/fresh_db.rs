//! A fresh database for one test: an SQLite file in a temp directory, or, when TEST_DATABASE_URL is a
//! postgres:// URL, a new PostgreSQL database that is dropped when the value is dropped. Shared by the
//! test binaries through `#[path]`, so that each test can run in parallel with the others.

// Each test binary uses the part it needs.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use diesel::{Connection, RunQueryDsl};

pub struct FreshDb {
    pub url: String,
    dir: tempfile::TempDir,
    pg_admin: Option<(String, String)>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl FreshDb {
    pub fn new() -> FreshDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")) {
            Some(admin_url) => {
                let name = format!(
                    "rs_test_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::SeqCst),
                    chrono::Utc::now().timestamp_subsec_nanos()
                );
                let mut admin = diesel::PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL reachable");
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create test database");
                let (base, _) = admin_url.rsplit_once('/').expect("URL with a database name");
                FreshDb { url: format!("{base}/{name}"), dir, pg_admin: Some((admin_url.clone(), name)) }
            }
            None => {
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                FreshDb { url, dir, pg_admin: None }
            }
        }
    }

    /// The temp directory this database (and the test's data directory) lives in.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg_admin {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        }
    }
}
