//! A call's ranking and funding line, and the officer's moves on it: proposing awards on the line and telling
//! those not selected.

use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::domain::funding::OutsideLine;
use crate::domain::money::format_amount_in;
use crate::domain::ranking::{PlaceReason, SetApartReason, TierReason};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::service::awards as service;
use crate::service::ledger;
use crate::service::programmes::Call;
use crate::web::page::{authorize, page_of, points, redirect, render, PageResult, Visitor};
use crate::web::AppState;

/// Why an applicant is in their tier, in the visitor's language.
fn tier_reason_text(i18n: &I18n, lang: &str, reason: &TierReason) -> String {
    match reason {
        TierReason::ContinuingScholar => i18n.t(lang, "tier-continuing-scholar"),
        TierReason::UnderservedHomeArea { district } => {
            i18n.t_args(lang, "tier-underserved-home-area", &[("district", district.clone())])
        }
        TierReason::DisadvantagedBackground => i18n.t(lang, "tier-disadvantaged-background"),
        TierReason::NoPriorityRule => i18n.t(lang, "tier-no-priority-rule"),
    }
}

/// Why an applicant stands below the one above, in the visitor's language.
fn place_reason_text(i18n: &I18n, lang: &str, reason: &PlaceReason) -> String {
    match reason {
        PlaceReason::Top => i18n.t(lang, "place-top"),
        PlaceReason::LowerTier { tier_above } => {
            i18n.t_args(lang, "place-lower-tier", &[("tier", (tier_above + 1).to_string())])
        }
        PlaceReason::LowerScore { score_above } => {
            i18n.t_args(lang, "place-lower-score", &[("score", points(*score_above, lang))])
        }
        PlaceReason::LaterGraduation { graduation_above, graduation: Some(graduation) } => i18n.t_args(
            lang,
            "place-later-graduation",
            &[("above", graduation_above.to_string()), ("graduation", graduation.to_string())],
        ),
        PlaceReason::LaterGraduation { graduation_above, graduation: None } => {
            i18n.t_args(lang, "place-later-graduation-none", &[("above", graduation_above.to_string())])
        }
        PlaceReason::LaterSubmission { submitted_above } => i18n.t_args(
            lang,
            "place-later-submission",
            &[("above", format!("{} UTC", submitted_above.format("%Y-%m-%d %H:%M:%S")))],
        ),
        PlaceReason::HigherApplicationNumber { application_above } => {
            i18n.t_args(lang, "place-higher-number", &[("above", application_above.to_string())])
        }
    }
}

/// Which page of the ranked list (`page`) and of the applications set apart (`apart`).
#[derive(serde::Deserialize)]
pub(super) struct RankingQuery {
    #[serde(default, deserialize_with = "crate::web::query::page")]
    page: Option<usize>,
    #[serde(default, deserialize_with = "crate::web::query::apart")]
    apart: Option<usize>,
}

pub(super) async fn ranking_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<RankingQuery>,
) -> PageResult {
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let (ranking, summary) = state
        .db
        .run(move |conn| {
            Ok((service::ranking_view(conn, &actor, call_id)?, ledger::call_summary(conn, &actor, call_id)?))
        })
        .await?;
    let currency = ranking.listing.call.currency.clone();
    let money = |minor: i64| format_amount_in(minor, &currency, &visitor.lang);
    let (shown, page, pages) = page_of(&ranking.rows, query.page);
    let (i18n, lang) = (&state.i18n, visitor.lang.as_str());
    let rows = shown
        .iter()
        .map(|r| RankedRowView {
            position: r.entry.position,
            application_id: r.application.id,
            reference: r.application.reference.clone(),
            name: r.application.full_name.clone(),
            tier: r.entry.tier + 1,
            tier_reason: tier_reason_text(i18n, lang, &r.entry.tier_reason),
            score: points(r.entry.average_score, lang),
            reviews: r.reviews,
            why: place_reason_text(i18n, lang, &r.entry.explanation),
            cost: r.costing.cost.map(|c| money(c.total_minor)),
            years: r.costing.cost.map(|c| c.support_years),
            problem: r.costing.problem,
            cumulative: r.line.as_ref().map(|l| money(l.cumulative_cost)),
            within_line: r.line.as_ref().is_some_and(|l| l.within_line),
            outside: r.line.as_ref().and_then(|l| l.reason_outside),
            award: r.award.as_ref().map(|a| AwardLink { id: a.id, status: a.status.clone() }),
        })
        .collect();
    let (apart_shown, apart_page, apart_pages) = page_of(&ranking.set_apart, query.apart);
    let set_apart = apart_shown
        .iter()
        .map(|s| SetApartView {
            application_id: s.application.id,
            reference: s.application.reference.clone(),
            name: s.application.full_name.clone(),
            reason: match &s.set_apart.reason {
                SetApartReason::Ineligible { reasons } => {
                    SetApartWhy::Ineligible { reasons: i18n.reasons(lang, reasons) }
                }
                SetApartReason::BelowMinimum { score, minimum } => {
                    SetApartWhy::BelowMinimum { score: points(*score, lang), minimum: *minimum }
                }
                SetApartReason::NotScored => SetApartWhy::NotScored,
            },
        })
        .collect();
    let view = RankingPage {
        programme: ranking.listing.programme.name,
        rows,
        set_apart,
        page,
        pages,
        apart_page,
        apart_pages,
        has_rubric: ranking.has_rubric,
        minimum: ranking.minimum_fundable,
        seats_held: ranking.seats_held,
        committed: money(ranking.committed_minor),
        budget: money(ranking.listing.call.budget_minor),
        terms_from: ranking.terms_from,
        may_act: visitor.role() == Some(Role::ProgrammeOfficer),
        ledger: LedgerView {
            call_budget: money(summary.call_budget_minor),
            call_paid: money(summary.call.paid),
            call_outstanding: money(summary.call.outstanding()),
            call_committed: money(summary.call.committed()),
            programme_budget: money(summary.programme_budget_minor),
            programme_paid: money(summary.programme.paid),
            programme_outstanding: money(summary.programme.outstanding()),
            programme_committed: money(summary.programme.committed()),
        },
        call: ranking.listing.call,
    };
    render(&state, &visitor, "funder/ranking.html", &view)
}

