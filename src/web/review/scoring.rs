//! One assignment: who the applicant is, the declaration of a conflict or none, then the score sheet.

use actix_web::http::StatusCode;
use actix_web::web;

use crate::domain::review::{ConflictDeclaration, ScoreSheet};
use crate::error::{AppError, FieldErrors};
use crate::service::reviews::{self as service};
use crate::service::Actor;
use crate::store::{applications, reviews};
use crate::web::form::{field, Form};
use crate::web::page::{redirect, render_status, stored_points, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn review_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    review_page_with(&state, &visitor, path.into_inner(), None, FieldErrors::new(), StatusCode::OK).await
}

async fn review_page_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    values: Option<serde_json::Value>,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let (assignment, application, rubric) = state
        .db
        .run(move |conn| {
            let assignment = service::own_assignment(conn, &actor, id)?;
            let application = applications::find(conn, assignment.application_id)?;
            let rubric = reviews::rubric_of(conn, application.call_id)?.map(|r| r.rubric);
            Ok((assignment, application, rubric))
        })
        .await?;
    // Before declaring, the reviewer sees who the applicant is, enough to know whether they have a conflict;
    // the essays only after declaring none; a recused reviewer nothing more.
    let declared = assignment.declaration.as_deref();
    let who = (declared != Some(ConflictDeclaration::Conflict.as_str())).then(|| {
        serde_json::json!({
            "reference": application.reference, "full_name": application.full_name, "institution": application.institution,
            "home_county": application.home_county, "home_sub_county": application.home_sub_county,
        })
    });
    let application = (declared == Some(ConflictDeclaration::None.as_str())).then_some(application);
    let values = values.unwrap_or_else(|| {
        let mut v: serde_json::Map<String, serde_json::Value> =
            assignment.sheet().iter().map(|(k, p)| (format!("score_{k}"), p.to_string().into())).collect();
        v.insert("comment".into(), assignment.comment.clone().into());
        v.into()
    });
    let page = serde_json::json!({
        "assignment": assignment, "who": who, "application": application, "rubric": rubric, "values": values, "errors": errors,
        "total": stored_points(assignment.total_hundredths, &visitor.lang),
    });
    render_status(state, visitor, "review/review.html", &page, status)
}

/// Refuses, before any field of the form is read, anyone but the reviewer the assignment is for.
async fn authorize_assignment(state: &AppState, actor: &Actor, assignment_id: i64) -> Result<(), AppError> {
    let actor = actor.clone();
    state.db.run(move |conn| service::own_assignment(conn, &actor, assignment_id).map(|_| ())).await
}

pub(super) async fn declare(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize_assignment(&state, &actor, id).await?;
    let declared = ConflictDeclaration::parse(field(&form, "declaration"))
        .ok_or_else(|| AppError::field("declaration", "error-required"))?;
    // A conflict recuses the reviewer for good: it takes a tick that says so, not one stray tap.
    if declared == ConflictDeclaration::Conflict && field(&form, "confirm_conflict") != "yes" {
        let errors = FieldErrors::from([("confirm_conflict".to_string(), "error-confirm-conflict".to_string())]);
        return review_page_with(&state, &visitor, id, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    state.db.run(move |conn| service::declare(conn, &actor, id, declared)).await?;
    visitor.flash(if declared == ConflictDeclaration::Conflict { "review-recused" } else { "review-declared" });
    Ok(redirect(&format!("/reviews/{id}")))
}

pub(super) async fn score(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize_assignment(&state, &actor, id).await?;
    let mut errors = FieldErrors::new();
    let mut sheet = ScoreSheet::new();
    for (name, value) in form.iter() {
        if let Some(key) = name.strip_prefix("score_") {
            match value.trim().parse::<u32>() {
                Ok(points) => {
                    sheet.insert(key.to_string(), points);
                }
                Err(_) => {
                    errors.insert(name.clone(), "error-number".into());
                }
            }
        }
    }
    if errors.is_empty() {
        let comment = field(&form, "comment").to_string();
        match state.db.run(move |conn| service::score(conn, &actor, id, &sheet, &comment)).await {
            Ok(_) => {
                visitor.flash("review-scored");
                return Ok(redirect(&format!("/reviews/{id}")));
            }
            Err(AppError::Validation(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    let values = serde_json::to_value(&form.0).unwrap_or_default();
    review_page_with(&state, &visitor, id, Some(values), errors, StatusCode::UNPROCESSABLE_ENTITY).await
}
