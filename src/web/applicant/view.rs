//! The application's page: its status and history, and, for a draft, what still blocks submission.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Serialize;

use super::steps::{blockers_in_words, step_marks, Blocker, StepMark};
use crate::domain::money::format_amount_in;
use crate::domain::role::Role;
use crate::error::FieldErrors;
use crate::service::applications::{self as service, Application, ApplicationFile, Document, StatusEvent};
use crate::web::page::{render_status, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn view(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    view_with(&state, &visitor, path.into_inner(), FieldErrors::new(), StatusCode::OK).await
}

#[derive(Serialize)]
struct ViewPage {
    id: i64,
    application: Application,
    call_title: String,
    currency: String,
    tuition: Option<String>,
    reasons: Vec<String>,
    answers: Vec<(String, bool)>,
    documents: Vec<Document>,
    history: Vec<StatusEvent>,
    is_owner: bool,
    /// For the applicant's own draft: the numbered steps, what blocks submission in words, and whether it may
    /// be submitted now (the server checks again on submit).
    steps: Vec<StepMark>,
    blockers: Vec<Blocker>,
    may_submit: bool,
}

pub(super) async fn view_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let is_owner_role = actor.role == Role::Applicant;
    let contact = state.config.contact.clone();
    let (file, history) = state.db.run(move |conn| service::readable_file(conn, &actor, id, &contact)).await?;
    let ApplicationFile { application, call, documents, mut blockers } = file;
    // A refused submission's reasons are the same rules; keep any the fresh check did not see.
    for (field, key) in errors {
        blockers.entry(field).or_insert(key);
    }
    let is_draft = application.status == "draft";
    let page = ViewPage {
        id,
        steps: if is_owner_role && is_draft { step_marks(&blockers) } else { Vec::new() },
        may_submit: is_owner_role && is_draft && blockers.is_empty(),
        blockers: blockers_in_words(state, &visitor.lang, &call, &blockers),
        tuition: application.annual_tuition_minor.map(|m| format_amount_in(m, &call.currency, &visitor.lang)),
        reasons: application.reasons().iter().map(|r| state.i18n.reason(&visitor.lang, r)).collect(),
        answers: application.question_answers(),
        call_title: call.title,
        currency: call.currency,
        documents,
        history,
        is_owner: is_owner_role,
        application,
    };
    render_status(state, visitor, "applicant/view.html", &page, status)
}
