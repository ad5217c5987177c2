//! Applications, their documents and their status history.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::{DbConn, MultiBackend};
use crate::domain::application::{ApplicationAnswers, ApplicationStatus};
use crate::domain::eligibility::IneligibilityReason;
use crate::error::AppError;
use crate::schema::{application_documents, application_events, applications, calls, programmes};

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Application {
    pub id: i64,
    pub call_id: i64,
    pub applicant_id: i64,
    pub reference: Option<String>,
    pub status: String,
    pub eligibility: Option<String>,
    /// JSON list of reasons: `{"key": …, "args": {…}}`, or English sentences in rows from before keys.
    pub eligibility_reasons: String,
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub national_id: String,
    pub phone: String,
    pub institution: String,
    pub cadre: String,
    pub year_of_study: Option<i32>,
    pub expected_graduation: Option<NaiveDate>,
    pub annual_tuition_minor: Option<i64>,
    pub enrolled_full_time: Option<bool>,
    pub home_county: String,
    pub home_sub_county: String,
    pub essay_motivation: String,
    pub essay_rural_service: String,
    /// JSON object: question key → answer.
    pub eligibility_answers: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// Declared by the applicant; used by the call's priority tiers.
    pub continuing_scholar: bool,
    pub disadvantaged_background: bool,
    pub priority_answered: bool,
}

impl Application {
    pub fn answers(&self) -> ApplicationAnswers {
        ApplicationAnswers {
            full_name: self.full_name.clone(),
            date_of_birth: self.date_of_birth,
            national_id: self.national_id.clone(),
            phone: self.phone.clone(),
            institution: self.institution.clone(),
            cadre: self.cadre.clone(),
            year_of_study: self.year_of_study,
            expected_graduation: self.expected_graduation,
            annual_tuition_minor: self.annual_tuition_minor,
            enrolled_full_time: self.enrolled_full_time,
            home_county: self.home_county.clone(),
            home_sub_county: self.home_sub_county.clone(),
            essay_motivation: self.essay_motivation.clone(),
            essay_rural_service: self.essay_rural_service.clone(),
            continuing_scholar: self.continuing_scholar,
            disadvantaged_background: self.disadvantaged_background,
            priority_answered: self.priority_answered,
        }
    }

    pub fn question_answers(&self) -> Vec<(String, bool)> {
        serde_json::from_str::<std::collections::BTreeMap<String, bool>>(&self.eligibility_answers)
            .unwrap_or_default()
            .into_iter()
            .collect()
    }

