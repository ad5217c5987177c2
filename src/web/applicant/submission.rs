//! Submitting an application, and withdrawing or deleting one after a confirmation page.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::view::view_with;
use crate::domain::application::ApplicationStatus;
use crate::error::AppError;
use crate::service::applications as service;
use crate::web::page::{redirect, render, PageResult, Visitor};
use crate::web::AppState;

/// The forms that submit, withdraw or delete an application: the token and the version the page showed.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct VersionForm {
    csrf_token: String,
    version: String,
}

impl VersionForm {
    /// The version the page showed; a form without a readable one is stale by definition (no record has 0).
    fn version(&self) -> i32 {
        self.version.parse().unwrap_or(0)
    }
}

pub(super) async fn submit(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<VersionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let id = path.into_inner();
    let actor = visitor.actor()?;
    let version = form.version();
    let (i18n, lang, contact) = (state.i18n.clone(), visitor.lang.clone(), state.config.contact.clone());
    match state.db.run(move |conn| service::submit(conn, &i18n, &actor, id, version, &lang, &contact)).await {
        Ok(_) => {
            visitor.flash("submitted");
            Ok(redirect(&format!("/applications/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            view_with(&state, &visitor, id, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The page that asks before a permanent step: deleting a draft or withdrawing a submitted application.
#[derive(Serialize)]
struct ConfirmPage {
    id: i64,
    version: i32,
    call_title: String,
    reference: Option<String>,
    /// "delete" or "withdraw": the form's address and the words around it.
    action: &'static str,
}

/// Which permanent step fits the application's state: a draft is deleted, a submitted one withdrawn.
fn permanent_step_of(status: &str) -> Option<&'static str> {
    match ApplicationStatus::parse(status)? {
        ApplicationStatus::Draft => Some("delete"),
        ApplicationStatus::Submitted => Some("withdraw"),
        ApplicationStatus::Withdrawn => None,
    }
}

/// Asks before the permanent step; the address asked for is only a wish, the application's state decides
/// which step is offered.
async fn confirm(state: &AppState, visitor: &Visitor, id: i64) -> PageResult {
    let actor = visitor.actor()?;
    let (application, call) = state.db.run(move |conn| service::own_with_call(conn, &actor, id)).await?;
    let Some(action) = permanent_step_of(&application.status) else {
        return Ok(redirect(&format!("/applications/{id}")));
    };
    let page = ConfirmPage {
        id,
        version: application.version,
        call_title: call.title,
        reference: application.reference,
        action,
    };
    render(state, visitor, "applicant/confirm.html", &page)
}

pub(super) async fn confirm_withdraw(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    confirm(&state, &visitor, path.into_inner()).await
}

pub(super) async fn confirm_delete(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    confirm(&state, &visitor, path.into_inner()).await
}

pub(super) async fn withdraw(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<VersionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let id = path.into_inner();
    let actor = visitor.actor()?;
    let version = form.version();
    match state.db.run(move |conn| service::withdraw(conn, &actor, id, version)).await {
        Ok(()) => {
            visitor.flash("withdrawn");
            Ok(redirect(&format!("/applications/{id}")))
        }
        // A draft cannot be withdrawn (it has no reference); the old form's POST is sent to the delete question.
        Err(AppError::Conflict(key)) if key == "error-draft-delete-instead" => {
            Ok(redirect(&format!("/applications/{id}/delete")))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn delete_draft(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<VersionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let id = path.into_inner();
    let actor = visitor.actor()?;
    let version = form.version();
    let storage_keys = state.db.run(move |conn| service::delete_draft(conn, &actor, id, version)).await?;
    for key in storage_keys {
        // The rows are gone; a file left behind is unreachable, so a failure here only costs disk space.
        if let Err(e) = state.files.delete(&object_store::path::Path::from(key.as_str())).await {
            tracing::warn!(error = %e, application = id, "could not remove a deleted draft's file");
        }
    }
    visitor.flash("draft-deleted");
    Ok(redirect("/my/applications"))
}
