//! The coordinator's home, opening a cycle, and a cycle's page with its floor and regional caps.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::domain::placement::CycleDates;
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::service::placement_cycles::{self as service, CycleFile, CycleInput};
use crate::store::programmes::Programme;
use crate::web::form::{noted, read_date, read_local_datetime, read_number};
use crate::web::page::{local_time, points, redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

#[derive(Serialize)]
struct CycleRow {
    id: i64,
    title: String,
    cadre: String,
    status: String,
    choices_open_at: String,
    choices_close_at: String,
    match_on: String,
    publish_on: String,
}

#[derive(Serialize)]
struct HomePage {
    cycles: Vec<CycleRow>,
    may_create: bool,
}

pub(super) async fn home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let check = actor.clone();
    let cycles = state.db.run(move |conn| service::list(conn, &check)).await?;
    let cycles = cycles
        .into_iter()
        .map(|c| CycleRow {
            id: c.id,
            choices_open_at: local_time(&state, c.choices_open_at),
            choices_close_at: local_time(&state, c.choices_close_at),
            match_on: c.match_on.to_string(),
            publish_on: c.publish_on.to_string(),
            title: c.title,
            cadre: c.cadre,
            status: c.status,
        })
        .collect();
    let page = HomePage { cycles, may_create: actor.role == Role::PlacementCoordinator };
    render(&state, &visitor, "placement/home.html", &page)
}

/// A new cycle's form as typed; the programmes are checkboxes named `programme_<id>`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct CycleForm {
    csrf_token: String,
    title: String,
    graduation_from: String,
    graduation_until: String,
    choices_open_at: String,
    choices_close_at: String,
    match_on: String,
    publish_on: String,
    acceptance_deadline: String,
    appeal_until: String,
    service_start_from: String,
    service_start_until: String,
    max_choices: String,
    #[serde(flatten)]
    picked: HashMap<String, String>,
}

impl CycleForm {
    fn programme_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> =
            self.picked.keys().filter_map(|k| k.strip_prefix("programme_")).filter_map(|id| id.parse().ok()).collect();
        ids.sort_unstable();
        ids
    }
}

#[derive(Serialize)]
struct ProgrammeChoice {
    id: i64,
    name: String,
    cadre: String,
    checked: bool,
}

#[derive(Serialize)]
struct NewCyclePage<'a> {
    values: &'a CycleForm,
    errors: FieldErrors,
    programmes: Vec<ProgrammeChoice>,
}

fn choices(programmes: Vec<Programme>, picked: &[i64]) -> Vec<ProgrammeChoice> {
    programmes
        .into_iter()
        .map(|p| ProgrammeChoice { checked: picked.contains(&p.id), id: p.id, name: p.name, cadre: p.cadre })
        .collect()
}

pub(super) async fn new_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let programmes = state.db.run(move |conn| service::programmes_for_new_cycle(conn, &actor)).await?;
    let values = CycleForm { max_choices: "10".into(), ..CycleForm::default() };
    let page = NewCyclePage { values: &values, errors: FieldErrors::new(), programmes: choices(programmes, &[]) };
    render(&state, &visitor, "placement/cycle_new.html", &page)
}

