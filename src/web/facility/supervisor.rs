//! The facility supervisor's page: the scholars placed at their facilities and when they are expected.

use actix_web::web;
use serde::Serialize;

use crate::service::supervision::{self, SupervisedFacility};
use crate::web::page::{render, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct SupervisorPage {
    facilities: Vec<SupervisedFacility>,
}

pub(super) async fn supervisor_home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let facilities = state.db.run(move |conn| supervision::supervised(conn, &actor)).await?;
    render(&state, &visitor, "facility/supervisor.html", &SupervisorPage { facilities })
}
