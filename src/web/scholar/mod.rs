//! The scholar's placement pages: the cycles they are in, their ranked choices, a partner, and the published
//! placement with the reason for every higher choice not given, and an appeal against it.

mod appeals;
mod choices;
mod placement;
mod result;
mod swaps;
mod transfers;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my/placement", web::get().to(placement::my_placement))
        .route("/my/placement/{cycle}/choices", web::get().to(choices::choices_page))
        .route("/my/placement/{cycle}/choices/{action}", web::post().to(choices::change_choices))
        .route("/my/placement/{cycle}/partner", web::post().to(choices::name_partner))
        .route("/my/placement/{cycle}/partner/unlink", web::post().to(choices::unlink_partner));
    cfg.route("/my/placement/{cycle}/result", web::get().to(result::result_page))
        .route("/my/placement/{cycle}/accept", web::post().to(result::accept))
        .route("/my/placement/{cycle}/decline", web::post().to(result::decline));
    cfg.route("/my/placement/{cycle}/swaps", web::get().to(swaps::swaps_page))
        .route("/my/placement/{cycle}/swaps", web::post().to(swaps::propose))
        .route("/my/placement/{cycle}/swaps/wishes", web::post().to(swaps::save_wishes))
        .route("/my/placement/{cycle}/swaps/{swap}/{action}", web::post().to(swaps::answer));
    cfg.route("/my/placement/{cycle}/transfer", web::get().to(transfers::transfer_page))
        .route("/my/placement/{cycle}/transfer", web::post().to(transfers::request_transfer));
    cfg.route("/my/placement/{cycle}/appeal", web::get().to(appeals::appeal_page))
        .route("/my/placement/{cycle}/appeal", web::post().to(appeals::file_appeal));
}
