//! The facility supervisor's page: the scholars placed at their facilities and when they are expected; those
//! who accepted are confirmed here when they arrive, which starts their service.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde::Serialize;

use crate::error::{AppError, FieldErrors};
use crate::service::service_start::{self, FacilityArrivals};
use crate::service::supervision::{self, SupervisedFacility};
use crate::web::form::read_date;
use crate::web::page::{redirect, render_status, PageResult, Visitor};
use crate::web::AppState;

/// A start form refused: which placement, what was typed, and what is wrong.
#[derive(Serialize, Default)]
struct StartRefused {
    placement_id: i64,
    started_on: String,
    errors: FieldErrors,
}

#[derive(Serialize)]
struct SupervisorPage {
    facilities: Vec<SupervisedFacility>,
    arrivals: Vec<FacilityArrivals>,
    today: String,
    refused: StartRefused,
}

async fn page_with(state: &AppState, visitor: &Visitor, refused: StartRefused, status: StatusCode) -> PageResult {
    let actor = visitor.actor()?;
    let (facilities, arrivals) = state
        .db
        .run(move |conn| Ok((supervision::supervised(conn, &actor)?, service_start::arrivals(conn, &actor)?)))
        .await?;
    let page = SupervisorPage { facilities, arrivals, today: crate::service::now().date().to_string(), refused };
    render_status(state, visitor, "facility/supervisor.html", &page, status)
}

pub(super) async fn supervisor_home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    page_with(&state, &visitor, StartRefused::default(), StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct StartForm {
    csrf_token: String,
    version: String,
    started_on: String,
}

/// Confirms a scholar's arrival and first day at one of the supervisor's facilities.
pub(super) async fn confirm_start(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<StartForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let placement_id = path.into_inner();
    // Read here, judged after who may confirm: a refused role learns nothing about the form.
    let version = form.version.trim().parse::<i32>().ok();
    let started_on = read_date(&form.started_on);
    let i18n = state.i18n.clone();
    let today = crate::service::now().date();
    let result = state
        .db
        .run(move |conn| service_start::confirm_start(conn, &i18n, &actor, placement_id, version, started_on, today))
        .await;
    match result {
        Ok(()) => {
            visitor.flash("start-confirmed");
            Ok(redirect("/supervisor"))
        }
        Err(AppError::Validation(errors)) => {
            let refused = StartRefused { placement_id, started_on: form.started_on.clone(), errors };
            page_with(&state, &visitor, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
