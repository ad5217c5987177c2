//! One assignment: who the applicant is, the declaration of a conflict or none, then the score sheet.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::domain::review::{ConflictDeclaration, Rubric, ScoreSheet};
use crate::error::{AppError, FieldErrors};
use crate::service::applications::Application;
use crate::service::reviews::{self as service, Assignment, ReviewFile};
use crate::service::Actor;
use crate::web::page::{redirect, render_status, stored_points, PageResult, Visitor};
use crate::web::AppState;

/// The assignment's page: who the applicant is (until a conflict is declared), the application once no
/// conflict is declared, and the score sheet.
#[derive(Serialize)]
struct ReviewPage {
    assignment: Assignment,
    who: Option<Applicant>,
    application: Option<Application>,
    rubric: Option<Rubric>,
    /// The score sheet's fields (`score_<criterion>`, `comment`) as stored or as typed.
    values: BTreeMap<String, String>,
    errors: FieldErrors,
    total: Option<String>,
}

/// Enough to tell who the applicant is, and so whether the reviewer has a conflict.
#[derive(Serialize)]
struct Applicant {
    reference: Option<String>,
    full_name: String,
    institution: String,
    home_county: String,
    home_sub_county: String,
}

impl From<Application> for Applicant {
    fn from(a: Application) -> Self {
        Applicant {
            reference: a.reference,
            full_name: a.full_name,
            institution: a.institution,
            home_county: a.home_county,
            home_sub_county: a.home_sub_county,
        }
    }
}

pub(super) async fn review_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    review_page_with(&state, &visitor, path.into_inner(), None, FieldErrors::new(), StatusCode::OK).await
}

async fn review_page_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    values: Option<BTreeMap<String, String>>,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let ReviewFile { assignment, applicant, application, rubric } =
        state.db.run(move |conn| service::review_file(conn, &actor, id)).await?;
    let values = values.unwrap_or_else(|| {
        let mut v: BTreeMap<String, String> =
            assignment.sheet().iter().map(|(k, p)| (format!("score_{k}"), p.to_string())).collect();
        v.insert("comment".into(), assignment.comment.clone());
        v
    });
    let page = ReviewPage {
        total: stored_points(assignment.total_hundredths, &visitor.lang),
        who: applicant.map(Applicant::from),
        assignment,
        application,
        rubric,
        values,
        errors,
    };
    render_status(state, visitor, "review/review.html", &page, status)
}

/// Refuses, before any field of the form is read, anyone but the reviewer the assignment is for.
async fn authorize_assignment(state: &AppState, actor: &Actor, assignment_id: i64) -> Result<(), AppError> {
    let actor = actor.clone();
    state.db.run(move |conn| service::own_assignment(conn, &actor, assignment_id).map(|_| ())).await
}

/// Declaring a conflict of interest, or none.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct DeclareForm {
    csrf_token: String,
    /// "none" or "conflict"; anything else is no declaration.
    declaration: String,
    /// "yes" when the reviewer ticked that a conflict recuses them for good.
    confirm_conflict: String,
}

pub(super) async fn declare(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<DeclareForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize_assignment(&state, &actor, id).await?;
    let declared = ConflictDeclaration::parse(form.declaration.trim())
        .ok_or_else(|| AppError::field("declaration", "error-required"))?;
    // A conflict recuses the reviewer for good: it takes a tick that says so, not one stray tap.
    if declared == ConflictDeclaration::Conflict && form.confirm_conflict.trim() != "yes" {
        let errors = FieldErrors::from([("confirm_conflict".to_string(), "error-confirm-conflict".to_string())]);
        return review_page_with(&state, &visitor, id, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    state.db.run(move |conn| service::declare(conn, &actor, id, declared)).await?;
    visitor.flash(if declared == ConflictDeclaration::Conflict { "review-recused" } else { "review-declared" });
    Ok(redirect(&format!("/reviews/{id}")))
}

/// The score sheet: one `score_<criterion>` field per criterion of the call's rubric, as many as it has, so
/// they are the fields no name here matches; read through `typed_scores`.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ScoreForm {
    csrf_token: String,
    comment: String,
    #[serde(flatten)]
    others: BTreeMap<String, String>,
}

impl ScoreForm {
    /// The points typed per criterion, by field name and criterion key.
    fn typed_scores(&self) -> impl Iterator<Item = (&String, &str, &str)> {
        self.others.iter().filter_map(|(name, value)| Some((name, name.strip_prefix("score_")?, value.as_str())))
    }

    /// The sheet as typed, to show it again.
    fn values(&self) -> BTreeMap<String, String> {
        let mut values = self.others.clone();
        values.insert("comment".into(), self.comment.clone());
        values
    }
}

pub(super) async fn score(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ScoreForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize_assignment(&state, &actor, id).await?;
    let mut errors = FieldErrors::new();
    let mut sheet = ScoreSheet::new();
    for (name, key, typed) in form.typed_scores() {
        match typed.trim().parse::<u32>() {
            Ok(points) => {
                sheet.insert(key.to_string(), points);
            }
            Err(_) => {
                errors.insert(name.clone(), "error-number".into());
            }
        }
    }
    if errors.is_empty() {
        let comment = form.comment.trim().to_string();
        match state.db.run(move |conn| service::score(conn, &actor, id, &sheet, &comment)).await {
            Ok(_) => {
                visitor.flash("review-scored");
                return Ok(redirect(&format!("/reviews/{id}")));
            }
            Err(AppError::Validation(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    review_page_with(&state, &visitor, id, Some(form.values()), errors, StatusCode::UNPROCESSABLE_ENTITY).await
}
