//! The reviewer's pages: the applications assigned to them, the conflict-of-interest declaration and the score
//! sheet. The officer's side of reviewing (rubric, tiers, assignments) is a call's page under `web/funder/`.

mod list;
mod scoring;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reviews", web::get().to(list::my_reviews))
        .route("/reviews/{id}", web::get().to(scoring::review_page))
        .route("/reviews/{id}/declare", web::post().to(scoring::declare))
        .route("/reviews/{id}/score", web::post().to(scoring::score));
}
