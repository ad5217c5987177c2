//! The printable contract and the scholar's answer to the offer (sign or decline).

use actix_web::web;
use serde::Deserialize;
use validator::Validate;

use super::page::{award_page_with, AwardPage, AwardValues};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::service::access;
use crate::service::awards as service;
use crate::web::form::version;
use crate::web::page::{authorize, redirect, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn contract_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let page = AwardPage { template: "award/contract.html", ..AwardPage::default() };
    award_page_with(&state, &visitor, path.into_inner(), page).await
}

/// The scholar's answer: accept (with their typed name and agreement) or decline, on the offer's version.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ResponseForm {
    csrf_token: String,
    response: String,
    typed_name: String,
    agreed: String,
    version: String,
}

pub(super) async fn respond(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ResponseForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| {
        actor.require(&[Role::Applicant])?;
        access::readable_award(conn, actor, id).map(|_| ())
    })
    .await?;
    let form = form.into_inner();
    let accept = match form.response.trim() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::field("response", "error-required").into()),
    };
    let typed = form.typed_name.trim().to_string();
    let agreed = form.agreed.trim() == "yes";
    let v = version(&form.version)?;
    match state.db.run(move |conn| service::respond(conn, &actor, id, v, accept, &typed, agreed)).await {
        Ok(()) => {
            visitor.flash(if accept { "award-accepted" } else { "award-declined" });
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            let values = AwardValues { typed_name: form.typed_name, ..AwardValues::default() };
            award_page_with(&state, &visitor, id, AwardPage::refused_with(values, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}
