//! Opening a call under a programme: its dates, seats, budget, required documents and eligibility questions.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::domain::eligibility::{standard_questions, EligibilityQuestion};
use crate::domain::money::parse_amount_in;
use crate::error::{AppError, FieldErrors};
use crate::service::programmes::{self as service, CallInput, Programme, DOCUMENT_KINDS};
use crate::web::form::{noted, read_local_datetime, read_number};
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

/// How many questions of their own an officer may add to a call.
const CUSTOM_QUESTIONS: usize = 2;

/// The call form as typed. Ticked boxes repeat their name (`required_documents`, `standard_questions`), which
/// `web::Form` cannot read into a struct, so the form's pairs are read into this one by `CallForm::read`;
/// the officer's own questions are indexed fields (`custom_text_1`, `custom_reason_1`, …) kept by name.
#[derive(Debug, Default, Serialize)]
pub(super) struct CallForm {
    csrf_token: String,
    title: String,
    intake_year: String,
    opens_at: String,
    closes_at: String,
    seats: String,
    /// Absent from an old form rather than empty, and then read as no budget, as it always has.
    budget: Option<String>,
    required_documents: Vec<String>,
    standard_questions: Vec<String>,
    #[serde(flatten)]
    custom: BTreeMap<String, String>,
}

impl CallForm {
    fn read(pairs: Vec<(String, String)>) -> CallForm {
        let mut form = CallForm::default();
        for (name, value) in pairs {
            match name.as_str() {
                "csrf_token" => form.csrf_token = value,
                "title" => form.title = value,
                "intake_year" => form.intake_year = value,
                "opens_at" => form.opens_at = value,
                "closes_at" => form.closes_at = value,
                "seats" => form.seats = value,
                "budget" => form.budget = Some(value),
                "required_documents" => form.required_documents.push(value),
                "standard_questions" => form.standard_questions.push(value),
                _ if name.starts_with("custom_") => {
                    form.custom.insert(name, value);
                }
                _ => {}
            }
        }
        form
    }

    /// One of the officer's own questions' fields, trimmed; empty when absent.
    fn custom(&self, part: &str, n: usize) -> String {
        self.custom.get(&format!("custom_{part}_{n}")).map(|v| v.trim().to_string()).unwrap_or_default()
    }

    /// The call's eligibility questions: the standard ones ticked, plus up to two of the officer's own.
    fn questions(&self, errors: &mut FieldErrors) -> Vec<EligibilityQuestion> {
        let mut questions: Vec<EligibilityQuestion> =
            standard_questions().into_iter().filter(|q| self.standard_questions.contains(&q.key)).collect();
        for n in 1..=CUSTOM_QUESTIONS {
            let text = self.custom("text", n);
            if text.is_empty() {
                continue;
            }
            let reason = self.custom("reason", n);
            if reason.is_empty() {
                errors.insert(format!("custom_reason_{n}"), "error-required".into());
            }
            questions.push(EligibilityQuestion {
                key: format!("custom_{n}"),
                text: text.chars().take(300).collect(),
                disqualifying_answer: self.custom("disqualify", n) == "yes",
                reason: reason.chars().take(200).collect(),
            });
        }
        questions
    }
}

/// The call form's values: every standard question ticked to start from, or what was typed.
#[derive(Serialize)]
#[serde(untagged)]
enum CallValues<'a> {
    Start { standard_questions: Vec<String> },
    Typed(&'a CallForm),
}

#[derive(Serialize)]
struct CallNewPage<'a> {
    programme: &'a Programme,
    values: CallValues<'a>,
    errors: &'a FieldErrors,
    document_kinds: &'static [&'static str],
    standard_questions: Vec<EligibilityQuestion>,
    custom_questions: Vec<usize>,
}

fn call_form_page<'a>(programme: &'a Programme, values: CallValues<'a>, errors: &'a FieldErrors) -> CallNewPage<'a> {
    CallNewPage {
        programme,
        values,
        errors,
        document_kinds: &DOCUMENT_KINDS,
        standard_questions: standard_questions(),
        custom_questions: (1..=CUSTOM_QUESTIONS).collect(),
    }
}

pub(super) async fn call_form(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let programme = state.db.run(move |conn| service::managed_programme(conn, &actor, id)).await?;
    let values = CallValues::Start { standard_questions: standard_questions().into_iter().map(|q| q.key).collect() };
    render(&state, &visitor, "funder/call_new.html", &call_form_page(&programme, values, &FieldErrors::new()))
}

pub(super) async fn create_call(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let form = CallForm::read(form.into_inner());
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let programme_id = path.into_inner();
    // Before any field is read: a refused form must not show another funder's programme or currency.
    let check = actor.clone();
    let programme = state.db.run(move |conn| service::managed_programme(conn, &check, programme_id)).await?;
    let mut errors = FieldErrors::new();
    let mut datetime = |text: &str, name: &str| {
        read_local_datetime(&state, text).unwrap_or_else(|key| {
            errors.insert(name.into(), key.into());
            NaiveDateTime::default()
        })
    };
    let (opens_at, closes_at) = (datetime(&form.opens_at, "opens_at"), datetime(&form.closes_at, "closes_at"));
    let budget = form.budget.as_deref().unwrap_or("0");
    let input = CallInput {
        programme_id,
        title: form.title.clone(),
        intake_year: noted(read_number(&form.intake_year), "intake_year", &mut errors),
        opens_at,
        closes_at,
        seats: noted(read_number(&form.seats), "seats", &mut errors),
        budget_minor: noted(parse_amount_in(budget, &programme.currency, &visitor.lang), "budget", &mut errors),
        required_documents: form.required_documents.clone(),
        questions: form.questions(&mut errors),
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
    render_status(
        &state,
        &visitor,
        "funder/call_new.html",
        &call_form_page(&programme, CallValues::Typed(&form), &errors),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}