pub(super) async fn create(state: web::Data<AppState>, visitor: Visitor, form: web::Form<CycleForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    // Who may act comes before what they typed (the service checks again, inside its transaction).
    let check = actor.clone();
    let programmes = state.db.run(move |conn| service::programmes_for_new_cycle(conn, &check)).await?;
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let date = |text: &str, name: &str, errors: &mut FieldErrors| noted(read_date(text), name, errors);
    let time =
        |text: &str, name: &str, errors: &mut FieldErrors| noted(read_local_datetime(&state, text), name, errors);
    let dates = CycleDates {
        graduation_from: date(&form.graduation_from, "graduation_from", &mut errors),
        graduation_until: date(&form.graduation_until, "graduation_until", &mut errors),
        choices_open_at: time(&form.choices_open_at, "choices_open_at", &mut errors),
        choices_close_at: time(&form.choices_close_at, "choices_close_at", &mut errors),
        match_on: date(&form.match_on, "match_on", &mut errors),
        publish_on: date(&form.publish_on, "publish_on", &mut errors),
        acceptance_deadline: time(&form.acceptance_deadline, "acceptance_deadline", &mut errors),
        appeal_until: date(&form.appeal_until, "appeal_until", &mut errors),
        service_start_from: date(&form.service_start_from, "service_start_from", &mut errors),
        service_start_until: date(&form.service_start_until, "service_start_until", &mut errors),
    };
    let max_choices: i32 = noted(read_number(&form.max_choices), "max_choices", &mut errors);
    let input = CycleInput { title: form.title.clone(), programme_ids: form.programme_ids(), dates, max_choices };
    if errors.is_empty() {
        match state.db.run(move |conn| service::create(conn, &actor, &input)).await {
            Ok(id) => {
                visitor.flash("cycle-created");
                return Ok(redirect(&format!("/placement/cycles/{id}")));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    } else {
        // The dates that did read are still checked in order, so that every wrong field is named at once.
        let rule_errors = if errors.keys().any(|k| k != "max_choices" && k != "title") {
            FieldErrors::new()
        } else {
            input.dates.errors()
        };
        for (k, v) in rule_errors {
            errors.entry(k).or_insert(v);
        }
        if form.title.trim().is_empty() {
            errors.entry("title".into()).or_insert_with(|| "error-required".into());
        }
        if input.programme_ids.is_empty() {
            errors.entry("programmes".into()).or_insert_with(|| "error-cycle-programmes-none".into());
        }
    }
    let picked = form.programme_ids();
    let page = NewCyclePage { values: &form, errors, programmes: choices(programmes, &picked) };
    render_status(&state, &visitor, "placement/cycle_new.html", &page, StatusCode::UNPROCESSABLE_ENTITY)
}

/// A scholar's row as the cycle page shows it.
#[derive(Serialize)]
struct ScholarRow {
    id: i64,
    name: String,
    reference: String,
    graduation: String,
    tier: i32,
    tier_reason: String,
    has_tier_document: bool,
    score: String,
    bond: Option<Vec<String>>,
    partner: Option<String>,
    included: bool,
    note: String,
}

/// A refused form of the cycle page, shown again with its messages next to its fields.
#[derive(Default, Serialize)]
pub(super) struct Refused {
    /// Which form: "add", "remove", "tier", "floor", "cap".
    pub form: String,
    /// The scholar a row's form was for.
    pub scholar: Option<i64>,
    pub errors: FieldErrors,
    pub values: HashMap<String, String>,
}

#[derive(Serialize)]
struct CyclePage {
    cycle: crate::store::placement_cycles::Cycle,
    choices_open_at: String,
    choices_close_at: String,
    acceptance_deadline: String,
    programmes: Vec<Programme>,
    counts: crate::store::placement_cycles::CycleCounts,
    scholars: Vec<ScholarRow>,
    region_caps: Vec<(String, i32)>,
    counties: Vec<String>,
    may_change: bool,
    refused: Refused,
}

pub(super) async fn cycle_page_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    refused: Refused,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let may_change = actor.role == Role::PlacementCoordinator;
    let (file, counties) = state
        .db
        .run(move |conn| {
            let file = service::cycle_file(conn, &actor, id)?;
            Ok((file, service::registry_counties(conn)?))
        })
        .await?;
    let CycleFile { cycle, programmes, counts, scholars, region_caps } = file;
    let scholars = scholars
        .into_iter()
        .map(|s| ScholarRow {
            id: s.listed.scholar.id,
            name: s.listed.full_name,
            reference: s.listed.reference.unwrap_or_default(),
            graduation: s.listed.expected_graduation.map(|d| d.to_string()).unwrap_or_default(),
            tier: s.listed.scholar.priority_tier,
            tier_reason: s.listed.scholar.tier_reason,
            has_tier_document: s.has_tier_document,
            score: s
                .listed
                .scholar
                .score_hundredths
                .map(|h| points(u32::try_from(h).unwrap_or(0), &visitor.lang))
                .unwrap_or_default(),
            bond: s.allowed,
            partner: s.partner_reference,
            included: s.listed.scholar.included,
            note: s.listed.scholar.membership_note,
        })
        .collect();
    let page = CyclePage {
        choices_open_at: local_time(state, cycle.choices_open_at),
        choices_close_at: local_time(state, cycle.choices_close_at),
        acceptance_deadline: local_time(state, cycle.acceptance_deadline),
        cycle,
        programmes,
        counts,
        scholars,
        region_caps,
        counties,
        may_change,
        refused,
    };
    render_status(state, visitor, "placement/cycle.html", &page, status)
}

pub(super) async fn cycle_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    cycle_page_with(&state, &visitor, path.into_inner(), Refused::default(), StatusCode::OK).await
}

