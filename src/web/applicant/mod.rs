//! The applicant's pages: their applications, the numbered steps of a draft, the documents, submitting,
//! withdrawing or deleting, and the application's page.

mod answers;
mod documents;
mod list;
mod steps;
mod submission;
mod view;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my/applications", web::get().to(list::my_applications))
        .route("/calls/{id}/apply", web::post().to(list::apply))
        .route("/applications/{id}", web::get().to(view::view))
        .route("/applications/{id}/step/{step}", web::get().to(steps::step_form))
        .route("/applications/{id}/step/{step}", web::post().to(steps::save_step))
        .route("/applications/{id}/documents", web::post().to(documents::upload))
        .route("/applications/{id}/submit", web::post().to(submission::submit))
        .route("/applications/{id}/withdraw", web::get().to(submission::confirm_withdraw))
        .route("/applications/{id}/withdraw", web::post().to(submission::withdraw))
        .route("/applications/{id}/delete", web::get().to(submission::confirm_delete))
        .route("/applications/{id}/delete", web::post().to(submission::delete_draft))
        .route("/documents/{id}", web::get().to(documents::download));
}
