//! A draft's numbered steps: each step's page, marked done or missing, and saving it.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::answers::apply_step;
use crate::domain::application::{step_errors, steps_done, FormStep, ESSAY_MAX_WORDS};
use crate::domain::cadre::CADRES;
use crate::domain::money::format_major_in;
use crate::domain::place::{self, County};
use crate::error::{AppError, FieldErrors};
use crate::service::applications::{self as service, Application, ApplicationFile, Call, Document};
use crate::service::documents::MAX_UPLOAD_BYTES;
use crate::service::programmes::DOCUMENT_KINDS;
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

/// What the step page shows.
#[derive(Serialize)]
pub(super) struct StepPage {
    id: i64,
    version: i32,
    step: &'static str,
    /// The current step's number, from 1.
    number: usize,
    steps: Vec<StepMark>,
    call_title: String,
    values: BTreeMap<String, String>,
    errors: FieldErrors,
    questions: Vec<Question>,
    documents: Vec<Document>,
    document_kinds: Vec<DocumentKind>,
    /// The documents step's checklist: every required document, then any other uploaded, with its file.
    checklist: Vec<ChecklistItem>,
    essay_max_words: usize,
    max_upload_mb: usize,
    /// The choices of the home step (county, then sub-counties grouped by county) and the education step.
    counties: &'static [County],
    cadres: &'static [&'static str],
}

/// One step in the numbered list, marked done or still missing something.
#[derive(Serialize)]
pub(super) struct StepMark {
    name: &'static str,
    number: usize,
    done: bool,
}

/// One of the call's eligibility questions, in the reader's language.
#[derive(Serialize)]
struct Question {
    key: String,
    text: String,
}

/// A kind of document the upload form offers, marked when the call requires it.
#[derive(Serialize)]
struct DocumentKind {
    kind: &'static str,
    label: String,
    required: bool,
}

#[derive(Serialize)]
struct ChecklistItem {
    label: String,
    required: bool,
    uploaded: Option<Document>,
}

/// Something that still blocks submission, in words, with the step where it is put right.
#[derive(Serialize)]
pub(super) struct Blocker {
    label: String,
    message: String,
    step: Option<&'static str>,
    number: usize,
}

pub(super) fn step_marks(blockers: &FieldErrors) -> Vec<StepMark> {
    steps_done(blockers)
        .into_iter()
        .map(|(step, done)| StepMark { name: step.as_str(), number: step.number(), done })
        .collect()
}

fn document_label(state: &AppState, lang: &str, kind: &str) -> String {
    state.i18n.t(lang, &format!("doc-{}", kind.replace('_', "-")))
}

/// What blocks submission, in the reader's language: each field by its label (a question by its text, a
/// document by its name), never by its internal key, in the order of the steps.
pub(super) fn blockers_in_words(state: &AppState, lang: &str, call: &Call, blockers: &FieldErrors) -> Vec<Blocker> {
    let questions = call.questions();
    let mut list: Vec<Blocker> = blockers
        .iter()
        .map(|(field, key)| {
            let step = FormStep::of_field(field);
            let label = if let Some(q) = field.strip_prefix("question_") {
                questions.iter().find(|x| x.key == q).map(|x| state.i18n.question(lang, x)).unwrap_or_default()
            } else if let Some(kind) = field.strip_prefix("document_") {
                document_label(state, lang, kind)
            } else if step.is_some() {
                state.i18n.t(lang, &format!("field-{}", field.replace('_', "-")))
            } else {
                String::new()
            };
            Blocker {
                label,
                message: state.i18n.t(lang, key),
                step: step.map(FormStep::as_str),
                number: step.map_or(0, FormStep::number),
            }
        })
        .collect();
    list.sort_by_key(|b| b.number);
    list
}

/// The form's values. The priority questions (continuing scholar, background of need) show no answer until
/// the applicant has given one: a pre-ticked "no" would be an answer nobody gave.
fn values_of(a: &Application, call: &Call, lang: &str) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    v.insert("full_name".into(), a.full_name.clone());
    v.insert("date_of_birth".into(), date(a.date_of_birth));
    v.insert("national_id".into(), a.national_id.clone());
    v.insert("phone".into(), a.phone.clone());
    v.insert("institution".into(), a.institution.clone());
    v.insert("cadre".into(), a.cadre.clone());
    v.insert("year_of_study".into(), a.year_of_study.map(|y| y.to_string()).unwrap_or_default());
    v.insert("expected_graduation".into(), date(a.expected_graduation));
    v.insert(
        "annual_tuition".into(),
        a.annual_tuition_minor.map(|m| format_major_in(m, &call.currency, lang)).unwrap_or_default(),
    );
    v.insert(
        "enrolled_full_time".into(),
        a.enrolled_full_time.map(|b| if b { "yes" } else { "no" }.to_string()).unwrap_or_default(),
    );
    v.insert("home_county".into(), a.home_county.clone());
    v.insert("home_sub_county".into(), a.home_sub_county.clone());
    v.insert("essay_motivation".into(), a.essay_motivation.clone());
    v.insert("essay_rural_service".into(), a.essay_rural_service.clone());
    let yes_no = |b: bool| {
        if a.priority_answered {
            if b {
                "yes"
            } else {
                "no"
            }
        } else {
            ""
        }
        .to_string()
    };
    v.insert("continuing_scholar".into(), yes_no(a.continuing_scholar));
    v.insert("disadvantaged_background".into(), yes_no(a.disadvantaged_background));
    // Every question has a value, answered or not, so that the form can show it unticked.
    for q in call.questions() {
        v.insert(format!("question_{}", q.key), String::new());
    }
    for (k, answer) in a.question_answers() {
        v.insert(format!("question_{k}"), if answer { "yes" } else { "no" }.into());
    }
    v
}

