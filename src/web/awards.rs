//! The award pages: the officer's ranked list with its funding line and decisions, the award page shared by
//! the funder's officers and the scholar (contract, signature, countersignature, ledger, progress reports,
//! status changes, continuation), the printable contract, and the ledger CSV.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use object_store::path::Path as ObjectPath;

use super::page::{field, page_of, redirect, render, render_status, PageError, PageResult, Visitor};
use super::AppState;
use crate::domain::money::{format_amount_in, format_major_in};
use crate::domain::obligation::ExactDecimal;
use crate::domain::progress::{ChangeDecision, StatusChange};
use crate::domain::ranking::{PlaceReason, TierReason};
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::i18n::I18n;
use crate::service::ledger::{self, PaymentCommand};
use crate::service::{awards as service, documents, Actor};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/funder/calls/{id}/ranking", web::get().to(ranking_page))
        .route("/funder/calls/{id}/propose", web::post().to(propose))
        .route("/funder/calls/{id}/notify-not-selected", web::post().to(notify_not_selected))
        .route("/funder/calls/{id}/ledger.csv", web::get().to(ledger_csv))
        .route("/funder/awards", web::get().to(funder_awards))
        .route("/funder/awards/{id}/{action}", web::post().to(award_action))
        .route("/funder/payments/{id}", web::post().to(payment_action))
        .route("/funder/changes/{id}", web::post().to(decide_change))
        .route("/my/awards", web::get().to(my_awards))
        .route("/awards/{id}", web::get().to(award_page))
        .route("/awards/{id}/contract", web::get().to(contract_page))
        .route("/awards/{id}/respond", web::post().to(respond))
        .route("/awards/{id}/changes", web::post().to(report_change))
        .route("/awards/{id}/reports/{report}", web::post().to(upload_report))
        .route("/awards/{id}/reports/{report}/transcript", web::get().to(download_transcript));
}

type Form = web::Form<HashMap<String, String>>;

/// Runs an authorization check before any field of a form is read, so that a refused form never shows
/// another funder's (or another scholar's) record, valid fields or not.
async fn authorize<F>(state: &AppState, actor: &Actor, check: F) -> Result<(), AppError>
where
    F: FnOnce(&mut crate::db::DbConn, &Actor) -> Result<(), AppError> + Send + 'static,
{
    let actor = actor.clone();
    state.db.run(move |conn| check(conn, &actor)).await
}

/// An award the actor may move as the funder's officer.
fn officer_of_award(award_id: i64) -> impl FnOnce(&mut crate::db::DbConn, &Actor) -> Result<(), AppError> {
    move |conn, actor| {
        crate::service::reviews::require_officer(actor)?;
        service::managed_award(conn, actor, award_id).map(|_| ())
    }
}

/// The record's version the form was shown with (optimistic concurrency); a form without it is malformed.
fn version(form: &HashMap<String, String>) -> Result<i32, AppError> {
    field(form, "version").parse().map_err(|_| AppError::BadRequest("the form has no valid \"version\" field".into()))
}

fn points(hundredths: u32, lang: &str) -> String {
    crate::domain::money::decimal_in(&crate::domain::ranking::points(hundredths), lang)
}

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

/// A programme term as the contract states it: `1` rather than `1.0`, `0.5` as typed.
fn term(value: f64) -> String {
    ExactDecimal::from_f64_shortest(value).map(|d| d.to_string()).unwrap_or_else(|_| value.to_string())
}

/// A yearly rate as a percentage: 0.05 → "5".
fn percent(rate: ExactDecimal) -> String {
    ExactDecimal::from_billionths(rate.billionths().saturating_mul(100)).to_string()
}

/// Which page of the ranked list (`page`) and of the applications set apart (`apart`).
#[derive(serde::Deserialize)]
struct RankingQuery {
    #[serde(default, deserialize_with = "super::query::page")]
    page: Option<usize>,
    #[serde(default, deserialize_with = "super::query::apart")]
    apart: Option<usize>,
}

