//! The database: one connection type over SQLite and PostgreSQL, the pool, migrations, and the one
//! helper through which async handlers reach the database on the blocking pool.

use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::Semaphore;

use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// An arbitrary constant shared by every server process, so that concurrent starts migrate one at a time.
const MIGRATION_LOCK_KEY: i64 = 0x5255_5241_4c53;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConn>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConn>>;

/// Which backend a URL names. Chosen from the scheme ourselves: `establish` would otherwise take any
/// typo as an SQLite file name and silently create an empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

pub fn backend_of(url: &str) -> Result<Backend, AppError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else if url.starts_with("sqlite://") || url.ends_with(".db") || url.ends_with(".sqlite") {
        Ok(Backend::Sqlite)
    } else {
        Err(AppError::Config(format!(
            "database URL {url:?} is neither a postgres:// URL nor an SQLite path (sqlite://FILE or a file ending in .db)"
        )))
    }
}

/// The SQLite file a `sqlite://` URL or plain path names.
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<DbConn, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConn) -> Result<(), diesel::r2d2::Error> {
        if let DbConn::Sqlite(c) = conn {
            c.batch_execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;")
                .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

pub fn connect(url: &str) -> Result<DbConn, AppError> {
    let conn = match backend_of(url)? {
        Backend::Postgres => DbConn::Pg(diesel::PgConnection::establish(url)?),
        Backend::Sqlite => {
            let path = sqlite_path(url);
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| AppError::Config(format!("cannot create directory {}: {e}", dir.display())))?;
                }
            }
            DbConn::Sqlite(diesel::SqliteConnection::establish(path)?)
        }
    };
    Ok(conn)
}

pub fn build_pool(url: &str, size: u32) -> Result<DbPool, AppError> {
    let backend = backend_of(url)?;
    let target = match backend {
        Backend::Postgres => url.to_string(),
        Backend::Sqlite => {
            // WAL is a property of the file: set once, before the pool opens its connections.
            let mut conn = connect(url)?;
            if let DbConn::Sqlite(c) = &mut conn {
                c.batch_execute("PRAGMA journal_mode = WAL;")?;
            }
            sqlite_path(url).to_string()
        }
    };
    Pool::builder()
        .max_size(size)
        // No `SELECT 1` before every use: a connection that broke is noticed by the query that fails on it
        // and dropped by the pool, and the round trip on every request is not free.
        .test_on_check_out(false)
        .connection_customizer(Box::new(ConnectionSetup))
        .build(ConnectionManager::<DbConn>::new(target))
        .map_err(|e| AppError::Config(format!("cannot open the database pool: {e}")))
}

/// Runs every pending migration. On PostgreSQL under an advisory lock so that several servers starting
/// together do not race.
pub fn run_migrations(conn: &mut DbConn) -> Result<usize, AppError> {
    let applied = match conn {
        DbConn::Pg(pg) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(pg)?;
            let result = pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(pg)?;
            result
        }
        DbConn::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| AppError::Config(format!("migration failed: {e}")))
}

/// Reverts every migration (used by the test that runs them up, down and up again).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<(), AppError> {
    let result = match conn {
        DbConn::Pg(pg) => pg.revert_all_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConn::Sqlite(sqlite) => sqlite.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| AppError::Config(format!("migration revert failed: {e}")))
}

/// The pool plus the way async code uses it.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    /// One permit per pooled connection, handed out first come, first served. Without it every request
    /// beyond the pool's size waits inside the pool, whose wake-ups favour whoever asks last: under load a
    /// few requests waited many times the median (the p99 of the list page was 5–15 × its p50).
    gate: Arc<Semaphore>,
}

impl Db {
    pub fn new(pool: DbPool) -> Self {
        let permits = pool.max_size() as usize;
        Db { pool, gate: Arc::new(Semaphore::new(permits)) }
    }

    pub fn get(&self) -> Result<PooledConn, AppError> {
        self.pool.get().map_err(|e| AppError::Internal(format!("no database connection: {e}")))
    }

    /// Runs `work` with a pooled connection on the blocking pool, keeping the caller's tracing span.
    /// The connection is taken inside the closure so that no async task ever holds one across an await.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        // Waits in line for a connection without holding a thread; the permit is returned when the work ends.
        let _permit =
            self.gate.acquire().await.map_err(|e| AppError::Internal(format!("no database connection: {e}")))?;
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(|e| AppError::Internal(format!("no database connection: {e}")))?;
            work(&mut conn)
        })
        .await
        .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
    }
}

/// Runs `work` in a write transaction. SQLite's begins IMMEDIATE, so that two writers queue on the lock
/// instead of failing on a lock upgrade half-way; nested `transaction` calls inside become savepoints.
pub fn write_transaction<T, F>(conn: &mut DbConn, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let DbConn::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    let result = work(conn);
    if let DbConn::Sqlite(sqlite) = conn {
        match &result {
            Ok(_) => AnsiTransactionManager::commit_transaction(sqlite)?,
            Err(_) => AnsiTransactionManager::rollback_transaction(sqlite)?,
        }
    }
    result
}

/// Runs `work` on one consistent snapshot of the database without taking the write lock: a deferred
/// transaction on SQLite (WAL gives it one snapshot from its first read), REPEATABLE READ, READ ONLY on
/// PostgreSQL. For long reads that must agree with each other, such as a national match run's instance.
pub fn read_snapshot<T, F>(conn: &mut DbConn, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut DbConn) -> Result<T, AppError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?,
        DbConn::Pg(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?
        }
    }
    let result = work(conn);
    let end = match (&result, conn) {
        (Ok(_), DbConn::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c),
        (Ok(_), DbConn::Pg(c)) => AnsiTransactionManager::commit_transaction(c),
        (Err(_), DbConn::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c),
        (Err(_), DbConn::Pg(c)) => AnsiTransactionManager::rollback_transaction(c),
    };
    end?;
    result
}

/// True when the error is a UNIQUE violation, which the caller turns into a clear conflict message.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
}
