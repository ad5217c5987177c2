//! The facility registry: health facilities that can receive bonded graduates.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::facilities;

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Facility {
    pub id: i64,
    pub registry_key: String,
    pub code: Option<String>,
    pub name: String,
    pub keph_level: Option<i32>,
    pub facility_type: String,
    pub owner_type: String,
    pub county: String,
    pub sub_county: String,
    pub ward: String,
    pub beds: i32,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    pub services: String,
    /// The current need score (0–25, 26 for dental; higher is needier), copied from the newest entry of
    /// its history in `facility_need_scores`.
    pub need_score: Option<i32>,
    pub need_score_source: String,
    pub need_score_effective: Option<chrono::NaiveDate>,
    pub eligible: bool,
    /// Eligibility must be recertified by this date; after it the facility is not eligible.
    pub eligible_until: Option<chrono::NaiveDate>,
    pub version: i32,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = facilities)]
pub struct NewFacility {
    pub registry_key: String,
    pub code: Option<String>,
    pub name: String,
    pub keph_level: Option<i32>,
    pub facility_type: String,
    pub owner_type: String,
    pub county: String,
    pub sub_county: String,
    pub ward: String,
    pub beds: i32,
    pub latitude_e6: Option<i64>,
    pub longitude_e6: Option<i64>,
    pub services: String,
}

/// Every registry key already stored, so that an import adds only what is new (and so runs twice safely).
pub fn existing_keys(conn: &mut DbConn) -> Result<std::collections::HashSet<String>, AppError> {
    Ok(facilities::table.select(facilities::registry_key).load::<String>(conn)?.into_iter().collect())
}

pub fn insert_batch(conn: &mut DbConn, batch: &[NewFacility]) -> Result<usize, AppError> {
    let mut inserted = 0;
    // SQLite limits bound parameters per statement; 13 columns × 500 rows stays well below it.
    // Multi-row INSERT does not cross the multi-backend connection, so it is sent to each backend directly.
    for chunk in batch.chunks(500) {
        let insert = diesel::insert_into(facilities::table).values(chunk);
        inserted += match conn {
            DbConn::Pg(pg) => insert.execute(pg)?,
            DbConn::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
    }
    Ok(inserted)
}

pub fn count(conn: &mut DbConn) -> Result<i64, AppError> {
    Ok(facilities::table.count().get_result(conn)?)
}

pub fn counties(conn: &mut DbConn) -> Result<Vec<(String, i64)>, AppError> {
    Ok(facilities::table
        .group_by(facilities::county)
        .select((facilities::county, diesel::dsl::count_star()))
        .order(facilities::county.asc())
        .load(conn)?)
}
