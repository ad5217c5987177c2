//! Status changes: the scholar reports one (leave, repeat year, new graduation date, withdrawal), the officer
//! decides it.

use actix_web::web;
use serde::Deserialize;
use validator::Validate;

use super::page::{award_page_with, AwardPage, AwardValues};
use crate::domain::progress::{ChangeDecision, StatusChange};
use crate::error::AppError;
use crate::service::ledger;
use crate::web::form::read_date;
use crate::web::page::{authorize, redirect, PageResult, Visitor};
use crate::web::AppState;

/// A change the scholar reports: its kind (a new graduation date needs the date) and a note.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ChangeForm {
    csrf_token: String,
    kind: String,
    new_graduation_date: String,
    note: String,
}

pub(super) async fn report_change(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ChangeForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| ledger::award_to_report_on(conn, actor, id).map(|_| ())).await?;
    let form = form.into_inner();
    let change = match form.kind.trim() {
        "leave_of_absence" => Ok(StatusChange::LeaveOfAbsence),
        "repeat_year" => Ok(StatusChange::RepeatYear),
        "new_graduation_date" => read_date(&form.new_graduation_date)
            .map(StatusChange::NewGraduationDate)
            .map_err(|key| AppError::field("new_graduation_date", key)),
        "withdrawal" => Ok(StatusChange::Withdrawal),
        "dismissal" => Ok(StatusChange::Dismissal),
        _ => Err(AppError::field("kind", "error-required")),
    };
    let note = form.note.trim().to_string();
    let result = match change {
        Ok(change) => state.db.run(move |conn| ledger::report_change(conn, &actor, id, change, &note)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            visitor.flash("change-reported");
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            let values = AwardValues { note: form.note, ..AwardValues::default() };
            award_page_with(&state, &visitor, id, AwardPage::refused_with(values, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The officer's decision on a reported change.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ChangeDecisionForm {
    csrf_token: String,
    decision: String,
}

pub(super) async fn decide_change(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ChangeDecisionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    let award_id = state.db.run(move |conn| ledger::award_of_change(conn, &check, id)).await?;
    let decision = match form.decision.trim() {
        "approved" => ChangeDecision::Approved,
        "refused" => ChangeDecision::Refused,
        _ => return Err(AppError::field("decision", "error-required").into()),
    };
    let i18n = state.i18n.clone();
    state.db.run(move |conn| ledger::decide_change(conn, &i18n, &actor, id, decision)).await?;
    visitor.flash("change-decided");
    Ok(redirect(&format!("/awards/{award_id}")))
}
