//! The applicant's side of an application (start, save each step, submit, withdraw) and who may read one.

use std::collections::BTreeMap;

use super::list_cache::{ListCache, ListFigure};
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::application::{
    date_errors, drop_bad_dates, may_delete, next_status, reference_number, step_errors, submission_errors,
    ApplicationAction, ApplicationAnswers, ApplicationStatus, FormStep, SubmissionContext,
};
use crate::domain::contact::{stored_shape_errors, ContactRules};
use crate::domain::eligibility::{assess, EligibilityFacts};
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::i18n::I18n;
pub use crate::store::applications::Application;
use crate::store::applications::{self as store, Submission};
use crate::store::audit::AuditEntry;
use crate::store::programmes::{self as programmes};
use crate::store::{now, organisations, outbox};

/// The rows the applicant's pages and the API show, returned by the use cases below.
pub use crate::store::applications::{Document, StatusEvent};
pub use crate::store::programmes::Call;

/// Starts (or reopens) the applicant's one application to a call.
pub fn start(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<i64, AppError> {
    actor.require(&[Role::Applicant])?;
    write_transaction(conn, |conn| {
        if let Some(existing) = store::find_for_applicant(conn, call_id, actor.user_id)? {
            return Ok(existing.id);
        }
        let call = programmes::find_call(conn, call_id)?;
        if !call.is_open_at(now()) {
            return Err(AppError::Conflict("error-call-not-accepting".into()));
        }
        let id = store::insert_draft(conn, call_id, actor.user_id, &actor.full_name)?;
        store::add_event(conn, id, "draft", "", Some(actor.user_id))?;
        AuditEntry::new("start_application", "application", id)
            .after(&serde_json::json!({"call_id": call_id}))
            .record(conn, &actor.origin())?;
        Ok(id)
    })
}

/// Loads an application for reading, if this actor may read it: its applicant, the officers of the funder
/// whose call it answers (drafts stay private to the applicant), a reviewer it is assigned to (until they
/// declare a conflict), or an administrator. Anyone else gets "not found", so that ids cannot be probed.
pub fn readable(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Application, AppError> {
    let application = store::find(conn, id)?;
    let allowed = match actor.role {
        Role::Applicant => application.applicant_id == actor.user_id,
        Role::Administrator => true,
        Role::Reviewer => super::reviews::reviewer_may_read(conn, actor, id)?,
        role if role.reads_applications() => {
            application.status != ApplicationStatus::Draft.as_str()
                && Some(store::owner_organisation(conn, id)?) == actor.organisation_id
        }
        _ => false,
    };
    if allowed {
        Ok(application)
    } else {
        tracing::warn!(actor = actor.user_id, application = id, "refused access to an application");
        Err(AppError::NotFound)
    }
}

/// The applications a reviewer may read: those assigned to them on which they declared no conflict.
pub fn readable_by_reviewer(conn: &mut DbConn, actor: &Actor) -> Result<Vec<Application>, AppError> {
    actor.require(&[Role::Reviewer])?;
    crate::store::reviews::readable_by_reviewer(conn, actor.user_id)
}

/// The applicant's own application, for editing.
pub fn own(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<Application, AppError> {
    let application = store::find(conn, id)?;
    if actor.role != Role::Applicant || application.applicant_id != actor.user_id {
        return Err(AppError::NotFound);
    }
    Ok(application)
}

/// The applicant's own applications, newest first, each with the title of the call it answers.
pub fn mine(conn: &mut DbConn, actor: &Actor) -> Result<Vec<(Application, String)>, AppError> {
    actor.require(&[Role::Applicant])?;
    Ok(store::of_applicant(conn, actor.user_id)?.into_iter().map(|(a, title, _)| (a, title)).collect())
}

/// The applicant's own application with the call it answers, for a page that asks before a permanent step.
pub fn own_with_call(conn: &mut DbConn, actor: &Actor, id: i64) -> Result<(Application, Call), AppError> {
    let application = own(conn, actor, id)?;
    let call = programmes::find_call(conn, application.call_id)?;
    Ok((application, call))
}

/// An application with what its pages show beside it: the call, the documents, and, for the applicant's
/// own draft, what still blocks submission (empty otherwise: nothing more is asked of it).
pub struct ApplicationFile {
    pub application: Application,
    pub call: Call,
    pub documents: Vec<Document>,
    pub blockers: FieldErrors,
}

fn file_of(
    conn: &mut DbConn,
    actor: &Actor,
    application: Application,
    contact: &ContactRules,
) -> Result<ApplicationFile, AppError> {
    let call = programmes::find_call(conn, application.call_id)?;
    let documents = store::documents(conn, application.id)?;
    let blockers = if actor.role == Role::Applicant && application.status == ApplicationStatus::Draft.as_str() {
        blockers(conn, &application, contact)?
    } else {
        FieldErrors::new()
    };
    Ok(ApplicationFile { application, call, documents, blockers })
}

/// The applicant's own application as its form's steps show it.
pub fn own_file(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    contact: &ContactRules,
) -> Result<ApplicationFile, AppError> {
    let application = own(conn, actor, id)?;
    file_of(conn, actor, application, contact)
}

/// An application the actor may read (see [`readable`]), with its history of statuses.
pub fn readable_file(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    contact: &ContactRules,
) -> Result<(ApplicationFile, Vec<StatusEvent>), AppError> {
    let application = readable(conn, actor, id)?;
    let file = file_of(conn, actor, application, contact)?;
    Ok((file, store::events(conn, id)?))
}

/// An application the actor may read (see [`readable`]), with its documents, as the API shows it.
pub fn readable_with_documents(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
) -> Result<(Application, Vec<Document>), AppError> {
    let application = readable(conn, actor, id)?;
    Ok((application, store::documents(conn, id)?))
}

/// Saves one step of the form as a draft. The answers are stored even when the step has gaps, so that
/// nothing typed is lost; the gaps are returned to show next to their fields.
pub fn save_step(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    version: i32,
    step: FormStep,
    answers: &ApplicationAnswers,
    question_answers: &BTreeMap<String, bool>,
) -> Result<FieldErrors, AppError> {
    write_transaction(conn, |conn| {
        let before = own(conn, actor, id)?;
        let status = ApplicationStatus::parse(&before.status).unwrap_or(ApplicationStatus::Submitted);
        if !status.is_editable() {
            return Err(AppError::Conflict("error-conflict-locked".into()));
        }
        let call = programmes::find_call(conn, before.call_id)?;
        let today = now().date();
        let max_years = max_support_years(conn, &call)?;
        let (answers, bad_dates) = drop_bad_dates(step, answers.clone(), today, call.support_start(), max_years);
        let questions_json = serde_json::to_string(question_answers).map_err(|e| AppError::Internal(e.to_string()))?;
        store::save_answers(conn, id, version, &answers, &questions_json)?;
        AuditEntry::new(&format!("save_step_{}", step.as_str()), "application", id)
            .before(&before.answers())
            .after(&answers)
            .record(conn, &actor.origin())?;
        let mut errors = step_errors(step, &answers, today);
        errors.extend(bad_dates);
        Ok(errors)
    })
}

/// The programme's maximum years of support for a call: from the terms in force when it opens, else today.
fn max_support_years(conn: &mut DbConn, call: &programmes::Call) -> Result<Option<i32>, AppError> {
    let history = programmes::terms_history(conn, call.programme_id)?;
    Ok(history
        .in_force_on(call.opens_at.date())
        .or_else(|| history.in_force_on(now().date()))
        .map(|t| t.max_support_years))
}

/// Everything that still blocks submitting this application, field by field (the call's dates under
/// `call`): the same rules `submit` applies, so that a page can say what is missing before anyone tries.
pub fn blockers(conn: &mut DbConn, application: &Application, contact: &ContactRules) -> Result<FieldErrors, AppError> {
    let call = programmes::find_call(conn, application.call_id)?;
    let question_keys: Vec<String> = call.questions().iter().map(|q| q.key.clone()).collect();
    let answered_keys: Vec<String> = application.question_answers().into_iter().map(|(k, _)| k).collect();
    let uploaded: Vec<String> = store::documents(conn, application.id)?.into_iter().map(|d| d.kind).collect();
    let required = call.required_document_kinds();
    let at = now();
    let ctx = SubmissionContext {
        questions: &question_keys,
        answered_questions: &answered_keys,
        required_documents: &required,
        uploaded_documents: &uploaded,
        opens_at: call.opens_at,
        closes_at: call.closes_at,
    };
    let answers = application.answers();
    let mut errors = submission_errors(&answers, &ctx, at);
    let max_years = max_support_years(conn, &call)?;
    errors.extend(date_errors(&answers, at.date(), call.support_start(), max_years));
    // A draft saved before the shape rules existed may hold an ID or phone they refuse.
    for (field, key) in stored_shape_errors(&application.national_id, &application.phone, contact) {
        errors.entry(field).or_insert(key);
    }
    Ok(errors)
}

/// Submits a complete application before the closing time: locks it, runs the eligibility rules, records
/// the result with its reasons, and e-mails a receipt with the reference number.
pub fn submit(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    id: i64,
    version: i32,
    lang: &str,
    contact: &ContactRules,
) -> Result<String, AppError> {
    write_transaction(conn, |conn| {
        let application = own(conn, actor, id)?;
        let status = ApplicationStatus::parse(&application.status).unwrap_or(ApplicationStatus::Withdrawn);
        next_status(status, ApplicationAction::Submit).map_err(|key| AppError::Conflict(key.into()))?;
        let errors = blockers(conn, &application, contact)?;
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let listing = programmes::call_listing(conn, application.call_id)?;
        let call = &listing.call;
        let questions = call.questions();
        let answered: Vec<(String, bool)> = application.question_answers();
        let at = now();
        let outcome = assess(
            &EligibilityFacts {
                cadre: &application.cadre,
                programme_cadre: &listing.programme.cadre,
                enrolled_full_time: application.enrolled_full_time,
                answers: &answered,
            },
            &questions,
        );
        let organisation = organisations::find(conn, listing.programme.organisation_id)?;
        let reference = reference_number(&organisation.code, call.intake_year, id);
        store::mark_submitted(
            conn,
            id,
            version,
            &Submission { reference: &reference, eligible: outcome.eligible, reasons: &outcome.reasons, at },
        )?;
        store::add_event(conn, id, "submitted", &reference, Some(actor.user_id))?;
        if !outcome.eligible {
            // The reasons are on the application, in the reader's language; an English note would not be.
            store::add_event(conn, id, "ineligible", "", None)?;
        }
        AuditEntry::new("submit_application", "application", id).before(&serde_json::json!({"status": "draft"})).after(&serde_json::json!({"status": "submitted", "reference": reference, "eligible": outcome.eligible, "reasons": outcome.reasons}),).record(conn, &actor.origin())?;
        outbox::enqueue(
            conn,
            &actor.email,
            &i18n.t_args(lang, "mail-receipt-subject", &[("reference", reference.clone())]),
            &i18n.t_args(lang, "mail-receipt-body", &[("reference", reference.clone()), ("call", call.title.clone())]),
        )?;
        Ok(reference)
    })
}

/// Deletes the applicant's own draft, its documents and its events (the audit trail keeps that it existed);
/// returns the storage keys of its files, to remove once committed.
pub fn delete_draft(conn: &mut DbConn, actor: &Actor, id: i64, version: i32) -> Result<Vec<String>, AppError> {
    write_transaction(conn, |conn| {
        let application = own(conn, actor, id)?;
        let status = ApplicationStatus::parse(&application.status).unwrap_or(ApplicationStatus::Withdrawn);
        may_delete(status).map_err(|key| AppError::Conflict(key.into()))?;
        let storage_keys = store::delete_draft(conn, id, version)?;
        AuditEntry::new("delete_draft", "application", id)
            .before(&serde_json::json!({"status": application.status, "call_id": application.call_id}))
            .record(conn, &actor.origin())?;
        Ok(storage_keys)
    })
}

/// Withdraws a submitted application (a draft is deleted instead, see [`delete_draft`]).
pub fn withdraw(conn: &mut DbConn, actor: &Actor, id: i64, version: i32) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let application = own(conn, actor, id)?;
        let status = ApplicationStatus::parse(&application.status).unwrap_or(ApplicationStatus::Withdrawn);
        let next = next_status(status, ApplicationAction::Withdraw).map_err(|key| AppError::Conflict(key.into()))?;
        store::set_status(conn, id, version, next.as_str())?;
        store::add_event(conn, id, next.as_str(), "", Some(actor.user_id))?;
        AuditEntry::new("withdraw_application", "application", id)
            .before(&serde_json::json!({"status": application.status}))
            .after(&serde_json::json!({"status": next.as_str()}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// Applications whose county or sub-county is not in the list, as typed before the list existed and left
/// unmatched by the migration that made the rest canonical: an officer checks them with the applicant.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnmatchedPlace {
    pub application_id: i64,
    pub reference: Option<String>,
    pub full_name: String,
    pub call_title: String,
    pub home_county: String,
    pub home_sub_county: String,
}

/// At most this many are listed; the count says how many there are.
pub const UNMATCHED_PLACES_SHOWN: i64 = 500;

/// The pairs off the list among an organisation's applications (every organisation's for `None`), with
/// how many applications name each. Empty places are gaps, not mismatches.
fn unmatched_pairs(conn: &mut DbConn, scope: Option<i64>) -> Result<Vec<(String, String, i64)>, AppError> {
    Ok(store::place_counts(conn, scope)?
        .into_iter()
        .filter(|(county, sub_county, _)| {
            let unanswered = county.is_empty() && sub_county.is_empty();
            !unanswered && !crate::domain::place::is_canonical_pair(county, sub_county)
        })
        .collect())
}

/// An application whose cadre is off the list, typed before the list existed: assessed against the
/// programme's cadre it would never match, so an officer checks it with the applicant.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnmatchedCadre {
    pub application_id: i64,
    pub reference: Option<String>,
    pub full_name: String,
    pub call_title: String,
    pub status: String,
    pub cadre: String,
}

/// A programme whose cadre is off the list: every application to it picks a key from the list and so would
/// be assessed ineligible until an officer picks the programme's cadre from the list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnmatchedProgramme {
    pub programme_id: i64,
    pub name: String,
    pub cadre: String,
}

/// What an officer checks on the "places to check" page: places and cadres typed before the lists.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlacesToCheck {
    pub places: Vec<UnmatchedPlace>,
    pub places_total: i64,
    pub programmes: Vec<UnmatchedProgramme>,
    pub cadres: Vec<UnmatchedCadre>,
    pub cadres_total: i64,
    /// Everything to check, as the count link on the applications list says it.
    pub total: i64,
}

/// How many applications of the organisation name a place or a cadre off the list. Programmes are counted
/// apart (`unmatched_programme_count`), as a change to a programme does not change the applications' list.
pub fn unmatched_place_count(conn: &mut DbConn, scope: Option<i64>) -> Result<i64, AppError> {
    let places: i64 = unmatched_pairs(conn, scope)?.iter().map(|(_, _, n)| n).sum();
    Ok(places + store::count_cadre_off_list(conn, scope)?)
}

/// How many programmes of the organisation have a cadre off the list.
pub fn unmatched_programme_count(conn: &mut DbConn, scope: Option<i64>) -> Result<i64, AppError> {
    Ok(i64::try_from(programmes::programmes_with_cadre_off_list(conn, scope)?.len()).unwrap_or(i64::MAX))
}

/// The applications and programmes of the actor's organisation that name a place or a cadre off the list.
pub fn unmatched_places(conn: &mut DbConn, actor: &Actor) -> Result<PlacesToCheck, AppError> {
    if !actor.role.reads_applications() {
        return Err(AppError::Forbidden);
    }
    let scope = actor.organisation_scope()?;
    let pairs = unmatched_pairs(conn, scope)?;
    let places_total = pairs.iter().map(|(_, _, n)| n).sum();
    let mut listed = Vec::new();
    for (county, sub_county, _) in pairs {
        let room = UNMATCHED_PLACES_SHOWN - i64::try_from(listed.len()).unwrap_or(i64::MAX);
        if room <= 0 {
            break;
        }
        for (a, call_title) in store::naming_place(conn, scope, &county, &sub_county, room)? {
            listed.push(UnmatchedPlace {
                application_id: a.id,
                reference: a.reference,
                full_name: a.full_name,
                call_title,
                home_county: a.home_county,
                home_sub_county: a.home_sub_county,
            });
        }
    }
    listed.sort_by_key(|p| p.application_id);
    let programmes: Vec<UnmatchedProgramme> = programmes::programmes_with_cadre_off_list(conn, scope)?
        .into_iter()
        .map(|p| UnmatchedProgramme { programme_id: p.id, name: p.name, cadre: p.cadre })
        .collect();
    let cadres_total = store::count_cadre_off_list(conn, scope)?;
    let cadres: Vec<UnmatchedCadre> = store::naming_cadre_off_list(conn, scope, UNMATCHED_PLACES_SHOWN)?
        .into_iter()
        .map(|(a, call_title)| UnmatchedCadre {
            application_id: a.id,
            reference: a.reference,
            full_name: a.full_name,
            call_title,
            status: a.status,
            cadre: a.cadre,
        })
        .collect();
    let programme_count = i64::try_from(programmes.len()).unwrap_or(i64::MAX);
    Ok(PlacesToCheck {
        places: listed,
        places_total,
        programmes,
        cadres,
        cadres_total,
        total: places_total + cadres_total + programme_count,
    })
}

// ---- the funder's list: its pages, its CSV export and the API's list ----

pub use crate::store::applications::ApplicationSummary;

/// Rows on a page of the list (the HTML page and the API alike).
pub const PAGE_SIZE: i64 = 25;

/// Full records handed to the CSV export at a time, so that memory stays flat however long the list.
const EXPORT_BATCH: i64 = 1000;

/// The list's filters as the reader typed them: an empty or blank one is no filter.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub call: Option<i64>,
    pub status: Option<String>,
    pub eligibility: Option<String>,
    pub county: Option<String>,
    pub cadre: Option<String>,
    pub search: Option<String>,
    /// Keyset paging: the last id of the page before.
    pub before: Option<i64>,
    /// Keyset paging backwards ("previous" links): the first id of the page after.
    pub after: Option<i64>,
}

