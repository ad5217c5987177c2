//! A call's ranking and funding line, and the officer's moves on it: proposing awards on the line and telling
//! those not selected.

use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::domain::money::format_amount_in;
use crate::domain::ranking::{PlaceReason, TierReason};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::service::awards as service;
use crate::service::ledger;
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
    let rows: Vec<_> = shown
        .iter()
        .map(|r| {
            serde_json::json!({
                "position": r.entry.position, "application_id": r.application.id, "reference": r.application.reference,
                "name": r.application.full_name, "tier": r.entry.tier + 1, "tier_reason": tier_reason_text(&state.i18n, &visitor.lang, &r.entry.tier_reason),
                "score": points(r.entry.average_score, &visitor.lang), "reviews": r.reviews, "why": place_reason_text(&state.i18n, &visitor.lang, &r.entry.explanation),
                "cost": r.costing.cost.map(|c| money(c.total_minor)), "years": r.costing.cost.map(|c| c.support_years),
                "problem": r.costing.problem,
                "cumulative": r.line.as_ref().map(|l| money(l.cumulative_cost)),
                "within_line": r.line.as_ref().is_some_and(|l| l.within_line),
                "outside": r.line.as_ref().and_then(|l| l.reason_outside).map(|o| serde_json::to_value(o).unwrap_or_default()),
                "award": r.award.as_ref().map(|a| serde_json::json!({"id": a.id, "status": a.status})),
            })
        })
        .collect();
    let (apart_shown, apart_page, apart_pages) = page_of(&ranking.set_apart, query.apart);
    let set_apart: Vec<_> = apart_shown
        .iter()
        .map(|s| {
            let reason = match &s.set_apart.reason {
                crate::domain::ranking::SetApartReason::Ineligible { reasons } => {
                    serde_json::json!({"kind": "ineligible", "reasons": state.i18n.reasons(&visitor.lang, reasons)})
                }
                crate::domain::ranking::SetApartReason::BelowMinimum { score, minimum } => {
                    serde_json::json!({"kind": "below_minimum", "score": points(*score, &visitor.lang), "minimum": minimum})
                }
                crate::domain::ranking::SetApartReason::NotScored => serde_json::json!({"kind": "not_scored"}),
            };
            serde_json::json!({"application_id": s.application.id, "reference": s.application.reference, "name": s.application.full_name, "reason": reason})
        })
        .collect();
    let page = serde_json::json!({
        "call": ranking.listing.call, "programme": ranking.listing.programme.name, "rows": rows, "set_apart": set_apart,
        "page": page, "pages": pages, "apart_page": apart_page, "apart_pages": apart_pages,
        "has_rubric": ranking.has_rubric, "minimum": ranking.minimum_fundable,
        "seats_held": ranking.seats_held, "committed": money(ranking.committed_minor),
        "budget": money(ranking.listing.call.budget_minor),
        "terms_from": ranking.terms_from, "may_act": visitor.role() == Some(Role::ProgrammeOfficer),
        "ledger": {
            "call_budget": money(summary.call_budget_minor), "call_paid": money(summary.call.paid),
            "call_outstanding": money(summary.call.outstanding()), "call_committed": money(summary.call.committed()),
            "programme_budget": money(summary.programme_budget_minor), "programme_paid": money(summary.programme.paid),
            "programme_outstanding": money(summary.programme.outstanding()), "programme_committed": money(summary.programme.committed()),
        },
    });
    render(&state, &visitor, "funder/ranking.html", &page)
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
