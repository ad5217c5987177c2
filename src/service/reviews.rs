//! The review panel: the call's rubric and priority rules, assigning reviewers (by hand or evenly at random),
//! the reviewer's conflict declaration and scores.

use chrono::NaiveDate;

use super::access::{call_to_change, managed_call, require_officer};
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::ranking::PriorityRule;
use crate::domain::review::{assign_evenly, may_review, next_declaration, ConflictDeclaration, Rubric, ScoreSheet};
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::store::applications::{self as applications, Application};
use crate::store::audit::AuditEntry;
use crate::store::programmes;
use crate::store::reviews::{self as store, CallRubric};
pub use crate::store::reviews::{Assignment, AssignmentListing};
use crate::store::users;

/// What the officer sets on the call's review page.
pub struct ReviewSettings {
    pub rubric: Rubric,
    pub priority_rules: Vec<PriorityRule>,
    pub support_starts_on: NaiveDate,
    pub school_terms_per_year: i32,
}

pub fn configure(conn: &mut DbConn, actor: &Actor, call_id: i64, s: &ReviewSettings) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        call_to_change(conn, actor, call_id)?;
        let mut errors: FieldErrors = s.rubric.validate().err().unwrap_or_default();
        if !(1..=12).contains(&s.school_terms_per_year) {
            errors.insert("school_terms_per_year".into(), "error-range-1-12".into());
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let before = store::rubric_of(conn, call_id)?.map(|r| r.rubric);
        // Stored totals were computed on the criteria as they were: once anyone has scored, the criteria stay.
        // (Labels may still be reworded: they do not change a total.)
        let scale = |r: &Rubric| r.criteria.iter().map(|c| (c.key.clone(), c.max_points, c.weight)).collect::<Vec<_>>();
        let criteria_changed = before.as_ref().is_some_and(|b| scale(b) != scale(&s.rubric));
        if criteria_changed && store::any_scored(conn, call_id)? {
            return Err(AppError::field("criteria", "error-rubric-locked"));
        }
        store::save_rubric(
            conn,
            call_id,
            &CallRubric { rubric: s.rubric.clone(), priority_rules: s.priority_rules.clone() },
        )?;
        programmes::set_call_schedule(conn, call_id, s.support_starts_on, s.school_terms_per_year)?;
        let entry = AuditEntry::new("configure_review", "call", call_id).after(&serde_json::json!({
            "rubric": s.rubric, "priority_rules": s.priority_rules,
            "support_starts_on": s.support_starts_on, "school_terms_per_year": s.school_terms_per_year,
        }));
        // A call reviewed for the first time had no rubric: the trail shows no "before" rather than a null one.
        match &before {
            Some(rubric) => entry.before(rubric),
            None => entry,
        }
        .record(conn, &actor.origin())
    })
}

/// The reviewers of the call's organisation who can log in.
pub fn panel(conn: &mut DbConn, organisation_id: i64) -> Result<Vec<users::User>, AppError> {
    Ok(users::staff_of(conn, Some(organisation_id))?
        .into_iter()
        .filter(|u| u.role == Role::Reviewer.as_str() && !u.disabled)
        .collect())
}

/// Submitted applications of a call that reviewers score: the eligible ones (the ineligible are set apart
/// with their reasons whatever their score).
fn reviewable(conn: &mut DbConn, call_id: i64) -> Result<Vec<Application>, AppError> {
    Ok(applications::submitted_of_call(conn, call_id)?
        .into_iter()
        .filter(|a| a.eligibility.as_deref() == Some("eligible"))
        .collect())
}

