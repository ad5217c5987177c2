//! An application to a call: its states, the steps of its form, what "complete" means, and its
//! reference number.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::cadre::canonical_cadre;
use super::place;
use super::{dates, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    Draft,
    Submitted,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 3] =
        [ApplicationStatus::Draft, ApplicationStatus::Submitted, ApplicationStatus::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Draft => "draft",
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<ApplicationStatus> {
        ApplicationStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Only a draft can be edited: submission locks the record.
    pub fn is_editable(self) -> bool {
        self == ApplicationStatus::Draft
    }
}

/// What the applicant (or, later, the funder) does to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationAction {
    Submit,
    Withdraw,
}

/// The application state machine: every allowed move, and a refusal for the rest.
pub fn next_status(from: ApplicationStatus, action: ApplicationAction) -> Result<ApplicationStatus, &'static str> {
    use ApplicationAction::*;
    use ApplicationStatus::*;
    match (from, action) {
        (Draft, Submit) => Ok(Submitted),
        // A draft has no reference and nobody but its applicant has seen it: it is deleted, not withdrawn.
        (Draft, Withdraw) => Err("error-draft-delete-instead"),
        (Submitted, Withdraw) => Ok(Withdrawn),
        (Submitted, Submit) => Err("error-already-submitted"),
        (Withdrawn, _) => Err("error-withdrawn"),
    }
}

/// Only a draft may be deleted: once submitted, the funder holds it and it can only be withdrawn.
pub fn may_delete(status: ApplicationStatus) -> Result<(), &'static str> {
    match status {
        ApplicationStatus::Draft => Ok(()),
        ApplicationStatus::Submitted => Err("error-submitted-withdraw-instead"),
        ApplicationStatus::Withdrawn => Err("error-withdrawn"),
    }
}

/// The steps of the form, in order. Each saves a draft on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormStep {
    Personal,
    Education,
    Home,
    Essays,
    Eligibility,
    Documents,
}

impl FormStep {
    pub const ALL: [FormStep; 6] = [
        FormStep::Personal,
        FormStep::Education,
        FormStep::Home,
        FormStep::Essays,
        FormStep::Eligibility,
        FormStep::Documents,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FormStep::Personal => "personal",
            FormStep::Education => "education",
            FormStep::Home => "home",
            FormStep::Essays => "essays",
            FormStep::Eligibility => "eligibility",
            FormStep::Documents => "documents",
        }
    }

    pub fn parse(s: &str) -> Option<FormStep> {
        FormStep::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn next(self) -> Option<FormStep> {
        let i = FormStep::ALL.iter().position(|s| *s == self)?;
        FormStep::ALL.get(i + 1).copied()
    }

    /// The step's number as the applicant sees it, from 1.
    pub fn number(self) -> usize {
        FormStep::ALL.iter().position(|s| *s == self).map_or(0, |i| i + 1)
    }

    /// The step where a field of the form (as named in [`submission_errors`]) is filled; `None` for what is
    /// not on the form (the call's dates).
    pub fn of_field(field: &str) -> Option<FormStep> {
        if field.starts_with("question_") || field == "continuing_scholar" || field == "disadvantaged_background" {
            return Some(FormStep::Eligibility);
        }
        if field.starts_with("document_") {
            return Some(FormStep::Documents);
        }
        match field {
            "full_name" | "date_of_birth" | "national_id" | "phone" => Some(FormStep::Personal),
            "institution"
            | "cadre"
            | "year_of_study"
            | "expected_graduation"
            | "annual_tuition"
            | "enrolled_full_time" => Some(FormStep::Education),
            "home_county" | "home_sub_county" => Some(FormStep::Home),
            "essay_motivation" | "essay_rural_service" => Some(FormStep::Essays),
            _ => None,
        }
    }
}

/// Whether each step is complete: a step is done when nothing that blocks submission belongs to it.
pub fn steps_done(blockers: &FieldErrors) -> Vec<(FormStep, bool)> {
    FormStep::ALL
        .iter()
        .map(|step| (*step, !blockers.keys().any(|field| FormStep::of_field(field) == Some(*step))))
        .collect()
}

