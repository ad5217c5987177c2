//! The placement coordinator's pages: cycles, the scholars in them, vacancies, floors and caps, match runs,
//! their comparison and their publication.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
