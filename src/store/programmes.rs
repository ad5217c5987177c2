//! Programmes, their dated terms, and the calls that open intakes.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::domain::eligibility::EligibilityQuestion;
use crate::domain::programme::{ProgrammeTerms, TermsHistory};
use crate::error::AppError;
use crate::schema::{calls, organisations, programme_terms, programmes};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Programme {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub cadre: String,
    pub description: String,
    pub currency: String,
    pub created_at: NaiveDateTime,
    /// JSON array of the counties the bond allows; `None` means anywhere in the country.
    pub bond_counties: Option<String>,
    /// How many transfers in service the programme allows; `None` means no limit.
    pub max_transfers: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Call {
    pub id: i64,
    pub programme_id: i64,
    pub title: String,
    pub intake_year: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub seats: i32,
    pub budget_minor: i64,
    pub currency: String,
    /// Comma-separated document kinds.
    pub required_documents: String,
    /// JSON list of `EligibilityQuestion`.
    pub eligibility_questions: String,
    pub created_at: NaiveDateTime,
    /// The first day of supported study; `None` until the officer sets it (then 1 September of the intake year).
    pub support_starts_on: Option<NaiveDate>,
    /// Tuition is paid, and a progress report is due, at the start of each of these terms.
    pub school_terms_per_year: i32,
}

impl Call {
    pub fn required_document_kinds(&self) -> Vec<String> {
        self.required_documents.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
    }

    pub fn questions(&self) -> Vec<EligibilityQuestion> {
        serde_json::from_str(&self.eligibility_questions).unwrap_or_default()
    }

    /// When support starts: as set, or 1 September of the intake year (the usual start of the school year).
    pub fn support_start(&self) -> NaiveDate {
        self.support_starts_on.or_else(|| NaiveDate::from_ymd_opt(self.intake_year, 9, 1)).unwrap_or(NaiveDate::MIN)
    }

    pub fn is_open_at(&self, now: NaiveDateTime) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
}

pub struct NewProgramme<'a> {
    pub organisation_id: i64,
    pub name: &'a str,
    pub cadre: &'a str,
    pub description: &'a str,
    pub currency: &'a str,
}

pub fn insert_programme(conn: &mut DbConn, p: &NewProgramme) -> Result<i64, AppError> {
    Ok(diesel::insert_into(programmes::table)
        .values((
            programmes::organisation_id.eq(p.organisation_id),
            programmes::name.eq(p.name),
            programmes::cadre.eq(p.cadre),
            programmes::description.eq(p.description),
            programmes::currency.eq(p.currency),
            programmes::created_at.eq(super::now()),
        ))
        .returning(programmes::id)
        .get_result(conn)?)
}

pub fn insert_terms(
    conn: &mut DbConn,
    programme_id: i64,
    effective_from: NaiveDate,
    terms: &ProgrammeTerms,
) -> Result<(), AppError> {
    let json = serde_json::to_string(terms).map_err(|e| AppError::Internal(e.to_string()))?;
    diesel::insert_into(programme_terms::table)
        .values((
            programme_terms::programme_id.eq(programme_id),
            programme_terms::effective_from.eq(effective_from),
            programme_terms::terms.eq(json),
            programme_terms::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                AppError::field("terms_from", "error-terms-date-taken")
            } else {
                e.into()
            }
        })?;
    Ok(())
}

pub fn terms_history(conn: &mut DbConn, programme_id: i64) -> Result<TermsHistory, AppError> {
    let rows: Vec<(NaiveDate, String)> = programme_terms::table
        .filter(programme_terms::programme_id.eq(programme_id))
        .select((programme_terms::effective_from, programme_terms::terms))
        .load(conn)?;
    let mut entries = Vec::with_capacity(rows.len());
    for (from, json) in rows {
        let terms: ProgrammeTerms = serde_json::from_str(&json)
            .map_err(|e| AppError::Internal(format!("stored terms of programme {programme_id} unreadable: {e}")))?;
        entries.push((from, terms));
    }
    Ok(TermsHistory::new(entries))
}

pub fn terms_list(conn: &mut DbConn, programme_id: i64) -> Result<Vec<(NaiveDate, ProgrammeTerms)>, AppError> {
    let rows: Vec<(NaiveDate, String)> = programme_terms::table
        .filter(programme_terms::programme_id.eq(programme_id))
        .order(programme_terms::effective_from.desc())
        .select((programme_terms::effective_from, programme_terms::terms))
        .load(conn)?;
    rows.into_iter()
        .map(|(d, json)| {
            serde_json::from_str(&json)
                .map(|t| (d, t))
                .map_err(|e| AppError::Internal(format!("stored terms unreadable: {e}")))
        })
        .collect()
}

pub fn find_programme(conn: &mut DbConn, id: i64) -> Result<Programme, AppError> {
    Ok(programmes::table.find(id).first(conn)?)
}

pub fn programmes_of(conn: &mut DbConn, organisation_id: i64) -> Result<Vec<Programme>, AppError> {
    Ok(programmes::table
        .filter(programmes::organisation_id.eq(organisation_id))
        .order(programmes::name.asc())
        .load(conn)?)
}

/// The programmes (of one organisation, or every one for `None`) whose cadre is not a key of the list:
/// typed before the list existed and left as typed by the migration that mapped the rest.
pub fn programmes_with_cadre_off_list(
    conn: &mut DbConn,
    organisation_id: Option<i64>,
) -> Result<Vec<Programme>, AppError> {
    let mut q = programmes::table.filter(programmes::cadre.ne_all(crate::domain::cadre::CADRES)).into_boxed();
    if let Some(org) = organisation_id {
        q = q.filter(programmes::organisation_id.eq(org));
    }
    Ok(q.order(programmes::id.asc()).load(conn)?)
}

