//! The funder's home (its programmes and calls), and a programme: creating it, its dated terms, its cadre.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::domain::cadre::CADRES;
use crate::domain::money::{format_major_in, parse_amount_in};
use crate::domain::programme::ProgrammeTerms;
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::service::programmes::{self as service, Programme, ProgrammeInput};
use crate::web::form::{noted, read_date, read_number};
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::public::calls::CallView;
use crate::web::AppState;

#[derive(Serialize)]
struct HomePage {
    programmes: Vec<Programme>,
    calls: Vec<CallView>,
    may_create: bool,
    may_read_applications: bool,
}

pub(super) async fn home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    let check = actor.clone();
    let service::FunderHome { programmes, calls } =
        state.db.run(move |conn| service::funder_home(conn, &check)).await?;
    let calls = calls.iter().map(|l| crate::web::public::calls::call_view(&state, &visitor.lang, l, None)).collect();
    let page = HomePage {
        programmes,
        calls,
        may_create: actor.role == Role::ProgrammeOfficer,
        // Links a role cannot follow are not shown (coordinators and reviewers would get "forbidden").
        may_read_applications: actor.role.reads_applications(),
    };
    render(&state, &visitor, "funder/home.html", &page)
}

/// The terms' fields as typed, in a programme's form and in the form adding dated terms. Money is absent
/// from an old form rather than empty, and then reads as nothing owed, as it always has.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct TermsFields {
    terms_from: String,
    service_years_per_support_year: String,
    min_service_years: String,
    max_support_years: String,
    full_time_hours_per_week: String,
    half_time_hours_per_week: String,
    half_time_credit: String,
    days_away_allowed_per_service_year: String,
    parental_leave_max_days: String,
    verification_interval_months: String,
    verification_late_days: String,
    start_window_days: String,
    in_school_breach_multiplier: String,
    damages_multiplier: String,
    damages_annual_interest_rate: String,
    damages_minimum: Option<String>,
    damages_payment_deadline_days: String,
    stipend_monthly: Option<String>,
    lump_sum_yearly: Option<String>,
}

impl TermsFields {
    /// The terms in the reader's numbers and the currency's major units; what does not read is noted next to
    /// its field.
    fn terms(&self, currency: &str, lang: &str, errors: &mut FieldErrors) -> ProgrammeTerms {
        fn number<T: std::str::FromStr + Default>(text: &str, name: &str, errors: &mut FieldErrors) -> T {
            noted(read_number(text), name, errors)
        }
        let money = |text: &Option<String>, name: &str, errors: &mut FieldErrors| {
            noted(parse_amount_in(text.as_deref().unwrap_or("0"), currency, lang), name, errors)
        };
        ProgrammeTerms {
            service_years_per_support_year: number(
                &self.service_years_per_support_year,
                "service_years_per_support_year",
                errors,
            ),
            min_service_years: number(&self.min_service_years, "min_service_years", errors),
            max_support_years: number(&self.max_support_years, "max_support_years", errors),
            full_time_hours_per_week: number(&self.full_time_hours_per_week, "full_time_hours_per_week", errors),
            half_time_hours_per_week: number(&self.half_time_hours_per_week, "half_time_hours_per_week", errors),
            half_time_credit: number(&self.half_time_credit, "half_time_credit", errors),
            days_away_allowed_per_service_year: number(
                &self.days_away_allowed_per_service_year,
                "days_away_allowed_per_service_year",
                errors,
            ),
            parental_leave_max_days: number(&self.parental_leave_max_days, "parental_leave_max_days", errors),
            verification_interval_months: number(
                &self.verification_interval_months,
                "verification_interval_months",
                errors,
            ),
            verification_late_days: number(&self.verification_late_days, "verification_late_days", errors),
            start_window_days: number(&self.start_window_days, "start_window_days", errors),
            in_school_breach_multiplier: number(
                &self.in_school_breach_multiplier,
                "in_school_breach_multiplier",
                errors,
            ),
            damages_multiplier: number(&self.damages_multiplier, "damages_multiplier", errors),
            damages_annual_interest_rate: number(
                &self.damages_annual_interest_rate,
                "damages_annual_interest_rate",
                errors,
            ),
            damages_minimum_minor: money(&self.damages_minimum, "damages_minimum", errors),
            damages_payment_deadline_days: number(
                &self.damages_payment_deadline_days,
                "damages_payment_deadline_days",
                errors,
            ),
            stipend_monthly_minor: money(&self.stipend_monthly, "stipend_monthly", errors),
            lump_sum_yearly_minor: money(&self.lump_sum_yearly, "lump_sum_yearly", errors),
        }
    }
}