/// What a refused form on the cycle page leads to: the page again with the form's messages (422), or the error.
pub(super) async fn refused_or(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    form: &str,
    scholar: Option<i64>,
    values: HashMap<String, String>,
    error: AppError,
) -> PageResult {
    match error {
        AppError::Validation(errors) => {
            let refused = Refused { form: form.into(), scholar, errors, values };
            cycle_page_with(state, visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        e => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CsrfOnly {
    csrf_token: String,
}

pub(super) async fn take_in(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let added = state.db.run(move |conn| service::take_in_new(conn, &actor, id)).await?;
    visitor.flash(if added == 0 { "cycle-take-in-none" } else { "cycle-take-in-done" });
    Ok(redirect(&format!("/placement/cycles/{id}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct FloorForm {
    csrf_token: String,
    version: String,
    floor_need_score: String,
    floor_minimum: String,
}

pub(super) async fn set_floor(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<FloorForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    state.db.run(move |conn| crate::service::access::cycle_to_change(conn, &check, id).map(|_| ())).await?;
    let version = crate::web::form::version(&form.version)?;
    let mut errors = FieldErrors::new();
    let score: Option<i32> = if form.floor_need_score.trim().is_empty() {
        None
    } else {
        Some(noted(read_number(&form.floor_need_score), "floor_need_score", &mut errors))
    };
    let minimum: i32 = if form.floor_minimum.trim().is_empty() {
        0
    } else {
        noted(read_number(&form.floor_minimum), "floor_minimum", &mut errors)
    };
    let values: HashMap<String, String> = [
        ("floor_need_score".to_string(), form.floor_need_score.clone()),
        ("floor_minimum".to_string(), form.floor_minimum.clone()),
    ]
    .into();
    let result = if errors.is_empty() {
        state.db.run(move |conn| service::set_floor(conn, &actor, id, version, score, minimum)).await
    } else {
        Err(AppError::Validation(errors))
    };
    match result {
        Ok(()) => {
            visitor.flash("cycle-floor-saved");
            Ok(redirect(&format!("/placement/cycles/{id}")))
        }
        Err(e) => refused_or(&state, &visitor, id, "floor", None, values, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CapForm {
    csrf_token: String,
    county: String,
    cap: String,
}

pub(super) async fn set_cap(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<CapForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    state.db.run(move |conn| crate::service::access::cycle_to_change(conn, &check, id).map(|_| ())).await?;
    let values: HashMap<String, String> =
        [("county".to_string(), form.county.clone()), ("cap".to_string(), form.cap.clone())].into();
    let cap = crate::domain::placement::parse_cap(&form.cap);
    let county = form.county.clone();
    let result = match cap {
        Ok(cap) => state.db.run(move |conn| service::set_region_cap(conn, &actor, id, &county, cap)).await,
        Err(key) => Err(AppError::field("cap", key)),
    };
    match result {
        Ok(()) => {
            visitor.flash("cycle-cap-saved");
            Ok(redirect(&format!("/placement/cycles/{id}")))
        }
        Err(e) => refused_or(&state, &visitor, id, "cap", None, values, e).await,
    }
}

pub(super) async fn remove_cap(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<CapForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let county = form.county.clone();
    match state.db.run(move |conn| service::remove_region_cap(conn, &actor, id, &county)).await {
        Ok(()) => {
            visitor.flash("cycle-cap-removed");
            Ok(redirect(&format!("/placement/cycles/{id}")))
        }
        Err(e) => refused_or(&state, &visitor, id, "cap", None, HashMap::new(), e).await,
    }
}
