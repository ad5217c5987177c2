//! Opening a call under a programme: its dates, seats, budget, required documents and eligibility questions.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDateTime;

use crate::domain::eligibility::{standard_questions, EligibilityQuestion};
use crate::error::{AppError, FieldErrors};
use crate::service::programmes::{self as service, CallInput, Programme, DOCUMENT_KINDS};
use crate::web::form::{money, number, read_local_datetime};
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn call_form(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let programme = state.db.run(move |conn| service::managed_programme(conn, &actor, id)).await?;
    let values = serde_json::json!({"standard_questions": standard_questions().iter().map(|q| q.key.clone()).collect::<Vec<_>>()});
    render(&state, &visitor, "funder/call_new.html", &call_form_page(&programme, values, &FieldErrors::new()))
}

/// The call's eligibility questions: the standard ones ticked, plus up to two of the officer's own.
fn questions_from_form(pairs: &[(String, String)], errors: &mut FieldErrors) -> Vec<EligibilityQuestion> {
    let ticked: Vec<&str> = pairs.iter().filter(|(k, _)| k == "standard_questions").map(|(_, v)| v.as_str()).collect();
    let mut questions: Vec<EligibilityQuestion> =
        standard_questions().into_iter().filter(|q| ticked.contains(&q.key.as_str())).collect();
    let get =
        |name: String| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    for n in 1..=CUSTOM_QUESTIONS {
        let text = get(format!("custom_text_{n}"));
        if text.is_empty() {
            continue;
        }
        let reason = get(format!("custom_reason_{n}"));
        if reason.is_empty() {
            errors.insert(format!("custom_reason_{n}"), "error-required".into());
        }
        questions.push(EligibilityQuestion {
            key: format!("custom_{n}"),
            text: text.chars().take(300).collect(),
            disqualifying_answer: get(format!("custom_disqualify_{n}")) == "yes",
            reason: reason.chars().take(200).collect(),
        });
    }
    questions
}

/// How many questions of their own an officer may add to a call.
const CUSTOM_QUESTIONS: usize = 2;

fn call_form_page(programme: &Programme, values: serde_json::Value, errors: &FieldErrors) -> serde_json::Value {
    serde_json::json!({
        "programme": programme, "values": values, "errors": errors, "document_kinds": DOCUMENT_KINDS,
        "standard_questions": standard_questions(), "custom_questions": (1..=CUSTOM_QUESTIONS).collect::<Vec<_>>(),
    })
}

pub(super) async fn create_call(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let pairs = form.into_inner();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    visitor.check_csrf(Some(&get("csrf_token")))?;
    let actor = visitor.actor()?;
    let programme_id = path.into_inner();
    // Before any field is read: a refused form must not show another funder's programme or currency.
    let check = actor.clone();
    let programme = state.db.run(move |conn| service::managed_programme(conn, &check, programme_id)).await?;
    let mut errors = FieldErrors::new();
    let mut datetime = |name: &str| {
        read_local_datetime(&state, &get(name)).unwrap_or_else(|key| {
            errors.insert(name.into(), key.into());
            NaiveDateTime::default()
        })
    };
    let (opens_at, closes_at) = (datetime("opens_at"), datetime("closes_at"));
    let map: HashMap<String, String> = pairs.iter().cloned().collect();
    let input = CallInput {
        programme_id,
        title: get("title"),
        intake_year: number(&map, "intake_year", &mut errors),
        opens_at,
        closes_at,
        seats: number(&map, "seats", &mut errors),
        budget_minor: money(&map, "budget", &programme.currency, &visitor.lang, &mut errors),
        required_documents: pairs.iter().filter(|(k, _)| k == "required_documents").map(|(_, v)| v.clone()).collect(),
        questions: questions_from_form(&pairs, &mut errors),
    };
    if errors.is_empty() {
        match state.db.run(move |conn| service::open_call(conn, &actor, &input)).await {
            Ok(id) => {
                visitor.flash("call-opened");
                return Ok(redirect(&format!("/calls/{id}")));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    let values = serde_json::to_value(&map).unwrap_or_default();
    render_status(
        &state,
        &visitor,
        "funder/call_new.html",
        &call_form_page(&programme, values, &errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}
