//! A call's payment ledger as CSV.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::domain::money::format_major_in;
use crate::error::AppError;
use crate::service::ledger::{self};
use crate::web::page::{PageError, Visitor};
use crate::web::AppState;

pub(super) async fn ledger_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let rows = state.db.run(move |conn| ledger::call_ledger(conn, &actor, call_id)).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "award_id",
        "reference",
        "scholar",
        "support_year",
        "kind",
        "payee",
        "note",
        "due_on",
        "amount",
        "currency",
        "amount_minor",
        "status",
        "paid_on",
        "payment_reference",
        "held_for",
    ];
    let csv_error = |e: csv::Error| AppError::Internal(format!("writing the ledger CSV: {e}"));
    writer.write_record(header).map_err(csv_error)?;
    for (p, award, reference, scholar) in &rows {
        let cells = [
            award.id.to_string(),
            reference.clone(),
            scholar.clone(),
            p.support_year.to_string(),
            p.kind.clone(),
            p.payee.clone(),
            p.note.clone(),
            p.due_on.to_string(),
            format_major_in(p.amount_minor, &award.currency, "en"),
            award.currency.clone(),
            p.amount_minor.to_string(),
            p.status.clone(),
            p.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            p.reference.clone().unwrap_or_default(),
            p.held_for.clone().unwrap_or_default(),
        ];
        writer.write_record(cells.iter().map(|c| crate::web::csv::csv_cell(c))).map_err(csv_error)?;
    }
    let body = writer.into_inner().map_err(|e| AppError::Internal(format!("writing the ledger CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"ledger-call-{call_id}.csv\"")))
        .body(body))
}
