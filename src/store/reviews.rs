//! A call's rubric and priority rules, and the review assignments with each reviewer's declaration and scores.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConn;
use crate::domain::ranking::PriorityRule;
use crate::domain::review::{Rubric, ScoreSheet};
use crate::error::AppError;
use crate::schema::{applications, review_assignments, rubrics, users};

/// A call's rubric and priority rules as stored.
pub struct CallRubric {
    pub rubric: Rubric,
    pub priority_rules: Vec<PriorityRule>,
}

pub fn rubric_of(conn: &mut DbConn, call_id: i64) -> Result<Option<CallRubric>, AppError> {
    let row: Option<(String, i32, String)> = rubrics::table
        .filter(rubrics::call_id.eq(call_id))
        .select((rubrics::criteria, rubrics::minimum_fundable, rubrics::priority_rules))
        .first(conn)
        .optional()?;
    row.map(|(criteria, minimum, rules)| {
        let criteria = serde_json::from_str(&criteria)
            .map_err(|e| AppError::Internal(format!("rubric of call {call_id} is not valid JSON: {e}")))?;
        let priority_rules = serde_json::from_str(&rules)
            .map_err(|e| AppError::Internal(format!("priority rules of call {call_id}: {e}")))?;
        let minimum_fundable = u32::try_from(minimum).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(CallRubric { rubric: Rubric { criteria, minimum_fundable }, priority_rules })
    })
    .transpose()
}

