//! The applications to the organisation's calls: the list (filters, search, keyset pages) and its CSV
//! export. The JSON API reads the same filters.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::domain::cadre::CADRES;
use crate::domain::place;
use crate::service::applications::{self as service, ApplicationSummary, ListFilter, PAGE_SIZE};
use crate::web::csv::{download, CsvFile};
use crate::web::page::{render, PageError, PageResult, Visitor};
use crate::web::AppState;

/// The list's filters. A browser sends every field of the filter form, empty ones included (`call=&status=`):
/// an empty field is no filter.
#[derive(Debug, Deserialize, Default, Clone, Serialize)]
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

impl ListQuery {
    pub fn filter(&self) -> ListFilter {
        ListFilter {
            call: self.call,
            status: self.status.clone(),
            eligibility: self.eligibility.clone(),
            county: self.county.clone(),
            cadre: self.cadre.clone(),
            search: self.q.clone(),
            before: self.before,
            after: self.after,
        }
    }

    /// The page asked for, from 1.
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).clamp(1, 1_000_000)
    }
}

/// A call the list can be filtered by.
#[derive(Serialize)]
struct CallChoice {
    id: i64,
    title: String,
}

#[derive(Serialize)]
struct ApplicationsPage {
    rows: Vec<ApplicationSummary>,
    total: i64,
    page: i64,
    pages: i64,
    query: ListQuery,
    calls: Vec<CallChoice>,
    counties: Vec<&'static str>,
    cadres: &'static [&'static str],
    /// Places, cadres and programmes off the lists, to check.
    unmatched_places: i64,
    query_string: String,
    next_before: Option<i64>,
    previous_after: Option<i64>,
}

pub(super) async fn applications(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<ListQuery>,
) -> PageResult {
    let actor = visitor.actor()?;
    let q = query.into_inner();
    let (filter, page) = (q.filter(), q.page());
    let figures = state.list_cache.clone();
    let (listed, unmatched_places) = state
        .db
        .run(move |conn| {
            let listed = service::list(conn, &actor, &filter, page, &figures)?;
            Ok((listed, service::to_check_count(conn, &actor, &figures)?))
        })
        .await?;
    let next_before = listed.rows.last().map(|r| r.id);
    // Back to page 1 the plain link is as cheap and also shows rows added since; further back, a keyset
    // cursor spares an OFFSET over every earlier row.
    let previous_after = if page > 2 { listed.rows.first().map(|r| r.id) } else { None };
    let query_string = serde_urlencoded_query(&q);
    let view = ApplicationsPage {
        rows: listed.rows,
        total: listed.total,
        page,
        pages: (listed.total + PAGE_SIZE - 1) / PAGE_SIZE,
        query: q,
        calls: listed.calls.into_iter().map(|(id, title)| CallChoice { id, title }).collect(),
        counties: place::counties().iter().map(|c| c.name).collect(),
        cadres: &CADRES,
        unmatched_places,
        query_string,
        next_before,
        previous_after,
    };
    render(&state, &visitor, "funder/applications.html", &view)
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
    let filter = query.filter();
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
            service::export(conn, &actor, &filter, |batch| {
                for a in batch {
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
                Ok(())
            })?;
            file.into_bytes()
        })
        .await?;
    Ok(download("applications.csv", body))
}