    pub fn reasons(&self) -> Vec<IneligibilityReason> {
        serde_json::from_str::<Vec<serde_json::Value>>(&self.eligibility_reasons)
            .unwrap_or_default()
            .into_iter()
            .filter_map(IneligibilityReason::from_stored)
            .collect()
    }
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Document {
    pub id: i64,
    pub application_id: i64,
    pub kind: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    #[serde(skip)]
    pub storage_key: String,
    pub uploaded_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct StatusEvent {
    pub id: i64,
    pub application_id: i64,
    pub status: String,
    pub note: String,
    pub actor_id: Option<i64>,
    pub at: NaiveDateTime,
}

pub fn insert_draft(conn: &mut DbConn, call_id: i64, applicant_id: i64, full_name: &str) -> Result<i64, AppError> {
    let now = super::now();
    diesel::insert_into(applications::table)
        .values((
            applications::call_id.eq(call_id),
            applications::applicant_id.eq(applicant_id),
            applications::status.eq("draft"),
            applications::eligibility_reasons.eq("[]"),
            applications::full_name.eq(full_name),
            applications::national_id.eq(""),
            applications::phone.eq(""),
            applications::institution.eq(""),
            applications::cadre.eq(""),
            applications::home_county.eq(""),
            applications::home_sub_county.eq(""),
            applications::essay_motivation.eq(""),
            applications::essay_rural_service.eq(""),
            applications::eligibility_answers.eq("{}"),
            applications::created_at.eq(now),
            applications::updated_at.eq(now),
            applications::version.eq(1),
        ))
        .returning(applications::id)
        .get_result(conn)
        .map_err(|e| {
            if crate::db::is_unique_violation(&e) {
                AppError::Conflict("error-conflict-already-applied".into())
            } else {
                e.into()
            }
        })
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Application, AppError> {
    Ok(applications::table.find(id).first(conn)?)
}

pub fn find_for_applicant(conn: &mut DbConn, call_id: i64, applicant_id: i64) -> Result<Option<Application>, AppError> {
    Ok(applications::table
        .filter(applications::call_id.eq(call_id))
        .filter(applications::applicant_id.eq(applicant_id))
        .first(conn)
        .optional()?)
}

/// The application with this reference number, if any.
pub fn find_by_reference(conn: &mut DbConn, reference: &str) -> Result<Option<Application>, AppError> {
    Ok(applications::table.filter(applications::reference.eq(reference)).first(conn).optional()?)
}

/// The submitted (not withdrawn, not draft) applications of a call, in id order.
pub fn submitted_of_call(conn: &mut DbConn, call_id: i64) -> Result<Vec<Application>, AppError> {
    Ok(applications::table
        .filter(applications::call_id.eq(call_id))
        .filter(applications::status.eq("submitted"))
        .order(applications::id)
        .load(conn)?)
}

/// An applicant's applications with the call's title and the funder's programme name.
pub fn of_applicant(
    conn: &mut DbConn,
    applicant_id: i64,
) -> Result<Vec<(Application, String, NaiveDateTime)>, AppError> {
    Ok(applications::table
        .inner_join(calls::table)
        .filter(applications::applicant_id.eq(applicant_id))
        .order(applications::id.desc())
        .select((applications::all_columns, calls::title, calls::closes_at))
        .load(conn)?)
}

/// Saves the answers of a draft. Only a draft changes, and only if nobody saved it since `version`
/// was read: a stale save fails instead of overwriting.
pub fn save_answers(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    a: &ApplicationAnswers,
    question_answers: &str,
) -> Result<(), AppError> {
    let n = diesel::update(
        applications::table.find(id).filter(applications::version.eq(version)).filter(applications::status.eq("draft")),
    )
    .set((
        applications::full_name.eq(&a.full_name),
        applications::date_of_birth.eq(a.date_of_birth),
        applications::national_id.eq(&a.national_id),
        applications::phone.eq(&a.phone),
        applications::institution.eq(&a.institution),
        applications::cadre.eq(&a.cadre),
        applications::year_of_study.eq(a.year_of_study),
        applications::expected_graduation.eq(a.expected_graduation),
        applications::annual_tuition_minor.eq(a.annual_tuition_minor),
        applications::enrolled_full_time.eq(a.enrolled_full_time),
        applications::home_county.eq(&a.home_county),
        applications::home_sub_county.eq(&a.home_sub_county),
        applications::essay_motivation.eq(&a.essay_motivation),
        applications::essay_rural_service.eq(&a.essay_rural_service),
        applications::continuing_scholar.eq(a.continuing_scholar),
        applications::disadvantaged_background.eq(a.disadvantaged_background),
        applications::priority_answered.eq(a.priority_answered),
        applications::eligibility_answers.eq(question_answers),
        applications::updated_at.eq(super::now()),
        applications::version.eq(version + 1),
    ))
    .execute(conn)?;
    exactly_one_updated(n)
}

/// An UPDATE guarded by `version` (optimistic concurrency) changed nothing: someone else saved first.
fn exactly_one_updated(rows: usize) -> Result<(), AppError> {
    super::exactly_one(rows, "error-conflict-stale")
}

pub struct Submission<'a> {
    pub reference: &'a str,
    pub eligible: bool,
    pub reasons: &'a [IneligibilityReason],
    pub at: NaiveDateTime,
}

pub fn mark_submitted(conn: &mut DbConn, id: i64, version: i32, s: &Submission) -> Result<(), AppError> {
    let reasons = serde_json::to_string(s.reasons).map_err(|e| AppError::Internal(e.to_string()))?;
    let n = diesel::update(
        applications::table.find(id).filter(applications::version.eq(version)).filter(applications::status.eq("draft")),
    )
    .set((
        applications::status.eq("submitted"),
        applications::reference.eq(s.reference),
        applications::eligibility.eq(if s.eligible { "eligible" } else { "ineligible" }),
        applications::eligibility_reasons.eq(reasons),
        applications::submitted_at.eq(s.at),
        applications::updated_at.eq(s.at),
        applications::version.eq(version + 1),
    ))
    .execute(conn)?;
    exactly_one_updated(n)
}

pub fn set_status(conn: &mut DbConn, id: i64, version: i32, status: &str) -> Result<(), AppError> {
    let n = diesel::update(applications::table.find(id).filter(applications::version.eq(version)))
        .set((
            applications::status.eq(status),
            applications::updated_at.eq(super::now()),
            applications::version.eq(version + 1),
        ))
        .execute(conn)?;
    exactly_one_updated(n)
}

pub fn add_event(
    conn: &mut DbConn,
    application_id: i64,
    status: &str,
    note: &str,
    actor_id: Option<i64>,
) -> Result<(), AppError> {
    diesel::insert_into(application_events::table)
        .values((
            application_events::application_id.eq(application_id),
            application_events::status.eq(status),
            application_events::note.eq(note),
            application_events::actor_id.eq(actor_id),
            application_events::at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn events(conn: &mut DbConn, application_id: i64) -> Result<Vec<StatusEvent>, AppError> {
    Ok(application_events::table
        .filter(application_events::application_id.eq(application_id))
        .order(application_events::id.asc())
        .load(conn)?)
}

/// Deletes a draft with its documents and status events, and returns the storage keys of its files so that
/// the caller can remove them once the transaction has committed. Only a draft at this version goes (status
/// and version in the WHERE), so a submission or an edit in another tab wins over a stale delete.
pub fn delete_draft(conn: &mut DbConn, id: i64, version: i32) -> Result<Vec<String>, AppError> {
    let storage_keys: Vec<String> = application_documents::table
        .filter(application_documents::application_id.eq(id))
        .select(application_documents::storage_key)
        .load(conn)?;
    diesel::delete(application_documents::table.filter(application_documents::application_id.eq(id))).execute(conn)?;
    diesel::delete(application_events::table.filter(application_events::application_id.eq(id))).execute(conn)?;
    let n = diesel::delete(
        applications::table
            .find(id)
            .filter(applications::version.eq(version))
            .filter(applications::status.eq(ApplicationStatus::Draft.as_str())),
    )
    .execute(conn)?;
    exactly_one_updated(n)?;
    Ok(storage_keys)
}

// ---- documents ----

pub struct NewDocument<'a> {
    pub application_id: i64,
    pub kind: &'a str,
    pub original_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub storage_key: &'a str,
}

/// Adds a document, replacing the earlier one of the same kind; returns the storage key it replaced.
pub fn put_document(conn: &mut DbConn, d: &NewDocument) -> Result<Option<String>, AppError> {
    let replaced: Option<String> = application_documents::table
        .filter(application_documents::application_id.eq(d.application_id))
        .filter(application_documents::kind.eq(d.kind))
        .select(application_documents::storage_key)
        .first(conn)
        .optional()?;
    if replaced.is_some() {
        diesel::delete(
            application_documents::table
                .filter(application_documents::application_id.eq(d.application_id))
                .filter(application_documents::kind.eq(d.kind)),
        )
        .execute(conn)?;
    }
    diesel::insert_into(application_documents::table)
        .values((
            application_documents::application_id.eq(d.application_id),
            application_documents::kind.eq(d.kind),
            application_documents::original_name.eq(d.original_name),
            application_documents::content_type.eq(d.content_type),
            application_documents::size_bytes.eq(d.size_bytes),
            application_documents::storage_key.eq(d.storage_key),
            application_documents::uploaded_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(replaced)
}

pub fn documents(conn: &mut DbConn, application_id: i64) -> Result<Vec<Document>, AppError> {
    Ok(application_documents::table
        .filter(application_documents::application_id.eq(application_id))
        .order(application_documents::kind.asc())
        .load(conn)?)
}

pub fn find_document(conn: &mut DbConn, id: i64) -> Result<Document, AppError> {
    Ok(application_documents::table.find(id).first(conn)?)
}

// ---- the funder's list ----

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub organisation_id: Option<i64>,
    pub call_id: Option<i64>,
    pub status: Option<String>,
    pub eligibility: Option<String>,
    pub county: Option<String>,
    pub cadre: Option<String>,
    /// Matches a name or a reference, case-insensitively on both backends.
    pub search: Option<String>,
    /// Drafts are the applicant's own business until submitted.
    pub include_drafts: bool,
    /// Keyset paging: only rows with a smaller id than the last one of the page before.
    pub before_id: Option<i64>,
    /// Keyset paging backwards: only rows with a larger id than the first one of the page after.
    pub after_id: Option<i64>,
    /// The organisation's calls when the caller has read them already: the scope then becomes
    /// `call_id = ANY(ids)`, or `call_id = id` for one call, which lets both planners read the
    /// (call_id, …) indexes in id order and stop after a page instead of sorting every match.
    pub call_ids: Option<Vec<i64>>,
}

/// One row of the funder's list.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct ApplicationSummary {
    pub id: i64,
    pub reference: Option<String>,
    pub full_name: String,
    pub status: String,
    pub eligibility: Option<String>,
    pub home_county: String,
    pub cadre: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub call_title: String,
}

/// The filters on `applications` alone: the organisation becomes `call_id IN (its calls)`, so that both
/// planners drive the query from the (call_id, …) indexes instead of joining every application.
fn filtered<'a>(f: &'a ApplicationFilter) -> diesel::helper_types::IntoBoxed<'a, applications::table, MultiBackend> {
    let mut q = applications::table.into_boxed();
    if let Some(ids) = &f.call_ids {
        q = match ids.as_slice() {
            [one] => q.filter(applications::call_id.eq(*one)),
            _ => q.filter(applications::call_id.eq_any(ids.clone())),
        };
    } else if let Some(org) = f.organisation_id {
        q = q.filter(applications::call_id.eq_any(
            calls::table.inner_join(programmes::table).filter(programmes::organisation_id.eq(org)).select(calls::id),
        ));
    }
    if let Some(call) = f.call_id {
        q = q.filter(applications::call_id.eq(call));
    }
    if let Some(status) = &f.status {
        q = q.filter(applications::status.eq(status));
    } else if !f.include_drafts {
        q = q.filter(applications::status.ne("draft"));
    }
    if let Some(e) = &f.eligibility {
        q = q.filter(applications::eligibility.eq(e));
    }
    if let Some(county) = &f.county {
        q = q.filter(applications::home_county.eq(county));
    }
    if let Some(cadre) = &f.cadre {
        q = q.filter(applications::cadre.eq(cadre));
    }
    if let Some(before) = f.before_id {
        q = q.filter(applications::id.lt(before));
    }
    if let Some(after) = f.after_id {
        q = q.filter(applications::id.gt(after));
    }
    if let Some(search) = &f.search {
        // `lower(…) LIKE lower(…)`: LIKE is case-insensitive on SQLite only.
        let pattern = format!("%{}%", search.to_lowercase().replace(['%', '_'], ""));
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("(lower(applications.full_name) LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern.clone())
                .sql(" OR lower(COALESCE(applications.reference, '')) LIKE ")
                .bind::<diesel::sql_types::Text, _>(pattern)
                .sql(")"),
        );
    }
    q
}

pub fn list(
    conn: &mut DbConn,
    f: &ApplicationFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<ApplicationSummary>, AppError> {
    // Two steps: the page's ids from the index alone, then those rows with their call's title. Joining in
    // the first step makes SQLite sort whole rows. Paging backwards (`after_id`) takes the nearest ids
    // above the cursor, in ascending order; the rows are still shown newest first.
    let ids = filtered(f).limit(limit).offset(offset).select(applications::id);
    let ids: Vec<i64> = if f.after_id.is_some() && f.before_id.is_none() {
        ids.order(applications::id.asc()).load(conn)?
    } else {
        ids.order(applications::id.desc()).load(conn)?
    };
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(applications::table
        .inner_join(calls::table)
        .filter(applications::id.eq_any(ids))
        .order(applications::id.desc())
        .select((
            applications::id,
            applications::reference,
            applications::full_name,
            applications::status,
            applications::eligibility,
            applications::home_county,
            applications::cadre,
            applications::submitted_at,
            calls::title,
        ))
        .load(conn)?)
}

/// The id of the row at `offset` in the list (newest first), or `None` past the end: the first row of a
/// page asked for by number, so that the page itself is then read by keyset. Only ids are read, so for
/// the list's usual filters the OFFSET walks the narrow (call_id, …) index entries, not the rows.
pub fn id_at(conn: &mut DbConn, f: &ApplicationFilter, offset: i64) -> Result<Option<i64>, AppError> {
    Ok(filtered(f)
        .order(applications::id.desc())
        .offset(offset)
        .limit(1)
        .select(applications::id)
        .first(conn)
        .optional()?)
}

/// The time of the newest change to any application: cached list figures are keyed by it, so they are
/// recomputed after every change, on any server.
pub fn last_change(conn: &mut DbConn) -> Result<Option<NaiveDateTime>, AppError> {
    Ok(applications::table.select(diesel::dsl::max(applications::updated_at)).first(conn)?)
}

pub fn count(conn: &mut DbConn, f: &ApplicationFilter) -> Result<i64, AppError> {
    Ok(filtered(f).count().get_result(conn)?)
}

/// Full records for the CSV export, in id order, a page at a time so that memory stays flat.
pub fn export_page(
    conn: &mut DbConn,
    f: &ApplicationFilter,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Application>, AppError> {
    Ok(filtered(f)
        .filter(applications::id.gt(after_id))
        .order(applications::id.asc())
        .limit(limit)
        .select(applications::all_columns)
        .load(conn)?)
}

/// The organisation that owns the call an application was made to.
pub fn owner_organisation(conn: &mut DbConn, application_id: i64) -> Result<i64, AppError> {
    Ok(applications::table
        .inner_join(calls::table.inner_join(programmes::table))
        .filter(applications::id.eq(application_id))
        .select(programmes::organisation_id)
        .first(conn)?)
}

/// Each (county, sub-county) pair named by submitted or withdrawn applications to an organisation's calls
/// (every organisation's for `None`), with how many name it: few pairs, however many applications.
pub fn place_counts(conn: &mut DbConn, organisation_id: Option<i64>) -> Result<Vec<(String, String, i64)>, AppError> {
    let mut q = applications::table
        .inner_join(calls::table.inner_join(programmes::table))
        .filter(applications::status.ne("draft"))
        .group_by((applications::home_county, applications::home_sub_county))
        .select((applications::home_county, applications::home_sub_county, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(org) = organisation_id {
        q = q.filter(programmes::organisation_id.eq(org));
    }
    Ok(q.load(conn)?)
}

type WithProgramme = diesel::helper_types::InnerJoin<
    applications::table,
    diesel::helper_types::InnerJoin<calls::table, programmes::table>,
>;

/// Draft and submitted applications to an organisation's calls (every organisation's for `None`) whose
/// cadre is neither empty (not yet answered) nor a key of the list: they would be assessed against a cadre
/// the programme's list does not have.
fn cadre_off_list(
    organisation_id: Option<i64>,
) -> diesel::helper_types::IntoBoxed<'static, WithProgramme, MultiBackend> {
    let mut q = applications::table
        .inner_join(calls::table.inner_join(programmes::table))
        .into_boxed()
        .filter(applications::status.eq_any(["draft", "submitted"]))
        .filter(applications::cadre.ne(""))
        .filter(applications::cadre.ne_all(crate::domain::cadre::CADRES));
    if let Some(org) = organisation_id {
        q = q.filter(programmes::organisation_id.eq(org));
    }
    q
}

pub fn count_cadre_off_list(conn: &mut DbConn, organisation_id: Option<i64>) -> Result<i64, AppError> {
    Ok(cadre_off_list(organisation_id).count().get_result(conn)?)
}

/// The applications `count_cadre_off_list` counts, with their call's title, oldest first.
pub fn naming_cadre_off_list(
    conn: &mut DbConn,
    organisation_id: Option<i64>,
    limit: i64,
) -> Result<Vec<(Application, String)>, AppError> {
    Ok(cadre_off_list(organisation_id)
        .select((applications::all_columns, calls::title))
        .order(applications::id.asc())
        .limit(limit)
        .load(conn)?)
}

/// The submitted or withdrawn applications to an organisation's calls that name this county and
/// sub-county exactly, with their call's title, oldest first.
pub fn naming_place(
    conn: &mut DbConn,
    organisation_id: Option<i64>,
    county: &str,
    sub_county: &str,
    limit: i64,
) -> Result<Vec<(Application, String)>, AppError> {
    let mut q = applications::table
        .inner_join(calls::table.inner_join(programmes::table))
        .filter(applications::status.ne("draft"))
        .filter(applications::home_county.eq(county))
        .filter(applications::home_sub_county.eq(sub_county))
        .select((applications::all_columns, calls::title))
        .into_boxed();
    if let Some(org) = organisation_id {
        q = q.filter(programmes::organisation_id.eq(org));
    }
    Ok(q.order(applications::id.asc()).limit(limit).load(conn)?)
}
