//! The officer's moves on an award: approve or reject (four eyes), offer, countersign, continue, end support,
//! resume after leave.

use actix_web::web;
use serde::Deserialize;
use validator::Validate;

use super::page::{award_page_with, AwardPage};
use crate::error::AppError;
use crate::service::ledger;
use crate::service::{access, awards as service, Actor};
use crate::web::form::{read_local_datetime, version};
use crate::web::page::{authorize, redirect, PageResult, Visitor};
use crate::web::AppState;

/// An award the actor may move as the funder's officer.
fn officer_of_award(award_id: i64) -> impl FnOnce(&mut crate::db::DbConn, &Actor) -> Result<(), AppError> {
    move |conn, actor| {
        access::require_officer(actor)?;
        access::managed_award(conn, actor, award_id).map(|_| ())
    }
}

/// An officer's move on an award, on the version it was shown with; an offer carries its deadline.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct AwardActionForm {
    csrf_token: String,
    version: String,
    offer_deadline: String,
}

/// The officer's moves on an award: approve or reject (four eyes), offer, countersign, continue, end support,
/// resume after leave.
pub(super) async fn award_action(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, String)>,
    form: web::Form<AwardActionForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (id, action) = path.into_inner();
    authorize(&state, &actor, officer_of_award(id)).await?;
    let v = version(&form.version)?;
    let deadline = read_local_datetime(&state, &form.offer_deadline);
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    let flash = match action.as_str() {
        "approve" | "reject" => "award-decided",
        "offer" => "award-offered",
        "countersign" => "award-countersigned",
        "continue" => "award-continued",
        "end-support" => "award-support-ended",
        "resume" => "award-resumed",
        _ => return Err(AppError::NotFound.into()),
    };
    let result = state
        .db
        .run(move |conn| match action.as_str() {
            "approve" => service::decide(conn, &actor, id, v, true),
            "reject" => service::decide(conn, &actor, id, v, false),
            "offer" => match deadline {
                Ok(d) => service::offer(conn, &i18n, &public_url, &actor, id, v, d),
                Err(key) => Err(AppError::field("offer_deadline", key)),
            },
            "countersign" => service::countersign(conn, &actor, id, v),
            "continue" => ledger::continue_award(conn, &actor, id, v).map(|_| ()),
            "end-support" => ledger::end_support(conn, &actor, id, v),
            _ => ledger::resume_after_leave(conn, &actor, id).map(|_| ()),
        })
        .await;
    match result {
        Ok(()) => {
            visitor.flash(flash);
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(AppError::Validation(errors)) => award_page_with(&state, &visitor, id, AwardPage::refused(errors)).await,
        Err(e) => Err(e.into()),
    }
}