/// The form's values of an application being filled (see `values_of`).
pub(super) fn form_values(file: &ApplicationFile, lang: &str) -> BTreeMap<String, String> {
    values_of(&file.application, &file.call, lang)
}

pub(super) async fn load_step(state: &AppState, visitor: &Visitor, id: i64) -> Result<ApplicationFile, AppError> {
    let actor = visitor.actor()?;
    let contact = state.config.contact.clone();
    state.db.run(move |conn| service::own_file(conn, &actor, id, &contact)).await
}

pub(super) fn step_page(
    state: &AppState,
    visitor: &Visitor,
    draft: ApplicationFile,
    step: FormStep,
    values: BTreeMap<String, String>,
    errors: FieldErrors,
) -> StepPage {
    let ApplicationFile { application: a, call, documents, blockers } = draft;
    let required = call.required_document_kinds();
    let lang = visitor.lang.as_str();
    let uploaded = |kind: &str| documents.iter().find(|d| d.kind == kind).cloned();
    let checklist = required
        .iter()
        .map(|kind| ChecklistItem {
            label: document_label(state, lang, kind),
            required: true,
            uploaded: uploaded(kind),
        })
        .chain(documents.iter().filter(|d| !required.contains(&d.kind)).map(|d| ChecklistItem {
            label: document_label(state, lang, &d.kind),
            required: false,
            uploaded: Some(d.clone()),
        }))
        .collect();
    StepPage {
        id: a.id,
        version: a.version,
        step: step.as_str(),
        number: step.number(),
        steps: step_marks(&blockers),
        checklist,
        call_title: call.title.clone(),
        values,
        errors,
        questions: call
            .questions()
            .iter()
            .map(|q| Question { text: state.i18n.question(&visitor.lang, q), key: q.key.clone() })
            .collect(),
        documents,
        document_kinds: DOCUMENT_KINDS
            .iter()
            .map(|k| DocumentKind {
                kind: k,
                label: document_label(state, lang, k),
                required: required.iter().any(|r| r == k),
            })
            .collect(),
        essay_max_words: ESSAY_MAX_WORDS,
        max_upload_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        counties: place::counties(),
        cadres: &CADRES,
    }
}

pub(super) async fn step_form(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, String)>,
) -> PageResult {
    let (id, step_name) = path.into_inner();
    let step = FormStep::parse(&step_name).ok_or(AppError::NotFound)?;
    let draft = load_step(&state, &visitor, id).await?;
    if draft.application.status != "draft" {
        return Ok(redirect(&format!("/applications/{id}")));
    }
    let values = form_values(&draft, &visitor.lang);
    let page = step_page(&state, &visitor, draft, step, values, FieldErrors::new());
    render(&state, &visitor, "applicant/step.html", &page)
}

/// One step of the application form. Each step sends only its own fields, so each is optional: one the step
/// did not send is neither saved nor shown again in place of the stored answer. The eligibility step's
/// questions are as many as the call asks, each sent as `question_<key>`: they are the fields no name here
/// matches, read through `question_answers`.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
pub(super) struct StepForm {
    csrf_token: String,
    version: Option<String>,
    /// "Save draft": keep the step's gaps for later instead of moving on.
    save_only: Option<String>,
    pub(super) full_name: Option<String>,
    pub(super) date_of_birth: Option<String>,
    pub(super) national_id: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) institution: Option<String>,
    pub(super) cadre: Option<String>,
    pub(super) year_of_study: Option<String>,
    pub(super) expected_graduation: Option<String>,
    pub(super) annual_tuition: Option<String>,
    pub(super) enrolled_full_time: Option<String>,
    pub(super) home_county: Option<String>,
    pub(super) home_sub_county: Option<String>,
    pub(super) essay_motivation: Option<String>,
    pub(super) essay_rural_service: Option<String>,
    pub(super) continuing_scholar: Option<String>,
    pub(super) disadvantaged_background: Option<String>,
    #[serde(flatten)]
    others: BTreeMap<String, String>,
}