/// Terms as the form shows them: money in major units of the currency, other terms as numbers.
#[derive(Serialize)]
struct ShownTerms {
    #[serde(flatten)]
    terms: ProgrammeTerms,
    damages_minimum: String,
    stipend_monthly: String,
    lump_sum_yearly: String,
}

impl ShownTerms {
    fn of(terms: ProgrammeTerms, currency: &str, lang: &str) -> Self {
        let major = |minor: i64| format_major_in(minor, currency, lang);
        ShownTerms {
            damages_minimum: major(terms.damages_minimum_minor),
            stipend_monthly: major(terms.stipend_monthly_minor),
            lump_sum_yearly: major(terms.lump_sum_yearly_minor),
            terms,
        }
    }
}

/// The terms form's values: the latest terms to start from, or what was typed into a refused form.
#[derive(Serialize)]
#[serde(untagged)]
enum TermsValues<'a> {
    Shown(ShownTerms),
    Typed(&'a TermsFields),
}

/// A new programme's form as typed.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct ProgrammeForm {
    csrf_token: String,
    name: String,
    cadre: String,
    description: String,
    currency: String,
    #[serde(flatten)]
    terms: TermsFields,
}

/// The new programme's form values: what was typed (the terms also under `terms`, as the shared terms
/// fields read them), or, to start from, the typical terms in Kenyan shillings from today.
#[derive(Serialize)]
struct ProgrammeValues<'a> {
    #[serde(flatten)]
    typed: &'a ProgrammeForm,
    terms: TermsValues<'a>,
}

#[derive(Serialize)]
struct ProgrammeNewPage<'a> {
    values: ProgrammeValues<'a>,
    errors: FieldErrors,
    cadres: &'static [&'static str],
}

pub(super) async fn programme_form(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    service::programme_creator(&visitor.actor()?)?;
    let start = ProgrammeForm {
        currency: "KES".into(),
        terms: TermsFields { terms_from: chrono::Utc::now().date_naive().to_string(), ..TermsFields::default() },
        ..ProgrammeForm::default()
    };
    let page = ProgrammeNewPage {
        values: ProgrammeValues {
            typed: &start,
            terms: TermsValues::Shown(ShownTerms::of(ProgrammeTerms::typical(), "KES", &visitor.lang)),
        },
        errors: FieldErrors::new(),
        cadres: &CADRES,
    };
    render(&state, &visitor, "funder/programme_new.html", &page)
}

