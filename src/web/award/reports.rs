//! Progress reports: the scholar's upload of a term's transcript, and its download.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use object_store::path::Path as ObjectPath;

use super::page::{award_page_with, AwardPage};
use crate::error::{AppError, FieldErrors};
use crate::service::documents;
use crate::service::ledger;
use crate::web::page::{authorize, redirect, PageError, PageResult, Visitor};
use crate::web::AppState;

/// The scholar's progress report: the transcript (PDF, JPEG or PNG, ≤ 10 MB, type from the content) confirms
/// enrolment for the term.
pub(super) async fn upload_report(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> PageResult {
    let (id, report_id) = path.into_inner();
    // Who may send this report is settled before the upload is read: a stranger's file is never taken in.
    let actor = visitor.actor()?;
    authorize(&state, &actor, move |conn, actor| ledger::check_report_upload(conn, actor, id, report_id)).await?;
    let (fields, file) = match crate::web::form::read_upload(payload).await {
        Ok(parts) => parts,
        Err(AppError::Validation(errors)) => {
            return award_page_with(&state, &visitor, id, AwardPage::refused(errors)).await
        }
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    // The report is the scholar's confirmation that they are enrolled this term, with the transcript as proof.
    if fields.get("enrolled").map(String::as_str) != Some("yes") {
        let errors = FieldErrors::from([("enrolled".to_string(), "error-enrolment-confirm".to_string())]);
        return award_page_with(&state, &visitor, id, AwardPage::refused(errors)).await;
    }
    let check = actor.clone();
    state.db.run(move |conn| ledger::check_report_upload(conn, &check, id, report_id)).await?;
    let stored = match file {
        Some((_, content)) => documents::store_file(&state.files, content).await,
        None => Err(AppError::field("file", "error-file-empty")),
    };
    let key = match stored {
        Ok(stored) => stored.storage_key,
        Err(AppError::Validation(errors)) => {
            return award_page_with(&state, &visitor, id, AwardPage::refused(errors)).await
        }
        Err(e) => return Err(e.into()),
    };
    let k = key.clone();
    match state.db.run(move |conn| ledger::receive_report(conn, &actor, id, report_id, &k)).await {
        Ok(()) => {
            visitor.flash("report-received");
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(e) => {
            // Nothing refers to the file: remove it rather than leave an orphan.
            let _ = state.files.delete(&ObjectPath::from(key.as_str())).await;
            Err(e.into())
        }
    }
}

pub(super) async fn download_transcript(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let (id, report_id) = path.into_inner();
    let key = state.db.run(move |conn| ledger::report_transcript(conn, &actor, id, report_id)).await?;
    let (content_type, content) = documents::read_file(&state.files, &key).await?;
    let extension = content_type.rsplit('/').next().unwrap_or("bin");
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"transcript-{report_id}.{extension}\""),
        ))
        .body(content))
}
