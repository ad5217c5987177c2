//! The facility registry (search, a facility's page, need scores and eligibility, the bulk upload) and the
//! facility supervisor's view of the scholars placed at their facilities.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
