//! `/my/placement`: the cycles the signed-in scholar takes part in, with the choice window and their list's
//! length, and the published result once there is one.

use actix_web::web;
use serde::Serialize;

use crate::service::choices::{self, CycleSummary};
use crate::web::page::{local_time, render, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct CycleRow<'a> {
    summary: &'a CycleSummary,
    opens_at: String,
    closes_at: String,
    published: bool,
}

#[derive(Serialize)]
struct PlacementPage<'a> {
    cycles: Vec<CycleRow<'a>>,
}

pub(super) async fn my_placement(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let cycles = state.db.run(move |conn| choices::my_cycles(conn, &actor)).await?;
    let rows = cycles
        .iter()
        .map(|summary| CycleRow {
            summary,
            opens_at: local_time(&state, summary.cycle.choices_open_at),
            closes_at: local_time(&state, summary.cycle.choices_close_at),
            published: summary.cycle.status == "published",
        })
        .collect();
    render(&state, &visitor, "scholar/placement.html", &PlacementPage { cycles: rows })
}