async fn ranking_page(
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

async fn propose(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| {
        crate::service::reviews::call_to_change(conn, actor, call_id).map(|_| ())
    })
    .await?;
    // No application named: the whole line; a garbled one is refused rather than read as "all".
    let one: Option<i64> = match field(&form, "application_id") {
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

async fn notify_not_selected(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let i18n = state.i18n.clone();
    state.db.run(move |conn| service::notify_not_selected(conn, &i18n, &actor, call_id)).await?;
    visitor.flash("not-selected-notified");
    Ok(redirect(&format!("/funder/calls/{call_id}/ranking")))
}

async fn ledger_csv(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let rows = state.db.run(move |conn| ledger::call_ledger(conn, &actor, call_id)).await?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "award_id",
        "reference",
        "scholar",
        "support_year",
        "kind",
        "payee",
        "note",
        "due_on",
        "amount",
        "currency",
        "amount_minor",
        "status",
        "paid_on",
        "payment_reference",
        "held_for",
    ];
    let csv_error = |e: csv::Error| AppError::Internal(format!("writing the ledger CSV: {e}"));
    writer.write_record(header).map_err(csv_error)?;
    for (p, award, reference, scholar) in &rows {
        let cells = [
            award.id.to_string(),
            reference.clone(),
            scholar.clone(),
            p.support_year.to_string(),
            p.kind.clone(),
            p.payee.clone(),
            p.note.clone(),
            p.due_on.to_string(),
            format_major_in(p.amount_minor, &award.currency, "en"),
            award.currency.clone(),
            p.amount_minor.to_string(),
            p.status.clone(),
            p.paid_on.map(|d| d.to_string()).unwrap_or_default(),
            p.reference.clone().unwrap_or_default(),
            p.held_for.clone().unwrap_or_default(),
        ];
        writer.write_record(cells.iter().map(|c| super::funder::csv_cell(c))).map_err(csv_error)?;
    }
    let body = writer.into_inner().map_err(|e| AppError::Internal(format!("writing the ledger CSV: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"ledger-call-{call_id}.csv\"")))
        .body(body))
}

/// The award list of a funder (officers, administrators).
async fn funder_awards(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::ProgrammeOfficer, Role::Administrator])?;
    awards_list(&state, &visitor, actor).await
}

async fn awards_list(state: &AppState, visitor: &Visitor, actor: crate::service::Actor) -> PageResult {
    let awards = state.db.run(move |conn| service::list_readable(conn, &actor)).await?;
    let rows: Vec<_> = awards
        .iter()
        .map(|(a, name, reference)| serde_json::json!({"award": a, "name": name, "reference": reference}))
        .collect();
    render(state, visitor, "awards/list.html", &serde_json::json!({ "awards": rows }))
}

async fn my_awards(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::Applicant])?;
    awards_list(&state, &visitor, actor).await
}

/// `?year=N` shows that support year's payments (the latest confirmed by default), so the page stays light
/// however many years an award runs.
#[derive(serde::Deserialize)]
struct YearQuery {
    #[serde(default, deserialize_with = "super::query::year")]
    year: Option<i32>,
}

async fn award_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    query: web::Query<YearQuery>,
) -> PageResult {
    let page = AwardPage { year: query.year, ..AwardPage::default() };
    award_page_with(&state, &visitor, path.into_inner(), page).await
}

async fn contract_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let page = AwardPage { template: "awards/contract.html", ..AwardPage::default() };
    award_page_with(&state, &visitor, path.into_inner(), page).await
}

/// How the award page is shown: with a form's errors (and 422), as the printable contract, or for a year.
struct AwardPage {
    /// What the visitor typed, shown again with the errors.
    values: serde_json::Value,
    errors: FieldErrors,
    status: StatusCode,
    template: &'static str,
    year: Option<i32>,
}

