//! The printable contract and the scholar's answer to the offer (sign or decline).

use actix_web::web;

use super::page::{award_page_with, AwardPage};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::service::awards as service;
use crate::web::form::{field, version, Form};
use crate::web::page::{authorize, redirect, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn contract_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let page = AwardPage { template: "award/contract.html", ..AwardPage::default() };
    award_page_with(&state, &visitor, path.into_inner(), page).await
}

pub(super) async fn respond(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| {
        actor.require(&[Role::Applicant])?;
        service::readable(conn, actor, id).map(|_| ())
    })
    .await?;
    let accept = match field(&form, "response") {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::field("response", "error-required").into()),
    };
    let typed = field(&form, "typed_name").to_string();
    let agreed = field(&form, "agreed") == "yes";
    let v = version(&form)?;
    match state.db.run(move |conn| service::respond(conn, &actor, id, v, accept, &typed, agreed)).await {
        Ok(()) => {
            visitor.flash(if accept { "award-accepted" } else { "award-declined" });
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            award_page_with(&state, &visitor, id, AwardPage::refused_with(&form, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}
