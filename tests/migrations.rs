//! Both dialects hold the same migrations, and every migration runs up, down and up again.

// A test crate: an unwrap or expect that fails is the test failing, with its reason in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fresh_db.rs"]
mod fresh_db;

use fresh_db::FreshDb;

fn folders(dialect: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{dialect}", env!("CARGO_MANIFEST_DIR")))
        .expect("migrations folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = folders("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, folders("postgres"));
    for name in &sqlite {
        for dialect in ["sqlite", "postgres"] {
            for file in ["up.sql", "down.sql"] {
                let path = format!("{}/migrations/{dialect}/{name}/{file}", env!("CARGO_MANIFEST_DIR"));
                assert!(std::path::Path::new(&path).exists(), "{path} is missing");
            }
        }
    }
}

#[test]
fn migrations_run_up_down_and_up_again() {
    let db = FreshDb::new();
    let url = db.url.clone();
    {
        let mut conn = ruralserve::db::connect(&url).expect("connect");
        let applied = ruralserve::db::run_migrations(&mut conn).expect("up");
        assert_eq!(applied, folders("sqlite").len());
        ruralserve::demo::load_funders(&mut conn).expect("the schema takes real data");
        ruralserve::db::revert_all_migrations(&mut conn).expect("down");
        let again = ruralserve::db::run_migrations(&mut conn).expect("up again");
        assert_eq!(again, applied);
        assert_eq!(ruralserve::db::run_migrations(&mut conn).expect("nothing pending"), 0);
    }
}

#[test]
fn a_database_url_that_is_neither_postgres_nor_sqlite_is_refused() {
    let refused = ruralserve::db::backend_of("postgress://typo/db");
    assert!(refused.is_err());
    assert!(ruralserve::db::backend_of("mysql://x").is_err());
    assert!(ruralserve::db::backend_of("sqlite://data/x.db").is_ok());
    assert!(ruralserve::db::backend_of("postgres://u@h/d").is_ok());
}
