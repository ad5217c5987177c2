//! The public site, for anyone without logging in: the open calls, and a call's page with who may apply, what
//! the programme pays and what service it asks for, and which documents to upload.

pub(super) mod calls;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(calls::home)).route("/calls/{id}", web::get().to(calls::call_page));
}
