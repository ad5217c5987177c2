//! The scholar's placement pages: the cycles they are in, their ranked choices, a partner, and the published
//! placement with the reason for every higher choice not given.

mod result;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my/placement/{cycle}/result", web::get().to(result::result_page));
}
