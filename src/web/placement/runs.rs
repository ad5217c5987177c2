//! Match runs of a cycle: the list and the form that queues one, a run's figures and outcome, two runs side
//! by side, and the four-eyes moves (propose, publish).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::domain::role::Role;
use crate::domain::second_round::Round;
use crate::error::{AppError, FieldErrors};
use crate::service::match_runs::{self as service, Comparison, Cycle, Run, RunFile, RunRules};
use crate::service::{access, Actor};
use crate::web::form::{noted, read_local_datetime, version};
use crate::web::page::{authorize, local_time, redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/placement/cycles/{id}/runs", web::get().to(runs_page))
        .route("/placement/cycles/{id}/runs", web::post().to(create_run))
        .route("/placement/cycles/{id}/compare", web::get().to(compare_page))
        .route("/placement/runs/{id}", web::get().to(run_page))
        .route("/placement/runs/{id}/{file}", web::get().to(run_file))
        .route("/placement/runs/{id}/{action}", web::post().to(run_action));
}

fn staff(visitor: &Visitor) -> Result<Actor, AppError> {
    let actor = visitor.actor()?;
    actor.require(&[Role::PlacementCoordinator, Role::Administrator])?;
    Ok(actor)
}

#[derive(Serialize, Default)]
struct RunsPage {
    cycle: Option<Cycle>,
    runs: Vec<Run>,
    /// The round a new run would be (1 main, 2 second), when the actor may queue one.
    next_round: Option<i32>,
    algorithm: String,
    seed: String,
    answer_deadline: String,
    errors: FieldErrors,
}

async fn runs_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    show_runs(&state, &visitor, path.into_inner(), RunsPage::default(), StatusCode::OK).await
}

async fn show_runs(state: &AppState, visitor: &Visitor, id: i64, mut page: RunsPage, status: StatusCode) -> PageResult {
    let actor = staff(visitor)?;
    let (cycle, runs, next_round) = state
        .db
        .run(move |conn| {
            let (cycle, runs) = service::runs_of_cycle(conn, &actor, id)?;
            let next = match actor.role {
                Role::PlacementCoordinator => service::next_round(conn, &actor, id)?,
                _ => None,
            };
            Ok((cycle, runs, next))
        })
        .await?;
    page.next_round = next_round.map(Round::number);
    page.cycle = Some(cycle);
    page.runs = runs;
    render_status(state, visitor, "placement/runs.html", &page, status)
}

/// The new run's rules: the algorithm and, for a lottery, its seed; for a second round, its answer deadline
/// (in the installation's time zone, as the cycle's dates are typed).
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
struct NewRunForm {
    csrf_token: String,
    algorithm: String,
    seed: String,
    answer_deadline: String,
}

async fn create_run(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<NewRunForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| access::cycle_to_change(conn, actor, id).map(|_| ())).await?;
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let seed = match form.seed.trim() {
        "" => 0,
        text => text.parse::<u32>().map(u64::from).unwrap_or_else(|_| {
            errors.insert("seed".into(), "run-error-seed".into());
            0
        }),
    };
    let rules = RunRules::parse(form.algorithm.trim(), seed);
    if rules.is_none() {
        errors.insert("algorithm".into(), "run-error-algorithm".into());
    }
    // Empty is "not given": the service says whether this run needs one (a second round does).
    let answer_deadline = match form.answer_deadline.trim() {
        "" => None,
        typed => Some(noted(read_local_datetime(&state, typed), "answer_deadline", &mut errors)),
    };
    let refused = |errors: FieldErrors| RunsPage {
        algorithm: form.algorithm.clone(),
        seed: form.seed.clone(),
        answer_deadline: form.answer_deadline.clone(),
        errors,
        ..RunsPage::default()
    };
    let Some(rules) = rules.filter(|_| errors.is_empty()) else {
        return show_runs(&state, &visitor, id, refused(errors), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let run = match state.db.run(move |conn| service::create_run(conn, &actor, id, rules, answer_deadline)).await {
        Ok(run) => run,
        Err(AppError::Validation(errors)) => {
            return show_runs(&state, &visitor, id, refused(errors), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => return Err(e.into()),
    };
    visitor.flash("run-queued");
    Ok(redirect(&format!("/placement/runs/{run}")))
}

#[derive(Serialize)]
struct RunPage {
    #[serde(flatten)]
    view: service::RunView,
    /// A second round's answer deadline in the installation's time zone.
    answer_deadline: Option<String>,
}

/// Which page of the placed and of the unplaced scholars to show (from 1).
#[derive(Deserialize, Default)]
struct LinesQuery {
    #[serde(default, deserialize_with = "crate::web::query::page")]
    page: Option<usize>,
    #[serde(default, deserialize_with = "crate::web::query::page")]
    unplaced_page: Option<usize>,
}

async fn run_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<LinesQuery>,
) -> PageResult {
    let actor = staff(&visitor)?;
    let id = path.into_inner();
    let page = |p: Option<usize>| u32::try_from(p.unwrap_or(1)).unwrap_or(u32::MAX);
    let (placed, unplaced) = (page(query.page), page(query.unplaced_page));
    let view = state.db.run(move |conn| service::run_view(conn, &actor, id, placed, unplaced)).await?;
    let answer_deadline = view.run.answer_deadline.map(|t| local_time(&state, t));
    render(&state, &visitor, "placement/run.html", &RunPage { view, answer_deadline })
}

fn run_number(query: &HashMap<String, String>, field: &str) -> Result<i64, AppError> {
    let typed = query.get(field).map(|s| s.trim()).unwrap_or_default();
    typed.parse().map_err(|_| AppError::BadParameter { field: field.into(), value: typed.chars().take(40).collect() })
}

async fn compare_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<HashMap<String, String>>,
) -> PageResult {
    let actor = staff(&visitor)?;
    let id = path.into_inner();
    let (a, b) = (run_number(&query, "a")?, run_number(&query, "b")?);
    let comparison: Comparison = state.db.run(move |conn| service::compare(conn, &actor, id, a, b)).await?;
    render(&state, &visitor, "placement/run_compare.html", &comparison)
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
struct RunActionForm {
    csrf_token: String,
    version: String,
}

async fn run_action(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, String)>,
    form: web::Form<RunActionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (id, action) = path.into_inner();
    authorize(&state, &actor, move |conn, actor| {
        actor.require(&[Role::PlacementCoordinator])?;
        service::readable_run(conn, actor, id).map(|_| ())
    })
    .await?;
    let v = version(&form.version)?;
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    let flash = match action.as_str() {
        "propose" => "run-proposed",
        "publish" => "run-published",
        _ => return Err(AppError::NotFound.into()),
    };
    state
        .db
        .run(move |conn| match action.as_str() {
            "propose" => service::propose(conn, &actor, id, v),
            _ => service::publish(conn, &i18n, &public_url, &actor, id, v),
        })
        .await?;
    visitor.flash(flash);
    Ok(redirect(&format!("/placement/runs/{id}")))
}

/// The run's input (exactly what `ruralserve match --input` reads) or its result (the command's output), as a
/// download from the run's page, for whoever may read the run: an auditor reruns the command and compares.
async fn run_file(state: web::Data<AppState>, visitor: Visitor, path: web::Path<(i64, String)>) -> PageResult {
    let actor = staff(&visitor)?;
    let (id, file) = path.into_inner();
    let which = match file.as_str() {
        "input.json" => RunFile::Input,
        "result.json" => RunFile::Report,
        _ => return Err(AppError::NotFound.into()),
    };
    let body = state.db.run(move |conn| service::run_file(conn, &actor, id, which)).await?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"match-run-{id}-{file}\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}
