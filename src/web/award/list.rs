//! The award lists: a funder's awards for its officers and administrators, the scholar's own.

use actix_web::web;

use crate::domain::role::Role;
use crate::service::awards as service;
use crate::web::page::{render, PageResult, Visitor};
use crate::web::AppState;

/// The award list of a funder (officers, administrators).
pub(super) async fn funder_awards(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::ProgrammeOfficer, Role::Administrator])?;
    awards_list(&state, &visitor, actor).await
}

async fn awards_list(state: &AppState, visitor: &Visitor, actor: crate::service::Actor) -> PageResult {
    let awards = state.db.run(move |conn| service::list_readable(conn, &actor)).await?;
    let rows: Vec<_> = awards
        .iter()
        .map(|(a, name, reference)| serde_json::json!({"award": a, "name": name, "reference": reference}))
        .collect();
    render(state, visitor, "award/list.html", &serde_json::json!({ "awards": rows }))
}

pub(super) async fn my_awards(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::Applicant])?;
    awards_list(&state, &visitor, actor).await
}
