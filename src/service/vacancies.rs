//! A cycle's vacancies: the seats each facility offers, set one at a time or from a CSV file (all rows or
//! none, every bad row named by its line). A coordinator limited to counties sees and sets only theirs.

use serde::Serialize;

use super::access::{cycle_to_change, placement_counties, readable_cycle};
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::placement::{self as rules};
use crate::error::AppError;
use crate::store::audit::AuditEntry;
use crate::store::facilities::Facility;
use crate::store::placement_cycles::{self as store, Cycle};

pub use crate::store::placement_cycles::VacancyRow;

/// The vacancies the actor may see, optionally in one county, with the counties they may choose from.
pub struct VacancyList {
    pub cycle: Cycle,
    pub rows: Vec<VacancyRow>,
    /// The counties the actor is limited to (None: all).
    pub limits: Option<Vec<String>>,
}

pub fn list(conn: &mut DbConn, actor: &Actor, cycle_id: i64, county: Option<&str>) -> Result<VacancyList, AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let limits = placement_counties(conn, actor)?;
    // The limits are compared as the domain compares them (ignoring case), not by the query's exact match.
    let rows = store::vacancies_of(conn, cycle_id, county.map(str::trim).filter(|c| !c.is_empty()))?
        .into_iter()
        .filter(|row| rules::county_within(limits.as_deref(), &row.facility.county))
        .collect();
    Ok(VacancyList { cycle, rows, limits })
}

/// Why a facility code cannot take seats; the key is the message, the field the form's.
fn facility_for_seats(
    conn: &mut DbConn,
    code: &str,
    limits: Option<&[String]>,
) -> Result<Result<Facility, &'static str>, AppError> {
    let code = code.trim();
    if code.is_empty() {
        return Ok(Err("error-required"));
    }
    let Some(facility) = store::facility_by_code(conn, code)? else {
        return Ok(Err("error-facility-code-unknown"));
    };
    // A county outside the coordinator's reads as unknown to them would hide a typo; say which it is.
    if !rules::county_within(limits, &facility.county) {
        return Ok(Err("error-county-outside"));
    }
    if !rules::facility_eligible(facility.eligible, facility.eligible_until, super::now().date()) {
        return Ok(Err("error-facility-not-eligible"));
    }
    Ok(Ok(facility))
}

fn record(conn: &mut DbConn, actor: &Actor, cycle_id: i64, facility: &Facility, seats: i32) -> Result<(), AppError> {
    let before = store::put_vacancy(conn, cycle_id, facility.id, seats, actor.user_id, super::now())?;
    AuditEntry::new("set_vacancy", "placement_cycle", cycle_id)
        .before(&serde_json::json!({"facility": facility.registry_key, "seats": before}))
        .after(&serde_json::json!({"facility": facility.registry_key, "seats": seats}))
        .record(conn, &actor.origin())?;
    Ok(())
}

fn require_open(cycle: &Cycle) -> Result<(), AppError> {
    if cycle.status == "open" {
        Ok(())
    } else {
        Err(AppError::Conflict("error-cycle-published".into()))
    }
}

/// Sets one facility's seats, by its registry code.
pub fn set_seats(conn: &mut DbConn, actor: &Actor, cycle_id: i64, code: &str, seats: &str) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        require_open(&cycle)?;
        let limits = placement_counties(conn, actor)?;
        let mut errors = crate::error::FieldErrors::new();
        let facility = match facility_for_seats(conn, code, limits.as_deref())? {
            Ok(f) => Some(f),
            Err(key) => {
                errors.insert("code".into(), key.into());
                None
            }
        };
        let seats = rules::parse_seats(seats).map_err(|key| errors.insert("seats".into(), key.into())).ok();
        match (facility, seats) {
            (Some(facility), Some(seats)) if errors.is_empty() => record(conn, actor, cycle_id, &facility, seats),
            _ => Err(AppError::Validation(errors)),
        }
    })
}

/// A refused row of a vacancies file: its line, the message key, and what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRow {
    pub line: u64,
    pub key: String,
    pub value: String,
}

/// The outcome of a vacancies file: how many rows were applied, or every bad row (and nothing applied).
pub enum CsvOutcome {
    Applied(usize),
    Refused(Vec<BadRow>),
}

/// Reads `code,seats` rows; applies them all in one transaction only when every row is good.
pub fn import_csv(conn: &mut DbConn, actor: &Actor, cycle_id: i64, data: &[u8]) -> Result<CsvOutcome, AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        require_open(&cycle)?;
        let limits = placement_counties(conn, actor)?;
        let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(data);
        let bad = |line: u64, key: &str, value: &str| BadRow { line, key: key.into(), value: value.into() };
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(_) => return Ok(CsvOutcome::Refused(vec![bad(1, "error-vacancy-csv-header", "")])),
        };
        let code_col = headers.iter().position(|h| h.eq_ignore_ascii_case("code"));
        let seats_col = headers.iter().position(|h| h.eq_ignore_ascii_case("seats"));
        let (Some(code_col), Some(seats_col)) = (code_col, seats_col) else {
            return Ok(CsvOutcome::Refused(vec![bad(
                1,
                "error-vacancy-csv-header",
                &headers.iter().collect::<Vec<_>>().join(","),
            )]));
        };
        let mut problems = Vec::new();
        let mut good: Vec<(Facility, i32)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (index, record) in reader.records().enumerate() {
            // Line numbers as a spreadsheet shows them: the header is line 1.
            let fallback = index as u64 + 2;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(fallback);
                    problems.push(bad(line, "error-csv-unreadable", ""));
                    continue;
                }
            };
            let line = record.position().map(|p| p.line()).unwrap_or(fallback);
            let code = record.get(code_col).unwrap_or_default();
            let seats_text = record.get(seats_col).unwrap_or_default();
            if code.is_empty() && seats_text.is_empty() {
                continue;
            }
            let facility = match facility_for_seats(conn, code, limits.as_deref())? {
                Ok(f) => Some(f),
                Err(key) => {
                    problems.push(bad(line, key, code));
                    None
                }
            };
            let seats = match rules::parse_seats(seats_text) {
                Ok(s) => Some(s),
                Err(key) => {
                    problems.push(bad(line, key, seats_text));
                    None
                }
            };
            if !code.is_empty() && !seen.insert(code.to_string()) {
                problems.push(bad(line, "error-csv-duplicate-code", code));
                continue;
            }
            if let (Some(f), Some(s)) = (facility, seats) {
                good.push((f, s));
            }
        }
        if !problems.is_empty() {
            return Ok(CsvOutcome::Refused(problems));
        }
        if good.is_empty() {
            return Ok(CsvOutcome::Refused(vec![bad(2, "error-csv-empty", "")]));
        }
        for (facility, seats) in &good {
            record(conn, actor, cycle_id, facility, *seats)?;
        }
        Ok(CsvOutcome::Applied(good.len()))
    })
}

/// The file a coordinator fills in: the header and one example row.
pub const CSV_TEMPLATE: &str = "code,seats\n12345,2\n";
