//! The funder's pages: programmes and calls, and the applications to their own calls (filters, search,
//! pages, CSV export).

use std::collections::HashMap;

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;
use validator::{Validate, ValidationError};

use super::form_dates::{read_date, read_local_datetime};
use super::list_cache::ListFigure;
use super::page::{redirect, render, render_status, PageError, PageResult, Visitor};
use super::AppState;
use crate::domain::cadre::{canonical_cadre, CADRES};
use crate::domain::eligibility::{standard_questions, EligibilityQuestion};
use crate::domain::money::{format_major_in, parse_amount_in};
use crate::domain::place;
use crate::domain::programme::ProgrammeTerms;
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::service::programmes::{self as service, CallInput, ProgrammeInput, DOCUMENT_KINDS};
use crate::store::applications::{self as store, ApplicationFilter};
use crate::store::programmes;

pub const PAGE_SIZE: i64 = 25;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/funder", web::get().to(home))
        .route("/funder/programmes/new", web::get().to(programme_form))
        .route("/funder/programmes/new", web::post().to(create_programme))
        .route("/funder/programmes/{id}", web::get().to(programme_page))
        .route("/funder/programmes/{id}/terms", web::post().to(add_terms))
        .route("/funder/programmes/{id}/cadre", web::post().to(set_cadre))
        .route("/funder/programmes/{id}/calls/new", web::get().to(call_form))
        .route("/funder/programmes/{id}/calls/new", web::post().to(create_call))
        .route("/funder/applications", web::get().to(applications))
        .route("/funder/applications.csv", web::get().to(export_csv))
        .route("/funder/places", web::get().to(unmatched_places));
}

/// The organisation's applications whose county, sub-county or cadre is off the list, and its programmes
/// whose cadre is, to check with the applicant or fix on the programme's page.
async fn unmatched_places(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let page = state.db.run(move |conn| crate::service::applications::unmatched_places(conn, &actor)).await?;
    render(&state, &visitor, "funder/places.html", &page)
}

type Form = web::Form<HashMap<String, String>>;

async fn home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let scope = actor.organisation_scope()?;
    let (programmes_list, calls) = state
        .db
        .run(move |conn| {
            let list = match scope {
                Some(org) => programmes::programmes_of(conn, org)?,
                None => vec![],
            };
            Ok((list, programmes::calls_of_organisation(conn, scope)?))
        })
        .await?;
    let calls: Vec<_> = calls.iter().map(|l| super::public::call_view(&state, &visitor.lang, l, None)).collect();
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

async fn programme_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    visitor.actor()?.require(&[Role::ProgrammeOfficer])?;
    let values = serde_json::json!({"terms": terms_form_values(&ProgrammeTerms::typical(), "KES", &visitor.lang), "currency": "KES", "terms_from": chrono::Utc::now().date_naive().to_string()});
    render(
        &state,
        &visitor,
        "funder/programme_new.html",
        &serde_json::json!({"values": values, "errors": {}, "cadres": CADRES}),
    )
}

pub(super) fn number<T: std::str::FromStr + Default>(
    form: &HashMap<String, String>,
    name: &str,
    errors: &mut FieldErrors,
) -> T {
    let typed = form.get(name).map(|v| v.trim()).unwrap_or_default();
    // A decimal comma (French "0,05") reads as the point; where a point is typed too, the text stays refused.
    let parsed = typed.parse().or_else(|e| if typed.contains('.') { Err(e) } else { typed.replace(',', ".").parse() });
    match parsed {
        Ok(v) => v,
        Err(_) => {
            errors.insert(name.into(), "error-number".into());
            T::default()
        }
    }
}