/// Saves the call's rubric and rules, replacing earlier ones.
pub fn save_rubric(conn: &mut DbConn, call_id: i64, r: &CallRubric) -> Result<(), AppError> {
    let criteria = serde_json::to_string(&r.rubric.criteria).map_err(|e| AppError::Internal(e.to_string()))?;
    let rules = serde_json::to_string(&r.priority_rules).map_err(|e| AppError::Internal(e.to_string()))?;
    let minimum = i32::try_from(r.rubric.minimum_fundable).map_err(|e| AppError::Internal(e.to_string()))?;
    let updated = diesel::update(rubrics::table.filter(rubrics::call_id.eq(call_id)))
        .set((
            rubrics::criteria.eq(&criteria),
            rubrics::minimum_fundable.eq(minimum),
            rubrics::priority_rules.eq(&rules),
            rubrics::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(rubrics::table)
            .values((
                rubrics::call_id.eq(call_id),
                rubrics::criteria.eq(&criteria),
                rubrics::minimum_fundable.eq(minimum),
                rubrics::priority_rules.eq(&rules),
                rubrics::updated_at.eq(super::now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Serialize)]
pub struct Assignment {
    pub id: i64,
    pub application_id: i64,
    pub reviewer_id: i64,
    pub assigned_by: i64,
    pub assigned_at: NaiveDateTime,
    pub declaration: Option<String>,
    pub declared_at: Option<NaiveDateTime>,
    /// JSON: criterion key → points.
    pub scores: Option<String>,
    pub total_hundredths: Option<i32>,
    pub comment: String,
    pub scored_at: Option<NaiveDateTime>,
}

impl Assignment {
    pub fn sheet(&self) -> ScoreSheet {
        self.scores.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default()
    }
}

/// Assigns a reviewer to an application; an existing assignment is left as it is (returns false).
pub fn assign(conn: &mut DbConn, application_id: i64, reviewer_id: i64, assigned_by: i64) -> Result<bool, AppError> {
    let exists: i64 = review_assignments::table
        .filter(review_assignments::application_id.eq(application_id))
        .filter(review_assignments::reviewer_id.eq(reviewer_id))
        .count()
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    let inserted = diesel::insert_into(review_assignments::table)
        .values((
            review_assignments::application_id.eq(application_id),
            review_assignments::reviewer_id.eq(reviewer_id),
            review_assignments::assigned_by.eq(assigned_by),
            review_assignments::assigned_at.eq(super::now()),
            review_assignments::comment.eq(""),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        // Someone assigned the same pair a moment ago: it is assigned, which is what was asked.
        Err(e) if crate::db::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Assignment, AppError> {
    Ok(review_assignments::table.find(id).first(conn)?)
}

pub fn find_for(conn: &mut DbConn, application_id: i64, reviewer_id: i64) -> Result<Option<Assignment>, AppError> {
    Ok(review_assignments::table
        .filter(review_assignments::application_id.eq(application_id))
        .filter(review_assignments::reviewer_id.eq(reviewer_id))
        .first(conn)
        .optional()?)
}

/// Records a declaration. Guarded by the declaration read before, so two tabs cannot both declare.
pub fn set_declaration(
    conn: &mut DbConn,
    id: i64,
    before: Option<&str>,
    declaration: &str,
    discard_scores: bool,
) -> Result<(), AppError> {
    let target = review_assignments::table.find(id);
    let n = match (before, discard_scores) {
        (None, _) => diesel::update(target.filter(review_assignments::declaration.is_null()))
            .set((review_assignments::declaration.eq(declaration), review_assignments::declared_at.eq(super::now())))
            .execute(conn)?,
        (Some(b), true) => diesel::update(target.filter(review_assignments::declaration.eq(b)))
            .set((
                review_assignments::declaration.eq(declaration),
                review_assignments::declared_at.eq(super::now()),
                review_assignments::scores.eq(None::<String>),
                review_assignments::total_hundredths.eq(None::<i32>),
                review_assignments::scored_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        (Some(b), false) => diesel::update(target.filter(review_assignments::declaration.eq(b)))
            .set((review_assignments::declaration.eq(declaration), review_assignments::declared_at.eq(super::now())))
            .execute(conn)?,
    };
    super::exactly_one(n, "error-conflict-stale")
}

pub fn save_scores(
    conn: &mut DbConn,
    id: i64,
    sheet: &ScoreSheet,
    total_hundredths: u32,
    comment: &str,
) -> Result<(), AppError> {
    let scores = serde_json::to_string(sheet).map_err(|e| AppError::Internal(e.to_string()))?;
    let total = i32::try_from(total_hundredths).map_err(|e| AppError::Internal(e.to_string()))?;
    let n = diesel::update(review_assignments::table.find(id).filter(review_assignments::declaration.eq("none")))
        .set((
            review_assignments::scores.eq(scores),
            review_assignments::total_hundredths.eq(total),
            review_assignments::comment.eq(comment),
            review_assignments::scored_at.eq(super::now()),
        ))
        .execute(conn)?;
    super::exactly_one(n, "error-recused")
}

/// The applications a reviewer may read: assigned and declared free of conflict.
pub fn readable_by_reviewer(
    conn: &mut DbConn,
    reviewer_id: i64,
) -> Result<Vec<crate::store::applications::Application>, AppError> {
    Ok(review_assignments::table
        .inner_join(applications::table)
        .filter(review_assignments::reviewer_id.eq(reviewer_id))
        .filter(review_assignments::declaration.eq("none"))
        .order(applications::id.desc())
        .select(applications::all_columns)
        .load(conn)?)
}

/// Whether any reviewer has scored an application of the call.
pub fn any_scored(conn: &mut DbConn, call_id: i64) -> Result<bool, AppError> {
    let scored: i64 = review_assignments::table
        .inner_join(applications::table)
        .filter(applications::call_id.eq(call_id))
        .filter(review_assignments::total_hundredths.is_not_null())
        .count()
        .get_result(conn)?;
    Ok(scored > 0)
}

/// A reviewer's assignments with the application's reference, call and applicant name, newest first.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct AssignmentListing {
    pub id: i64,
    pub application_id: i64,
    pub reference: Option<String>,
    pub full_name: String,
    pub call_id: i64,
    pub declaration: Option<String>,
    pub total_hundredths: Option<i32>,
}

pub fn of_reviewer(conn: &mut DbConn, reviewer_id: i64) -> Result<Vec<AssignmentListing>, AppError> {
    Ok(review_assignments::table
        .inner_join(applications::table)
        .filter(review_assignments::reviewer_id.eq(reviewer_id))
        .order(review_assignments::id.desc())
        .select((
            review_assignments::id,
            review_assignments::application_id,
            applications::reference,
            applications::full_name,
            applications::call_id,
            review_assignments::declaration,
            review_assignments::total_hundredths,
        ))
        .load(conn)?)
}

/// Every assignment on a call's applications, with the reviewer's name.
pub fn of_call(conn: &mut DbConn, call_id: i64) -> Result<Vec<(Assignment, String)>, AppError> {
    Ok(review_assignments::table
        .inner_join(applications::table)
        .inner_join(users::table.on(users::id.eq(review_assignments::reviewer_id)))
        .filter(applications::call_id.eq(call_id))
        .order((review_assignments::application_id, review_assignments::reviewer_id))
        .select((review_assignments::all_columns, users::full_name))
        .load(conn)?)
}
