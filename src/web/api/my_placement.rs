//! The scholar's own ranked choices in a placement cycle, read only.

use actix_web::{web, HttpRequest, HttpResponse};

use super::api_actor;
use crate::error::AppError;
use crate::service::choices;
use crate::web::AppState;

/// The bearer's list in the cycle (rank 1 first), with the cycle's maximum and choice window (UTC).
pub(super) async fn get_choices(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let cycle_id = path.into_inner();
    let listing = state.db.run(move |conn| choices::choices_listing(conn, &actor, cycle_id)).await?;
    Ok(HttpResponse::Ok().json(listing))
}