pub(super) async fn create_programme(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<ProgrammeForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    // Who may act comes before what they typed (the service checks again, inside its transaction).
    service::programme_creator(&actor)?;
    let form = form.into_inner();
    let mut errors = FieldErrors::new();
    let currency = form.currency.trim().to_uppercase();
    let terms = form.terms.terms(&currency, &visitor.lang, &mut errors);
    let terms_from = noted(read_date(&form.terms.terms_from), "terms_from", &mut errors);
    if errors.is_empty() {
        let (name, cadre, description) = (form.name.clone(), form.cadre.clone(), form.description.clone());
        let result = state
            .db
            .run(move |conn| {
                let input = ProgrammeInput {
                    name: &name,
                    cadre: &cadre,
                    description: &description,
                    currency: &currency,
                    terms_from,
                    terms,
                };
                service::create_programme(conn, &actor, &input)
            })
            .await;
        match result {
            Ok(_) => {
                visitor.flash("programme-created");
                return Ok(redirect("/funder"));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    let page = ProgrammeNewPage {
        values: ProgrammeValues { typed: &form, terms: TermsValues::Typed(&form.terms) },
        errors,
        cadres: &CADRES,
    };
    render_status(&state, &visitor, "funder/programme_new.html", &page, StatusCode::UNPROCESSABLE_ENTITY)
}

/// What the programme page shows again after a refused form: the terms form's or the cadre form's.
#[derive(Default)]
struct Refused<'a> {
    terms: Option<&'a TermsFields>,
    errors: FieldErrors,
    cadre_value: String,
    cadre_errors: FieldErrors,
    bond_errors: FieldErrors,
    /// The transfers-limit form's typed value and messages.
    limit: Option<(String, FieldErrors)>,
}

/// Terms in force from a date, in words.
#[derive(Serialize)]
struct TermsEntry {
    from: String,
    words: Vec<String>,
}

/// The form adding dated terms: from when, and the terms.
#[derive(Serialize)]
struct TermsFormValues<'a> {
    terms_from: String,
    terms: TermsValues<'a>,
}

#[derive(Serialize)]
struct ProgrammePage<'a> {
    programme: Programme,
    history: Vec<TermsEntry>,
    values: TermsFormValues<'a>,
    errors: FieldErrors,
    may_edit: bool,
    /// A cadre typed before the list existed matches no applicant's pick, so the page asks for one from it.
    cadre_off_list: bool,
    cadres: &'static [&'static str],
    cadre_errors: FieldErrors,
    cadre_value: String,
    bond: BondView,
    limit_value: String,
    limit_errors: FieldErrors,
}

/// The programme's bond: anywhere, or the counties of the registry that are ticked.
#[derive(Serialize)]
struct BondView {
    anywhere: bool,
    counties: Vec<(String, bool)>,
    errors: FieldErrors,
}

async fn programme_page_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    refused: Refused<'_>,
    status: StatusCode,
) -> PageResult {
    let Refused { terms, errors, cadre_value, cadre_errors, bond_errors, limit } = refused;
    let actor = visitor.actor()?;
    let check = actor.clone();
    let ((programme, history), registry) = state
        .db
        .run(move |conn| {
            let read = service::readable_programme(conn, &check, id)?;
            Ok((read, crate::service::placement_cycles::registry_counties(conn)?))
        })
        .await?;
    let bonded = crate::service::placement_cycles::counties_of(programme.bond_counties.as_deref());
    let bond = BondView {
        anywhere: bonded.is_none(),
        counties: registry
            .into_iter()
            .map(|c| {
                let ticked = bonded.as_ref().is_some_and(|b| b.contains(&c));
                (c, ticked)
            })
            .collect(),
        errors: bond_errors,
    };
    let history_view = history
        .iter()
        .map(|(from, terms)| TermsEntry {
            from: from.to_string(),
            words: crate::web::public::calls::terms_in_words(&state.i18n, &visitor.lang, terms, &programme.currency),
        })
        .collect();
    let values = match terms {
        Some(typed) => TermsFormValues { terms_from: typed.terms_from.clone(), terms: TermsValues::Typed(typed) },
        None => {
            let latest = history.first().map(|(_, t)| t.clone()).unwrap_or_else(ProgrammeTerms::typical);
            TermsFormValues {
                terms_from: chrono::Utc::now().date_naive().to_string(),
                terms: TermsValues::Shown(ShownTerms::of(latest, &programme.currency, &visitor.lang)),
            }
        }
    };
    let (limit_value, limit_errors) = limit
        .unwrap_or_else(|| (programme.max_transfers.map(|n| n.to_string()).unwrap_or_default(), FieldErrors::new()));
    let page = ProgrammePage {
        limit_value,
        limit_errors,
        cadre_off_list: !CADRES.contains(&programme.cadre.as_str()),
        programme,
        history: history_view,
        values,
        errors,
        may_edit: actor.role == Role::ProgrammeOfficer,
        cadres: &CADRES,
        cadre_errors,
        cadre_value,
        bond,
    };
    render_status(state, visitor, "funder/programme.html", &page, status)
}

pub(super) async fn programme_page(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    programme_page_with(&state, &visitor, path.into_inner(), Refused::default(), StatusCode::OK).await
}

