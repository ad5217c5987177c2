//! The facility registry: importing it from CSV (the Kenya Master Health Facility List's columns: every good
//! row is loaded, every bad row is reported by line number with its reason, and a second run adds nothing);
//! searching and reading it, scoped by who asks; need scores (with their history) and eligibility, by hand or
//! by a CSV upload that applies all of its rows or none; and the demo's computed need scores.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Serialize;

use super::access::placement_counties;
use super::{now, Actor};
use crate::db::{write_transaction, DbConn};
use crate::domain::need_score;
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::store::audit::AuditEntry;
use crate::store::facilities::{self as store, NewFacility};
pub use crate::store::facilities::{Facility, FacilityFilter, NeedScoreEntry, PlacedScholar, SupervisorLink};

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

/// Who reads the registry: the funders' staff and administrators; facility supervisors read their own.
const READERS: [Role; 5] = [
    Role::PlacementCoordinator,
    Role::ComplianceCoordinator,
    Role::ProgrammeOfficer,
    Role::Administrator,
    Role::FacilitySupervisor,
];

/// Rows per page of the registry.
pub const PAGE_SIZE: i64 = 50;

/// The part of the registry an actor may see: a limited coordinator's counties, a supervisor's facilities.
struct Scope {
    counties: Option<Vec<String>>,
    only_ids: Option<Vec<i64>>,
}

fn scope(conn: &mut DbConn, actor: &Actor) -> Result<Scope, AppError> {
    actor.require(&READERS)?;
    if actor.role == Role::FacilitySupervisor {
        return Ok(Scope { counties: None, only_ids: Some(store::facilities_of_supervisor(conn, actor.user_id)?) });
    }
    Ok(Scope { counties: placement_counties(conn, actor)?, only_ids: None })
}

fn in_scope(facility: &Facility, scope: &Scope) -> bool {
    scope.counties.as_ref().is_none_or(|c| c.contains(&facility.county))
        && scope.only_ids.as_ref().is_none_or(|ids| ids.contains(&facility.id))
}

/// A facility as a reader sees it: eligibility as it stands today (a lapsed recertification reads as not
/// eligible, without anything being written).
#[derive(Debug, Clone, Serialize)]
pub struct FacilityRow {
    #[serde(flatten)]
    pub facility: Facility,
    pub eligible_now: bool,
    pub demo_rule: bool,
}

impl FacilityRow {
    fn of(facility: Facility, today: NaiveDate) -> FacilityRow {
        let eligible_now = need_score::eligible_on(facility.eligible, facility.eligible_until, today);
        let demo_rule = facility.need_score_source == need_score::DEMO_RULE_SOURCE;
        FacilityRow { facility, eligible_now, demo_rule }
    }
}

/// One page of the search and the cursor of the next, if there is more.
#[derive(Debug, Serialize)]
pub struct SearchPage {
    pub rows: Vec<FacilityRow>,
    pub next: Option<(String, i64)>,
}

/// The registry, filtered and scoped, one page after the cursor.
pub fn search(conn: &mut DbConn, actor: &Actor, filter: &FacilityFilter) -> Result<SearchPage, AppError> {
    let Scope { counties, only_ids } = scope(conn, actor)?;
    let filter = FacilityFilter { counties, only_ids, ..filter.clone() };
    let today = now().date();
    let mut rows = store::search(conn, &filter, today, PAGE_SIZE + 1)?;
    let more = rows.len() as i64 > PAGE_SIZE;
    rows.truncate(PAGE_SIZE as usize);
    let next = if more { rows.last().map(|f| (f.name.clone(), f.id)) } else { None };
    Ok(SearchPage { rows: rows.into_iter().map(|f| FacilityRow::of(f, today)).collect(), next })
}

/// The choices the search form offers (facility types and owners as the registry spells them).
pub fn search_options(conn: &mut DbConn, actor: &Actor) -> Result<(Vec<String>, Vec<String>), AppError> {
    actor.require(&READERS)?;
    store::distinct_types_and_owners(conn)
}

/// A facility's page: every registry field, the current score, its history, eligibility, supervisors.
#[derive(Debug, Serialize)]
pub struct FacilityView {
    pub row: FacilityRow,
    pub history: Vec<NeedScoreEntry>,
    pub supervisors: Vec<SupervisorLink>,
    /// May the actor change its need score and eligibility?
    pub editable: bool,
}

