//! Placement cycles the bearer may read (the funder's placement coordinators, administrators), with their
//! figures and vacancies; scoped like the pages.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::api_actor;
use crate::error::AppError;
use crate::service::{placement_cycles as service, vacancies};
use crate::store::placement_cycles::{Cycle, CycleCounts};
use crate::web::AppState;

/// A cycle as the API shows it (times in UTC).
#[derive(Serialize)]
struct CycleBody<'a> {
    id: i64,
    organisation_id: i64,
    title: &'a str,
    cadre: &'a str,
    status: &'a str,
    graduation_from: NaiveDate,
    graduation_until: NaiveDate,
    choices_open_at: String,
    choices_close_at: String,
    match_on: NaiveDate,
    publish_on: NaiveDate,
    acceptance_deadline: String,
    appeal_until: NaiveDate,
    service_start_from: NaiveDate,
    service_start_until: NaiveDate,
    max_choices: i32,
    floor_need_score: Option<i32>,
    floor_minimum: i32,
}

fn utc(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339()
}

impl<'a> From<&'a Cycle> for CycleBody<'a> {
    fn from(c: &'a Cycle) -> Self {
        CycleBody {
            id: c.id,
            organisation_id: c.organisation_id,
            title: &c.title,
            cadre: &c.cadre,
            status: &c.status,
            graduation_from: c.graduation_from,
            graduation_until: c.graduation_until,
            choices_open_at: utc(c.choices_open_at),
            choices_close_at: utc(c.choices_close_at),
            match_on: c.match_on,
            publish_on: c.publish_on,
            acceptance_deadline: utc(c.acceptance_deadline),
            appeal_until: c.appeal_until,
            service_start_from: c.service_start_from,
            service_start_until: c.service_start_until,
            max_choices: c.max_choices,
            floor_need_score: c.floor_need_score,
            floor_minimum: c.floor_minimum,
        }
    }
}

#[derive(Serialize)]
struct CyclesBody<'a> {
    cycles: Vec<CycleBody<'a>>,
}

pub(super) async fn list_cycles(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let cycles = state.db.run(move |conn| service::list(conn, &actor)).await?;
    Ok(HttpResponse::Ok().json(CyclesBody { cycles: cycles.iter().map(CycleBody::from).collect() }))
}

#[derive(Serialize)]
struct CycleWithCountsBody<'a> {
    #[serde(flatten)]
    cycle: CycleBody<'a>,
    programme_ids: Vec<i64>,
    region_caps: Vec<RegionCapBody<'a>>,
    counts: &'a CycleCounts,
}

#[derive(Serialize)]
struct RegionCapBody<'a> {
    county: &'a str,
    cap: i32,
}

pub(super) async fn get_cycle(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    let file = state.db.run(move |conn| service::cycle_file(conn, &actor, id)).await?;
    Ok(HttpResponse::Ok().json(CycleWithCountsBody {
        cycle: CycleBody::from(&file.cycle),
        programme_ids: file.programmes.iter().map(|p| p.id).collect(),
        region_caps: file.region_caps.iter().map(|(county, cap)| RegionCapBody { county, cap: *cap }).collect(),
        counts: &file.counts,
    }))
}

#[derive(Serialize)]
struct VacancyBody<'a> {
    facility: &'a str,
    code: Option<&'a str>,
    name: &'a str,
    county: &'a str,
    keph_level: Option<i32>,
    need_score: Option<i32>,
    seats: i32,
}

#[derive(Serialize)]
struct VacanciesBody<'a> {
    cycle_id: i64,
    vacancies: Vec<VacancyBody<'a>>,
}

pub(super) async fn get_vacancies(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let id = path.into_inner();
    let list = state.db.run(move |conn| vacancies::list(conn, &actor, id, None)).await?;
    let vacancies = list
        .rows
        .iter()
        .map(|v| VacancyBody {
            facility: &v.facility.registry_key,
            code: v.facility.code.as_deref(),
            name: &v.facility.name,
            county: &v.facility.county,
            keph_level: v.facility.keph_level,
            need_score: v.facility.need_score,
            seats: v.seats,
        })
        .collect();
    Ok(HttpResponse::Ok().json(VacanciesBody { cycle_id: id, vacancies }))
}
