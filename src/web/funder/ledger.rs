//! A call's payment ledger as CSV.

use actix_web::{web, HttpResponse};

use crate::domain::money::format_major_in;
use crate::service::ledger;
use crate::web::csv::{download, CsvFile};
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
    let mut file = CsvFile::with_header(&[
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
    ])?;
    for (p, award, reference, scholar) in &rows {
        file.record(&[
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
        ])?;
    }
    Ok(download(&format!("ledger-call-{call_id}.csv"), file.into_bytes()?))
}
