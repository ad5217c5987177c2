//! `/my/placement/{cycle}/choices`: the scholar's ranked list (move up, move down, remove), the search of the
//! facilities they may choose (add), and their partner. Every button is a small POST form; a refusal comes
//! back with status 422 and its message, and nothing is saved.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::domain::choices::{Direction, Refusal};
use crate::error::{AppError, FieldErrors};
use crate::service::choices::{self, ChoicesView, ListChange, Search};
use crate::web::page::{authorize, local_time, redirect, render_status, PageResult, Visitor};
use crate::web::AppState;

/// The search as typed (a GET form): blank fields are no filter.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct SearchQuery {
    county: String,
    level: String,
    need: String,
    name: String,
    #[serde(deserialize_with = "crate::web::query::after")]
    after: Option<i64>,
}

impl SearchQuery {
    /// The filters, or the fields that do not read as whole numbers in range.
    fn read(&self) -> (Search, FieldErrors) {
        let mut errors = FieldErrors::new();
        let mut number = |field: &str, text: &str, range: std::ops::RangeInclusive<i32>| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            match text.parse::<i32>() {
                Ok(n) if range.contains(&n) => Some(n),
                _ => {
                    errors.insert(field.to_string(), "choices-error-filter-number".to_string());
                    None
                }
            }
        };
        let keph_level = number("level", &self.level, 1..=6);
        let min_need_score = number("need", &self.need, 0..=26);
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        (Search { county: text(&self.county), keph_level, min_need_score, name: text(&self.name) }, errors)
    }
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The address of the search's next page, keeping the filters.
fn next_page(cycle_id: i64, search: &SearchQuery, after: i64) -> String {
    format!(
        "/my/placement/{cycle_id}/choices?county={}&level={}&need={}&name={}&after={after}#search",
        encode(search.county.trim()),
        encode(search.level.trim()),
        encode(search.need.trim()),
        encode(search.name.trim()),
    )
}

#[derive(Serialize)]
struct ChoicesPage {
    view: ChoicesView,
    next_page: Option<String>,
    opens_at: String,
    closes_at: String,
    open: bool,
    search: SearchQuery,
    errors: FieldErrors,
    reference_typed: String,
}

async fn show(
    state: &AppState,
    visitor: &Visitor,
    cycle_id: i64,
    search: SearchQuery,
    mut errors: FieldErrors,
    reference_typed: String,
) -> PageResult {
    let actor = visitor.actor()?;
    let (filter, bad_filters) = search.read();
    let after = search.after;
    let view = state.db.run(move |conn| choices::choices_page(conn, &actor, cycle_id, &filter, after)).await?;
    let status =
        if errors.is_empty() && bad_filters.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    errors.extend(bad_filters);
    let page = ChoicesPage {
        next_page: view.next_after.map(|after| next_page(cycle_id, &search, after)),
        opens_at: local_time(state, view.cycle.choices_open_at),
        closes_at: local_time(state, view.cycle.choices_close_at),
        open: view.window == crate::domain::choices::Window::Open,
        view,
        search,
        errors,
        reference_typed,
    };
    render_status(state, visitor, "scholar/choices.html", &page, status)
}

pub(super) async fn choices_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<SearchQuery>,
) -> PageResult {
    show(&state, &visitor, path.into_inner(), query.into_inner(), FieldErrors::new(), String::new()).await
}

/// One button of the list or the search: the facility, and for a move its direction.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct ChoiceForm {
    csrf_token: String,
    facility_id: String,
    direction: String,
}

fn read_change(action: &str, form: &ChoiceForm) -> Result<ListChange, AppError> {
    let facility = form
        .facility_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::field("facility_id", Refusal::UnknownFacility.message_key()))?;
    match action {
        "add" => Ok(ListChange::Add(facility)),
        "remove" => Ok(ListChange::Remove(facility)),
        "move" => Direction::parse(&form.direction)
            .map(|d| ListChange::Move(facility, d))
            .ok_or_else(|| AppError::field("direction", "choices-error-direction")),
        _ => Err(AppError::NotFound),
    }
}

/// After a change, back to the list (or, from the search, to the same page of results).
fn back_to(cycle_id: i64) -> String {
    format!("/my/placement/{cycle_id}/choices")
}

pub(super) async fn change_choices(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, String)>,
    form: web::Form<ChoiceForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (cycle_id, action) = path.into_inner();
    if !matches!(action.as_str(), "add" | "move" | "remove") {
        return Err(AppError::NotFound.into());
    }
    authorize(&state, &actor, move |conn, actor| choices::check_scholar(conn, actor, cycle_id)).await?;
    let result = match read_change(&action, &form) {
        Ok(change) => state.db.run(move |conn| choices::change_list(conn, &actor, cycle_id, change)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            visitor.flash("choices-saved");
            Ok(redirect(&back_to(cycle_id)))
        }
        Err(AppError::Validation(errors)) => {
            show(&state, &visitor, cycle_id, SearchQuery::default(), errors, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Names a partner by their award's reference.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct PartnerForm {
    csrf_token: String,
    reference: String,
}

pub(super) async fn name_partner(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<PartnerForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle_id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| choices::check_scholar(conn, actor, cycle_id)).await?;
    let reference = form.into_inner().reference;
    let typed = reference.clone();
    match state.db.run(move |conn| choices::name_partner(conn, &actor, cycle_id, &reference)).await {
        Ok(()) => {
            visitor.flash("partner-saved");
            Ok(redirect(&format!("{}#partner", back_to(cycle_id))))
        }
        Err(AppError::Validation(errors)) => {
            show(&state, &visitor, cycle_id, SearchQuery::default(), errors, typed).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct UnlinkForm {
    csrf_token: String,
}

pub(super) async fn unlink_partner(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<UnlinkForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let cycle_id = path.into_inner();
    match state.db.run(move |conn| choices::unlink(conn, &actor, cycle_id)).await {
        Ok(()) => {
            visitor.flash("partner-unlinked");
            Ok(redirect(&format!("{}#partner", back_to(cycle_id))))
        }
        Err(AppError::Validation(errors)) => {
            show(&state, &visitor, cycle_id, SearchQuery::default(), errors, String::new()).await
        }
        Err(e) => Err(e.into()),
    }
}