impl StepForm {
    /// The call's questions as answered on the form, by question key.
    pub(super) fn question_answers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.others.iter().filter_map(|(name, value)| Some((name.strip_prefix("question_")?, value.as_str())))
    }

    /// What was typed, by field name, to show the step again (the token and the version are not values).
    fn typed(&self) -> BTreeMap<String, String> {
        let named = [
            ("save_only", &self.save_only),
            ("full_name", &self.full_name),
            ("date_of_birth", &self.date_of_birth),
            ("national_id", &self.national_id),
            ("phone", &self.phone),
            ("institution", &self.institution),
            ("cadre", &self.cadre),
            ("year_of_study", &self.year_of_study),
            ("expected_graduation", &self.expected_graduation),
            ("annual_tuition", &self.annual_tuition),
            ("enrolled_full_time", &self.enrolled_full_time),
            ("home_county", &self.home_county),
            ("home_sub_county", &self.home_sub_county),
            ("essay_motivation", &self.essay_motivation),
            ("essay_rural_service", &self.essay_rural_service),
            ("continuing_scholar", &self.continuing_scholar),
            ("disadvantaged_background", &self.disadvantaged_background),
        ];
        let sent = named.into_iter().filter_map(|(name, value)| Some((name.to_string(), value.clone()?)));
        sent.chain(self.others.clone()).collect()
    }
}

pub(super) async fn save_step(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, String)>,
    form: web::Form<StepForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let (id, step_name) = path.into_inner();
    let step = FormStep::parse(&step_name).ok_or(AppError::NotFound)?;
    let ApplicationFile { application, call, .. } = load_step(&state, &visitor, id).await?;
    let version: i32 = form.version.as_deref().and_then(|v| v.parse().ok()).unwrap_or(application.version);
    let mut questions: BTreeMap<String, bool> = application.question_answers().into_iter().collect();
    let (answers, mut errors) = apply_step(
        step,
        &form,
        application.answers(),
        &mut questions,
        &call.currency,
        &state.config.contact,
        &visitor.lang,
    );
    if errors.values().any(|key| key != "error-required") {
        // A value of the wrong shape or off the lists is refused outright (nothing of the step is saved), so
        // that only checked values reach the funder's filters and exports; the step's gaps are shown with it.
        for (field, key) in step_errors(step, &answers, chrono::Utc::now().date_naive()) {
            errors.entry(field).or_insert(key);
        }
        return reshow_step(&state, &visitor, id, step, &form, errors).await;
    }
    let actor = visitor.actor()?;
    let (a2, q2) = (answers.clone(), questions.clone());
    let gaps = state.db.run(move |conn| service::save_step(conn, &actor, id, version, step, &a2, &q2)).await?;
    for (field, key) in gaps {
        errors.entry(field).or_insert(key);
    }
    // Unanswered questions are gaps of the eligibility step.
    if step == FormStep::Eligibility {
        for q in call.questions() {
            if !questions.contains_key(&q.key) {
                errors.insert(format!("question_{}", q.key), "error-required".into());
            }
        }
    }
    // "Save draft" leaves gaps for later, but never a value that was refused (a date out of bounds, say).
    let only_gaps = errors.values().all(|key| key == "error-required");
    let save_only = form.save_only.is_some();
    if errors.is_empty() || (save_only && only_gaps) {
        visitor.flash("draft-saved");
        let next = if save_only { Some(step) } else { step.next() };
        let to = match next {
            Some(s) => format!("/applications/{id}/step/{}", s.as_str()),
            None => format!("/applications/{id}"),
        };
        return Ok(redirect(&to));
    }
    // The draft is saved; its gaps are shown next to the fields.
    reshow_step(&state, &visitor, id, step, &form, errors).await
}

/// Re-shows a step with what was typed and the errors next to the fields.
async fn reshow_step(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    step: FormStep,
    form: &StepForm,
    errors: FieldErrors,
) -> PageResult {
    let reloaded = load_step(state, visitor, id).await?;
    let mut values = form_values(&reloaded, &visitor.lang);
    values.extend(form.typed());
    let page = step_page(state, visitor, reloaded, step, values, errors);
    render_status(state, visitor, "applicant/step.html", &page, StatusCode::UNPROCESSABLE_ENTITY)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;
    use actix_web::{web, FromRequest};

    use super::StepForm;

    async fn read(body: &'static str) -> StepForm {
        let (req, mut payload) = TestRequest::post()
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(body)
            .to_http_parts();
        web::Form::<StepForm>::from_request(&req, &mut payload).await.expect("the step form reads").into_inner()
    }

    #[actix_web::test]
    async fn the_step_form_reads_the_calls_questions_beside_its_named_fields() {
        let form = read("csrf_token=t&version=3&full_name=Amina&question_nursing=yes&question_debt=no").await;
        assert_eq!(form.csrf_token, "t");
        assert_eq!(form.full_name.as_deref(), Some("Amina"));
        assert_eq!(form.phone, None);
        let questions: Vec<_> = form.question_answers().collect();
        assert_eq!(questions, [("debt", "no"), ("nursing", "yes")]);
        assert!(!form.typed().contains_key("csrf_token"));
        assert!(!form.typed().contains_key("version"));
    }

    #[actix_web::test]
    async fn an_empty_step_form_reads_as_nothing_sent_rather_than_a_malformed_request() {
        let form = read("").await;
        assert_eq!(form.csrf_token, "");
        assert!(form.typed().is_empty());
    }
}
