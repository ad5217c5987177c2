//! The facility registry, scoped as on the pages: the search with the same filters and keyset cursor, and one
//! facility by its registry code (the matching engine's facility id).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::api_actor;
use crate::error::AppError;
use crate::service::facilities::{self as service, FacilityRow, FacilityView, NeedScoreEntry};
use crate::web::facility::FacilityQuery;
use crate::web::AppState;

/// A facility as the API shows it; with its need-score history and supervisors when one is asked for.
#[derive(Serialize)]
struct FacilityBody {
    code: String,
    mfl_code: Option<String>,
    name: String,
    keph_level: Option<i32>,
    facility_type: String,
    owner_type: String,
    county: String,
    sub_county: String,
    ward: String,
    beds: i32,
    latitude: Option<f64>,
    longitude: Option<f64>,
    need_score: Option<i32>,
    need_score_source: Option<String>,
    need_score_effective: Option<String>,
    /// Eligible today: recorded as eligible and the recertification date not passed.
    eligible: bool,
    eligible_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    need_score_history: Option<Vec<HistoryBody>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supervisors: Option<Vec<String>>,
}

#[derive(Serialize)]
struct HistoryBody {
    score: i32,
    source: String,
    effective_from: String,
}

impl From<&NeedScoreEntry> for HistoryBody {
    fn from(e: &NeedScoreEntry) -> Self {
        HistoryBody { score: e.score, source: e.source.clone(), effective_from: e.effective_from.to_string() }
    }
}

impl FacilityBody {
    fn of(r: &FacilityRow) -> FacilityBody {
        let f = &r.facility;
        FacilityBody {
            code: f.registry_key.clone(),
            mfl_code: f.code.clone(),
            name: f.name.clone(),
            keph_level: f.keph_level,
            facility_type: f.facility_type.clone(),
            owner_type: f.owner_type.clone(),
            county: f.county.clone(),
            sub_county: f.sub_county.clone(),
            ward: f.ward.clone(),
            beds: f.beds,
            latitude: f.latitude_e6.map(|v| v as f64 / 1_000_000.0),
            longitude: f.longitude_e6.map(|v| v as f64 / 1_000_000.0),
            need_score: f.need_score,
            need_score_source: f.need_score.map(|_| f.need_score_source.clone()),
            need_score_effective: f.need_score_effective.map(|d| d.to_string()),
            eligible: r.eligible_now,
            eligible_until: f.eligible_until.map(|d| d.to_string()),
            need_score_history: None,
            supervisors: None,
        }
    }

    fn full(v: &FacilityView) -> FacilityBody {
        FacilityBody {
            need_score_history: Some(v.history.iter().map(HistoryBody::from).collect()),
            supervisors: Some(v.supervisors.iter().map(|s| s.full_name.clone()).collect()),
            ..FacilityBody::of(&v.row)
        }
    }
}

#[derive(Serialize)]
struct Cursor {
    after_name: String,
    after_id: i64,
}

#[derive(Serialize)]
struct FacilitiesBody {
    facilities: Vec<FacilityBody>,
    /// The query parameters of the next page, absent on the last.
    next: Option<Cursor>,
}

pub(super) async fn list_facilities(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<FacilityQuery>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let filter = query.into_inner().filter()?;
    let page = state.db.run(move |conn| service::search(conn, &actor, &filter)).await?;
    Ok(HttpResponse::Ok().json(FacilitiesBody {
        facilities: page.rows.iter().map(FacilityBody::of).collect(),
        next: page.next.map(|(after_name, after_id)| Cursor { after_name, after_id }),
    }))
}

pub(super) async fn get_facility(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let actor = api_actor(&state, &req).await?;
    let code = path.into_inner();
    let view = state.db.run(move |conn| service::view_by_code(conn, &actor, &code)).await?;
    Ok(HttpResponse::Ok().json(FacilityBody::full(&view)))
}