/// An award already made on the line, to follow.
#[derive(Serialize)]
struct AwardLink {
    id: i64,
    status: String,
}

/// A ranked applicant: their place and why, their cost and where they stand against the funding line.
#[derive(Serialize)]
struct RankedRowView {
    position: usize,
    application_id: i64,
    reference: Option<String>,
    name: String,
    tier: usize,
    tier_reason: String,
    score: String,
    reviews: usize,
    why: String,
    cost: Option<String>,
    years: Option<u32>,
    problem: Option<&'static str>,
    cumulative: Option<String>,
    within_line: bool,
    outside: Option<OutsideLine>,
    award: Option<AwardLink>,
}

/// Why an application is set apart from the ranking.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SetApartWhy {
    Ineligible { reasons: String },
    BelowMinimum { score: String, minimum: u32 },
    NotScored,
}

#[derive(Serialize)]
struct SetApartView {
    application_id: i64,
    reference: Option<String>,
    name: String,
    reason: SetApartWhy,
}

/// The money of the call and of its programme, in the call's currency.
#[derive(Serialize)]
struct LedgerView {
    call_budget: String,
    call_paid: String,
    call_outstanding: String,
    call_committed: String,
    programme_budget: String,
    programme_paid: String,
    programme_outstanding: String,
    programme_committed: String,
}

#[derive(Serialize)]
struct RankingPage {
    call: Call,
    programme: String,
    rows: Vec<RankedRowView>,
    set_apart: Vec<SetApartView>,
    page: usize,
    pages: usize,
    apart_page: usize,
    apart_pages: usize,
    has_rubric: bool,
    minimum: u32,
    seats_held: usize,
    committed: String,
    budget: String,
    terms_from: Option<chrono::NaiveDate>,
    may_act: bool,
    ledger: LedgerView,
}

/// Proposing awards: one application of the line, or (none named) the whole line.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ProposeForm {
    csrf_token: String,
    application_id: String,
}

pub(super) async fn propose(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ProposeForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| {
        crate::service::access::call_to_change(conn, actor, call_id).map(|_| ())
    })
    .await?;
    // No application named: the whole line; a garbled one is refused rather than read as "all".
    let one: Option<i64> = match form.application_id.trim() {
        "" => None,
        text => Some(text.parse().map_err(|_| AppError::field("application_id", "error-number"))?),
    };
    state
        .db
        .run(move |conn| match one {
            Some(id) => service::propose(conn, &actor, call_id, id).map(|_| 1),
            None => service::propose_line(conn, &actor, call_id),
        })
        .await?;
    visitor.flash("awards-proposed");
    Ok(redirect(&format!("/funder/calls/{call_id}/ranking")))
}

/// A form that only confirms: its CSRF token.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ConfirmForm {
    csrf_token: String,
}

pub(super) async fn notify_not_selected(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<ConfirmForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let i18n = state.i18n.clone();
    state.db.run(move |conn| service::notify_not_selected(conn, &i18n, &actor, call_id)).await?;
    visitor.flash("not-selected-notified");
    Ok(redirect(&format!("/funder/calls/{call_id}/ranking")))
}
