//! The facility registry (search, a facility's page, need scores and eligibility, the bulk upload) and the
//! facility supervisor's view of the scholars placed at their facilities.

mod registry;
mod supervisor;
mod upload;

use actix_web::web;

pub(crate) use registry::FacilityQuery;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/facilities", web::get().to(registry::search))
        .route("/facilities/upload", web::get().to(upload::upload_form))
        .route("/facilities/upload", web::post().to(upload::upload))
        .route("/facilities/upload/template.csv", web::get().to(upload::template))
        .route("/facilities/{id}", web::get().to(registry::facility_page))
        .route("/facilities/{id}/need-score", web::post().to(registry::need_score))
        .route("/facilities/{id}/eligibility", web::post().to(registry::eligibility))
        .route("/supervisor", web::get().to(supervisor::supervisor_home))
        .route("/supervisor/placements/{id}/start", web::post().to(supervisor::confirm_start));
}