/// Assigns one reviewer to one application by hand.
pub fn assign(
    conn: &mut DbConn,
    actor: &Actor,
    call_id: i64,
    application_id: i64,
    reviewer_id: i64,
) -> Result<bool, AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let listing = managed_call(conn, actor, call_id)?;
        // The id comes from the form's list: an unknown one is named like any other wrong pick.
        let application = applications::find(conn, application_id).map_err(|e| match e {
            AppError::NotFound => AppError::field("application_id", "error-not-in-call"),
            other => other,
        })?;
        if application.call_id != call_id || application.status != "submitted" {
            return Err(AppError::field("application_id", "error-not-in-call"));
        }
        if !panel(conn, listing.programme.organisation_id)?.iter().any(|u| u.id == reviewer_id) {
            return Err(AppError::field("reviewer_id", "error-not-a-reviewer"));
        }
        let added = store::assign(conn, application_id, reviewer_id, actor.user_id)?;
        if added {
            AuditEntry::new("assign_reviewer", "application", application_id)
                .after(&serde_json::json!({"reviewer_id": reviewer_id}))
                .record(conn, &actor.origin())?;
        }
        Ok(added)
    })
}

/// Assigns `per_application` reviewers to every eligible application of the call, evenly at random;
/// applications that already have reviewers keep them and get only the ones they lack. Returns how many
/// assignments were added.
pub fn assign_panel_evenly(
    conn: &mut DbConn,
    actor: &Actor,
    call_id: i64,
    per_application: usize,
    seed: u64,
) -> Result<usize, AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let listing = managed_call(conn, actor, call_id)?;
        let reviewers: Vec<i64> = panel(conn, listing.programme.organisation_id)?.iter().map(|u| u.id).collect();
        let existing = store::of_call(conn, call_id)?;
        let needing: Vec<i64> = reviewable(conn, call_id)?
            .iter()
            .filter(|a| existing.iter().filter(|(x, _)| x.application_id == a.id).count() < per_application)
            .map(|a| a.id)
            .collect();
        let pairs = assign_evenly(&needing, &reviewers, per_application, seed)
            .map_err(|key| AppError::field("per_application", key))?;
        // An application keeps the reviewers it had; the draw tops it up to `per_application`.
        let mut count: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        for (a, _) in &existing {
            *count.entry(a.application_id).or_default() += 1;
        }
        let mut added = 0;
        for (application_id, reviewer_id) in pairs {
            let n = count.entry(application_id).or_default();
            if *n < per_application && store::assign(conn, application_id, reviewer_id, actor.user_id)? {
                *n += 1;
                added += 1;
            }
        }
        AuditEntry::new("assign_reviewers_evenly", "call", call_id)
            .after(&serde_json::json!({"per_application": per_application, "seed": seed, "added": added}))
            .record(conn, &actor.origin())?;
        Ok(added)
    })
}

/// An assignment of this reviewer (and no one else's), with the application it is about.
pub fn own_assignment(conn: &mut DbConn, actor: &Actor, assignment_id: i64) -> Result<Assignment, AppError> {
    let assignment = store::find(conn, assignment_id)?;
    if actor.role != Role::Reviewer || assignment.reviewer_id != actor.user_id {
        return Err(AppError::NotFound);
    }
    Ok(assignment)
}

fn declaration_of(a: &Assignment) -> Option<ConflictDeclaration> {
    a.declaration.as_deref().and_then(ConflictDeclaration::parse)
}

/// Whether the reviewer may read the application: assigned, declared no conflict, not recused.
pub fn reviewer_may_read(conn: &mut DbConn, actor: &Actor, application_id: i64) -> Result<bool, AppError> {
    Ok(store::find_for(conn, application_id, actor.user_id)?.is_some_and(|a| may_review(declaration_of(&a)).is_ok()))
}

/// The reviewer's own assignments, newest first. A recused reviewer no longer sees the applicant's name.
pub fn assignments_of(conn: &mut DbConn, actor: &Actor) -> Result<Vec<AssignmentListing>, AppError> {
    actor.require(&[Role::Reviewer])?;
    let mut listed = store::of_reviewer(conn, actor.user_id)?;
    for a in listed.iter_mut().filter(|a| a.declaration.as_deref() == Some(ConflictDeclaration::Conflict.as_str())) {
        a.full_name.clear();
    }
    Ok(listed)
}

