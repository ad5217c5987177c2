//! The jobs and e-mails that failed and wait for their next try.

use actix_web::web;
use serde::Serialize;

use super::admin;
use crate::service::administration as service;
use crate::service::jobs::FailingWork;
use crate::web::page::{render, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct JobsPage {
    jobs: Vec<FailingWork>,
}

pub(super) async fn failing_jobs(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = admin(&visitor)?;
    let jobs = state.db.run(move |conn| service::failing_work(conn, &actor)).await?;
    render(&state, &visitor, "admin/jobs.html", &JobsPage { jobs })
}
