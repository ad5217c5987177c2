//! The scholar's placement pages: the cycles they are in, their ranked choices, a partner, and the published
//! placement with the reason for every higher choice not given, and an appeal against it.

mod appeals;
mod choices;
mod placement;
mod result;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my/placement", web::get().to(placement::my_placement))
        .route("/my/placement/{cycle}/choices", web::get().to(choices::choices_page))
        .route("/my/placement/{cycle}/choices/{action}", web::post().to(choices::change_choices))
        .route("/my/placement/{cycle}/partner", web::post().to(choices::name_partner))
        .route("/my/placement/{cycle}/partner/unlink", web::post().to(choices::unlink_partner));
    cfg.route("/my/placement/{cycle}/result", web::get().to(result::result_page));
    cfg.route("/my/placement/{cycle}/appeal", web::get().to(appeals::appeal_page))
        .route("/my/placement/{cycle}/appeal", web::post().to(appeals::file_appeal));
}
