//! The scholar's published placement: the facility, its county, the choice rank, the start-of-service window
//! and the acceptance deadline, and for every facility ranked higher the reason it was not given.

use actix_web::web;

use crate::service::match_runs as service;
use crate::web::page::{render, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn result_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let actor = visitor.actor()?;
    let cycle = path.into_inner();
    let result = state.db.run(move |conn| service::scholar_result(conn, &actor, cycle)).await?;
    render(&state, &visitor, "scholar/result.html", &result)
}
