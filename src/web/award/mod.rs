//! The award pages, shared by the funder's programme officers and the scholar: the award lists, the award
//! page (support, obligation, ledger, progress reports, status changes), the printable contract and the
//! scholar's signature, the officer's decisions (four eyes, offer, countersignature, continuation, end of
//! support), payments, progress reports and reported changes.

mod changes;
mod contract;
mod decisions;
mod list;
mod page;
mod payments;
mod reports;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/funder/awards", web::get().to(list::funder_awards))
        .route("/funder/awards/{id}/{action}", web::post().to(decisions::award_action))
        .route("/funder/payments/{id}", web::post().to(payments::payment_action))
        .route("/funder/changes/{id}", web::post().to(changes::decide_change))
        .route("/my/awards", web::get().to(list::my_awards))
        .route("/awards/{id}", web::get().to(page::award_page))
        .route("/awards/{id}/contract", web::get().to(contract::contract_page))
        .route("/awards/{id}/respond", web::post().to(contract::respond))
        .route("/awards/{id}/changes", web::post().to(changes::report_change))
        .route("/awards/{id}/reports/{report}", web::post().to(reports::upload_report))
        .route("/awards/{id}/reports/{report}/transcript", web::get().to(reports::download_transcript));
}