/// Each essay is at most this many words.
pub const ESSAY_MAX_WORDS: usize = 500;

pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The applicant's answers, as the form holds them; every field may still be empty in a draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApplicationAnswers {
    pub full_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub national_id: String,
    pub phone: String,
    pub institution: String,
    pub cadre: String,
    pub year_of_study: Option<i32>,
    pub expected_graduation: Option<NaiveDate>,
    pub annual_tuition_minor: Option<i64>,
    pub enrolled_full_time: Option<bool>,
    pub home_county: String,
    pub home_sub_county: String,
    pub essay_motivation: String,
    pub essay_rural_service: String,
    /// Priority facts the applicant declares; the call's tiers may use them.
    pub continuing_scholar: bool,
    pub disadvantaged_background: bool,
    /// Whether the applicant has answered both priority questions: nothing is pre-ticked, so until then the
    /// two booleans above are no one's answer.
    pub priority_answered: bool,
}

fn require(errors: &mut FieldErrors, field: &str, present: bool) {
    if !present {
        errors.insert(field.to_string(), "error-required".to_string());
    }
}

/// What a step still lacks before the application can be submitted.
pub fn step_errors(step: FormStep, a: &ApplicationAnswers, today: NaiveDate) -> FieldErrors {
    let mut errors = FieldErrors::new();
    match step {
        FormStep::Personal => {
            require(&mut errors, "full_name", !a.full_name.trim().is_empty());
            require(&mut errors, "national_id", !a.national_id.trim().is_empty());
            require(&mut errors, "phone", !a.phone.trim().is_empty());
            match a.date_of_birth {
                None => require(&mut errors, "date_of_birth", false),
                Some(dob) if dob >= today => {
                    errors.insert("date_of_birth".into(), "error-date-in-future".into());
                }
                Some(_) => {}
            }
        }
        FormStep::Education => {
            require(&mut errors, "institution", !a.institution.trim().is_empty());
            require(&mut errors, "cadre", !a.cadre.trim().is_empty());
            // A cadre typed before the list existed must be picked again from it.
            if !a.cadre.trim().is_empty() && canonical_cadre(&a.cadre) != Some(a.cadre.as_str()) {
                errors.insert("cadre".into(), "error-cadre-unknown".into());
            }
            match a.year_of_study {
                None => require(&mut errors, "year_of_study", false),
                Some(y) if !(1..=8).contains(&y) => {
                    errors.insert("year_of_study".into(), "error-range-1-8".into());
                }
                Some(_) => {}
            }
            require(&mut errors, "expected_graduation", a.expected_graduation.is_some());
            require(&mut errors, "annual_tuition", a.annual_tuition_minor.is_some());
            require(&mut errors, "enrolled_full_time", a.enrolled_full_time.is_some());
        }
        FormStep::Home => {
            require(&mut errors, "home_county", !a.home_county.trim().is_empty());
            require(&mut errors, "home_sub_county", !a.home_sub_county.trim().is_empty());
            // A place typed before the lists existed, and not matched by the migration, must be picked again.
            if !a.home_county.is_empty() && place::canonical_county(&a.home_county) != Some(a.home_county.as_str()) {
                errors.insert("home_county".into(), "error-county-unknown".into());
            } else if !a.home_sub_county.is_empty() && !place::is_canonical_pair(&a.home_county, &a.home_sub_county) {
                errors.insert("home_sub_county".into(), "error-sub-county-not-in-county".into());
            }
        }
        FormStep::Essays => {
            for (field, text) in
                [("essay_motivation", &a.essay_motivation), ("essay_rural_service", &a.essay_rural_service)]
            {
                if text.trim().is_empty() {
                    require(&mut errors, field, false);
                } else if word_count(text) > ESSAY_MAX_WORDS {
                    errors.insert(field.to_string(), "error-too-many-words".into());
                }
            }
        }
        FormStep::Eligibility | FormStep::Documents => {}
    }
    errors
}

