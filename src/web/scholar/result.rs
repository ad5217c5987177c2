//! The scholar's published placement: the facility, its county, the choice rank, the start-of-service window
//! and the acceptance deadline, and for every facility ranked higher the reason it was not given; until the
//! deadline, the Accept and Decline forms (`/my/placement/{cycle}/accept`, `/my/placement/{cycle}/decline`).

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::domain::matching::explanation::WhyNot;
use crate::error::{AppError, FieldErrors};
use crate::service::match_runs::{self as service, HigherChoiceView, ScholarResult};
use crate::service::placement_answers::{self as answers, Answer, AnswerView};
use crate::web::form::version;
use crate::web::page::{authorize, local_time, points, redirect, render_status, PageResult, Visitor};
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
    answer: AnswerView,
    /// When the scholar answered, in the installation's time zone.
    answered_at: Option<String>,
    /// The decline form as typed, and what is wrong with it (a refused decline comes back with 422).
    decline: DeclineForm,
    errors: FieldErrors,
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    cycle: i64,
    decline: DeclineForm,
    errors: FieldErrors,
) -> PageResult {
    let actor = visitor.actor()?;
    let (result, answer) = state
        .db
        .run(move |conn| {
            let result = service::scholar_result(conn, &actor, cycle)?;
            let answer = answers::answer_view(conn, &actor, cycle)?;
            Ok((result, answer))
        })
        .await?;
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
    let acceptance_deadline = local_time(state, answer.deadline);
    let answered_at = answer.placement.as_ref().and_then(|p| p.answered_at).map(|t| local_time(state, t));
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = ResultPage { result: &result, choices, acceptance_deadline, answer, answered_at, decline, errors };
    render_status(state, visitor, "scholar/result.html", &page, status)
}

pub(super) async fn result_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    show(&state, &visitor, path.into_inner(), DeclineForm::default(), FieldErrors::new()).await
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct AcceptForm {
    csrf_token: String,
    version: String,
}

/// The decline as typed: a reason from the list and the scholar's own words.
#[derive(Debug, Default, Clone, Deserialize, Serialize, Validate)]
#[serde(default)]
pub(super) struct DeclineForm {
    #[serde(skip_serializing)]
    csrf_token: String,
    #[serde(skip_serializing)]
    version: String,
    reason: String,
    reason_text: String,
}

pub(super) async fn accept(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<AcceptForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle = path.into_inner();
    authorize(&state, &actor, move |conn, actor| answers::check_scholar(conn, actor, cycle)).await?;
    let shown = version(&form.version)?;
    let app = state.clone();
    state
        .db
        .run(move |conn| answers::answer(conn, &app.i18n, &app.config.public_url, &actor, cycle, shown, Answer::Accept))
        .await?;
    visitor.flash("answer-accepted");
    Ok(redirect(&format!("/my/placement/{cycle}/result")))
}

pub(super) async fn decline(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<DeclineForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle = path.into_inner();
    authorize(&state, &actor, move |conn, actor| answers::check_scholar(conn, actor, cycle)).await?;
    let shown = version(&form.version)?;
    let typed = form.into_inner();
    let answer = Answer::Decline { reason: typed.reason.clone(), text: typed.reason_text.clone() };
    let app = state.clone();
    let outcome = state
        .db
        .run(move |conn| answers::answer(conn, &app.i18n, &app.config.public_url, &actor, cycle, shown, answer))
        .await;
    match outcome {
        Ok(_) => {
            visitor.flash("answer-declined");
            Ok(redirect(&format!("/my/placement/{cycle}/result")))
        }
        Err(AppError::Validation(errors)) => show(&state, &visitor, cycle, typed, errors).await,
        Err(e) => Err(e.into()),
    }
}
