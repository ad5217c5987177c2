//! The registry's search (filters, keyset pages) and a facility's page with its need-score and eligibility
//! forms.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::domain::place;
use crate::error::{AppError, FieldErrors};
use crate::service::facilities::{self as service, FacilityFilter, FacilityView, NeedScoreInput, SearchPage};
use crate::service::now;
use crate::web::form::{read_date, read_number, version};
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

/// The search's filters as a browser sends the GET form (every field, empty ones included: empty is no
/// filter), and the keyset cursor of the "next" link. The API reads the same fields.
#[derive(Debug, Deserialize, Default, Clone, Serialize)]
#[serde(default)]
pub(crate) struct FacilityQuery {
    pub q: String,
    pub county: String,
    pub sub_county: String,
    pub level: String,
    pub facility_type: String,
    pub owner: String,
    pub min_score: String,
    pub eligible: String,
    pub after_name: String,
    pub after_id: String,
}

fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn number(field: &str, text: &str) -> Result<Option<i32>, AppError> {
    match optional(text) {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| AppError::BadParameter { field: field.into(), value: t.chars().take(40).collect() }),
    }
}

impl FacilityQuery {
    pub(crate) fn filter(&self) -> Result<FacilityFilter, AppError> {
        let after = match (optional(&self.after_id), self.after_name.as_str()) {
            (None, _) => None,
            (Some(id), name) => Some((
                name.to_string(),
                id.parse::<i64>().map_err(|_| AppError::BadParameter {
                    field: "after_id".into(),
                    value: id.chars().take(40).collect(),
                })?,
            )),
        };
        let eligible = match self.eligible.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        Ok(FacilityFilter {
            search: optional(&self.q),
            county: optional(&self.county),
            sub_county: optional(&self.sub_county),
            keph_level: number("level", &self.level)?,
            facility_type: optional(&self.facility_type),
            owner_type: optional(&self.owner),
            min_score: number("min_score", &self.min_score)?,
            eligible,
            after,
            ..FacilityFilter::default()
        })
    }

    /// The filters (without the cursor) as a query string, for the "next" link.
    fn query_string(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("county", &self.county),
            ("sub_county", &self.sub_county),
            ("level", &self.level),
            ("facility_type", &self.facility_type),
            ("owner", &self.owner),
            ("min_score", &self.min_score),
            ("eligible", &self.eligible),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v.trim())))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value.
pub(crate) fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[derive(Serialize)]
struct SearchView {
    page: SearchPage,
    query: FacilityQuery,
    next_link: Option<String>,
    counties: Vec<&'static str>,
    levels: [i32; 5],
    types: Vec<String>,
    owners: Vec<String>,
    can_upload: bool,
}

pub(super) async fn search(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<FacilityQuery>,
) -> PageResult {
    let actor = visitor.actor()?;
    let query = query.into_inner();
    let filter = query.filter()?;
    let can_upload = actor.role == crate::domain::role::Role::PlacementCoordinator;
    let (page, (types, owners)) = state
        .db
        .run(move |conn| Ok((service::search(conn, &actor, &filter)?, service::search_options(conn, &actor)?)))
        .await?;
    let next_link = page.next.as_ref().map(|(name, id)| {
        let filters = query.query_string();
        let sep = if filters.is_empty() { "" } else { "&" };
        format!("/facilities?{filters}{sep}after_name={}&after_id={id}", encode(name))
    });
    let view = SearchView {
        page,
        query,
        next_link,
        counties: place::counties().iter().map(|c| c.name).collect(),
        levels: [2, 3, 4, 5, 6],
        types,
        owners,
        can_upload,
    };
    render(&state, &visitor, "facility/list.html", &view)
}

/// What the coordinator typed in the two forms, shown again next to the errors.
#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
pub(super) struct NeedScoreForm {
    csrf_token: String,
    score: String,
    source: String,
    effective_from: String,
    version: String,
}

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
#[serde(default)]
pub(super) struct EligibilityForm {
    csrf_token: String,
    eligible: String,
    eligible_until: String,
    version: String,
}

#[derive(Serialize)]
struct FacilityPage {
    view: FacilityView,
    errors: FieldErrors,
    score_form: NeedScoreForm,
    eligibility_form: EligibilityForm,
    today: String,
    demo_rule: &'static str,
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    errors: FieldErrors,
    score_form: NeedScoreForm,
    eligibility_form: EligibilityForm,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let view = state.db.run(move |conn| service::view(conn, &actor, id)).await?;
    let page = FacilityPage {
        view,
        errors,
        score_form,
        eligibility_form,
        today: now().date().format("%Y-%m-%d").to_string(),
        demo_rule: crate::domain::need_score::DEMO_RULE_SOURCE,
    };
    render_status(state, visitor, "facility/facility.html", &page, status)
}

pub(super) async fn facility_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    show(
        &state,
        &visitor,
        path.into_inner(),
        FieldErrors::new(),
        NeedScoreForm::default(),
        EligibilityForm::default(),
        StatusCode::OK,
    )
    .await
}

/// Refuses anyone who may not change this facility before the form's fields are read.
async fn may_change(state: &AppState, visitor: &Visitor, id: i64) -> Result<(), AppError> {
    let actor = visitor.actor()?;
    state.db.run(move |conn| service::facility_to_change(conn, &actor, id).map(|_| ())).await
}

pub(super) async fn need_score(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<NeedScoreForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let id = path.into_inner();
    may_change(&state, &visitor, id).await?;
    let form = form.into_inner();
    let v = version(&form.version)?;
    let input = NeedScoreInput {
        score: read_number::<i32>(&form.score),
        source: form.source.clone(),
        effective_from: read_date(&form.effective_from),
    };
    let actor = visitor.actor()?;
    match state.db.run(move |conn| service::record_need_score(conn, &actor, id, v, &input)).await {
        Ok(()) => {
            visitor.flash("need-score-recorded");
            Ok(redirect(&format!("/facilities/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            show(&state, &visitor, id, errors, form, EligibilityForm::default(), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn eligibility(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<EligibilityForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let id = path.into_inner();
    may_change(&state, &visitor, id).await?;
    let form = form.into_inner();
    let v = version(&form.version)?;
    let eligible = match form.eligible.trim() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("error-required"),
    };
    let until = optional(&form.eligible_until).map(|t| read_date(&t));
    let actor = visitor.actor()?;
    match state.db.run(move |conn| service::record_eligibility(conn, &actor, id, v, eligible, until)).await {
        Ok(()) => {
            visitor.flash("eligibility-recorded");
            Ok(redirect(&format!("/facilities/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            show(&state, &visitor, id, errors, NeedScoreForm::default(), form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
