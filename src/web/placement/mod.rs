//! The placement coordinator's pages: cycles, the scholars in them, vacancies, floors and caps, match runs,
//! their comparison and their publication, and the appeals against published placements.

mod appeals;
mod cycles;
mod runs;
mod scholars;
mod swaps;
pub(crate) mod transfers;
mod vacancies;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/placement", web::get().to(cycles::home))
        .route("/placement/cycles/new", web::get().to(cycles::new_form))
        .route("/placement/cycles/new", web::post().to(cycles::create))
        .route("/placement/cycles/{id}", web::get().to(cycles::cycle_page))
        .route("/placement/cycles/{id}/take-in", web::post().to(cycles::take_in))
        .route("/placement/cycles/{id}/floor", web::post().to(cycles::set_floor))
        .route("/placement/cycles/{id}/caps", web::post().to(cycles::set_cap))
        .route("/placement/cycles/{id}/caps/remove", web::post().to(cycles::remove_cap))
        .route("/placement/cycles/{id}/scholars", web::post().to(scholars::add))
        .route("/placement/cycles/{id}/scholars/{scholar}", web::get().to(scholars::scholar_page))
        .route("/placement/cycles/{id}/scholars/{scholar}/remove", web::post().to(scholars::remove))
        .route("/placement/cycles/{id}/scholars/{scholar}/tier", web::post().to(scholars::grant_tier))
        .route("/placement/cycles/{id}/scholars/{scholar}/tier-document", web::get().to(scholars::tier_document))
        .route("/placement/cycles/{id}/scholars/{scholar}/transfer", web::get().to(transfers::request_page))
        .route("/placement/cycles/{id}/scholars/{scholar}/transfer", web::post().to(transfers::request))
        .route("/placement/cycles/{id}/transfers", web::get().to(transfers::decisions_page))
        .route("/placement/cycles/{id}/transfers/{transfer}/approve", web::post().to(transfers::approve))
        .route("/placement/cycles/{id}/transfers/{transfer}/refuse", web::post().to(transfers::refuse))
        .route("/placement/cycles/{id}/vacancies", web::get().to(vacancies::vacancies_page))
        .route("/placement/cycles/{id}/vacancies", web::post().to(vacancies::set_seats))
        .route("/placement/cycles/{id}/vacancies/csv", web::post().to(vacancies::upload_csv))
        .route("/placement/cycles/{id}/vacancies/template.csv", web::get().to(vacancies::csv_template));
    cfg.route("/placement/cycles/{id}/swaps", web::get().to(swaps::swaps_page))
        .route("/placement/cycles/{id}/swaps/cycle", web::post().to(swaps::approve_cycle))
        .route("/placement/cycles/{id}/swaps/{swap}/{action}", web::post().to(swaps::decide));
    cfg.route("/placement/cycles/{id}/appeals", web::get().to(appeals::list))
        .route("/placement/appeals/{id}", web::get().to(appeals::appeal_page))
        .route("/placement/appeals/{id}/decide", web::post().to(appeals::decide))
        .route("/placement/appeals/{id}/reassign", web::post().to(appeals::reassign))
        .route("/placement/appeals/{id}/document", web::get().to(appeals::document));
    runs::routes(cfg);
}
