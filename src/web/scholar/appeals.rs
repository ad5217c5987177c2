//! The scholar's appeal against their placement: the form (reason from the list, free text, an optional
//! document) while the cycle's window is open, and the appeals filed with their decisions.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Serialize;

use crate::error::{AppError, FieldErrors};
use crate::service::appeals::{self as service, AppealInput, ScholarAppeals};
use crate::service::placement_cycles::today;
use crate::web::form::read_upload;
use crate::web::page::{redirect, render_status, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct AppealPage {
    #[serde(flatten)]
    file: ScholarAppeals,
    errors: FieldErrors,
    values: HashMap<String, String>,
}

async fn page_with(
    state: &AppState,
    visitor: &Visitor,
    cycle: i64,
    errors: FieldErrors,
    values: HashMap<String, String>,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let file = state.db.run(move |conn| service::scholar_appeals(conn, &actor, cycle, today())).await?;
    render_status(state, visitor, "scholar/appeal.html", &AppealPage { file, errors, values }, status)
}

pub(super) async fn appeal_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    page_with(&state, &visitor, path.into_inner(), FieldErrors::new(), HashMap::new(), StatusCode::OK).await
}

/// Files the appeal (a multipart form, for the document).
pub(super) async fn file_appeal(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    payload: Multipart,
) -> PageResult {
    let cycle = path.into_inner();
    let actor = visitor.actor()?;
    // Only the scholar of the cycle sends a file here; anyone else is refused before the upload is read.
    let check = actor.clone();
    state.db.run(move |conn| service::scholar_appeals(conn, &check, cycle, today()).map(|_| ())).await?;
    let (fields, file) = match read_upload(payload).await {
        Ok(parts) => parts,
        Err(AppError::Validation(errors)) => {
            return page_with(&state, &visitor, cycle, errors, HashMap::new(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    let reason_code = fields.get("reason_code").cloned().unwrap_or_default();
    let reason_text = fields.get("reason_text").cloned().unwrap_or_default();
    let values: HashMap<String, String> =
        [("reason_code".to_string(), reason_code.clone()), ("reason_text".to_string(), reason_text.clone())].into();
    let input = AppealInput { reason_code, reason_text, document: file };
    let filed = service::file(
        &state.db,
        &state.files,
        state.i18n.clone(),
        state.config.public_url.clone(),
        &actor,
        cycle,
        input,
        today(),
    )
    .await;
    match filed {
        Ok(_) => {
            visitor.flash("appeal-filed");
            Ok(redirect(&format!("/my/placement/{cycle}/appeal")))
        }
        Err(AppError::Validation(errors)) => {
            page_with(&state, &visitor, cycle, errors, values, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