/// One page of the list, with what the filter form offers.
#[derive(Debug, Clone)]
pub struct ApplicationPage {
    pub rows: Vec<ApplicationSummary>,
    /// How many applications the filter matches, on every page.
    pub total: i64,
    /// The calls the reader may filter by: id and title.
    pub calls: Vec<(i64, String)>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// What this actor may list, as the store's filter: the submitted applications to the calls of their
/// organisation (every organisation's for an administrator). Only the roles that read applications list
/// them; the calls read for the scope are returned too, as the filter form offers them.
fn readers_filter(
    conn: &mut DbConn,
    actor: &Actor,
    f: &ListFilter,
) -> Result<(store::ApplicationFilter, Vec<(i64, String)>), AppError> {
    if !actor.role.reads_applications() {
        return Err(AppError::Forbidden);
    }
    let scope = actor.organisation_scope()?;
    let calls = programmes::call_titles(conn, scope)?;
    let filter = store::ApplicationFilter {
        organisation_id: scope,
        call_id: f.call,
        status: non_empty(&f.status).filter(|s| s != ApplicationStatus::Draft.as_str()),
        eligibility: non_empty(&f.eligibility),
        // Stored places and cadres are canonical, so a filter typed in another case or spacing reads them too.
        county: non_empty(&f.county).map(|c| crate::domain::place::canonical_county(&c).map(String::from).unwrap_or(c)),
        cadre: non_empty(&f.cadre).map(|c| crate::domain::cadre::canonical_cadre(&c).map(String::from).unwrap_or(c)),
        search: non_empty(&f.search),
        include_drafts: false,
        before_id: f.before,
        after_id: f.after,
        call_ids: scope.map(|_| calls.iter().map(|(id, _)| *id).collect()),
    };
    Ok((filter, calls))
}

/// A page of the applications the actor's organisation received (see `readers_filter` for who may list
/// them), page `page` counted from 1 unless the filter carries a keyset cursor ("next" and "previous" links
/// do), which then makes the number only a label. The total and where a numbered page starts cost a pass
/// over the organisation's applications, so they are kept in `figures` until the next change to any.
pub fn list(
    conn: &mut DbConn,
    actor: &Actor,
    f: &ListFilter,
    page: i64,
    figures: &ListCache,
) -> Result<ApplicationPage, AppError> {
    let (mut filter, calls) = readers_filter(conn, actor, f)?;
    // The cached figures are the same for every page and cursor of one filter.
    let whole = store::ApplicationFilter { before_id: None, after_id: None, ..filter.clone() };
    let key = format!("{:?}", store::ApplicationFilter { call_ids: None, ..whole.clone() });
    let generation = store::last_change(conn)?;
    if filter.before_id.is_none() && filter.after_id.is_none() && page > 1 {
        let start = figures.get_or_compute(&format!("{key}|page={page}"), generation, || {
            Ok(ListFigure::PageStart(store::id_at(conn, &filter, (page - 1) * PAGE_SIZE)?))
        })?;
        let ListFigure::PageStart(start) = start else {
            return Err(AppError::Internal("list cache returned the wrong figure".into()));
        };
        // The page is then read by keyset from its first row, like a "next" link's.
        match start {
            Some(id) => filter.before_id = Some(id.saturating_add(1)),
            None => {
                let total = total(conn, &key, generation, &whole, figures)?;
                return Ok(ApplicationPage { rows: vec![], total, calls });
            }
        }
    }
    let rows = store::list(conn, &filter, PAGE_SIZE, 0)?;
    let total = total(conn, &key, generation, &whole, figures)?;
    Ok(ApplicationPage { rows, total, calls })
}

/// How many applications a filter matches, kept until the next change to any application.
fn total(
    conn: &mut DbConn,
    key: &str,
    generation: Option<chrono::NaiveDateTime>,
    whole: &store::ApplicationFilter,
    figures: &ListCache,
) -> Result<i64, AppError> {
    match figures.get_or_compute(key, generation, || Ok(ListFigure::Total(store::count(conn, whole)?)))? {
        ListFigure::Total(total) => Ok(total),
        ListFigure::PageStart(_) => Err(AppError::Internal("list cache returned the wrong figure".into())),
    }
}

/// How many places, cadres and programmes off the lists the actor's organisation has to check, as the
/// list's link to them counts them. Applications' figures are kept until the next change to any application;
/// programmes are few and change without touching an application, so they are counted each time.
pub fn to_check_count(conn: &mut DbConn, actor: &Actor, figures: &ListCache) -> Result<i64, AppError> {
    if !actor.role.reads_applications() {
        return Err(AppError::Forbidden);
    }
    let scope = actor.organisation_scope()?;
    let generation = store::last_change(conn)?;
    let places = figures.get_or_compute(&format!("{scope:?}|unmatched-places"), generation, || {
        Ok(ListFigure::Total(unmatched_place_count(conn, scope)?))
    })?;
    let ListFigure::Total(places) = places else {
        return Err(AppError::Internal("list cache returned the wrong figure".into()));
    };
    Ok(places + unmatched_programme_count(conn, scope)?)
}

/// Every application of the list, full records in id order, handed to `each` a batch at a time; the export
/// is recorded in the audit trail. Who may export is who may list (`readers_filter`). No transaction: the
/// read may be long, and holding SQLite's write lock through it would stall every writer for one audit row.
pub fn export(
    conn: &mut DbConn,
    actor: &Actor,
    f: &ListFilter,
    mut each: impl FnMut(&[Application]) -> Result<(), AppError>,
) -> Result<(), AppError> {
    let (filter, _) = readers_filter(conn, actor, f)?;
    let mut after = 0;
    loop {
        let batch = store::export_page(conn, &filter, after, EXPORT_BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        each(&batch)?;
    }
    AuditEntry::new("export_applications", "applications", "csv").record(conn, &actor.origin())
}

/// The applications an API client may read, page `page` of them, and how many there are: an applicant's
/// own and a reviewer's assigned ones, all of them and unfiltered; for the funder's staff, a page of the
/// list with its filters (`list`). Anyone else is refused.
pub fn readable_list(
    conn: &mut DbConn,
    actor: &Actor,
    f: &ListFilter,
    page: i64,
    figures: &ListCache,
) -> Result<(Vec<Application>, i64), AppError> {
    let all = |applications: Vec<Application>| {
        let total = i64::try_from(applications.len()).unwrap_or(i64::MAX);
        (applications, total)
    };
    match actor.role {
        Role::Applicant => Ok(all(store::of_applicant(conn, actor.user_id)?.into_iter().map(|(a, _, _)| a).collect())),
        Role::Reviewer => Ok(all(readable_by_reviewer(conn, actor)?)),
        _ => {
            let listed = list(conn, actor, f, page, figures)?;
            let applications =
                listed.rows.iter().map(|row| store::find(conn, row.id)).collect::<Result<Vec<_>, _>>()?;
            Ok((applications, listed.total))
        }
    }
}
