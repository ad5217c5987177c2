//! Importing the facility registry from CSV (the Kenya Master Health Facility List's columns): every good
//! row is loaded, every bad row is reported by line number with its reason, and a second run adds nothing.

use std::collections::HashSet;

use crate::db::{write_transaction, DbConn};
use crate::error::AppError;
use crate::store::facilities::{self as store, NewFacility};

#[derive(Debug, Default)]
pub struct ImportReport {
    pub read: usize,
    pub inserted: usize,
    pub already_present: usize,
    /// (line number in the file, reason)
    pub rejected: Vec<(u64, String)>,
}

const REQUIRED_COLUMNS: [&str; 11] = [
    "code",
    "name",
    "keph_level",
    "facility_type",
    "owner_type",
    "county",
    "sub_county",
    "ward",
    "beds",
    "latitude",
    "longitude",
];

/// Parses "Level 4" (or "4") into 4.
fn parse_level(text: &str) -> Result<Option<i32>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let digits = t.trim_start_matches("Level").trim();
    match digits.parse::<i32>() {
        Ok(level) if (1..=6).contains(&level) => Ok(Some(level)),
        _ => Err(format!("keph_level {t:?} is not Level 1 to Level 6")),
    }
}

fn parse_coordinate(text: &str, column: &str, limit: f64) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        // Micro-degrees: integers on both backends, about 11 cm of precision.
        Ok(v) if v.is_finite() && v.abs() <= limit => Ok(Some((v * 1_000_000.0).round() as i64)),
        _ => Err(format!("{column} {t:?} is not a number between -{limit} and {limit}")),
    }
}

fn parse_count(text: &str, column: &str) -> Result<i32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse::<i32>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| format!("{column} {t:?} is not a whole number of 0 or more"))
}

pub fn import_csv(conn: &mut DbConn, data: &[u8]) -> Result<ImportReport, AppError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(data);
    let headers =
        reader.headers().map_err(|e| AppError::BadRequest(format!("line 1: cannot read the header: {e}")))?.clone();
    let index = |name: &str| headers.iter().position(|h| h.trim() == name);
    let missing: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| index(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(AppError::BadRequest(format!("line 1: missing columns: {}", missing.join(", "))));
    }
    let col = |name: &str| index(name).unwrap_or(usize::MAX);
    let services_col = index("services");
    let mut report = ImportReport::default();
    let mut existing = store::existing_keys(conn)?;
    let mut seen_codes: HashSet<String> = HashSet::new();
    let mut batch = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                report.rejected.push((line, format!("unreadable row: {e}")));
                continue;
            }
        };
        report.read += 1;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let field = |name: &str| record.get(col(name)).unwrap_or_default().trim().to_string();
        let parsed = (|| -> Result<NewFacility, String> {
            let name = field("name");
            if name.is_empty() {
                return Err("name is empty".into());
            }
            let county = field("county");
            if county.is_empty() {
                return Err("county is empty".into());
            }
            let code = Some(field("code")).filter(|c| !c.is_empty());
            if let Some(c) = &code {
                if !seen_codes.insert(c.clone()) {
                    return Err(format!("code {c} appears twice in the file; the first row was kept"));
                }
            }
            // Rows without an MFL code are still real facilities: keyed by county and name instead.
            let registry_key = match &code {
                Some(c) => format!("mfl:{c}"),
                None => format!("name:{}:{}", county.to_lowercase(), name.to_lowercase()),
            };
            Ok(NewFacility {
                registry_key,
                code,
                keph_level: parse_level(&field("keph_level"))?,
                facility_type: field("facility_type"),
                owner_type: field("owner_type"),
                sub_county: field("sub_county"),
                ward: field("ward"),
                beds: parse_count(&field("beds"), "beds")?,
                latitude_e6: parse_coordinate(&field("latitude"), "latitude", 90.0)?,
                longitude_e6: parse_coordinate(&field("longitude"), "longitude", 180.0)?,
                services: services_col.and_then(|i| record.get(i)).unwrap_or_default().trim().to_string(),
                name,
                county,
            })
        })();
        match parsed {
            Ok(facility) if existing.contains(&facility.registry_key) => report.already_present += 1,
            Ok(facility) => {
                existing.insert(facility.registry_key.clone());
                batch.push(facility);
            }
            Err(reason) => report.rejected.push((line, reason)),
        }
    }
    report.inserted = write_transaction(conn, |conn| store::insert_batch(conn, &batch))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_coordinates_parse_or_say_why_not() {
        assert_eq!(parse_level("Level 4"), Ok(Some(4)));
        assert_eq!(parse_level(""), Ok(None));
        assert!(parse_level("Level 9").is_err());
        assert_eq!(parse_coordinate("-1.2921", "latitude", 90.0), Ok(Some(-1_292_100)));
        assert_eq!(parse_coordinate("", "latitude", 90.0), Ok(None));
        assert!(parse_coordinate("95", "latitude", 90.0).is_err());
        assert_eq!(parse_count("", "beds"), Ok(0));
        assert!(parse_count("-3", "beds").is_err());
    }
}
