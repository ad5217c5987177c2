//! The administrator's pages on who answers for which facilities: facility supervisors attached to
//! facilities, and placement coordinators limited to counties.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};

use super::admin;
use crate::error::{AppError, FieldErrors};
use crate::service::supervision::{self, CoordinatorCounties, SupervisorsOverview};
use crate::web::page::{redirect, render_status, PageResult, Visitor};
use crate::web::AppState;

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
pub(super) struct AttachForm {
    csrf_token: String,
    user_id: String,
    code: String,
}

#[derive(Serialize)]
struct SupervisorsPage {
    overview: SupervisorsOverview,
    errors: FieldErrors,
    values: AttachForm,
}

async fn render_supervisors(
    state: &AppState,
    visitor: &Visitor,
    errors: FieldErrors,
    values: AttachForm,
    status: StatusCode,
) -> PageResult {
    let actor = admin(visitor)?;
    let overview = state.db.run(move |conn| supervision::supervisors_overview(conn, &actor)).await?;
    render_status(state, visitor, "admin/supervisors.html", &SupervisorsPage { overview, errors, values }, status)
}

pub(super) async fn supervisors(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render_supervisors(&state, &visitor, FieldErrors::new(), AttachForm::default(), StatusCode::OK).await
}

pub(super) async fn attach(state: web::Data<AppState>, visitor: Visitor, form: web::Form<AttachForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = admin(&visitor)?;
    let form = form.into_inner();
    let user_id = form.user_id.trim().parse::<i64>().ok();
    let code = form.code.clone();
    match state.db.run(move |conn| supervision::attach_supervisor(conn, &actor, user_id, &code)).await {
        Ok(()) => {
            visitor.flash("supervisor-attached");
            Ok(redirect("/admin/supervisors"))
        }
        Err(AppError::Validation(errors)) => {
            render_supervisors(&state, &visitor, errors, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DetachForm {
    csrf_token: String,
    user_id: String,
    facility_id: String,
}

pub(super) async fn detach(state: web::Data<AppState>, visitor: Visitor, form: web::Form<DetachForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = admin(&visitor)?;
    let (Ok(user_id), Ok(facility_id)) = (form.user_id.trim().parse::<i64>(), form.facility_id.trim().parse::<i64>())
    else {
        return Err(AppError::BadRequest("the form names no supervisor and facility".into()).into());
    };
    state.db.run(move |conn| supervision::detach_supervisor(conn, &actor, user_id, facility_id)).await?;
    visitor.flash("supervisor-detached");
    Ok(redirect("/admin/supervisors"))
}

#[derive(Serialize)]
struct CoordinatorsPage {
    coordinators: Vec<CoordinatorCounties>,
    counties: Vec<&'static str>,
    /// The coordinator whose form was refused, what was typed, and the names not known.
    refused: Option<(i64, String, Vec<String>)>,
}

async fn render_coordinators(
    state: &AppState,
    visitor: &Visitor,
    refused: Option<(i64, String, Vec<String>)>,
    status: StatusCode,
) -> PageResult {
    let actor = admin(visitor)?;
    let coordinators = state.db.run(move |conn| supervision::coordinators(conn, &actor)).await?;
    let counties = crate::domain::place::counties().iter().map(|c| c.name).collect();
    render_status(
        state,
        visitor,
        "admin/coordinators.html",
        &CoordinatorsPage { coordinators, counties, refused },
        status,
    )
}

pub(super) async fn coordinators(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    render_coordinators(&state, &visitor, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CountiesForm {
    csrf_token: String,
    counties: String,
}

pub(super) async fn set_counties(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<CountiesForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = admin(&visitor)?;
    let id = path.into_inner();
    let typed = form.counties.clone();
    let outcome = state.db.run(move |conn| supervision::set_coordinator_counties(conn, &actor, id, &typed)).await?;
    match outcome {
        Ok(()) => {
            visitor.flash("coordinator-counties-saved");
            Ok(redirect("/admin/coordinators"))
        }
        Err(unknown) => {
            render_coordinators(
                &state,
                &visitor,
                Some((id, form.counties.clone(), unknown)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
