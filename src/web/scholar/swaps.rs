//! `/my/placement/{cycle}/swaps`: the scholar's swaps (propose one to a named scholar of the cycle, agree,
//! decline, withdraw) and their swap wishes (up to five facilities they would prefer to their own).

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::domain::swaps::SwapEvent;
use crate::error::{AppError, FieldErrors};
use crate::service::swaps::{self as service, Links, ScholarSwaps};
use crate::web::form::version;
use crate::web::page::{authorize, redirect, render_status, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct SwapsPage {
    view: ScholarSwaps,
    errors: FieldErrors,
    reference_typed: String,
}

fn back_to(cycle_id: i64) -> String {
    format!("/my/placement/{cycle_id}/swaps")
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    cycle_id: i64,
    errors: FieldErrors,
    reference_typed: String,
) -> PageResult {
    let actor = visitor.actor()?;
    let view = state.db.run(move |conn| service::scholar_page(conn, &actor, cycle_id)).await?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    render_status(state, visitor, "scholar/swaps.html", &SwapsPage { view, errors, reference_typed }, status)
}

pub(super) async fn swaps_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    show(&state, &visitor, path.into_inner(), FieldErrors::new(), String::new()).await
}

/// Names the scholar to swap with, by their award's reference.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ProposeForm {
    csrf_token: String,
    reference: String,
}

pub(super) async fn propose(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ProposeForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle_id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| service::check_scholar(conn, actor, cycle_id)).await?;
    let reference = form.into_inner().reference;
    let typed = reference.clone();
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    let result = state
        .db
        .run(move |conn| {
            let links = Links { i18n: &i18n, public_url: &public_url };
            service::propose(conn, &links, &actor, cycle_id, &reference)
        })
        .await;
    match result {
        Ok(_) => {
            visitor.flash("swap-proposed");
            Ok(redirect(&back_to(cycle_id)))
        }
        Err(AppError::Validation(errors)) => show(&state, &visitor, cycle_id, errors, typed).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct AnswerForm {
    csrf_token: String,
    version: String,
}

/// Agree, decline or withdraw.
pub(super) async fn answer(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64, String)>,
    form: web::Form<AnswerForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (cycle_id, swap_id, action) = path.into_inner();
    let event = match SwapEvent::parse(&action) {
        Some(e @ (SwapEvent::Agree | SwapEvent::Decline | SwapEvent::Withdraw)) => e,
        _ => return Err(AppError::NotFound.into()),
    };
    authorize(&state, &actor, move |conn, actor| service::check_scholar(conn, actor, cycle_id)).await?;
    let v = version(&form.version)?;
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    state
        .db
        .run(move |conn| {
            let links = Links { i18n: &i18n, public_url: &public_url };
            service::scholar_move(conn, &links, &actor, cycle_id, swap_id, v, event)
        })
        .await?;
    visitor.flash(&format!("swap-flash-{action}"));
    Ok(redirect(&back_to(cycle_id)))
}

/// The five wish slots, best first; a blank slot is no wish.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct WishesForm {
    csrf_token: String,
    wish_1: String,
    wish_2: String,
    wish_3: String,
    wish_4: String,
    wish_5: String,
}

impl WishesForm {
    fn facilities(&self) -> Result<Vec<i64>, AppError> {
        [&self.wish_1, &self.wish_2, &self.wish_3, &self.wish_4, &self.wish_5]
            .into_iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<i64>().map_err(|_| AppError::field("wishes", "swap-error-wish-not-allowed")))
            .collect()
    }
}

pub(super) async fn save_wishes(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<WishesForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle_id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| service::check_scholar(conn, actor, cycle_id)).await?;
    let result = match form.facilities() {
        Ok(wishes) => state.db.run(move |conn| service::save_wishes(conn, &actor, cycle_id, &wishes)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            visitor.flash("swap-wishes-saved");
            Ok(redirect(&format!("{}#wishes", back_to(cycle_id))))
        }
        Err(AppError::Validation(errors)) => show(&state, &visitor, cycle_id, errors, String::new()).await,
        Err(e) => Err(e.into()),
    }
}