fn readable(conn: &mut DbConn, actor: &Actor, facility: Facility) -> Result<Facility, AppError> {
    let scope = scope(conn, actor)?;
    if in_scope(&facility, &scope) {
        Ok(facility)
    } else {
        tracing::warn!(actor = actor.user_id, facility = facility.id, "refused access to a facility");
        Err(AppError::NotFound)
    }
}

fn view_of(conn: &mut DbConn, actor: &Actor, facility: Facility) -> Result<FacilityView, AppError> {
    let facility = readable(conn, actor, facility)?;
    let history = store::need_score_history(conn, facility.id)?;
    let supervisors = store::supervisors_of(conn, facility.id)?;
    let editable = actor.role == Role::PlacementCoordinator;
    Ok(FacilityView { row: FacilityRow::of(facility, now().date()), history, supervisors, editable })
}

pub fn view(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<FacilityView, AppError> {
    actor.require(&READERS)?;
    let facility = store::find(conn, id)?;
    view_of(conn, actor, facility)
}

/// A facility by its registry code (`registry_key`, the matching engine's id), as the API names it.
pub fn view_by_code(conn: &mut DbConn, actor: &Actor, code: &str) -> Result<FacilityView, AppError> {
    actor.require(&READERS)?;
    let facility = store::find_by_key(conn, code)?;
    view_of(conn, actor, facility)
}

/// The facility, if the actor may change its need score and eligibility: a placement coordinator, within
/// their counties. Checked before any field is read.
pub fn facility_to_change(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Facility, AppError> {
    actor.require(&[Role::PlacementCoordinator])?;
    let facility = store::find(conn, id)?;
    readable(conn, actor, facility)
}

/// A need score as typed: the score, where it comes from, and the date it takes effect.
pub struct NeedScoreInput {
    pub score: Result<i32, &'static str>,
    pub source: String,
    pub effective_from: Result<NaiveDate, &'static str>,
}

/// Records a need score in the facility's history; the facility's current score becomes the entry with the
/// latest effective date (an older entry, recorded late, goes into the history only).
pub fn record_need_score(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    version: i32,
    input: &NeedScoreInput,
) -> Result<(), AppError> {
    let today = now().date();
    let mut errors = FieldErrors::new();
    let score = input.score.and_then(need_score::check_score).map_err(|e| errors.insert("score".into(), e.into()));
    let source = need_score::check_source(&input.source).map_err(|e| errors.insert("source".into(), e.into()));
    let effective = input
        .effective_from
        .and_then(|d| need_score::check_effective(d, today))
        .map_err(|e| errors.insert("effective_from".into(), e.into()));
    let (Ok(score), Ok(source), Ok(effective)) = (score, source, effective) else {
        return Err(AppError::Validation(errors));
    };
    write_transaction(conn, |conn| {
        let before = facility_to_change(conn, actor, id)?;
        store::insert_need_score(conn, id, score, &source, effective, Some(actor.user_id))?;
        if store::refresh_current_score(conn, id, version)? == 0 {
            return Err(AppError::Conflict("error-conflict-stale".into()));
        }
        let after = store::find(conn, id)?;
        AuditEntry::new("facility.need_score", "facility", id)
            .before(&before)
            .after(&serde_json::json!({"recorded": {"score": score, "source": source, "effective_from": effective}, "facility": after}))
            .record(conn, &actor.origin())
    })
}

/// Records eligibility for placement: eligible needs a recertification date, not already past.
pub fn record_eligibility(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    version: i32,
    eligible: Result<bool, &'static str>,
    until: Option<Result<NaiveDate, &'static str>>,
) -> Result<(), AppError> {
    let today = now().date();
    let mut errors = FieldErrors::new();
    let eligible = eligible.map_err(|e| errors.insert("eligible".into(), e.into()));
    let until = until.transpose().map_err(|e| errors.insert("eligible_until".into(), e.into()));
    let (Ok(eligible), Ok(until)) = (eligible, until) else {
        return Err(AppError::Validation(errors));
    };
    let until =
        need_score::check_eligibility(eligible, until, today).map_err(|e| AppError::field("eligible_until", e))?;
    write_transaction(conn, |conn| {
        let before = facility_to_change(conn, actor, id)?;
        if store::set_eligibility(conn, id, version, eligible, until)? == 0 {
            return Err(AppError::Conflict("error-conflict-stale".into()));
        }
        let after = store::find(conn, id)?;
        AuditEntry::new("facility.eligibility", "facility", id)
            .before(&before)
            .after(&after)
            .record(conn, &actor.origin())
    })
}

/// The upload's columns, in the template's order.
pub const UPLOAD_COLUMNS: [&str; 6] = ["code", "need_score", "source", "effective_from", "eligible", "eligible_until"];

/// A bad row of an upload: its line in the file, the column, and the message key.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BadRow {
    pub line: u64,
    pub field: String,
    pub message: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct UploadSummary {
    pub rows: usize,
    pub scores_changed: usize,
    pub eligibility_changed: usize,
}

pub enum UploadOutcome {
    Applied(UploadSummary),
    Rejected(Vec<BadRow>),
}

struct UploadRow {
    key: String,
    score: Option<(i32, String, NaiveDate)>,
    eligibility: Option<(bool, Option<NaiveDate>)>,
}

/// Reads one row; every bad field is noted (not only the first).
fn read_upload_row(
    line: u64,
    cell: &dyn Fn(&str) -> String,
    today: NaiveDate,
    bad: &mut Vec<BadRow>,
) -> Option<UploadRow> {
    let before = bad.len();
    let mut note = |field: &str, message: &str, value: &str| {
        bad.push(BadRow { line, field: field.into(), message: message.into(), value: value.into() })
    };
    let code = cell("code");
    if code.is_empty() {
        note("code", "error-required", "");
    }
    let score_text = cell("need_score");
    let source_text = cell("source");
    let effective_text = cell("effective_from");
    let mut score = None;
    if !score_text.is_empty() || !source_text.is_empty() || !effective_text.is_empty() {
        let s = score_text.parse::<i32>().map_err(|_| need_score::ERROR_SCORE_RANGE).and_then(need_score::check_score);
        let src = need_score::check_source(&source_text);
        let eff = NaiveDate::parse_from_str(&effective_text, "%Y-%m-%d")
            .map_err(|_| "error-date")
            .and_then(|d| need_score::check_effective(d, today));
        if let Err(e) = s {
            note("need_score", e, &score_text);
        }
        if let Err(e) = &src {
            note("source", e, &source_text);
        }
        if let Err(e) = eff {
            note("effective_from", e, &effective_text);
        }
        if let (Ok(s), Ok(src), Ok(eff)) = (s, src, eff) {
            score = Some((s, src, eff));
        }
    }
    let eligible_text = cell("eligible");
    let until_text = cell("eligible_until");
    let eligible = match eligible_text.to_lowercase().as_str() {
        "" => None,
        "yes" | "oui" | "true" | "1" => Some(true),
        "no" | "non" | "false" | "0" => Some(false),
        _ => {
            note("eligible", "error-csv-yes-no", &eligible_text);
            None
        }
    };
    let mut eligibility = None;
    if let Some(eligible) = eligible {
        let until = if until_text.is_empty() {
            Ok(None)
        } else {
            NaiveDate::parse_from_str(&until_text, "%Y-%m-%d").map(Some).map_err(|_| "error-date")
        };
        match until.and_then(|u| need_score::check_eligibility(eligible, u, today)) {
            Ok(u) => eligibility = Some((eligible, u)),
            Err(e) => note("eligible_until", e, &until_text),
        }
    }
    if bad.len() > before {
        return None;
    }
    Some(UploadRow { key: code, score, eligibility })
}

/// Applies a CSV of need scores and eligibility, all rows or none: any bad row (an unknown code, a score out of
/// range, a bad date, a missing source, a county outside the coordinator's) refuses the whole file, and every
/// bad row is reported by line number and column. One audit entry per facility changed.
pub fn upload_need_scores(conn: &mut DbConn, actor: &Actor, data: &[u8]) -> Result<UploadOutcome, AppError> {
    actor.require(&[Role::PlacementCoordinator])?;
    let counties = placement_counties(conn, actor)?;
    let today = now().date();
    let mut bad = Vec::new();
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(data);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => {
            bad.push(BadRow {
                line: 1,
                field: "code".into(),
                message: "error-csv-header".into(),
                value: String::new(),
            });
            return Ok(UploadOutcome::Rejected(bad));
        }
    };
    let index = |name: &str| headers.iter().position(|h| h.trim().trim_start_matches('\u{feff}') == name);
    for column in ["code", "need_score", "source", "effective_from"] {
        if index(column).is_none() {
            bad.push(BadRow {
                line: 1,
                field: column.into(),
                message: "error-csv-missing-column".into(),
                value: String::new(),
            });
        }
    }
    if !bad.is_empty() {
        return Ok(UploadOutcome::Rejected(bad));
    }
    let mut rows: Vec<(u64, UploadRow)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                bad.push(BadRow {
                    line,
                    field: "code".into(),
                    message: "error-csv-unreadable".into(),
                    value: String::new(),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| index(name).and_then(|i| record.get(i)).unwrap_or_default().trim().to_string();
        if let Some(row) = read_upload_row(line, &cell, today, &mut bad) {
            if !seen.insert(row.key.clone()) {
                bad.push(BadRow { line, field: "code".into(), message: "error-csv-code-twice".into(), value: row.key });
                continue;
            }
            rows.push((line, row));
        }
    }
    let keys: Vec<String> = rows.iter().map(|(_, r)| r.key.clone()).collect();
    let found = store::find_by_keys(conn, &keys)?;
    for (line, row) in &rows {
        match found.get(&row.key) {
            None => bad.push(BadRow {
                line: *line,
                field: "code".into(),
                message: "error-facility-code-unknown".into(),
                value: row.key.clone(),
            }),
            Some(f) if counties.as_ref().is_some_and(|c| !c.contains(&f.county)) => bad.push(BadRow {
                line: *line,
                field: "code".into(),
                message: "error-facility-outside-counties".into(),
                value: row.key.clone(),
            }),
            Some(_) => {}
        }
    }
    if !bad.is_empty() {
        bad.sort_by_key(|b| b.line);
        return Ok(UploadOutcome::Rejected(bad));
    }
    let summary = write_transaction(conn, |conn| {
        let mut summary = UploadSummary { rows: rows.len(), ..UploadSummary::default() };
        for (_, row) in &rows {
            let before = store::find_by_key(conn, &row.key)?;
            let id = before.id;
            let mut version = before.version;
            if let Some((score, source, effective)) = &row.score {
                store::insert_need_score(conn, id, *score, source, *effective, Some(actor.user_id))?;
                store::refresh_current_score(conn, id, version)?;
                version += 1;
            }
            if let Some((eligible, until)) = row.eligibility {
                store::set_eligibility(conn, id, version, eligible, until)?;
            }
            let after = store::find(conn, id)?;
            let score_changed = (before.need_score, &before.need_score_source, before.need_score_effective)
                != (after.need_score, &after.need_score_source, after.need_score_effective);
            let eligibility_changed =
                (before.eligible, before.eligible_until) != (after.eligible, after.eligible_until);
            summary.scores_changed += usize::from(score_changed);
            summary.eligibility_changed += usize::from(eligibility_changed);
            if row.score.is_some() || eligibility_changed {
                AuditEntry::new("facility.upload", "facility", id)
                    .before(&before)
                    .after(&after)
                    .record(conn, &actor.origin())?;
            }
        }
        Ok(summary)
    })?;
    Ok(UploadOutcome::Applied(summary))
}

/// Gives every facility without a need score one computed by the demo rule (source: the rule's label,
/// effective today), and eligibility for a year when the score reaches the rule's threshold. One transaction;
/// facilities are grouped by score so that a few statements cover the whole registry.
pub fn seed_demo_need_scores(conn: &mut DbConn) -> Result<usize, AppError> {
    let today = now().date();
    let recorded_at = now();
    let until = today.checked_add_months(chrono::Months::new(12));
    write_transaction(conn, |conn| {
        let pending = store::without_need_score(conn)?;
        let mut by_score: std::collections::BTreeMap<i32, Vec<i64>> = Default::default();
        let mut history = Vec::with_capacity(pending.len());
        for (id, keph_level, owner_type, beds) in &pending {
            let score = need_score::demo_score(&need_score::RegistryFigures {
                keph_level: *keph_level,
                owner_type,
                beds: *beds,
            });
            by_score.entry(score).or_default().push(*id);
            history.push(store::NewNeedScore {
                facility_id: *id,
                score,
                source: need_score::DEMO_RULE_SOURCE.to_string(),
                effective_from: today,
                recorded_by: None,
                recorded_at,
            });
        }
        store::insert_need_scores(conn, &history)?;
        for (score, ids) in &by_score {
            let eligible = *score >= need_score::DEMO_ELIGIBLE_FROM;
            store::set_current_in_bulk(
                conn,
                ids,
                *score,
                need_score::DEMO_RULE_SOURCE,
                today,
                eligible,
                if eligible { until } else { None },
            )?;
        }
        Ok(pending.len())
    })
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