impl Default for AwardPage {
    fn default() -> Self {
        AwardPage {
            values: serde_json::json!({}),
            errors: FieldErrors::new(),
            status: StatusCode::OK,
            template: "awards/award.html",
            year: None,
        }
    }
}

impl AwardPage {
    fn refused(errors: FieldErrors) -> Self {
        AwardPage { errors, status: StatusCode::UNPROCESSABLE_ENTITY, ..AwardPage::default() }
    }

    fn refused_with(form: &HashMap<String, String>, errors: FieldErrors) -> Self {
        AwardPage { values: serde_json::to_value(form).unwrap_or_default(), ..AwardPage::refused(errors) }
    }
}

async fn award_page_with(state: &AppState, visitor: &Visitor, id: i64, view: AwardPage) -> PageResult {
    let AwardPage { values, errors, status, template, year } = view;
    let actor = visitor.actor()?;
    let file = state.db.run(move |conn| ledger::award_file(conn, &actor, id)).await?;
    let currency = file.award.currency.clone();
    let money = |minor: i64| format_amount_in(minor, &currency, &visitor.lang);
    let tz = state.config.time_zone;
    let local = |t| super::page::local_time(state, t);
    let c = &file.contract;
    let a = &file.award;
    let yearly = a.total_cost_minor / i64::from(a.support_years.max(1));
    let shown_year = year.unwrap_or(a.years_confirmed).clamp(1, a.years_confirmed.max(1));
    let payments: Vec<_> = file
        .payments
        .iter()
        .filter(|p| p.support_year == shown_year)
        .map(|p| serde_json::json!({"p": p, "amount": money(p.amount_minor)}))
        .collect();
    let years: Vec<i32> = (1..=a.years_confirmed).collect();
    let page = serde_json::json!({
        "award": a, "application": {"full_name": file.application.full_name, "reference": file.application.reference, "id": file.application.id},
        "call_title": file.call_title, "programme": file.programme_name, "funder": file.funder,
        "support": {
            "years": a.support_years, "tuition": money(a.annual_tuition_minor), "stipend": money(a.stipend_monthly_minor),
            "lump_sum": money(a.lump_sum_yearly_minor), "yearly": money(yearly), "total": money(a.total_cost_minor),
            "starts": a.support_starts_on, "terms_per_year": a.school_terms_per_year,
        },
        "obligation": {
            "years": c.planned.obligated_service_years.to_string(), "days": c.planned.obligated_days,
            "confirmed_years": a.years_confirmed, "confirmed_service_years": c.confirmed.obligated_service_years.to_string(),
            "per_year": term(c.terms.service_years_per_support_year), "minimum": term(c.terms.min_service_years),
            "start_window_days": c.planned.start_window_days,
            "multiplier": c.planned.damages_multiplier.to_string(), "interest": percent(c.planned.damages_annual_interest_rate),
            "damages_minimum": money(c.planned.damages_minimum_minor), "worked": money(c.planned.worked_damages_minor),
            "in_school_multiplier": term(c.terms.in_school_breach_multiplier),
        },
        "deadline": a.offer_deadline.map(local), "accepted_at": a.accepted_at.map(local), "countersigned_at": a.countersigned_at.map(local),
        "breach_amount": a.breach_amount_minor.map(money),
        "payments": payments, "shown_year": shown_year, "years": years,
        "may_continue": i64::from(a.years_confirmed) < i64::from(file.years_allowed),
        "totals": {"scheduled": money(file.totals.scheduled), "paid": money(file.totals.paid), "held": money(file.totals.held),
                   "returned": money(file.totals.returned), "cancelled": money(file.totals.cancelled)},
        "reports": file.reports, "overdue": file.overdue_reports, "changes": file.changes,
        "is_officer": visitor.role() == Some(Role::ProgrammeOfficer),
        "is_scholar": visitor.role() == Some(Role::Applicant),
        "errors": errors, "values": values, "today": crate::store::now().date(),
        "on_leave": file.payments.iter().any(|p| p.held_for.as_deref() == Some(ledger::HELD_FOR_LEAVE)),
        "default_deadline": (crate::store::now() + chrono::Duration::days(14)).and_utc().with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string(),
    });
    render_status(state, visitor, template, &page, status)
}

