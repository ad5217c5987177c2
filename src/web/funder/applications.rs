//! The applications to the organisation's calls: the list (filters, search, keyset pages) and its CSV
//! export. The JSON API reads the same filters.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::domain::cadre::{canonical_cadre, CADRES};
use crate::domain::place;
use crate::error::AppError;
use crate::store::applications::{self as store, ApplicationFilter};
use crate::store::programmes;
use crate::web::csv::{download, CsvFile};
use crate::web::list_cache::ListFigure;
use crate::web::page::{render, PageError, PageResult, Visitor};
use crate::web::AppState;

pub const PAGE_SIZE: i64 = 25;

/// The list's filters. A browser sends every field of the filter form, empty ones included (`call=&status=`):
/// an empty field is no filter.
#[derive(Debug, Deserialize, Default, Clone, serde::Serialize)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "crate::web::query::call")]
    pub call: Option<i64>,
    pub status: Option<String>,
    pub eligibility: Option<String>,
    pub county: Option<String>,
    pub cadre: Option<String>,
    pub q: Option<String>,
    #[serde(default, deserialize_with = "crate::web::query::page")]
    pub page: Option<i64>,
    /// Keyset paging: the last id of the page before.
    #[serde(default, deserialize_with = "crate::web::query::before")]
    pub before: Option<i64>,
    /// Keyset paging backwards ("previous" links): the first id of the page after.
    #[serde(default, deserialize_with = "crate::web::query::after")]
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

pub(super) async fn applications(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ListQuery>,
) -> PageResult {
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

pub(super) async fn export_csv(
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
            let mut file = CsvFile::with_header(&[
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
            ])?;
            let mut after = 0;
            loop {
                let page = store::export_page(conn, &filter, after, 1000)?;
                let Some(last) = page.last() else { break };
                after = last.id;
                for a in &page {
                    let opt = |v: Option<String>| v.unwrap_or_default();
                    file.record(&[
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
                    ])?;
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
            file.into_bytes()
        })
        .await?;
    Ok(download("applications.csv", body))
}
