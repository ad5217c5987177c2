//! Open calls and a call's page, and the words for a call and a programme's terms that the funder's pages
//! show too.

use actix_web::web;
use serde::Serialize;

use crate::domain::money::format_amount_in;
use crate::domain::programme::ProgrammeTerms;
use crate::i18n::I18n;
use crate::service::now;
use crate::service::public_calls::{self as service, CallListing};
use crate::web::page::{render, PageResult, Visitor};
use crate::web::AppState;

/// A call as the public sees it: times in the installation's zone, money formatted, terms in words.
#[derive(Serialize)]
pub struct CallView {
    pub id: i64,
    pub title: String,
    pub funder: String,
    pub programme: String,
    pub cadre: String,
    pub description: String,
    pub intake_year: i32,
    pub opens: String,
    pub closes: String,
    pub seats: i32,
    pub budget: String,
    pub is_open: bool,
    pub required_documents: Vec<String>,
    pub terms: Vec<String>,
    /// Who may apply, in words, before anyone applies: the rules the submission is assessed by.
    pub eligibility_rules: Vec<String>,
    pub form_steps: usize,
}

/// The eligibility rules of a call in the reader's language: the programme's cadre, full-time enrolment, and
/// each question with the answer that makes an application ineligible (the rules `domain::eligibility` applies).
pub fn eligibility_rules(i18n: &I18n, lang: &str, listing: &CallListing) -> Vec<String> {
    let cadre = &listing.programme.cadre;
    let cadre_rule =
        (!cadre.is_empty()).then(|| i18n.t_args(lang, "call-rule-cadre", &[("cadre", i18n.cadre(lang, cadre))]));
    let questions = listing.call.questions().into_iter().map(|q| {
        let answer = i18n.t(lang, if q.disqualifying_answer { "yes" } else { "no" });
        i18n.t_args(lang, "call-rule-question", &[("question", i18n.question(lang, &q)), ("answer", answer)])
    });
    cadre_rule.into_iter().chain(std::iter::once(i18n.t(lang, "call-rule-full-time"))).chain(questions).collect()
}

/// The terms in plain words, each sentence a translated message with the figures filled in.
pub fn terms_in_words(i18n: &I18n, lang: &str, terms: &ProgrammeTerms, currency: &str) -> Vec<String> {
    let n = |v: f64| crate::domain::money::decimal_in(&format!("{v}"), lang);
    vec![
        i18n.t_args(lang, "terms-service-rate", &[("years", n(terms.service_years_per_support_year))]),
        i18n.t_args(lang, "terms-minimum", &[("years", n(terms.min_service_years))]),
        i18n.t_args(lang, "terms-max-support", &[("years", terms.max_support_years.to_string())]),
        i18n.t_args(
            lang,
            "terms-hours",
            &[
                ("full", terms.full_time_hours_per_week.to_string()),
                ("half", terms.half_time_hours_per_week.to_string()),
                ("credit", n(terms.half_time_credit)),
            ],
        ),
        i18n.t_args(lang, "terms-days-away", &[("days", terms.days_away_allowed_per_service_year.to_string())]),
        i18n.t_args(lang, "terms-start-window", &[("days", terms.start_window_days.to_string())]),
        i18n.t_args(
            lang,
            "terms-verification",
            &[
                ("months", terms.verification_interval_months.to_string()),
                ("late", terms.verification_late_days.to_string()),
            ],
        ),
        i18n.t_args(
            lang,
            "terms-damages",
            &[
                ("multiplier", n(terms.damages_multiplier)),
                ("rate", n(terms.damages_annual_interest_rate * 100.0)),
                ("minimum", format_amount_in(terms.damages_minimum_minor, currency, lang)),
                ("deadline", terms.damages_payment_deadline_days.to_string()),
            ],
        ),
        i18n.t_args(lang, "terms-in-school-breach", &[("multiplier", n(terms.in_school_breach_multiplier))]),
        i18n.t_args(
            lang,
            "terms-support",
            &[
                ("stipend", format_amount_in(terms.stipend_monthly_minor, currency, lang)),
                ("lump", format_amount_in(terms.lump_sum_yearly_minor, currency, lang)),
            ],
        ),
    ]
}

pub fn call_view(state: &AppState, lang: &str, listing: &CallListing, terms: Option<&ProgrammeTerms>) -> CallView {
    let local = |t| crate::web::page::local_time(state, t);
    let call = &listing.call;
    CallView {
        id: call.id,
        title: call.title.clone(),
        funder: listing.organisation_name.clone(),
        programme: listing.programme.name.clone(),
        cadre: listing.programme.cadre.clone(),
        description: listing.programme.description.clone(),
        intake_year: call.intake_year,
        opens: local(call.opens_at),
        closes: local(call.closes_at),
        seats: call.seats,
        budget: format_amount_in(call.budget_minor, &call.currency, lang),
        is_open: call.is_open_at(now()),
        required_documents: call
            .required_document_kinds()
            .iter()
            .map(|k| state.i18n.t(lang, &format!("doc-{}", k.replace('_', "-"))))
            .collect(),
        terms: terms.map(|t| terms_in_words(&state.i18n, lang, t, &call.currency)).unwrap_or_default(),
        eligibility_rules: eligibility_rules(&state.i18n, lang, listing),
        form_steps: crate::domain::application::FormStep::ALL.len(),
    }
}

/// The home page: the open calls.
#[derive(Serialize)]
struct HomePage {
    calls: Vec<CallView>,
}

/// A call's page.
#[derive(Serialize)]
struct CallPage {
    call: CallView,
}

pub(super) async fn home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let listings = state.db.run(service::open).await?;
    let calls: Vec<CallView> = listings.iter().map(|l| call_view(&state, &visitor.lang, l, None)).collect();
    render(&state, &visitor, "public/home.html", &HomePage { calls })
}

pub(super) async fn call_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    let id = path.into_inner();
    let (listing, terms) = state.db.run(move |conn| service::with_terms(conn, id)).await?;
    let call = call_view(&state, &visitor.lang, &listing, terms.as_ref());
    render(&state, &visitor, "public/call.html", &CallPage { call })
}
