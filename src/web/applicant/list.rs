//! The applicant's applications, and starting one on a call.

use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::service::applications as service;
use crate::web::page::{redirect, render, PageResult, Visitor};
use crate::web::AppState;

/// The applicant's applications page.
#[derive(Serialize)]
struct ApplicationsPage {
    applications: Vec<ApplicationItem>,
}

#[derive(Serialize)]
struct ApplicationItem {
    id: i64,
    reference: Option<String>,
    status: String,
    /// The title of the call it answers.
    call: String,
}

pub(super) async fn my_applications(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let rows = state.db.run(move |conn| service::mine(conn, &actor)).await?;
    let applications = rows
        .into_iter()
        .map(|(a, call)| ApplicationItem { id: a.id, reference: a.reference, status: a.status, call })
        .collect();
    render(&state, &visitor, "applicant/list.html", &ApplicationsPage { applications })
}

/// The "apply" button on a call's page: nothing but the token.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ApplyForm {
    csrf_token: String,
}

pub(super) async fn apply(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ApplyForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let id = state.db.run(move |conn| service::start(conn, &actor, call_id)).await?;
    Ok(redirect(&format!("/applications/{id}/step/personal")))
}
