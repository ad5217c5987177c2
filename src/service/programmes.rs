//! Programmes, their terms and their calls, as a programme officer manages them.

use chrono::NaiveDate;

use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::cadre::{canonical_cadre, CADRES};
use crate::domain::eligibility::EligibilityQuestion;
use crate::domain::money::is_currency_code;
use crate::domain::programme::ProgrammeTerms;
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::store::audit::AuditEntry;
use crate::store::programmes::{self as store, NewCall, NewProgramme};

/// The document kinds an application may carry; a call requires some of them.
pub const DOCUMENT_KINDS: [&str; 8] = [
    "identity",
    "admission_letter",
    "transcript",
    "recommendation_academic",
    "recommendation_other",
    "cv",
    "proof_of_home_district",
    "fee_schedule",
];

pub struct ProgrammeInput<'a> {
    pub name: &'a str,
    pub cadre: &'a str,
    pub description: &'a str,
    pub currency: &'a str,
    pub terms_from: NaiveDate,
    pub terms: ProgrammeTerms,
}

pub fn create_programme(conn: &mut DbConn, actor: &Actor, input: &ProgrammeInput) -> Result<i64, AppError> {
    let organisation_id = programme_creator(actor)?;
    let mut errors = input.terms.validate().err().unwrap_or_default();
    if input.name.trim().is_empty() {
        errors.insert("name".into(), "error-required".into());
    }
    let cadre = canonical_cadre(input.cadre);
    if input.cadre.trim().is_empty() {
        errors.insert("cadre".into(), "error-required".into());
    } else if cadre.is_none() {
        errors.insert("cadre".into(), "error-cadre-unknown".into());
    }
    if !is_currency_code(input.currency) {
        errors.insert("currency".into(), "error-currency".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    write_transaction(conn, |conn| {
        let id = store::insert_programme(
            conn,
            &NewProgramme {
                organisation_id,
                name: input.name.trim(),
                cadre: cadre.unwrap_or_default(),
                description: input.description.trim(),
                currency: input.currency,
            },
        )?;
        store::insert_terms(conn, id, input.terms_from, &input.terms)?;
        AuditEntry::new("create_programme", "programme", id)
            .after(&serde_json::json!({"name": input.name, "terms_from": input.terms_from, "terms": input.terms}))
            .record(conn, &actor.origin())?;
        Ok(id)
    })
}

/// A programme the actor may change: a programme officer of the organisation that runs it; anyone else gets
/// "forbidden" (wrong role) or "not found" (another funder's). Checked before any field of a form is read,
/// so that a refused form never shows another funder's programme.
pub fn managed_programme(conn: &mut DbConn, actor: &Actor, programme_id: i64) -> Result<store::Programme, AppError> {
    actor.require(&[Role::ProgrammeOfficer])?;
    let programme = store::find_programme(conn, programme_id)?;
    if !actor.can_manage_organisation(programme.organisation_id) {
        return Err(AppError::NotFound);
    }
    Ok(programme)
}

/// Replaces a programme's cadre typed before the list with a key of it. A cadre already on the list is not
/// changed here: applications were assessed against it.
pub fn set_programme_cadre(conn: &mut DbConn, actor: &Actor, programme_id: i64, cadre: &str) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let programme = managed_programme(conn, actor, programme_id)?;
        if !CADRES.contains(&cadre) {
            let mut errors = FieldErrors::new();
            errors.insert("cadre".into(), "error-cadre-unknown".into());
            return Err(AppError::Validation(errors));
        }
        if CADRES.contains(&programme.cadre.as_str()) {
            return Err(AppError::Conflict("error-cadre-already-on-list".into()));
        }
        store::set_programme_cadre(conn, programme_id, cadre)?;
        AuditEntry::new("set_programme_cadre", "programme", programme_id)
            .before(&serde_json::json!({"cadre": programme.cadre}))
            .after(&serde_json::json!({"cadre": cadre}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// Adds a new set of terms from a date; earlier sets stay for what was signed under them.
pub fn add_terms(
    conn: &mut DbConn,
    actor: &Actor,
    programme_id: i64,
    from: NaiveDate,
    terms: &ProgrammeTerms,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        managed_programme(conn, actor, programme_id)?;
        terms.validate().map_err(AppError::Validation)?;
        store::insert_terms(conn, programme_id, from, terms)?;
        AuditEntry::new("add_terms", "programme", programme_id)
            .after(&serde_json::json!({"terms_from": from, "terms": terms}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

pub struct CallInput {
    pub programme_id: i64,
    pub title: String,
    pub intake_year: i32,
    pub opens_at: chrono::NaiveDateTime,
    pub closes_at: chrono::NaiveDateTime,
    pub seats: i32,
    pub budget_minor: i64,
    pub required_documents: Vec<String>,
    pub questions: Vec<EligibilityQuestion>,
}

fn validate_call(input: &CallInput) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if input.title.trim().is_empty() {
        errors.insert("title".into(), "error-required".into());
    }
    if !(2000..=2100).contains(&input.intake_year) {
        errors.insert("intake_year".into(), "error-year".into());
    }
    if input.closes_at <= input.opens_at {
        errors.insert("closes_at".into(), "error-closes-before-opens".into());
    }
    if input.seats < 1 {
        errors.insert("seats".into(), "error-positive".into());
    }
    if input.budget_minor < 0 {
        errors.insert("budget".into(), "error-amount-negative".into());
    }
    if let Some(bad) = input.required_documents.iter().find(|d| !DOCUMENT_KINDS.contains(&d.as_str())) {
        errors.insert("required_documents".into(), format!("error-unknown-document: {bad}"));
    }
    errors
}

pub fn open_call(conn: &mut DbConn, actor: &Actor, input: &CallInput) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        // Who may act comes before what they typed: a refusal must not depend on the form being valid.
        let programme = managed_programme(conn, actor, input.programme_id)?;
        let errors = validate_call(input);
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let id = store::insert_call(
            conn,
            &NewCall {
                programme_id: programme.id,
                title: input.title.trim(),
                intake_year: input.intake_year,
                opens_at: input.opens_at,
                closes_at: input.closes_at,
                seats: input.seats,
                budget_minor: input.budget_minor,
                currency: &programme.currency,
                required_documents: &input.required_documents.join(","),
                eligibility_questions: &input.questions,
            },
        )?;
        AuditEntry::new("open_call", "call", id)
            .after(&serde_json::json!({
                "title": input.title, "intake_year": input.intake_year, "opens_at": input.opens_at,
                "closes_at": input.closes_at, "seats": input.seats, "budget_minor": input.budget_minor,
                "required_documents": input.required_documents,
            }))
            .record(conn, &actor.origin())?;
        Ok(id)
    })
}

pub use crate::store::programmes::{Call, CallListing, Programme};

/// The funder's home: the organisation's programmes and the calls of its programmes.
pub struct FunderHome {
    pub programmes: Vec<Programme>,
    pub calls: Vec<CallListing>,
}

/// What the funder's home lists for the actor: their organisation's programmes and calls; an administrator,
/// who belongs to no funder, sees every organisation's calls and no programmes. Applicants are refused.
pub fn funder_home(conn: &mut DbConn, actor: &Actor) -> Result<FunderHome, AppError> {
    let scope = actor.organisation_scope()?;
    let programmes = match scope {
        Some(organisation_id) => store::programmes_of(conn, organisation_id)?,
        None => vec![],
    };
    Ok(FunderHome { programmes, calls: store::calls_of_organisation(conn, scope)? })
}

/// A programme and its dated terms, newest first, for the funder's staff (and administrators) to read.
/// Anyone else gets "not found", so that programmes of other funders cannot be probed.
pub fn readable_programme(
    conn: &mut DbConn,
    actor: &Actor,
    programme_id: i64,
) -> Result<(Programme, Vec<(NaiveDate, ProgrammeTerms)>), AppError> {
    let programme = store::find_programme(conn, programme_id)?;
    if !actor.can_manage_organisation(programme.organisation_id) || actor.role == Role::Applicant {
        return Err(AppError::NotFound);
    }
    let history = store::terms_list(conn, programme_id)?;
    Ok((programme, history))
}

/// The organisation a new programme would belong to, if the actor may create one: a programme officer of a
/// funder. Checked before the form's fields are read, and again by `create_programme`.
pub fn programme_creator(actor: &Actor) -> Result<i64, AppError> {
    actor.require(&[Role::ProgrammeOfficer])?;
    actor.organisation_id.ok_or(AppError::Forbidden)
}
