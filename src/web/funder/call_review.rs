//! A call's review set-up at `/funder/calls/{id}`: the rubric, priority tiers and support calendar, and the
//! panel's assignments listed page by page.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::domain::ranking::PriorityRule;
use crate::domain::review::{Criterion, Rubric};
use crate::error::{AppError, FieldErrors};
use crate::i18n::I18n;
use crate::service::programmes::Call;
use crate::service::reviews::{self as service, ReviewSettings};
use crate::service::Actor;
use crate::web::form::{field, noted, number, read_date, read_number};
use crate::web::page::{page_of, redirect, render_status, stored_points, PageResult, Visitor};
use crate::web::AppState;

/// Rows of criteria the form offers (blank ones are ignored).
const CRITERION_ROWS: usize = 6;
/// Priority tiers the form offers.
const RULE_SLOTS: usize = 3;

/// The review settings form as typed. The criteria rows (`criterion_{row}_{part}`) and the priority tiers
/// (`rule_{slot}`) are a variable number of indexed fields, so they stay a map, read row by row below.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SettingsForm {
    csrf_token: String,
    minimum_fundable: String,
    underserved_districts: String,
    support_starts_on: String,
    school_terms_per_year: String,
    #[serde(flatten)]
    rows: HashMap<String, String>,
}

impl SettingsForm {
    /// What was typed, by field name, to show again.
    fn values(self) -> FormValues {
        let mut values = self.rows;
        values.insert("minimum_fundable".into(), self.minimum_fundable);
        values.insert("underserved_districts".into(), self.underserved_districts);
        values.insert("support_starts_on".into(), self.support_starts_on);
        values.insert("school_terms_per_year".into(), self.school_terms_per_year);
        values.into_iter().collect()
    }
}

/// The settings form's values by field name (the criteria rows and tiers are indexed names).
pub(super) type FormValues = BTreeMap<String, String>;