fn money(form: &HashMap<String, String>, name: &str, currency: &str, lang: &str, errors: &mut FieldErrors) -> i64 {
    match parse_amount_in(form.get(name).map(String::as_str).unwrap_or("0"), currency, lang) {
        Ok(v) => v,
        Err(key) => {
            errors.insert(name.into(), key.into());
            0
        }
    }
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

async fn create_programme(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    // Who may act comes before what they typed (the service checks again, inside its transaction).
    actor.require(&[Role::ProgrammeOfficer])?;
    actor.organisation_id.ok_or(AppError::Forbidden)?;
    let mut errors = FieldErrors::new();
    let currency = form.get("currency").map(|c| c.trim().to_uppercase()).unwrap_or_default();
    let terms = terms_from_form(&form, &currency, &visitor.lang, &mut errors);
    let terms_from = parse_terms_from(&form, &mut errors);
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
    let (programme, history) = state
        .db
        .run(move |conn| Ok((programmes::find_programme(conn, id)?, programmes::terms_list(conn, id)?)))
        .await?;
    // Staff see their own organisation's programmes only.
    if !actor.can_manage_organisation(programme.organisation_id) || actor.role == Role::Applicant {
        return Err(AppError::NotFound.into());
    }
    let history_view: Vec<_> = history
        .iter()
        .map(|(from, terms)| {
            serde_json::json!({"from": from.to_string(), "words": super::public::terms_in_words(&state.i18n, &visitor.lang, terms, &programme.currency)})
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

async fn programme_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    programme_page_with(&state, &visitor, path.into_inner(), Refused::default(), StatusCode::OK).await
}

/// The programme's cadre, picked from the list; every field defaults so that a form missing one is
/// refused next to the field, after the organisation check, not with a bare 400 before it.
#[derive(Debug, Deserialize, Validate)]
struct CadreForm {
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
async fn set_cadre(
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
    let mut errors = form.validate().err().map(super::auth::validator_errors).unwrap_or_default();
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

async fn add_terms(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    let currency = state.db.run(move |conn| service::managed_programme(conn, &check, id)).await?.currency;
    let mut errors = FieldErrors::new();
    let terms = terms_from_form(&form, &currency, &visitor.lang, &mut errors);
    let from = parse_terms_from(&form, &mut errors);
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

fn parse_terms_from(form: &HashMap<String, String>, errors: &mut FieldErrors) -> NaiveDate {
    read_date(form.get("terms_from").map(String::as_str).unwrap_or_default()).unwrap_or_else(|key| {
        errors.insert("terms_from".into(), key.into());
        NaiveDate::default()
    })
}

async fn call_form(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
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

fn call_form_page(
    programme: &programmes::Programme,
    values: serde_json::Value,
    errors: &FieldErrors,
) -> serde_json::Value {
    serde_json::json!({
        "programme": programme, "values": values, "errors": errors, "document_kinds": DOCUMENT_KINDS,
        "standard_questions": standard_questions(), "custom_questions": (1..=CUSTOM_QUESTIONS).collect::<Vec<_>>(),
    })
}

async fn create_call(
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

/// The list's filters. A browser sends every field of the filter form, empty ones included (`call=&status=`):
/// an empty field is no filter.
#[derive(Debug, Deserialize, Default, Clone, serde::Serialize)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "super::query::call")]
    pub call: Option<i64>,
    pub status: Option<String>,
    pub eligibility: Option<String>,
    pub county: Option<String>,
    pub cadre: Option<String>,
    pub q: Option<String>,
    #[serde(default, deserialize_with = "super::query::page")]
    pub page: Option<i64>,
    /// Keyset paging: the last id of the page before.
    #[serde(default, deserialize_with = "super::query::before")]
    pub before: Option<i64>,
    /// Keyset paging backwards ("previous" links): the first id of the page after.
    #[serde(default, deserialize_with = "super::query::after")]
    pub after: Option<i64>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

pub fn filter_for(scope: Option<i64>, q: &ListQuery) -> ApplicationFilter {
    ApplicationFilter {
        organisation_id: scope,
        call_id: q.call,
        status: non_empty(&q.status).filter(|s| s != "draft"),
        eligibility: non_empty(&q.eligibility),
        // Stored places and cadres are canonical, so a filter typed in another case or spacing reads them too.
        county: non_empty(&q.county).map(|c| place::canonical_county(&c).map(String::from).unwrap_or(c)),
        cadre: non_empty(&q.cadre).map(|c| canonical_cadre(&c).map(String::from).unwrap_or(c)),
        search: non_empty(&q.q),
        include_drafts: false,
        before_id: q.before,
        after_id: q.after,
        call_ids: None,
    }
}

async fn applications(state: web::Data<AppState>, visitor: Visitor, query: web::Query<ListQuery>) -> PageResult {
    let actor = visitor.actor()?;
    if !actor.role.reads_applications() {
        return Err(AppError::Forbidden.into());
    }
    let scope = actor.organisation_scope()?;
    let q = query.into_inner();
    let mut filter = filter_for(scope, &q);
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let query_string = serde_urlencoded_query(&q);
    let total_key = format!("{scope:?}|{query_string}");
    // With a keyset cursor ("next" and "previous" links carry one) the page number is only a label.
    let by_number = q.before.is_none() && q.after.is_none() && page > 1;
    let cache = state.list_cache.clone();
    let (rows, total, unmatched, programmes_off_list, calls) = state
        .db
        .run(move |conn| {
            let calls = programmes::call_titles(conn, scope)?;
            if scope.is_some() {
                filter.call_ids = Some(calls.iter().map(|(id, _)| *id).collect());
            }
            // Totals, county choices and where a numbered page starts cost a pass over the organisation's
            // applications; they are cached until the next change to any application.
            let generation = store::last_change(conn)?;
            let mut past_the_end = false;
            if by_number {
                let start = cache.get_or_compute(&format!("{total_key}|page={page}"), generation, || {
                    Ok(ListFigure::PageStart(store::id_at(conn, &filter, (page - 1) * PAGE_SIZE)?))
                })?;
                let ListFigure::PageStart(start) = start else {
                    return Err(AppError::Internal("list cache returned the wrong figure".into()));
                };
                // The page is then read by keyset from its first row, like a "next" link's.
                match start {
                    Some(id) => filter.before_id = Some(id.saturating_add(1)),
                    None => past_the_end = true,
                }
            }
            let rows = if past_the_end { vec![] } else { store::list(conn, &filter, PAGE_SIZE, 0)? };
            let total = cache.get_or_compute(&total_key, generation, || {
                let whole = ApplicationFilter { before_id: None, after_id: None, ..filter.clone() };
                Ok(ListFigure::Total(store::count(conn, &whole)?))
            })?;
            let unmatched = cache.get_or_compute(&format!("{scope:?}|unmatched-places"), generation, || {
                Ok(ListFigure::Total(crate::service::applications::unmatched_place_count(conn, scope)?))
            })?;
            // Programmes are few and change without touching an application, so they are counted each time.
            let programmes_off_list = crate::service::applications::unmatched_programme_count(conn, scope)?;
            Ok((rows, total, unmatched, programmes_off_list, calls))
        })
        .await?;
    let (ListFigure::Total(total), ListFigure::Total(unmatched_places)) = (total, unmatched) else {
        return Err(AppError::Internal("list cache returned the wrong figure".into()).into());
    };
    let unmatched_places = unmatched_places + programmes_off_list;
    let next_before = rows.last().map(|r| r.id);
    // Back to page 1 the plain link is as cheap and also shows rows added since; further back, a keyset
    // cursor spares an OFFSET over every earlier row.
    let previous_after = if page > 2 { rows.first().map(|r| r.id) } else { None };
    let pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
    let calls: Vec<_> = calls.iter().map(|(id, title)| serde_json::json!({"id": id, "title": title})).collect();
    render(
        &state,
        &visitor,
        "funder/applications.html",
        &serde_json::json!({
            "rows": rows, "total": total, "page": page, "pages": pages, "query": q, "calls": calls,
            "counties": place::counties().iter().map(|c| c.name).collect::<Vec<_>>(), "cadres": CADRES,
            "unmatched_places": unmatched_places,
            "query_string": query_string, "next_before": next_before, "previous_after": previous_after,
        }),
    )
}

/// The current filters as a query string (without the page), for the paging and export links.
fn serde_urlencoded_query(q: &ListQuery) -> String {
    let mut parts = vec![];
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            let encoded: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            parts.push(format!("{k}={encoded}"));
        }
    };
    push("call", q.call.map(|c| c.to_string()));
    push("status", q.status.clone());
    push("eligibility", q.eligibility.clone());
    push("county", q.county.clone());
    push("cadre", q.cadre.clone());
    push("q", q.q.clone());
    parts.join("&")
}

/// A cell that a spreadsheet would run as a formula is prefixed with a quote (ASVS 1.2.10).
pub fn csv_cell(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

async fn export_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    if !actor.role.reads_applications() {
        return Err(AppError::Forbidden.into());
    }
    let filter = filter_for(actor.organisation_scope()?, &query);
    let origin = actor.origin();
    let (i18n, lang) = (state.i18n.clone(), visitor.lang.clone());
    let body = state
        .db
        .run(move |conn| {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let header = [
                "id",
                "reference",
                "call_id",
                "status",
                "eligibility",
                "eligibility_reasons",
                "full_name",
                "date_of_birth",
                "national_id",
                "phone",
                "institution",
                "cadre",
                "year_of_study",
                "expected_graduation",
                "annual_tuition_minor",
                "enrolled_full_time",
                "home_county",
                "home_sub_county",
                "essay_motivation",
                "essay_rural_service",
                "eligibility_answers",
                "submitted_at",
                "created_at",
                "updated_at",
            ];
            writer.write_record(header).map_err(|e| AppError::Internal(e.to_string()))?;
            let mut after = 0;
            loop {
                let page = store::export_page(conn, &filter, after, 1000)?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for a in &page {
                    let opt = |v: Option<String>| v.unwrap_or_default();
                    let record = [
                        a.id.to_string(),
                        opt(a.reference.clone()),
                        a.call_id.to_string(),
                        a.status.clone(),
                        opt(a.eligibility.clone()),
                        i18n.reasons(&lang, &a.reasons()),
                        a.full_name.clone(),
                        opt(a.date_of_birth.map(|d| d.to_string())),
                        a.national_id.clone(),
                        a.phone.clone(),
                        a.institution.clone(),
                        a.cadre.clone(),
                        opt(a.year_of_study.map(|y| y.to_string())),
                        opt(a.expected_graduation.map(|d| d.to_string())),
                        opt(a.annual_tuition_minor.map(|m| m.to_string())),
                        opt(a.enrolled_full_time.map(|b| b.to_string())),
                        a.home_county.clone(),
                        a.home_sub_county.clone(),
                        a.essay_motivation.clone(),
                        a.essay_rural_service.clone(),
                        a.eligibility_answers.clone(),
                        opt(a.submitted_at.map(|t| t.to_string())),
                        a.created_at.to_string(),
                        a.updated_at.to_string(),
                    ];
                    writer
                        .write_record(record.iter().map(|c| csv_cell(c)))
                        .map_err(|e| AppError::Internal(e.to_string()))?;
                }
            }
            crate::store::audit::record(
                conn,
                &origin,
                "export_applications",
                "applications",
                "csv",
                None::<&()>,
                None::<&()>,
            )?;
            writer.into_inner().map_err(|e| AppError::Internal(e.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"applications.csv\""))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("+254700"), "'+254700");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("Achieng"), "Achieng");
    }
}