/// One assignment as its reviewer sees it. Before declaring, they see who the applicant is, enough to know
/// whether they have a conflict; the essays only after declaring none; a recused reviewer nothing more.
pub struct ReviewFile {
    pub assignment: Assignment,
    /// The application for telling who the applicant is: none once the reviewer declared a conflict.
    pub applicant: Option<Application>,
    /// The whole application, essays included: only once the reviewer declared no conflict.
    pub application: Option<Application>,
    pub rubric: Option<Rubric>,
}

pub fn review_file(conn: &mut DbConn, actor: &Actor, assignment_id: i64) -> Result<ReviewFile, AppError> {
    let assignment = own_assignment(conn, actor, assignment_id)?;
    let application = applications::find(conn, assignment.application_id)?;
    let rubric = store::rubric_of(conn, application.call_id)?.map(|r| r.rubric);
    let declared = declaration_of(&assignment);
    let applicant = (declared != Some(ConflictDeclaration::Conflict)).then(|| application.clone());
    let application = (declared == Some(ConflictDeclaration::None)).then_some(application);
    Ok(ReviewFile { assignment, applicant, application, rubric })
}

/// The reviewer declares a conflict of interest, or none. A conflict recuses them for good and discards any
/// scores they gave.
pub fn declare(
    conn: &mut DbConn,
    actor: &Actor,
    assignment_id: i64,
    declared: ConflictDeclaration,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let assignment = own_assignment(conn, actor, assignment_id)?;
        let current = declaration_of(&assignment);
        let next = next_declaration(current, declared).map_err(|key| AppError::Conflict(key.into()))?;
        store::set_declaration(
            conn,
            assignment_id,
            assignment.declaration.as_deref(),
            next.as_str(),
            next == ConflictDeclaration::Conflict,
        )?;
        AuditEntry::new("declare_conflict", "application", assignment.application_id)
            .before(&serde_json::json!({"declaration": assignment.declaration}))
            .after(&serde_json::json!({"declaration": next.as_str()}))
            .record(conn, &actor.origin())
    })
}

/// The reviewer scores the application on the call's rubric (after declaring no conflict).
pub fn score(
    conn: &mut DbConn,
    actor: &Actor,
    assignment_id: i64,
    sheet: &ScoreSheet,
    comment: &str,
) -> Result<u32, AppError> {
    write_transaction(conn, |conn| {
        let assignment = own_assignment(conn, actor, assignment_id)?;
        may_review(declaration_of(&assignment)).map_err(|key| AppError::Conflict(key.into()))?;
        let application = applications::find(conn, assignment.application_id)?;
        let rubric =
            store::rubric_of(conn, application.call_id)?.ok_or_else(|| AppError::Conflict("error-no-rubric".into()))?;
        let total = rubric.rubric.total_hundredths(sheet).map_err(AppError::Validation)?;
        store::save_scores(conn, assignment_id, sheet, total, comment.trim())?;
        AuditEntry::new("score_application", "application", assignment.application_id)
            .before(&serde_json::json!({"scores": assignment.scores, "total_hundredths": assignment.total_hundredths}))
            .after(&serde_json::json!({"scores": sheet, "total_hundredths": total, "comment": comment.trim()}))
            .record(conn, &actor.origin())?;
        Ok(total)
    })
}

/// What a call's review set-up page shows: the call, its saved rubric, the funder's panel, the assignments
/// with their reviewer's name, and the call's submitted applications.
pub struct ReviewSetUp {
    pub listing: programmes::CallListing,
    pub rubric: Option<CallRubric>,
    pub panel: Vec<users::User>,
    pub assignments: Vec<(Assignment, String)>,
    pub submitted: Vec<Application>,
}

/// A call's review set-up, for the funder's staff (see `managed_call`).
pub fn review_set_up(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<ReviewSetUp, AppError> {
    let listing = super::access::managed_call(conn, actor, call_id)?;
    let panel = panel(conn, listing.programme.organisation_id)?;
    Ok(ReviewSetUp {
        rubric: store::rubric_of(conn, call_id)?,
        panel,
        assignments: store::of_call(conn, call_id)?,
        submitted: applications::submitted_of_call(conn, call_id)?,
        listing,
    })
}
