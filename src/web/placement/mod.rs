//! The placement coordinator's pages: cycles, the scholars in them, vacancies, floors and caps, match runs,
//! their comparison and their publication.

mod runs;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    runs::routes(cfg);
}
