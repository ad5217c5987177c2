//! Backups: a consistent copy of the SQLite database (taken while the server runs) and of the uploaded
//! documents and the session key. PostgreSQL databases are backed up with pg_dump, which knows the server
//! version better than we could.

use std::path::Path;

use diesel::RunQueryDsl;

use crate::config::Config;
use crate::db::{self, Backend, DbConn};
use crate::error::AppError;

pub fn run(config: &Config, output: &Path) -> Result<String, AppError> {
    if output.exists() {
        return Err(AppError::BadRequest(format!("--output {}: already exists; name a new folder", output.display())));
    }
    std::fs::create_dir_all(output).map_err(|e| AppError::BadRequest(format!("--output {}: {e}", output.display())))?;
    let mut lines = vec![];
    match db::backend_of(&config.database_url)? {
        Backend::Sqlite => {
            let target = output.join("ruralserve.db");
            let mut conn = db::connect(&config.database_url)?;
            let DbConn::Sqlite(sqlite) = &mut conn else {
                return Err(AppError::Internal("an SQLite URL opened another backend".into()));
            };
            // VACUUM INTO writes a consistent, compact copy while other connections keep working.
            let quoted = target.display().to_string().replace('\'', "''");
            diesel::sql_query(format!("VACUUM INTO '{quoted}'")).execute(sqlite)?;
            lines.push(format!("database copied to {}", target.display()));
        }
        Backend::Postgres => {
            lines.push(format!(
                "PostgreSQL: back up the database with: pg_dump --format=custom --file={}/ruralserve.dump \"$RURALSERVE_DATABASE_URL\"",
                output.display()
            ));
        }
    }
    let uploads = config.data_dir.join("uploads");
    let copied = copy_tree(&uploads, &output.join("uploads"))?;
    lines.push(format!("{copied} uploaded file(s) copied from {}", uploads.display()));
    let key = config.data_dir.join("session.key");
    if key.exists() {
        std::fs::copy(&key, output.join("session.key")).map_err(|e| AppError::Internal(format!("session key: {e}")))?;
        lines.push("session signing key copied".into());
    }
    Ok(lines.join("\n"))
}

fn copy_tree(from: &Path, to: &Path) -> Result<usize, AppError> {
    if !from.exists() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).map_err(|e| AppError::Internal(format!("{}: {e}", to.display())))?;
    let mut count = 0;
    let entries = std::fs::read_dir(from).map_err(|e| AppError::Internal(format!("{}: {e}", from.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| AppError::Internal(e.to_string()))?;
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            count += copy_tree(&path, &target)?;
        } else {
            std::fs::copy(&path, &target).map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?;
            count += 1;
        }
    }
    Ok(count)
}