pub fn set_programme_cadre(conn: &mut DbConn, id: i64, cadre: &str) -> Result<(), AppError> {
    diesel::update(programmes::table.find(id)).set(programmes::cadre.eq(cadre)).execute(conn)?;
    Ok(())
}

pub fn find_programme_by_name(
    conn: &mut DbConn,
    organisation_id: i64,
    name: &str,
) -> Result<Option<Programme>, AppError> {
    Ok(programmes::table
        .filter(programmes::organisation_id.eq(organisation_id))
        .filter(programmes::name.eq(name))
        .first(conn)
        .optional()?)
}

pub struct NewCall<'a> {
    pub programme_id: i64,
    pub title: &'a str,
    pub intake_year: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub seats: i32,
    pub budget_minor: i64,
    pub currency: &'a str,
    pub required_documents: &'a str,
    pub eligibility_questions: &'a [EligibilityQuestion],
}

pub fn insert_call(conn: &mut DbConn, c: &NewCall) -> Result<i64, AppError> {
    let questions = serde_json::to_string(c.eligibility_questions).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(diesel::insert_into(calls::table)
        .values((
            calls::programme_id.eq(c.programme_id),
            calls::title.eq(c.title),
            calls::intake_year.eq(c.intake_year),
            calls::opens_at.eq(c.opens_at),
            calls::closes_at.eq(c.closes_at),
            calls::seats.eq(c.seats),
            calls::budget_minor.eq(c.budget_minor),
            calls::currency.eq(c.currency),
            calls::required_documents.eq(c.required_documents),
            calls::eligibility_questions.eq(questions),
            calls::created_at.eq(super::now()),
        ))
        .returning(calls::id)
        .get_result(conn)?)
}

/// Locks a call's row until the transaction ends (on PostgreSQL a no-op update takes the row lock; SQLite's
/// write transactions are already one at a time), so that decisions drawing on its seats and budget queue up.
pub fn lock_call(conn: &mut DbConn, call_id: i64) -> Result<(), AppError> {
    diesel::update(calls::table.find(call_id)).set(calls::seats.eq(calls::seats)).execute(conn)?;
    Ok(())
}

/// When support starts for a call's awards and how many school terms a year it pays.
pub fn set_call_schedule(
    conn: &mut DbConn,
    call_id: i64,
    support_starts_on: NaiveDate,
    school_terms_per_year: i32,
) -> Result<(), AppError> {
    diesel::update(calls::table.find(call_id))
        .set((calls::support_starts_on.eq(support_starts_on), calls::school_terms_per_year.eq(school_terms_per_year)))
        .execute(conn)?;
    Ok(())
}

pub fn find_call(conn: &mut DbConn, id: i64) -> Result<Call, AppError> {
    Ok(calls::table.find(id).first(conn)?)
}

/// A call with what the public page shows beside it.
#[derive(Debug, Clone, Serialize)]
pub struct CallListing {
    pub call: Call,
    pub programme: Programme,
    pub organisation_name: String,
    pub organisation_code: String,
}

fn to_listing(rows: Vec<(Call, Programme, String, String)>) -> Vec<CallListing> {
    rows.into_iter()
        .map(|(call, programme, organisation_name, organisation_code)| CallListing {
            call,
            programme,
            organisation_name,
            organisation_code,
        })
        .collect()
}

pub fn open_calls(conn: &mut DbConn, now: NaiveDateTime) -> Result<Vec<CallListing>, AppError> {
    let rows = calls::table
        .inner_join(programmes::table.inner_join(organisations::table))
        .filter(calls::opens_at.le(now))
        .filter(calls::closes_at.gt(now))
        .order(calls::closes_at.asc())
        .select((calls::all_columns, programmes::all_columns, organisations::name, organisations::code))
        .load(conn)?;
    Ok(to_listing(rows))
}

/// The ids and titles of an organisation's calls (every call's for `None`), newest first: all the
/// funder's application list needs of them.
pub fn call_titles(conn: &mut DbConn, organisation_id: Option<i64>) -> Result<Vec<(i64, String)>, AppError> {
    let mut query = calls::table.inner_join(programmes::table).select((calls::id, calls::title)).into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(programmes::organisation_id.eq(org));
    }
    Ok(query.order(calls::id.desc()).load(conn)?)
}

pub fn calls_of_organisation(conn: &mut DbConn, organisation_id: Option<i64>) -> Result<Vec<CallListing>, AppError> {
    let mut query = calls::table
        .inner_join(programmes::table.inner_join(organisations::table))
        .select((calls::all_columns, programmes::all_columns, organisations::name, organisations::code))
        .into_boxed();
    if let Some(org) = organisation_id {
        query = query.filter(programmes::organisation_id.eq(org));
    }
    Ok(to_listing(query.order(calls::id.desc()).load(conn)?))
}

pub fn call_listing(conn: &mut DbConn, call_id: i64) -> Result<CallListing, AppError> {
    let row = calls::table
        .inner_join(programmes::table.inner_join(organisations::table))
        .filter(calls::id.eq(call_id))
        .select((calls::all_columns, programmes::all_columns, organisations::name, organisations::code))
        .first(conn)?;
    Ok(to_listing(vec![row]).remove(0))
}

pub fn find_call_by_title(conn: &mut DbConn, programme_id: i64, title: &str) -> Result<Option<Call>, AppError> {
    Ok(calls::table
        .filter(calls::programme_id.eq(programme_id))
        .filter(calls::title.eq(title))
        .first(conn)
        .optional()?)
}
