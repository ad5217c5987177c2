//! Assigning a call's applications to reviewers of the panel, one by hand or all evenly at random.

use actix_web::web;
use serde::Deserialize;

use super::call_review::{authorize_call_change, call_page_with, CallPage};
use crate::error::AppError;
use crate::service::reviews::{self as service};
use crate::web::page::{redirect, PageResult, Visitor};
use crate::web::AppState;

fn id_field(text: &str, name: &str) -> Result<i64, AppError> {
    text.trim().parse().map_err(|_| AppError::field(name, "error-required"))
}

/// The picks of the assignment form: ids from the call's lists, empty when nothing was picked.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AssignForm {
    csrf_token: String,
    application_id: String,
    reviewer_id: String,
}

/// Assigns the reviewer picked from the call's panel to the application picked from the call's list.
pub(super) async fn assign(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<AssignForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    authorize_call_change(&state, &actor, call_id).await?;
    let result = match (id_field(&form.application_id, "application_id"), id_field(&form.reviewer_id, "reviewer_id")) {
        (Ok(application_id), Ok(reviewer_id)) => {
            state.db.run(move |conn| service::assign(conn, &actor, call_id, application_id, reviewer_id)).await
        }
        // Both picks missing are both named.
        (application, reviewer) => Err(AppError::Validation(
            [application.err(), reviewer.err()].into_iter().flatten().flat_map(|e| e.fields()).collect(),
        )),
    };
    match result {
        Ok(added) => {
            visitor.flash(if added { "reviewer-assigned" } else { "reviewer-already-assigned" });
            Ok(redirect(&format!("/funder/calls/{call_id}")))
        }
        Err(AppError::Validation(errors)) => {
            let view = CallPage {
                application_id: form.application_id.trim().parse().ok(),
                reviewer_id: form.reviewer_id.trim().parse().ok(),
                ..CallPage::refused(None, errors)
            };
            call_page_with(&state, &visitor, call_id, view).await
        }
        Err(e) => Err(e.into()),
    }
}

/// How many reviewers each application gets, and the seed of the shuffle (the page offers a random one).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AssignEvenlyForm {
    csrf_token: String,
    per_application: String,
    seed: String,
}

pub(super) async fn assign_evenly(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<AssignEvenlyForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    authorize_call_change(&state, &actor, call_id).await?;
    let per_application: Option<usize> = form.per_application.trim().parse().ok().filter(|n| (1..=10).contains(n));
    let seed: Option<u64> = form.seed.trim().parse().ok();
    let result = match (per_application, seed) {
        (Some(n), Some(seed)) => {
            state.db.run(move |conn| service::assign_panel_evenly(conn, &actor, call_id, n, seed)).await
        }
        (None, _) => Err(AppError::field("per_application", "error-range-1-10")),
        (_, None) => Err(AppError::field("seed", "error-number")),
    };
    match result {
        Ok(_) => {
            visitor.flash("reviewers-assigned");
            Ok(redirect(&format!("/funder/calls/{call_id}")))
        }
        Err(AppError::Validation(errors)) => {
            call_page_with(&state, &visitor, call_id, CallPage::refused(None, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}
