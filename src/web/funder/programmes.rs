//! The funder's home (its programmes and calls), and a programme: creating it, its dated terms, its cadre.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use validator::{Validate, ValidationError};

use crate::domain::cadre::CADRES;
use crate::domain::money::format_major_in;
use crate::domain::programme::ProgrammeTerms;
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::service::programmes::{self as service, ProgrammeInput};
use crate::web::form::{date, money, number, Form};
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

pub(super) async fn home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let check = actor.clone();
    let service::FunderHome { programmes: programmes_list, calls } =
        state.db.run(move |conn| service::funder_home(conn, &check)).await?;
    let calls: Vec<_> =
        calls.iter().map(|l| crate::web::public::calls::call_view(&state, &visitor.lang, l, None)).collect();
    let may_create = actor.role == Role::ProgrammeOfficer;
    // Links a role cannot follow are not shown (coordinators and reviewers would get "forbidden").
    let may_read_applications = actor.role.reads_applications();
    render(
        &state,
        &visitor,
        "funder/home.html",
        &serde_json::json!({"programmes": programmes_list, "calls": calls, "may_create": may_create, "may_read_applications": may_read_applications}),
    )
}

/// The terms' form fields: name → (current value as text).
fn terms_values(t: &ProgrammeTerms) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or_default()
}

pub(super) async fn programme_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    visitor.actor()?.require(&[Role::ProgrammeOfficer])?;
    let values = serde_json::json!({"terms": terms_form_values(&ProgrammeTerms::typical(), "KES", &visitor.lang), "currency": "KES", "terms_from": chrono::Utc::now().date_naive().to_string()});
    render(
        &state,
        &visitor,
        "funder/programme_new.html",
        &serde_json::json!({"values": values, "errors": {}, "cadres": CADRES}),
    )
}

fn terms_from_form(
    form: &HashMap<String, String>,
    currency: &str,
    lang: &str,
    errors: &mut FieldErrors,
) -> ProgrammeTerms {
    ProgrammeTerms {
        service_years_per_support_year: number(form, "service_years_per_support_year", errors),
        min_service_years: number(form, "min_service_years", errors),
        max_support_years: number(form, "max_support_years", errors),
        full_time_hours_per_week: number(form, "full_time_hours_per_week", errors),
        half_time_hours_per_week: number(form, "half_time_hours_per_week", errors),
        half_time_credit: number(form, "half_time_credit", errors),
        days_away_allowed_per_service_year: number(form, "days_away_allowed_per_service_year", errors),
        parental_leave_max_days: number(form, "parental_leave_max_days", errors),
        verification_interval_months: number(form, "verification_interval_months", errors),
        verification_late_days: number(form, "verification_late_days", errors),
        start_window_days: number(form, "start_window_days", errors),
        in_school_breach_multiplier: number(form, "in_school_breach_multiplier", errors),
        damages_multiplier: number(form, "damages_multiplier", errors),
        damages_annual_interest_rate: number(form, "damages_annual_interest_rate", errors),
        damages_minimum_minor: money(form, "damages_minimum", currency, lang, errors),
        damages_payment_deadline_days: number(form, "damages_payment_deadline_days", errors),
        stipend_monthly_minor: money(form, "stipend_monthly", currency, lang, errors),
        lump_sum_yearly_minor: money(form, "lump_sum_yearly", currency, lang, errors),
    }
}

