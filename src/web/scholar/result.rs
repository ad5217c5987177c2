//! The scholar's published placement: the facility, its county, the choice rank, the start-of-service window
//! and the acceptance deadline, and for every facility ranked higher the reason it was not given.

use actix_web::web;
use serde::Serialize;

use crate::domain::matching::explanation::WhyNot;
use crate::service::match_runs::{self as service, HigherChoiceView, ScholarResult};
use crate::web::page::{local_time, points, render, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct ChoiceShown<'a> {
    #[serde(flatten)]
    choice: &'a HigherChoiceView,
    /// When full: the score of the lowest-ranked scholar holding a seat, in the reader's language.
    score: Option<String>,
}

#[derive(Serialize)]
struct ResultPage<'a> {
    #[serde(flatten)]
    result: &'a ScholarResult,
    choices: Vec<ChoiceShown<'a>>,
    /// The acceptance deadline in the installation's time zone, as every other time a scholar reads.
    acceptance_deadline: String,
}

pub(super) async fn result_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let actor = visitor.actor()?;
    let cycle = path.into_inner();
    let result = state.db.run(move |conn| service::scholar_result(conn, &actor, cycle)).await?;
    let choices = result
        .higher_choices
        .iter()
        .map(|choice| ChoiceShown {
            score: match choice.why {
                WhyNot::Full { lowest_score: Some(score), .. } => {
                    Some(points((score * 100.0).round().clamp(0.0, f64::from(u32::MAX)) as u32, &visitor.lang))
                }
                _ => None,
            },
            choice,
        })
        .collect();
    let acceptance_deadline = local_time(&state, result.cycle.acceptance_deadline);
    render(&state, &visitor, "scholar/result.html", &ResultPage { result: &result, choices, acceptance_deadline })
}