/// The officer's moves on an award: approve or reject (four eyes), offer, countersign, continue, end support,
/// resume after leave.
async fn award_action(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, String)>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let (id, action) = path.into_inner();
    authorize(&state, &actor, officer_of_award(id)).await?;
    let v = version(&form)?;
    let deadline = super::form_dates::read_local_datetime(&state, field(&form, "offer_deadline"));
    let (i18n, public_url) = (state.i18n.clone(), state.config.public_url.clone());
    let flash = match action.as_str() {
        "approve" | "reject" => "award-decided",
        "offer" => "award-offered",
        "countersign" => "award-countersigned",
        "continue" => "award-continued",
        "end-support" => "award-support-ended",
        "resume" => "award-resumed",
        _ => return Err(AppError::NotFound.into()),
    };
    let result = state
        .db
        .run(move |conn| match action.as_str() {
            "approve" => service::decide(conn, &actor, id, v, true),
            "reject" => service::decide(conn, &actor, id, v, false),
            "offer" => match deadline {
                Ok(d) => service::offer(conn, &i18n, &public_url, &actor, id, v, d),
                Err(key) => Err(AppError::field("offer_deadline", key)),
            },
            "countersign" => service::countersign(conn, &actor, id, v),
            "continue" => ledger::continue_award(conn, &actor, id, v).map(|_| ()),
            "end-support" => ledger::end_support(conn, &actor, id, v),
            _ => ledger::resume_after_leave(conn, &actor, id).map(|_| ()),
        })
        .await;
    match result {
        Ok(()) => {
            visitor.flash(flash);
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            award_page_with(&state, &visitor, id, AwardPage::refused_with(&form, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn payment_action(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    // The payment's own award, not one the form names: that is what the officer is allowed to act on.
    let check = actor.clone();
    let award_id = state.db.run(move |conn| ledger::award_of_payment(conn, &check, id)).await?;
    let command = match field(&form, "action") {
        "pay" => PaymentCommand::Pay {
            paid_on: NaiveDate::parse_from_str(field(&form, "paid_on"), "%Y-%m-%d").ok(),
            reference: field(&form, "reference").to_string(),
        },
        "hold" => PaymentCommand::Hold,
        "release" => PaymentCommand::Release,
        "cancel" => PaymentCommand::Cancel,
        "return" => PaymentCommand::Return,
        _ => return Err(AppError::field("action", "error-required").into()),
    };
    let v = version(&form)?;
    match state.db.run(move |conn| ledger::record_payment(conn, &actor, id, v, &command)).await {
        Ok(()) => {
            visitor.flash("payment-recorded");
            Ok(redirect(&format!("/awards/{award_id}#payments")))
        }
        Err(AppError::Validation(errors)) => {
            let errors = errors.into_iter().map(|(k, v)| (format!("{k}_{id}"), v)).collect();
            award_page_with(&state, &visitor, award_id, AwardPage::refused_with(&form, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn decide_change(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    let award_id = state.db.run(move |conn| ledger::award_of_change(conn, &check, id)).await?;
    let decision = match field(&form, "decision") {
        "approved" => ChangeDecision::Approved,
        "refused" => ChangeDecision::Refused,
        _ => return Err(AppError::field("decision", "error-required").into()),
    };
    let i18n = state.i18n.clone();
    state.db.run(move |conn| ledger::decide_change(conn, &i18n, &actor, id, decision)).await?;
    visitor.flash("change-decided");
    Ok(redirect(&format!("/awards/{award_id}")))
}

async fn respond(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| {
        actor.require(&[Role::Applicant])?;
        service::readable(conn, actor, id).map(|_| ())
    })
    .await?;
    let accept = match field(&form, "response") {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::field("response", "error-required").into()),
    };
    let typed = field(&form, "typed_name").to_string();
    let agreed = field(&form, "agreed") == "yes";
    let v = version(&form)?;
    match state.db.run(move |conn| service::respond(conn, &actor, id, v, accept, &typed, agreed)).await {
        Ok(()) => {
            visitor.flash(if accept { "award-accepted" } else { "award-declined" });
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            award_page_with(&state, &visitor, id, AwardPage::refused_with(&form, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn report_change(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    authorize(&state, &actor, move |conn, actor| ledger::award_to_report_on(conn, actor, id).map(|_| ())).await?;
    let change = match field(&form, "kind") {
        "leave_of_absence" => Ok(StatusChange::LeaveOfAbsence),
        "repeat_year" => Ok(StatusChange::RepeatYear),
        "new_graduation_date" => super::form_dates::read_date(field(&form, "new_graduation_date"))
            .map(StatusChange::NewGraduationDate)
            .map_err(|key| AppError::field("new_graduation_date", key)),
        "withdrawal" => Ok(StatusChange::Withdrawal),
        "dismissal" => Ok(StatusChange::Dismissal),
        _ => Err(AppError::field("kind", "error-required")),
    };
    let note = field(&form, "note").to_string();
    let result = match change {
        Ok(change) => state.db.run(move |conn| ledger::report_change(conn, &actor, id, change, &note)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => {
            visitor.flash("change-reported");
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            award_page_with(&state, &visitor, id, AwardPage::refused_with(&form, errors)).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The scholar's progress report: the transcript (PDF, JPEG or PNG, ≤ 10 MB, type from the content) confirms
/// enrolment for the term.
async fn upload_report(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> PageResult {
    let (id, report_id) = path.into_inner();
    // Who may send this report is settled before the upload is read: a stranger's file is never taken in.
    let actor = visitor.actor()?;
    authorize(&state, &actor, move |conn, actor| ledger::check_report_upload(conn, actor, id, report_id)).await?;
    let (fields, file) = match super::applicant::read_upload(payload).await {
        Ok(parts) => parts,
        Err(AppError::Validation(errors)) => {
            return award_page_with(&state, &visitor, id, AwardPage::refused(errors)).await
        }
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    // The report is the scholar's confirmation that they are enrolled this term, with the transcript as proof.
    if fields.get("enrolled").map(String::as_str) != Some("yes") {
        let errors = FieldErrors::from([("enrolled".to_string(), "error-enrolment-confirm".to_string())]);
        return award_page_with(&state, &visitor, id, AwardPage::refused(errors)).await;
    }
    let check = actor.clone();
    state.db.run(move |conn| ledger::check_report_upload(conn, &check, id, report_id)).await?;
    let stored = match file {
        Some((_, content)) => documents::store_file(&state.files, content).await,
        None => Err(AppError::field("file", "error-file-empty")),
    };
    let key = match stored {
        Ok(stored) => stored.storage_key,
        Err(AppError::Validation(errors)) => {
            return award_page_with(&state, &visitor, id, AwardPage::refused(errors)).await
        }
        Err(e) => return Err(e.into()),
    };
    let k = key.clone();
    match state.db.run(move |conn| ledger::receive_report(conn, &actor, id, report_id, &k)).await {
        Ok(()) => {
            visitor.flash("report-received");
            Ok(redirect(&format!("/awards/{id}")))
        }
        Err(e) => {
            // Nothing refers to the file: remove it rather than leave an orphan.
            let _ = state.files.delete(&ObjectPath::from(key.as_str())).await;
            Err(e.into())
        }
    }
}

async fn download_transcript(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let (id, report_id) = path.into_inner();
    let key = state.db.run(move |conn| ledger::report_transcript(conn, &actor, id, report_id)).await?;
    let (content_type, content) = documents::read_file(&state.files, &key).await?;
    let extension = content_type.rsplit('/').next().unwrap_or("bin");
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"transcript-{report_id}.{extension}\""),
        ))
        .body(content))
}
