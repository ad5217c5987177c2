//! The officer's record of a payment: paid, held, released, cancelled, returned.

use actix_web::web;
use chrono::NaiveDate;
use serde::Deserialize;
use validator::Validate;

use super::page::{award_page_with, AwardPage};
use crate::error::AppError;
use crate::service::ledger::{self, PaymentCommand};
use crate::web::form::version;
use crate::web::page::{redirect, PageResult, Visitor};
use crate::web::AppState;

/// The officer's move on a payment, on the version it was shown with; paying carries the date and reference.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct PaymentForm {
    csrf_token: String,
    action: String,
    paid_on: String,
    reference: String,
    version: String,
}

pub(super) async fn payment_action(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<PaymentForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    // The payment's own award, not one the form names: that is what the officer is allowed to act on.
    let check = actor.clone();
    let award_id = state.db.run(move |conn| ledger::award_of_payment(conn, &check, id)).await?;
    let command = match form.action.trim() {
        "pay" => PaymentCommand::Pay {
            paid_on: NaiveDate::parse_from_str(form.paid_on.trim(), "%Y-%m-%d").ok(),
            reference: form.reference.trim().to_string(),
        },
        "hold" => PaymentCommand::Hold,
        "release" => PaymentCommand::Release,
        "cancel" => PaymentCommand::Cancel,
        "return" => PaymentCommand::Return,
        _ => return Err(AppError::field("action", "error-required").into()),
    };
    let v = version(&form.version)?;
    match state.db.run(move |conn| ledger::record_payment(conn, &actor, id, v, &command)).await {
        Ok(()) => {
            visitor.flash("payment-recorded");
            Ok(redirect(&format!("/awards/{award_id}#payments")))
        }
        Err(AppError::Validation(errors)) => {
            let errors = errors.into_iter().map(|(k, v)| (format!("{k}_{id}"), v)).collect();
            award_page_with(&state, &visitor, award_id, AwardPage::refused(errors)).await
        }
        Err(e) => Err(e.into()),
    }
}
