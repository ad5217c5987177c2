//! The award lists: a funder's awards for its officers and administrators, the scholar's own.

use actix_web::web;
use serde::Serialize;

use crate::domain::role::Role;
use crate::service::access::{self, Award};
use crate::web::page::{render, PageResult, Visitor};
use crate::web::AppState;

/// The award list of a funder (officers, administrators).
pub(super) async fn funder_awards(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::ProgrammeOfficer, Role::Administrator])?;
    awards_list(&state, &visitor, actor).await
}

#[derive(Serialize)]
struct AwardRow<'a> {
    award: &'a Award,
    /// The scholar's name.
    name: &'a str,
    /// The application's reference.
    reference: Option<&'a str>,
}

#[derive(Serialize)]
struct AwardListPage<'a> {
    awards: Vec<AwardRow<'a>>,
}

async fn awards_list(state: &AppState, visitor: &Visitor, actor: crate::service::Actor) -> PageResult {
    let awards = state.db.run(move |conn| access::readable_awards(conn, &actor)).await?;
    let rows = awards
        .iter()
        .map(|(award, name, reference)| AwardRow { award, name, reference: reference.as_deref() })
        .collect();
    render(state, visitor, "award/list.html", &AwardListPage { awards: rows })
}

pub(super) async fn my_awards(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::Applicant])?;
    awards_list(&state, &visitor, actor).await
}
