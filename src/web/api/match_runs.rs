//! Match runs and placements for programs: a cycle's runs, a run's status and figures, its exact input and
//! report (so that anyone can rerun `ruralserve match --input` and compare), and the published placements,
//! scoped like the pages.

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::api_actor;
use crate::error::AppError;
use crate::service::match_runs::{self as service, Run, RunFile};
use crate::web::AppState;

/// A run as the API lists it (times in UTC).
#[derive(Serialize)]
struct RunBody<'a> {
    id: i64,
    cycle_id: i64,
    algorithm: &'a str,
    proposing: &'a str,
    seed: i64,
    status: &'a str,
    error: Option<&'a str>,
    created_at: String,
    finished_at: Option<String>,
    proposed_at: Option<String>,
    published_at: Option<String>,
    /// 1 for the cycle's main run, 2 for its second round over freed seats.
    round: i32,
    /// A second round's answer deadline for the placements it makes.
    answer_deadline: Option<String>,
}

impl<'a> From<&'a Run> for RunBody<'a> {
    fn from(r: &'a Run) -> Self {
        let time = |t: Option<chrono::NaiveDateTime>| t.map(|t| t.and_utc().to_rfc3339());
        RunBody {
            id: r.id,
            cycle_id: r.cycle_id,
            algorithm: &r.algorithm,
            proposing: &r.proposing,
            seed: r.seed,
            status: &r.status,
            error: r.error.as_deref(),
            created_at: r.created_at.and_utc().to_rfc3339(),
            finished_at: time(r.finished_at),
            proposed_at: time(r.proposed_at),
            published_at: time(r.published_at),
            round: r.round,
            answer_deadline: time(r.answer_deadline),
        }
    }
}

pub(super) async fn list_cycle_runs(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    let (_, runs) = state.db.run(move |conn| service::runs_of_cycle(conn, &actor, id)).await?;
    let body: Vec<RunBody> = runs.iter().map(RunBody::from).collect();
    Ok(HttpResponse::Ok().json(body))
}

pub(super) async fn get_run(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    let (run, _) = state.db.run(move |conn| service::readable_run(conn, &actor, id)).await?;
    let summary = service::run_summary(&run)?;
    let mut body = serde_json::to_value(RunBody::from(&run)).map_err(|e| AppError::Internal(e.to_string()))?;
    body["stats"] = serde_json::to_value(summary.as_ref().map(|r| &r.stats)).unwrap_or_default();
    body["blocking_pairs"] = serde_json::to_value(summary.as_ref().map(|r| r.blocking_pairs)).unwrap_or_default();
    Ok(HttpResponse::Ok().json(body))
}

/// The stored instance, byte for byte: the `match` command's input.
pub(super) async fn get_input(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    stored_file(state, req, path.into_inner(), RunFile::Input).await
}

/// The stored report, byte for byte: the `match` command's output; 404 until the run is computed.
pub(super) async fn get_result(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    stored_file(state, req, path.into_inner(), RunFile::Report).await
}

async fn stored_file(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: i64,
    file: RunFile,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let body = state.db.run(move |conn| service::run_file(conn, &actor, id, file)).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

pub(super) async fn list_placements(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let typed = query.get("cycle").map(|s| s.trim().to_string()).unwrap_or_default();
    let cycle: i64 = typed
        .parse()
        .map_err(|_| AppError::BadParameter { field: "cycle".into(), value: typed.chars().take(40).collect() })?;
    let rows = state.db.run(move |conn| service::placements(conn, &actor, cycle)).await?;
    Ok(HttpResponse::Ok().json(rows))
}