/// The answers' dates that lie outside their bounds, with the reason: a date of birth within a lifetime, an
/// expected graduation after today and within the programme's maximum years of support from the call's start
/// of support (or within reach of today when the programme has no terms in force).
pub fn date_errors(
    a: &ApplicationAnswers,
    today: NaiveDate,
    support_starts: NaiveDate,
    max_support_years: Option<i32>,
) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if let Some(Err(key)) = a.date_of_birth.map(|d| dates::check_date_of_birth(d, today)) {
        errors.insert("date_of_birth".into(), key.into());
    }
    let graduation = a.expected_graduation.map(|d| match max_support_years {
        Some(years) => dates::check_graduation(d, today, Some(support_starts), years),
        None => dates::check_within_reach(d, today),
    });
    if let Some(Err(key)) = graduation {
        errors.insert("expected_graduation".into(), key.into());
    }
    errors
}

/// Keeps the step's out-of-bounds dates out of the record: they are dropped from the answers and returned
/// as errors to show next to their fields.
pub fn drop_bad_dates(
    step: FormStep,
    mut a: ApplicationAnswers,
    today: NaiveDate,
    support_starts: NaiveDate,
    max_support_years: Option<i32>,
) -> (ApplicationAnswers, FieldErrors) {
    let mut errors = date_errors(&a, today, support_starts, max_support_years);
    errors.retain(|field, _| FormStep::of_field(field) == Some(step));
    if errors.contains_key("date_of_birth") {
        a.date_of_birth = None;
    }
    if errors.contains_key("expected_graduation") {
        a.expected_graduation = None;
    }
    (a, errors)
}

/// Everything besides the answers that decides whether an application may be submitted.
#[derive(Debug, Clone)]
pub struct SubmissionContext<'a> {
    pub questions: &'a [String],
    pub answered_questions: &'a [String],
    pub required_documents: &'a [String],
    pub uploaded_documents: &'a [String],
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
}

/// Why submission is refused, if it is: the closing time (checked on the server), and every missing piece.
pub fn submission_errors(answers: &ApplicationAnswers, ctx: &SubmissionContext, now: NaiveDateTime) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if now < ctx.opens_at {
        errors.insert("call".into(), "error-call-not-open".into());
    } else if now >= ctx.closes_at {
        errors.insert("call".into(), "error-call-closed".into());
    }
    for step in [FormStep::Personal, FormStep::Education, FormStep::Home, FormStep::Essays] {
        errors.extend(step_errors(step, answers, now.date()));
    }
    if !answers.priority_answered {
        errors.insert("continuing_scholar".into(), "error-required".into());
        errors.insert("disadvantaged_background".into(), "error-required".into());
    }
    for q in ctx.questions {
        if !ctx.answered_questions.contains(q) {
            errors.insert(format!("question_{q}"), "error-required".into());
        }
    }
    for kind in ctx.required_documents {
        if !ctx.uploaded_documents.contains(kind) {
            errors.insert(format!("document_{kind}"), "error-document-missing".into());
        }
    }
    errors
}