/// The programme's cadre, picked from the list; every field defaults so that a form missing one is
/// refused next to the field, after the organisation check, not with a bare 400 before it.
#[derive(Debug, Deserialize, Validate)]
pub(super) struct CadreForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    #[validate(length(min = 1, message = "error-required"), custom(function = "cadre_on_the_list"))]
    cadre: String,
}

fn cadre_on_the_list(cadre: &str) -> Result<(), ValidationError> {
    if cadre.is_empty() || CADRES.contains(&cadre) {
        Ok(())
    } else {
        Err(ValidationError::new("cadre").with_message("error-cadre-unknown".into()))
    }
}

/// Replaces a programme's cadre typed before the list with one from it.
pub(super) async fn set_cadre(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<CadreForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    // Who may act comes before what they typed, so a refused form never shows another funder's programme.
    let check = actor.clone();
    state.db.run(move |conn| service::managed_programme(conn, &check, id)).await?;
    let form = CadreForm { cadre: form.cadre.trim().to_string(), ..form.into_inner() };
    let mut errors = form.validate().err().map(crate::web::form::validator_errors).unwrap_or_default();
    if errors.is_empty() {
        let cadre = form.cadre.clone();
        match state.db.run(move |conn| service::set_programme_cadre(conn, &actor, id, &cadre)).await {
            Ok(()) => {
                visitor.flash("programme-cadre-set");
                return Ok(redirect(&format!("/funder/programmes/{id}")));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    let refused = Refused { cadre_value: form.cadre, cadre_errors: errors, ..Refused::default() };
    programme_page_with(&state, &visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The form adding dated terms as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TermsForm {
    csrf_token: String,
    #[serde(flatten)]
    terms: TermsFields,
}

pub(super) async fn add_terms(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<TermsForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    let currency = state.db.run(move |conn| service::managed_programme(conn, &check, id)).await?.currency;
    let mut errors = FieldErrors::new();
    let terms = form.terms.terms(&currency, &visitor.lang, &mut errors);
    let from = noted(read_date(&form.terms.terms_from), "terms_from", &mut errors);
    if errors.is_empty() {
        match state.db.run(move |conn| service::add_terms(conn, &actor, id, from, &terms)).await {
            Ok(()) => {
                visitor.flash("terms-added");
                return Ok(redirect(&format!("/funder/programmes/{id}")));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    let refused = Refused { terms: Some(&form.terms), errors, ..Refused::default() };
    programme_page_with(&state, &visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The bond form: "anywhere", or the counties ticked (checkboxes named `county:<name>`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct BondForm {
    csrf_token: String,
    bond: String,
    #[serde(flatten)]
    ticked: std::collections::HashMap<String, String>,
}

/// Sets where the programme's scholars may serve (programme officers of the funder).
pub(super) async fn set_bond(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<BondForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let check = actor.clone();
    state.db.run(move |conn| service::managed_programme(conn, &check, id)).await?;
    let anywhere = form.bond != "counties";
    let counties: Vec<String> =
        form.ticked.keys().filter_map(|k| k.strip_prefix("county:")).map(String::from).collect();
    let result = state
        .db
        .run(move |conn| crate::service::placement_cycles::set_bond_counties(conn, &actor, id, anywhere, &counties))
        .await;
    match result {
        Ok(()) => {
            visitor.flash("bond-saved");
            Ok(redirect(&format!("/funder/programmes/{id}")))
        }
        Err(AppError::Validation(bond_errors)) => {
            let refused = Refused { bond_errors, ..Refused::default() };
            programme_page_with(&state, &visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct TransfersLimitForm {
    csrf_token: String,
    max_transfers: String,
}

/// Sets how many transfers in service the programme allows (programme officers of the funder).
pub(super) async fn set_transfers_limit(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<TransfersLimitForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let typed = form.max_transfers.clone();
    let result = state.db.run(move |conn| crate::service::transfers::set_limit(conn, &actor, id, &typed)).await;
    match result {
        Ok(()) => {
            visitor.flash("transfer-limit-saved");
            Ok(redirect(&format!("/funder/programmes/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            let refused = Refused { limit: Some((form.max_transfers.clone(), errors)), ..Refused::default() };
            programme_page_with(&state, &visitor, id, refused, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
