//! The funder's side, used by programme officers (and, for reading, the other staff of a funder and the
//! administrators): programmes and their terms, calls, the applications to the organisation's calls (list,
//! filters, CSV export, places to check), and each call's review set-up, assignments, ranking with its funding
//! line, and ledger CSV. Everything here hangs off `/funder`; the award pages the ranking leads to are in
//! `web/award/`.

mod applications;
mod assignments;
mod call_review;
mod calls;
mod ledger;
mod places;
mod programmes;
mod ranking;

pub(super) use applications::ListQuery;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/funder", web::get().to(programmes::home))
        .route("/funder/programmes/new", web::get().to(programmes::programme_form))
        .route("/funder/programmes/new", web::post().to(programmes::create_programme))
        .route("/funder/programmes/{id}", web::get().to(programmes::programme_page))
        .route("/funder/programmes/{id}/terms", web::post().to(programmes::add_terms))
        .route("/funder/programmes/{id}/cadre", web::post().to(programmes::set_cadre))
        .route("/funder/programmes/{id}/bond", web::post().to(programmes::set_bond))
        .route("/funder/programmes/{id}/transfers-limit", web::post().to(programmes::set_transfers_limit))
        .route("/funder/programmes/{id}/calls/new", web::get().to(calls::call_form))
        .route("/funder/programmes/{id}/calls/new", web::post().to(calls::create_call))
        .route("/funder/applications", web::get().to(applications::applications))
        .route("/funder/applications.csv", web::get().to(applications::export_csv))
        .route("/funder/places", web::get().to(places::unmatched_places))
        .route("/funder/calls/{id}", web::get().to(call_review::call_page))
        .route("/funder/calls/{id}/settings", web::post().to(call_review::save_settings))
        .route("/funder/calls/{id}/assign", web::post().to(assignments::assign))
        .route("/funder/calls/{id}/assign-evenly", web::post().to(assignments::assign_evenly))
        .route("/funder/calls/{id}/ranking", web::get().to(ranking::ranking_page))
        .route("/funder/calls/{id}/propose", web::post().to(ranking::propose))
        .route("/funder/calls/{id}/notify-not-selected", web::post().to(ranking::notify_not_selected))
        .route("/funder/calls/{id}/ledger.csv", web::get().to(ledger::ledger_csv));
}