/// The receipt's reference: the funder's code, the intake year, and the application's number, e.g.
/// `MOH-2027-000123`. The number is the application's own id, so two submissions can never collide.
pub fn reference_number(organisation_code: &str, intake_year: i32, application_id: i64) -> String {
    format!("{organisation_code}-{intake_year}-{application_id:06}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApplicationAction::*;
    use ApplicationStatus::*;

    fn complete() -> ApplicationAnswers {
        ApplicationAnswers {
            full_name: "Achieng Otieno".into(),
            date_of_birth: NaiveDate::from_ymd_opt(2004, 3, 2),
            national_id: "31234567".into(),
            phone: "+254700000001".into(),
            institution: "KMTC Lodwar".into(),
            cadre: "nursing".into(),
            year_of_study: Some(1),
            expected_graduation: NaiveDate::from_ymd_opt(2029, 12, 1),
            annual_tuition_minor: Some(9_000_000),
            enrolled_full_time: Some(true),
            home_county: "Turkana".into(),
            home_sub_county: "Loima".into(),
            essay_motivation: "I grew up far from a clinic.".into(),
            essay_rural_service: "I will serve in Turkana.".into(),
            continuing_scholar: false,
            disadvantaged_background: true,
            priority_answered: true,
        }
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time")
    }

    #[test]
    fn every_allowed_transition() {
        assert_eq!(next_status(Draft, Submit), Ok(Submitted));
        assert_eq!(next_status(Submitted, Withdraw), Ok(Withdrawn));
    }

    #[test]
    fn a_draft_is_deleted_rather_than_withdrawn() {
        // A withdrawn row must carry a reference, which only submission gives.
        assert_eq!(next_status(Draft, Withdraw), Err("error-draft-delete-instead"));
        assert_eq!(may_delete(Draft), Ok(()));
        assert_eq!(may_delete(Submitted), Err("error-submitted-withdraw-instead"));
        assert_eq!(may_delete(Withdrawn), Err("error-withdrawn"));
    }

    #[test]
    fn every_refused_transition() {
        assert_eq!(next_status(Submitted, Submit), Err("error-already-submitted"));
        assert_eq!(next_status(Withdrawn, Submit), Err("error-withdrawn"));
        assert_eq!(next_status(Withdrawn, Withdraw), Err("error-withdrawn"));
    }

    #[test]
    fn only_drafts_are_editable() {
        assert!(Draft.is_editable());
        assert!(!Submitted.is_editable());
        assert!(!Withdrawn.is_editable());
    }

    #[test]
    fn steps_follow_in_order() {
        assert_eq!(FormStep::Personal.next(), Some(FormStep::Education));
        assert_eq!(FormStep::Documents.next(), None);
        assert_eq!(FormStep::parse("essays"), Some(FormStep::Essays));
    }

    #[test]
    fn every_field_that_can_block_submission_belongs_to_a_step() {
        let kinds = vec!["identity".to_string()];
        let q = vec!["citizen".to_string()];
        let ctx = SubmissionContext {
            questions: &q,
            answered_questions: &[],
            required_documents: &kinds,
            uploaded_documents: &[],
            opens_at: at("2026-11-01 00:00"),
            closes_at: at("2027-01-31 23:59"),
        };
        let errors = submission_errors(&ApplicationAnswers::default(), &ctx, at("2026-12-01 10:00"));
        assert!(errors.len() > 10, "{errors:?}");
        for field in errors.keys() {
            assert!(FormStep::of_field(field).is_some(), "{field} has no step");
        }
        assert_eq!(FormStep::of_field("call"), None);
        assert_eq!(FormStep::of_field("document_transcript"), Some(FormStep::Documents));
        assert_eq!(FormStep::Personal.number(), 1);
        assert_eq!(FormStep::Documents.number(), 6);
    }

    #[test]
    fn a_step_is_done_when_nothing_blocking_belongs_to_it() {
        let blockers: FieldErrors =
            [("home_county".to_string(), "error-required".to_string()), ("call".to_string(), "x".to_string())].into();
        let done = steps_done(&blockers);
        assert_eq!(done.len(), FormStep::ALL.len());
        assert!(done.contains(&(FormStep::Home, false)));
        assert!(done.contains(&(FormStep::Personal, true)));
    }

    #[test]
    fn a_graduation_date_beyond_the_years_of_support_is_dropped_with_its_reason() {
        let today = at("2026-12-03 10:00").date();
        let start = NaiveDate::from_ymd_opt(2027, 9, 1).expect("date");
        let far = ApplicationAnswers { expected_graduation: NaiveDate::from_ymd_opt(9999, 12, 31), ..complete() };
        let (kept, errors) = drop_bad_dates(FormStep::Education, far.clone(), today, start, Some(4));
        assert_eq!(kept.expected_graduation, None);
        assert_eq!(errors.get("expected_graduation").map(String::as_str), Some(dates::BEYOND_SUPPORT));
        // Another step's save leaves the date for its own step to report.
        let (kept, errors) = drop_bad_dates(FormStep::Home, far, today, start, Some(4));
        assert!(errors.is_empty() && kept.expected_graduation.is_some());
        let (kept, errors) = drop_bad_dates(FormStep::Education, complete(), today, start, Some(4));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(kept, complete());
        let old = ApplicationAnswers { date_of_birth: NaiveDate::from_ymd_opt(1850, 1, 1), ..complete() };
        let errors = date_errors(&old, today, start, None);
        assert_eq!(errors.get("date_of_birth").map(String::as_str), Some(dates::TOO_FAR_PAST));
    }

    #[test]
    fn an_essay_over_the_word_limit_is_refused() {
        let long = "word ".repeat(ESSAY_MAX_WORDS + 1);
        let answers = ApplicationAnswers { essay_motivation: long, ..complete() };
        let errors = step_errors(FormStep::Essays, &answers, at("2026-12-01 10:00").date());
        assert_eq!(errors.get("essay_motivation").map(String::as_str), Some("error-too-many-words"));
        let exactly = ApplicationAnswers { essay_motivation: "word ".repeat(ESSAY_MAX_WORDS), ..complete() };
        assert!(step_errors(FormStep::Essays, &exactly, at("2026-12-01 10:00").date()).is_empty());
    }

    #[test]
    fn a_complete_application_before_closing_may_be_submitted() {
        let kinds = vec!["identity".to_string()];
        let q = vec!["other_obligation".to_string()];
        let ctx = SubmissionContext {
            questions: &q,
            answered_questions: &q,
            required_documents: &kinds,
            uploaded_documents: &kinds,
            opens_at: at("2026-11-01 00:00"),
            closes_at: at("2027-01-31 23:59"),
        };
        let errors = submission_errors(&complete(), &ctx, at("2026-12-01 10:00"));
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn submission_after_closing_or_with_gaps_is_refused_with_each_reason() {
        let answers = ApplicationAnswers { home_county: String::new(), ..complete() };
        let required = vec!["identity".to_string(), "transcript".to_string()];
        let ctx = SubmissionContext {
            questions: &["other_obligation".to_string()],
            answered_questions: &[],
            required_documents: &required,
            uploaded_documents: &["identity".to_string()],
            opens_at: at("2026-11-01 00:00"),
            closes_at: at("2027-01-31 23:59"),
        };
        let errors = submission_errors(&answers, &ctx, at("2027-01-31 23:59"));
        assert_eq!(errors.get("call").map(String::as_str), Some("error-call-closed"));
        assert_eq!(errors.get("home_county").map(String::as_str), Some("error-required"));
        assert_eq!(errors.get("question_other_obligation").map(String::as_str), Some("error-required"));
        assert_eq!(errors.get("document_transcript").map(String::as_str), Some("error-document-missing"));
        assert!(!errors.contains_key("document_identity"));
    }

    #[test]
    fn a_place_or_cadre_off_the_lists_blocks_submission() {
        let today = at("2026-12-01 10:00").date();
        let typed = ApplicationAnswers { home_county: "Turkana County".into(), ..complete() };
        assert_eq!(
            step_errors(FormStep::Home, &typed, today).get("home_county").map(String::as_str),
            Some("error-county-unknown")
        );
        let elsewhere = ApplicationAnswers { home_sub_county: "Kibra".into(), ..complete() };
        assert_eq!(
            step_errors(FormStep::Home, &elsewhere, today).get("home_sub_county").map(String::as_str),
            Some("error-sub-county-not-in-county")
        );
        let cadre = ApplicationAnswers { cadre: "Nurse".into(), ..complete() };
        assert_eq!(
            step_errors(FormStep::Education, &cadre, today).get("cadre").map(String::as_str),
            Some("error-cadre-unknown")
        );
        assert!(step_errors(FormStep::Home, &complete(), today).is_empty());
    }

    #[test]
    fn references_carry_funder_year_and_number() {
        assert_eq!(reference_number("MOH", 2027, 123), "MOH-2027-000123");
        assert_eq!(reference_number("AMREF", 2027, 1_234_567), "AMREF-2027-1234567");
    }
}
