//! The compliance coordinator's pages: `/compliance`, the open flags of their organisation's scholars.

mod flags;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/compliance", web::get().to(flags::flags_page));
}
