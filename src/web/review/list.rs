//! The reviewer's assignments.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Serialize;

use crate::service::reviews as service;
use crate::web::page::{render_status, stored_points, PageResult, Visitor};
use crate::web::AppState;

/// The reviewer's assignments page.
#[derive(Serialize)]
struct ReviewsPage {
    assignments: Vec<AssignmentRow>,
}

#[derive(Serialize)]
struct AssignmentRow {
    id: i64,
    reference: Option<String>,
    /// The applicant's name; empty once the reviewer is recused.
    name: String,
    declaration: Option<String>,
    /// The total points, in the reader's language.
    total: Option<String>,
}

pub(super) async fn my_reviews(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let list = state.db.run(move |conn| service::assignments_of(conn, &actor)).await?;
    let assignments = list
        .into_iter()
        .map(|a| AssignmentRow {
            id: a.id,
            reference: a.reference,
            name: a.full_name,
            total: stored_points(a.total_hundredths, &visitor.lang),
            declaration: a.declaration,
        })
        .collect();
    render_status(&state, &visitor, "review/list.html", &ReviewsPage { assignments }, StatusCode::OK)
}
