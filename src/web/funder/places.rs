//! Places and cadres typed before the lists existed, for the officer to check.

use actix_web::web;

use crate::web::page::{render, PageResult, Visitor};
use crate::web::AppState;

/// The organisation's applications whose county, sub-county or cadre is off the list, and its programmes
/// whose cadre is, to check with the applicant or fix on the programme's page.
pub(super) async fn unmatched_places(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let page = state.db.run(move |conn| crate::service::applications::unmatched_places(conn, &actor)).await?;
    render(&state, &visitor, "funder/places.html", &page)
}
