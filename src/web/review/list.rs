//! The reviewer's assignments.

use actix_web::http::StatusCode;
use actix_web::web;

use crate::domain::review::ConflictDeclaration;
use crate::store::reviews;
use crate::web::page::{render_status, stored_points, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn my_reviews(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[crate::domain::role::Role::Reviewer])?;
    let list = state.db.run(move |conn| reviews::of_reviewer(conn, actor.user_id)).await?;
    let rows: Vec<_> = list
        .iter()
        .map(|a| {
            let recused = a.declaration.as_deref() == Some(ConflictDeclaration::Conflict.as_str());
            serde_json::json!({
                "id": a.id, "reference": a.reference, "name": if recused { String::new() } else { a.full_name.clone() },
                "declaration": a.declaration,
                "total": stored_points(a.total_hundredths, &visitor.lang),
            })
        })
        .collect();
    render_status(&state, &visitor, "review/list.html", &serde_json::json!({"assignments": rows}), StatusCode::OK)
}
