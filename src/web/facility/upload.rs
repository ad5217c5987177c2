//! The bulk upload of need scores and eligibility (all rows or none) and its CSV template.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::domain::role::Role;
use crate::error::AppError;
use crate::service::facilities::{self as service, BadRow, UploadOutcome, UploadSummary, UPLOAD_COLUMNS};
use crate::web::csv::{download, CsvFile};
use crate::web::form::read_upload;
use crate::web::page::{render_status, PageError, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize, Default)]
struct UploadPage {
    bad_rows: Vec<BadRow>,
    summary: Option<UploadSummary>,
    file_error: Option<String>,
}

fn coordinator(visitor: &Visitor) -> Result<crate::service::Actor, AppError> {
    let actor = visitor.actor()?;
    actor.require(&[Role::PlacementCoordinator])?;
    Ok(actor)
}

pub(super) async fn upload_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    coordinator(&visitor)?;
    render_status(&state, &visitor, "facility/upload.html", &UploadPage::default(), StatusCode::OK)
}

pub(super) async fn upload(state: web::Data<AppState>, visitor: Visitor, payload: Multipart) -> PageResult {
    let actor = coordinator(&visitor)?;
    let (fields, file) = match read_upload(payload).await {
        Ok(read) => read,
        Err(AppError::Validation(f)) => {
            let page = UploadPage { file_error: f.get("file").cloned(), ..UploadPage::default() };
            return render_status(&state, &visitor, "facility/upload.html", &page, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    let Some((_, data)) = file.filter(|(_, d)| !d.is_empty()) else {
        let page = UploadPage { file_error: Some("error-file-empty".into()), ..UploadPage::default() };
        return render_status(&state, &visitor, "facility/upload.html", &page, StatusCode::UNPROCESSABLE_ENTITY);
    };
    match state.db.run(move |conn| service::upload_need_scores(conn, &actor, &data)).await? {
        UploadOutcome::Applied(summary) => {
            let page = UploadPage { summary: Some(summary), ..UploadPage::default() };
            render_status(&state, &visitor, "facility/upload.html", &page, StatusCode::OK)
        }
        UploadOutcome::Rejected(bad_rows) => {
            let page = UploadPage { bad_rows, ..UploadPage::default() };
            render_status(&state, &visitor, "facility/upload.html", &page, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// The upload's columns with one example row.
pub(super) async fn template(visitor: Visitor) -> Result<HttpResponse, PageError> {
    coordinator(&visitor)?;
    let mut file = CsvFile::with_header(&UPLOAD_COLUMNS)?;
    let today = crate::service::now().date();
    let until = today.checked_add_months(chrono::Months::new(12)).unwrap_or(today);
    file.record(&[
        "mfl:12345".into(),
        "18".into(),
        "County health survey 2026".into(),
        today.format("%Y-%m-%d").to_string(),
        "yes".into(),
        until.format("%Y-%m-%d").to_string(),
    ])?;
    Ok(download("need-scores-template.csv", file.into_bytes()?))
}
