//! The officer's record of a payment: paid, held, released, cancelled, returned.

use actix_web::web;
use chrono::NaiveDate;

use super::page::{award_page_with, AwardPage};
use crate::error::AppError;
use crate::service::ledger::{self, PaymentCommand};
use crate::web::form::{field, version, Form};
use crate::web::page::{redirect, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn payment_action(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    // The payment's own award, not one the form names: that is what the officer is allowed to act on.
    let check = actor.clone();
    let award_id = state.db.run(move |conn| ledger::award_of_payment(conn, &check, id)).await?;
    let command = match field(&form, "action") {
        "pay" => PaymentCommand::Pay {
            paid_on: NaiveDate::parse_from_str(field(&form, "paid_on"), "%Y-%m-%d").ok(),
            reference: field(&form, "reference").to_string(),
        },
        "hold" => PaymentCommand::Hold,
        "release" => PaymentCommand::Release,
        "cancel" => PaymentCommand::Cancel,
        "return" => PaymentCommand::Return,
        _ => return Err(AppError::field("action", "error-required").into()),
    };
    let v = version(&form)?;
    match state.db.run(move |conn| ledger::record_payment(conn, &actor, id, v, &command)).await {
        Ok(()) => {
            visitor.flash("payment-recorded");
            Ok(redirect(&format!("/awards/{award_id}#payments")))
        }
        Err(AppError::Validation(errors)) => {
            let errors = errors.into_iter().map(|(k, v)| (format!("{k}_{id}"), v)).collect();
            award_page_with(&state, &visitor, award_id, AwardPage::refused_with(&form, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}
