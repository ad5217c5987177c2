//! The applicant's applications, and starting one on a call.

use actix_web::web;

use crate::domain::role::Role;
use crate::service::applications as service;
use crate::store::applications::{self as store};
use crate::web::form::Form;
use crate::web::page::{redirect, render, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn my_applications(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::Applicant])?;
    let rows = state.db.run(move |conn| store::of_applicant(conn, actor.user_id)).await?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|(a, title, _)| serde_json::json!({"id": a.id, "reference": a.reference, "status": a.status, "call": title}))
        .collect();
    render(&state, &visitor, "applicant/list.html", &serde_json::json!({"applications": items}))
}

pub(super) async fn apply(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let id = state.db.run(move |conn| service::start(conn, &actor, call_id)).await?;
    Ok(redirect(&format!("/applications/{id}/step/personal")))
}
