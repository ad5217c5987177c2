//! Placement cycles: the scholars about to graduate, the facilities' vacancies and the scholars' choices for
//! one funder's programmes and one cadre.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::{coordinator_counties, placement_cycles};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Cycle {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub cadre: String,
    pub graduation_from: NaiveDate,
    pub graduation_until: NaiveDate,
    pub choices_open_at: NaiveDateTime,
    pub choices_close_at: NaiveDateTime,
    pub match_on: NaiveDate,
    pub publish_on: NaiveDate,
    pub acceptance_deadline: NaiveDateTime,
    pub appeal_until: NaiveDate,
    pub service_start_from: NaiveDate,
    pub service_start_until: NaiveDate,
    pub max_choices: i32,
    pub floor_need_score: Option<i32>,
    pub floor_minimum: i32,
    pub status: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub version: i32,
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Cycle, AppError> {
    Ok(placement_cycles::table.find(id).first(conn)?)
}

/// The counties a placement coordinator is limited to; empty means every county.
pub fn counties_of_coordinator(conn: &mut DbConn, user_id: i64) -> Result<Vec<String>, AppError> {
    Ok(coordinator_counties::table
        .filter(coordinator_counties::user_id.eq(user_id))
        .select(coordinator_counties::county)
        .order(coordinator_counties::county)
        .load(conn)?)
}