pub(super) async fn create_programme(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    // Who may act comes before what they typed (the service checks again, inside its transaction).
    actor.require(&[Role::ProgrammeOfficer])?;
    actor.organisation_id.ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::new();
    let currency = form.get("currency").map(|c| c.trim().to_uppercase()).unwrap_or_default();
    let terms = terms_from_form(&form, &currency, &visitor.lang, &mut errors);
    let terms_from = date(&form, "terms_from", &mut errors);
    if errors.is_empty() {
        let f = form.clone();
        let (t, c) = (terms.clone(), currency.clone());
        let result = state
            .db
            .run(move |conn| {
                let input = ProgrammeInput {
                    name: f.get("name").map(String::as_str).unwrap_or_default(),
                    cadre: f.get("cadre").map(String::as_str).unwrap_or_default(),
                    description: f.get("description").map(String::as_str).unwrap_or_default(),
                    currency: &c,
                    terms_from,
                    terms: t,
                };
                service::create_programme(conn, &actor, &input)
            })
            .await;
        match result {
            Ok(_) => {
                visitor.flash("programme-created");
                return Ok(redirect("/funder"));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    let mut values = serde_json::to_value(&form.0).unwrap_or_default();
    values["terms"] = serde_json::to_value(&form.0).unwrap_or_default();
    render_status(
        &state,
        &visitor,
        "funder/programme_new.html",
        &serde_json::json!({"values": values, "errors": errors, "cadres": CADRES}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

/// Terms as the form shows them: money in major units of the currency, other terms as numbers.
fn terms_form_values(t: &ProgrammeTerms, currency: &str, lang: &str) -> serde_json::Value {
    let mut values = terms_values(t);
    let major = |minor: i64| format_major_in(minor, currency, lang);
    values["damages_minimum"] = major(t.damages_minimum_minor).into();
    values["stipend_monthly"] = major(t.stipend_monthly_minor).into();
    values["lump_sum_yearly"] = major(t.lump_sum_yearly_minor).into();
    values
}

/// What the programme page shows again after a refused form: the terms form's or the cadre form's.
#[derive(Default)]
struct Refused {
    values: Option<serde_json::Value>,
    errors: FieldErrors,
    cadre_value: String,
    cadre_errors: FieldErrors,
}

async fn programme_page_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    refused: Refused,
    status: StatusCode,
) -> PageResult {
    let Refused { values, errors, cadre_value, cadre_errors } = refused;
    let actor = visitor.actor()?;
    let check = actor.clone();
    let (programme, history) = state.db.run(move |conn| service::readable_programme(conn, &check, id)).await?;
    let history_view: Vec<_> = history
        .iter()
        .map(|(from, terms)| {
            serde_json::json!({"from": from.to_string(), "words": crate::web::public::calls::terms_in_words(&state.i18n, &visitor.lang, terms, &programme.currency)})
        })
        .collect();
    let values = values.unwrap_or_else(|| {
        let latest = history.first().map(|(_, t)| t.clone()).unwrap_or_else(ProgrammeTerms::typical);
        serde_json::json!({"terms": terms_form_values(&latest, &programme.currency, &visitor.lang), "terms_from": chrono::Utc::now().date_naive().to_string()})
    });
    let may_edit = actor.role == Role::ProgrammeOfficer;
    // A cadre typed before the list existed matches no applicant's pick, so the page asks for one from it.
    let cadre_off_list = !CADRES.contains(&programme.cadre.as_str());
    render_status(
        state,
        visitor,
        "funder/programme.html",
        &serde_json::json!({
            "programme": programme, "history": history_view, "values": values, "errors": errors,
            "may_edit": may_edit, "cadre_off_list": cadre_off_list, "cadres": CADRES,
            "cadre_errors": cadre_errors, "cadre_value": cadre_value,
        }),
        status,
    )
}

pub(super) async fn programme_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    programme_page_with(&state, &visitor, path.into_inner(), Refused::default(), StatusCode::OK).await
}

/// The programme's cadre, picked from the list; every field defaults so that a form missing one is
/// refused next to the field, after the organisation check, not with a bare 400 before it.
#[derive(Debug, Deserialize, Validate)]
pub(super) struct CadreForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    #[validate(length(min = 1, message = "error-required"), custom(function = "cadre_on_the_list"))]
    cadre: String,
}

fn cadre_on_the_list(cadre: &str) -> Result<(), ValidationError> {
    if cadre.is_empty() || CADRES.contains(&cadre) {
        Ok(())
    } else {
        Err(ValidationError::new("cadre").with_message("error-cadre-unknown".into()))
    }
}

/// Replaces a programme's cadre typed before the list with one from it.
pub(super) async fn set_cadre(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<CadreForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    // Who may act comes before what they typed, so a refused form never shows another funder's programme.
    let check = actor.clone();
    state.db.run(move |conn| service::managed_programme(conn, &check, id)).await?;
    let form = CadreForm { cadre: form.cadre.trim().to_string(), ..form.into_inner() };
    let mut errors = form.validate().err().map(crate::web::form::validator_errors).unwrap_or_default();
    if errors.is_empty() {
        let cadre = form.cadre.clone();
        match state.db.run(move |conn| service::set_programme_cadre(conn, &actor, id, &cadre)).await {
            Ok(()) => {
                visitor.flash("programme-cadre-set");
                return Ok(redirect(&format!("/funder/programmes/{id}")));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    let refused = Refused { cadre_value: form.cadre, cadre_errors: errors, ..Refused::default() };
    programme_page_with(&state, &visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub(super) async fn add_terms(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    let currency = state.db.run(move |conn| service::managed_programme(conn, &check, id)).await?.currency;
    let mut errors = FieldErrors::new();
    let terms = terms_from_form(&form, &currency, &visitor.lang, &mut errors);
    let from = date(&form, "terms_from", &mut errors);
    if errors.is_empty() {
        match state.db.run(move |conn| service::add_terms(conn, &actor, id, from, &terms)).await {
            Ok(()) => {
                visitor.flash("terms-added");
                return Ok(redirect(&format!("/funder/programmes/{id}")));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    let mut values = serde_json::to_value(&form.0).unwrap_or_default();
    values["terms"] = serde_json::to_value(&form.0).unwrap_or_default();
    let refused = Refused { values: Some(values), errors, ..Refused::default() };
    programme_page_with(&state, &visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
}
