//! A step's fields read onto the stored answers, each in its one stored form or refused next to the field.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::steps::StepForm;
use crate::domain::application::{ApplicationAnswers, FormStep};
use crate::domain::cadre::canonical_cadre;
use crate::domain::contact::{normalise_national_id, normalise_phone, ContactRules};
use crate::domain::money::parse_amount_in;
use crate::domain::place;
use crate::error::FieldErrors;

fn parse_date(text: &str, field: &str, errors: &mut FieldErrors) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.insert(field.into(), "error-date".into());
            None
        }
    }
}

/// A filled field in its one stored form, or, when it has the wrong shape or is off its list, the error
/// next to it (and what was typed, to show again). An empty field is a gap that the completeness check reports.
fn checked(
    field: &str,
    typed: String,
    errors: &mut FieldErrors,
    check: impl Fn(&str) -> Result<String, &'static str>,
) -> String {
    if typed.is_empty() {
        return typed;
    }
    check(&typed).unwrap_or_else(|key| {
        errors.insert(field.into(), key.into());
        typed
    })
}

/// Applies the fields of one step onto the stored answers; fields of other steps are left alone.
pub(super) fn apply_step(
    step: FormStep,
    form: &StepForm,
    mut a: ApplicationAnswers,
    questions: &mut BTreeMap<String, bool>,
    currency: &str,
    rules: &ContactRules,
    lang: &str,
) -> (ApplicationAnswers, FieldErrors) {
    let mut errors = FieldErrors::new();
    let text = |typed: &Option<String>, max: usize| {
        typed.as_deref().map(|v| v.trim().chars().take(max).collect::<String>()).unwrap_or_default()
    };
    match step {
        FormStep::Personal => {
            a.full_name = text(&form.full_name, 200);
            a.date_of_birth = parse_date(&text(&form.date_of_birth, 20), "date_of_birth", &mut errors);
            a.national_id = checked("national_id", text(&form.national_id, 50), &mut errors, |t| {
                normalise_national_id(t, &rules.national_id_digits)
            });
            a.phone = checked("phone", text(&form.phone, 40), &mut errors, |t| normalise_phone(t, &rules.phone));
        }
        FormStep::Education => {
            a.institution = text(&form.institution, 200);
            a.cadre = checked("cadre", text(&form.cadre, 60), &mut errors, |t| {
                canonical_cadre(t).map(String::from).ok_or("error-cadre-unknown")
            });
            let year = text(&form.year_of_study, 5);
            a.year_of_study = if year.is_empty() {
                None
            } else {
                match year.parse() {
                    Ok(y) => Some(y),
                    Err(_) => {
                        errors.insert("year_of_study".into(), "error-number".into());
                        None
                    }
                }
            };
            a.expected_graduation =
                parse_date(&text(&form.expected_graduation, 20), "expected_graduation", &mut errors);
            let tuition = text(&form.annual_tuition, 30);
            a.annual_tuition_minor = if tuition.is_empty() {
                None
            } else {
                match parse_amount_in(&tuition, currency, lang) {
                    Ok(m) => Some(m),
                    Err(key) => {
                        errors.insert("annual_tuition".into(), key.into());
                        None
                    }
                }
            };
            a.enrolled_full_time = match text(&form.enrolled_full_time, 5).as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            };
        }
        FormStep::Home => {
            let (county, sub_county) = (text(&form.home_county, 100), text(&form.home_sub_county, 100));
            match place::check_home(&county, &sub_county) {
                Ok((county, sub_county)) => {
                    a.home_county = county;
                    a.home_sub_county = sub_county;
                }
                Err((field, key)) => {
                    // Only a checked pair is ever stored: a sub-county without its county (a gap the draft
                    // may keep) is dropped with it; the form shows what was typed.
                    errors.insert(field.into(), key.into());
                    a.home_county = String::new();
                    a.home_sub_county = String::new();
                }
            }
        }
        FormStep::Essays => {
            // Generous character cap; the word limit is the rule the applicant sees.
            a.essay_motivation = text(&form.essay_motivation, 20_000);
            a.essay_rural_service = text(&form.essay_rural_service, 20_000);
        }
        FormStep::Eligibility => {
            // Nothing is ticked for the applicant: an unanswered priority question is asked again, and
            // submission waits until both have been answered.
            let mut both_answered = true;
            for (name, typed, answer) in [
                ("continuing_scholar", &form.continuing_scholar, &mut a.continuing_scholar),
                ("disadvantaged_background", &form.disadvantaged_background, &mut a.disadvantaged_background),
            ] {
                match text(typed, 5).as_str() {
                    "yes" => *answer = true,
                    "no" => *answer = false,
                    _ => {
                        both_answered = false;
                        errors.insert(name.into(), "error-required".into());
                    }
                }
            }
            a.priority_answered |= both_answered;
            for (key, value) in form.question_answers() {
                match value {
                    "yes" => {
                        questions.insert(key.to_string(), true);
                    }
                    "no" => {
                        questions.insert(key.to_string(), false);
                    }
                    _ => {}
                }
            }
        }
        FormStep::Documents => {}
    }
    (a, errors)
}