/// The settings form as the service's input; field errors for what does not parse.
fn settings_from_form(form: &SettingsForm, errors: &mut FieldErrors) -> ReviewSettings {
    let rows = &form.rows;
    let mut criteria = Vec::new();
    for row in 0..CRITERION_ROWS {
        let name = |part: &str| format!("criterion_{row}_{part}");
        if ["key", "label", "max_points", "weight"].iter().all(|p| field(rows, &name(p)).is_empty()) {
            continue;
        }
        let index = criteria.len();
        let mut row_errors = FieldErrors::new();
        let max_points = number(rows, &name("max_points"), &mut row_errors);
        let weight = number(rows, &name("weight"), &mut row_errors);
        // Errors are named by the row's place among the rows kept, as the re-shown form lists them.
        for (k, v) in row_errors {
            errors.insert(k.replace(&format!("criterion_{row}_"), &format!("criterion_{index}_")), v);
        }
        criteria.push(Criterion {
            key: field(rows, &name("key")).to_lowercase(),
            label: field(rows, &name("label")).to_string(),
            max_points,
            weight,
        });
    }
    let minimum_fundable = noted(read_number(&form.minimum_fundable), "minimum_fundable", errors);
    let districts: Vec<String> = form
        .underserved_districts
        .trim()
        .split([',', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(String::from)
        .collect();
    let mut priority_rules = Vec::new();
    for slot in 0..RULE_SLOTS {
        let rule = match field(rows, &format!("rule_{slot}")) {
            "continuing_scholar" => PriorityRule::ContinuingScholar,
            "disadvantaged_background" => PriorityRule::DisadvantagedBackground,
            "underserved_home_area" if districts.is_empty() => {
                errors.insert("underserved_districts".into(), "error-required".into());
                continue;
            }
            "underserved_home_area" => PriorityRule::UnderservedHomeArea { districts: districts.clone() },
            _ => continue,
        };
        if !priority_rules.contains(&rule) {
            priority_rules.push(rule);
        }
    }
    let support_starts_on = noted(read_date(&form.support_starts_on), "support_starts_on", errors);
    let school_terms_per_year = form.school_terms_per_year.trim().parse().unwrap_or_else(|_| {
        errors.insert("school_terms_per_year".into(), "error-number".into());
        0
    });
    ReviewSettings {
        rubric: Rubric { criteria, minimum_fundable },
        priority_rules,
        support_starts_on,
        school_terms_per_year,
    }
}

/// The settings as the form shows them.
fn settings_values(s: &ReviewSettings) -> FormValues {
    let mut values = FormValues::new();
    for (i, c) in s.rubric.criteria.iter().enumerate() {
        values.insert(format!("criterion_{i}_key"), c.key.clone());
        values.insert(format!("criterion_{i}_label"), c.label.clone());
        values.insert(format!("criterion_{i}_max_points"), c.max_points.to_string());
        values.insert(format!("criterion_{i}_weight"), c.weight.to_string());
    }
    values.insert("minimum_fundable".into(), s.rubric.minimum_fundable.to_string());
    for (slot, rule) in s.priority_rules.iter().enumerate() {
        let name = match rule {
            PriorityRule::ContinuingScholar => "continuing_scholar",
            PriorityRule::DisadvantagedBackground => "disadvantaged_background",
            PriorityRule::UnderservedHomeArea { districts } => {
                values.insert("underserved_districts".into(), districts.join(", "));
                "underserved_home_area"
            }
        };
        values.insert(format!("rule_{slot}"), name.into());
    }
    values.insert("support_starts_on".into(), s.support_starts_on.to_string());
    values.insert("school_terms_per_year".into(), s.school_terms_per_year.to_string());
    values
}

/// A starting rubric for a call that has none: the criteria most scholarship panels use, named in the
/// officer's language (the officer may rename them; the panel reads what is saved).
fn starting_rubric(i18n: &I18n, lang: &str) -> Rubric {
    let c = |key: &str, weight| Criterion {
        key: key.into(),
        label: i18n.t(lang, &format!("rubric-start-{key}")),
        max_points: 10,
        weight,
    };
    Rubric { criteria: vec![c("academic", 40), c("motivation", 40), c("need", 20)], minimum_fundable: 50 }
}

#[derive(serde::Deserialize)]
pub(super) struct PageQuery {
    #[serde(default, deserialize_with = "crate::web::query::page")]
    page: Option<usize>,
}

pub(super) async fn call_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> PageResult {
    let view = CallPage { page: query.page, ..CallPage::default() };
    call_page_with(&state, &visitor, path.into_inner(), view).await
}

/// How the call's review page is shown: a form's values and errors (with 422), and the page of assignments.
pub(super) struct CallPage {
    pub(super) values: Option<FormValues>,
    /// The application and reviewer picked in the assignment form, picked again when it is re-shown.
    pub(super) application_id: Option<i64>,
    pub(super) reviewer_id: Option<i64>,
    pub(super) errors: FieldErrors,
    pub(super) status: StatusCode,
    pub(super) page: Option<usize>,
}

impl Default for CallPage {
    fn default() -> Self {
        CallPage {
            values: None,
            application_id: None,
            reviewer_id: None,
            errors: FieldErrors::new(),
            status: StatusCode::OK,
            page: None,
        }
    }
}

impl CallPage {
    pub(super) fn refused(values: Option<FormValues>, errors: FieldErrors) -> Self {
        CallPage { values, errors, status: StatusCode::UNPROCESSABLE_ENTITY, ..CallPage::default() }
    }
}

pub(super) async fn call_page_with(state: &AppState, visitor: &Visitor, call_id: i64, view: CallPage) -> PageResult {
    let CallPage { values, application_id, reviewer_id, errors, status, page } = view;
    let actor = visitor.actor()?;
    let service::ReviewSetUp { listing, rubric, panel, assignments, submitted } =
        state.db.run(move |conn| service::review_set_up(conn, &actor, call_id)).await?;
    let has_rubric = rubric.is_some();
    let values = values.unwrap_or_else(|| {
        let (rubric, priority_rules) = rubric
            .map(|r| (r.rubric, r.priority_rules))
            .unwrap_or_else(|| (starting_rubric(&state.i18n, &visitor.lang), vec![]));
        settings_values(&ReviewSettings {
            rubric,
            priority_rules,
            support_starts_on: listing.call.support_start(),
            school_terms_per_year: listing.call.school_terms_per_year,
        })
    });
    let (shown, page, pages) = page_of(&assignments, page);
    // The eligible applications nobody reviews yet, so the officer sees what the panel still lacks.
    let eligible: Vec<_> = submitted.iter().filter(|a| a.eligibility.as_deref() == Some("eligible")).collect();
    let reviewers_of = |id: i64| assignments.iter().filter(|(x, _)| x.application_id == id).count();
    let unreviewed: Vec<String> =
        eligible.iter().filter(|a| reviewers_of(a.id) == 0).map(|a| a.reference.clone().unwrap_or_default()).collect();
    // What the officer picks from to assign by hand: the submitted applications (an ineligible one may be
    // reviewed too), those without a reviewer first.
    let mut assignable: Vec<Assignable> = submitted
        .iter()
        .map(|a| Assignable {
            id: a.id,
            reference: a.reference.clone(),
            name: a.full_name.clone(),
            reviewers: reviewers_of(a.id),
            ineligible: a.eligibility.as_deref() == Some("ineligible"),
            picked: application_id == Some(a.id),
        })
        .collect();
    assignable.sort_by_key(|a| a.reviewers != 0);
    let assignment_rows = shown
        .iter()
        .map(|(a, reviewer)| AssignmentRow {
            application_id: a.application_id,
            reference: submitted.iter().find(|s| s.id == a.application_id).and_then(|s| s.reference.clone()),
            reviewer: reviewer.clone(),
            declaration: a.declaration.clone(),
            total: stored_points(a.total_hundredths, &visitor.lang),
            comment: a.comment.clone(),
        })
        .collect();
    let view = CallReviewPage {
        programme: listing.programme.name,
        call: listing.call,
        values,
        errors,
        has_rubric,
        rows: (0..CRITERION_ROWS).collect(),
        slots: (0..RULE_SLOTS).collect(),
        panel: panel
            .into_iter()
            .map(|u| PanelMember { picked: reviewer_id == Some(u.id), id: u.id, name: u.full_name })
            .collect(),
        assignable,
        assignments: assignment_rows,
        assignments_page: page,
        assignments_pages: pages,
        eligible_count: eligible.len(),
        unreviewed_count: unreviewed.len(),
        unreviewed: unreviewed.into_iter().take(20).collect(),
        may_edit: visitor.role() == Some(crate::domain::role::Role::ProgrammeOfficer),
        seed: rand::random::<u32>(),
    };
    render_status(state, visitor, "funder/call.html", &view, status)
}

/// A reviewer of the funder's panel, to pick in the assignment form.
#[derive(Serialize)]
struct PanelMember {
    id: i64,
    name: String,
    picked: bool,
}

/// A submitted application, to pick in the assignment form.
#[derive(Serialize)]
struct Assignable {
    id: i64,
    reference: Option<String>,
    name: String,
    reviewers: usize,
    ineligible: bool,
    picked: bool,
}

/// An assignment as listed: whose application, which reviewer, their declaration and score.
#[derive(Serialize)]
struct AssignmentRow {
    application_id: i64,
    reference: Option<String>,
    reviewer: String,
    declaration: Option<String>,
    total: Option<String>,
    comment: String,
}

#[derive(Serialize)]
struct CallReviewPage {
    call: Call,
    programme: String,
    values: FormValues,
    errors: FieldErrors,
    has_rubric: bool,
    /// Row and slot numbers of the criteria and priority tiers the form offers.
    rows: Vec<usize>,
    slots: Vec<usize>,
    panel: Vec<PanelMember>,
    assignable: Vec<Assignable>,
    assignments: Vec<AssignmentRow>,
    assignments_page: usize,
    assignments_pages: usize,
    eligible_count: usize,
    unreviewed_count: usize,
    /// The first references of eligible applications without a reviewer.
    unreviewed: Vec<String>,
    may_edit: bool,
    /// A fresh seed for "assign evenly", which the officer may replace to repeat a draw.
    seed: u32,
}

/// Refuses, before any field of the form is read, an actor who may not change the call's review.
pub(super) async fn authorize_call_change(state: &AppState, actor: &Actor, call_id: i64) -> Result<(), AppError> {
    let actor = actor.clone();
    state.db.run(move |conn| crate::service::access::call_to_change(conn, &actor, call_id).map(|_| ())).await
}

pub(super) async fn save_settings(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<SettingsForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    authorize_call_change(&state, &actor, call_id).await?;
    let mut errors = FieldErrors::new();
    let settings = settings_from_form(&form, &mut errors);
    if errors.is_empty() {
        match state.db.run(move |conn| service::configure(conn, &actor, call_id, &settings)).await {
            Ok(()) => {
                visitor.flash("review-settings-saved");
                return Ok(redirect(&format!("/funder/calls/{call_id}")));
            }
            Err(AppError::Validation(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    let values = form.into_inner().values();
    call_page_with(&state, &visitor, call_id, CallPage::refused(Some(values), errors)).await
}
