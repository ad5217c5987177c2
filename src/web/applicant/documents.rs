//! The draft's documents: uploading one against the call's checklist, and downloading it.

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};

use super::steps::{form_values, load_step, step_page};
use crate::domain::application::FormStep;
use crate::error::{AppError, FieldErrors};
use crate::service::applications as service;
use crate::service::documents;
use crate::web::form::read_upload;
use crate::web::page::{redirect, render_status, PageError, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn upload(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    payload: Multipart,
) -> PageResult {
    let id = path.into_inner();
    // Only the applicant's own application takes a file; anyone else is refused before the upload is read.
    let actor = visitor.actor()?;
    let check = actor.clone();
    state.db.run(move |conn| service::own(conn, &check, id).map(|_| ())).await?;
    let result = read_upload(payload).await;
    let (fields, file) = match result {
        Ok(parts) => parts,
        Err(AppError::Validation(errors)) => return show_documents_with(&state, &visitor, id, errors).await,
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    let Some((name, content)) = file else {
        return show_documents_with(
            &state,
            &visitor,
            id,
            [("file".to_string(), "error-file-empty".to_string())].into(),
        )
        .await;
    };
    match documents::upload(&state.db, &state.files, &actor, id, kind, name, content).await {
        Ok(()) => {
            visitor.flash("document-uploaded");
            Ok(redirect(&format!("/applications/{id}/step/documents")))
        }
        Err(AppError::Validation(errors)) => show_documents_with(&state, &visitor, id, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn show_documents_with(state: &AppState, visitor: &Visitor, id: i64, errors: FieldErrors) -> PageResult {
    let draft = load_step(state, visitor, id).await?;
    let values = form_values(&draft, &visitor.lang);
    let page = step_page(state, visitor, draft, FormStep::Documents, values, errors);
    render_status(state, visitor, "applicant/step.html", &page, StatusCode::UNPROCESSABLE_ENTITY)
}

/// Serves a document as an attachment, never inline, to those who may read its application.
pub(super) async fn download(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let (document, content) = documents::download(&state.db, &state.files, &actor, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(document.content_type.as_str())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                document.original_name.replace(|c: char| !c.is_ascii() || c == '"', "_")
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(content))
}
