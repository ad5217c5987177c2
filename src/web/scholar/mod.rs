//! The scholar's placement pages: the cycles they are in, their ranked choices, a partner, and the published
//! placement with the reason for every higher choice not given.

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
