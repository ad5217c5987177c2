//! Organisations: ministries, regional governments, NGOs and foundations that fund or oversee programmes.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::organisations;

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Organisation {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, code: &str, name: &str, kind: &str) -> Result<i64, AppError> {
    diesel::insert_into(organisations::table)
        .values((
            organisations::code.eq(code),
            organisations::name.eq(name),
            organisations::kind.eq(kind),
            organisations::created_at.eq(super::now()),
        ))
        .returning(organisations::id)
        .get_result(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                AppError::field("code", "error-code-taken")
            } else {
                e.into()
            }
        })
}

pub fn all(conn: &mut DbConn) -> Result<Vec<Organisation>, AppError> {
    Ok(organisations::table.order(organisations::name.asc()).load(conn)?)
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Organisation, AppError> {
    Ok(organisations::table.find(id).first(conn)?)
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> Result<Option<Organisation>, AppError> {
    Ok(organisations::table.filter(organisations::code.eq(code)).first(conn).optional()?)
}
