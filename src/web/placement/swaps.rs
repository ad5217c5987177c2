//! `/placement/cycles/{id}/swaps`: the agreed swaps waiting for a coordinator (approve, or refuse with a
//! reason) and the swap cycles top trading cycles finds among the scholars' wishes, each approvable as one change.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::domain::role::Role;
use crate::domain::swaps::SwapEvent;
use crate::error::{AppError, FieldErrors};
use crate::service::swaps::{self as service, CoordinatorSwaps, Decision, Links};
use crate::service::Actor;
use crate::web::form::version;
use crate::web::page::{authorize, redirect, render_status, PageResult, Visitor};
use crate::web::AppState;

fn staff(visitor: &Visitor) -> Result<Actor, AppError> {
    let actor = visitor.actor()?;
    actor.require(&[Role::PlacementCoordinator, Role::Administrator])?;
    Ok(actor)
}

#[derive(Serialize)]
struct SwapsPage {
    view: CoordinatorSwaps,
    errors: FieldErrors,
    /// The swap whose refusal failed, so that its message shows next to its reason field.
    failed_swap: Option<i64>,
    /// What the other swaps' reason fields show: no message (tera has no empty-map literal).
    no_errors: FieldErrors,
}

fn back_to(cycle_id: i64) -> String {
    format!("/placement/cycles/{cycle_id}/swaps")
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    cycle_id: i64,
    errors: FieldErrors,
    failed_swap: Option<i64>,
) -> PageResult {
    let actor = staff(visitor)?;
    let view = state.db.run(move |conn| service::coordinator_page(conn, &actor, cycle_id)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_status(
        state,
        visitor,
        "placement/swaps.html",
        &SwapsPage { view, errors, failed_swap, no_errors: FieldErrors::new() },
        status,
    )
}

pub(super) async fn swaps_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    show(&state, &visitor, path.into_inner(), FieldErrors::new(), None).await
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct DecisionForm {
    csrf_token: String,
    version: String,
    reason: String,
}

/// Checks the actor may change the cycle before the form is read, so that a refusal never depends on the form.
async fn check_coordinator(state: &AppState, actor: &Actor, cycle_id: i64) -> Result<(), AppError> {
    authorize(state, actor, move |conn, actor| service::check_coordinator(conn, actor, cycle_id)).await
}

/// Approve or refuse an agreed pairwise swap.
pub(super) async fn decide(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64, String)>,
    form: web::Form<DecisionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (cycle_id, swap_id, action) = path.into_inner();
    let event = match SwapEvent::parse(&action) {
        Some(e @ (SwapEvent::Approve | SwapEvent::Refuse)) => e,
        _ => return Err(AppError::NotFound.into()),
    };
    check_coordinator(&state, &actor, cycle_id).await?;
    let v = version(&form.version)?;
    let reason = form.into_inner().reason;
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    let result = state
        .db
        .run(move |conn| {
            let links = Links { i18n: &i18n, public_url: &public_url };
            service::decide(conn, &links, &actor, cycle_id, &Decision { swap_id, version: v, event, reason: &reason })
        })
        .await;
    match result {
        Ok(()) => {
            visitor.flash(if event == SwapEvent::Approve { "swap-flash-approved" } else { "swap-flash-refused" });
            Ok(redirect(&back_to(cycle_id)))
        }
        Err(AppError::Validation(errors)) => show(&state, &visitor, cycle_id, errors, Some(swap_id)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct CycleForm {
    csrf_token: String,
    /// `placement:version` of each member, comma-separated, in the cycle's order.
    members: String,
}

/// Approve a swap cycle found among the wishes.
pub(super) async fn approve_cycle(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<CycleForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle_id = path.into_inner();
    check_coordinator(&state, &actor, cycle_id).await?;
    let members = service::parse_members(&form.members)
        .ok_or_else(|| AppError::BadRequest("the form has no valid \"members\" field".into()))?;
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    state
        .db
        .run(move |conn| {
            let links = Links { i18n: &i18n, public_url: &public_url };
            service::approve_cycle(conn, &links, &actor, cycle_id, &members)
        })
        .await?;
    visitor.flash("swap-flash-cycle-approved");
    Ok(redirect(&back_to(cycle_id)))
}
