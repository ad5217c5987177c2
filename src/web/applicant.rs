//! The applicant's pages: their applications, the form in steps, uploads, submission and receipt, and the
//! application page that funder staff also read.

use std::collections::{BTreeMap, HashMap};

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use futures_util::StreamExt;
use serde::Serialize;

use super::page::{redirect, render, render_status, PageError, PageResult, Visitor};
use super::AppState;
use crate::domain::application::{
    step_errors, steps_done, ApplicationAnswers, ApplicationStatus, FormStep, ESSAY_MAX_WORDS,
};
use crate::domain::cadre::{canonical_cadre, CADRES};
use crate::domain::contact::{normalise_national_id, normalise_phone, ContactRules};
use crate::domain::money::{format_amount_in, format_major_in, parse_amount_in};
use crate::domain::place::{self, County};
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::service::applications as service;
use crate::service::documents::{self, MAX_UPLOAD_BYTES};
use crate::service::programmes::DOCUMENT_KINDS;
use crate::store::applications::{self as store, Application, Document, StatusEvent};
use crate::store::programmes::{self as programmes, Call};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/my/applications", web::get().to(my_applications))
        .route("/calls/{id}/apply", web::post().to(apply))
        .route("/applications/{id}", web::get().to(view))
        .route("/applications/{id}/step/{step}", web::get().to(step_form))
        .route("/applications/{id}/step/{step}", web::post().to(save_step))
        .route("/applications/{id}/documents", web::post().to(upload))
        .route("/applications/{id}/submit", web::post().to(submit))
        .route("/applications/{id}/withdraw", web::get().to(confirm_withdraw))
        .route("/applications/{id}/withdraw", web::post().to(withdraw))
        .route("/applications/{id}/delete", web::get().to(confirm_delete))
        .route("/applications/{id}/delete", web::post().to(delete_draft))
        .route("/documents/{id}", web::get().to(download));
}

type Form = web::Form<HashMap<String, String>>;

async fn my_applications(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = visitor.actor()?;
    actor.require(&[Role::Applicant])?;
    let rows = state.db.run(move |conn| store::of_applicant(conn, actor.user_id)).await?;
    let items: Vec<_> = rows
        .into_iter()
        .map(|(a, title, _)| serde_json::json!({"id": a.id, "reference": a.reference, "status": a.status, "call": title}))
        .collect();
    render(&state, &visitor, "applicant/list.html", &serde_json::json!({"applications": items}))
}

async fn apply(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = visitor.actor()?;
    let call_id = path.into_inner();
    let id = state.db.run(move |conn| service::start(conn, &actor, call_id)).await?;
    Ok(redirect(&format!("/applications/{id}/step/personal")))
}

/// What the step page shows.
#[derive(Serialize)]
struct StepPage {
    id: i64,
    version: i32,
    step: &'static str,
    /// The current step's number, from 1.
    number: usize,
    steps: Vec<StepMark>,
    call_title: String,
    values: BTreeMap<String, String>,
    errors: FieldErrors,
    questions: Vec<serde_json::Value>,
    documents: Vec<Document>,
    document_kinds: Vec<serde_json::Value>,
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
struct StepMark {
    name: &'static str,
    number: usize,
    done: bool,
}

#[derive(Serialize)]
struct ChecklistItem {
    label: String,
    required: bool,
    uploaded: Option<Document>,
}

/// Something that still blocks submission, in words, with the step where it is put right.
#[derive(Serialize)]
struct Blocker {
    label: String,
    message: String,
    step: Option<&'static str>,
    number: usize,
}

fn step_marks(blockers: &FieldErrors) -> Vec<StepMark> {
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
fn blockers_in_words(state: &AppState, lang: &str, call: &Call, blockers: &FieldErrors) -> Vec<Blocker> {
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

/// An application being filled, with its call and documents.
struct Draft {
    application: Application,
    call: Call,
    documents: Vec<Document>,
    /// What still blocks submission (empty once submitted: nothing is asked of it any more).
    blockers: FieldErrors,
}

impl Draft {
    fn values(&self, lang: &str) -> BTreeMap<String, String> {
        values_of(&self.application, &self.call, lang)
    }
}

async fn load_step(state: &AppState, visitor: &Visitor, id: i64) -> Result<Draft, AppError> {
    let actor = visitor.actor()?;
    let contact = state.config.contact.clone();
    state
        .db
        .run(move |conn| {
            let application = service::own(conn, &actor, id)?;
            let call = programmes::find_call(conn, application.call_id)?;
            let documents = store::documents(conn, id)?;
            let blockers = if application.status == "draft" {
                service::blockers(conn, &application, &contact)?
            } else {
                FieldErrors::new()
            };
            Ok(Draft { application, call, documents, blockers })
        })
        .await
}

fn step_page(
    state: &AppState,
    visitor: &Visitor,
    draft: Draft,
    step: FormStep,
    values: BTreeMap<String, String>,
    errors: FieldErrors,
) -> StepPage {
    let Draft { application: a, call, documents, blockers, .. } = draft;
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
            .map(|q| serde_json::json!({"key": q.key, "text": state.i18n.question(&visitor.lang, q)}))
            .collect(),
        documents,
        document_kinds: DOCUMENT_KINDS
            .iter()
            .map(|k| serde_json::json!({"kind": k, "label": state.i18n.t(&visitor.lang, &format!("doc-{}", k.replace('_', "-"))), "required": required.iter().any(|r| r == k)}))
            .collect(),
        essay_max_words: ESSAY_MAX_WORDS,
        max_upload_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
        counties: place::counties(),
        cadres: &CADRES,
    }
}

async fn step_form(state: web::Data<AppState>, visitor: Visitor, path: web::Path<(i64, String)>) -> PageResult {
    let (id, step_name) = path.into_inner();
    let step = FormStep::parse(&step_name).ok_or(AppError::NotFound)?;
    let draft = load_step(&state, &visitor, id).await?;
    if draft.application.status != "draft" {
        return Ok(redirect(&format!("/applications/{id}")));
    }
    let values = draft.values(&visitor.lang);
    let page = step_page(&state, &visitor, draft, step, values, FieldErrors::new());
    render(&state, &visitor, "applicant/step.html", &page)
}

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
fn apply_step(
    step: FormStep,
    form: &HashMap<String, String>,
    mut a: ApplicationAnswers,
    questions: &mut BTreeMap<String, bool>,
    currency: &str,
    rules: &ContactRules,
    lang: &str,
) -> (ApplicationAnswers, FieldErrors) {
    let mut errors = FieldErrors::new();
    let text = |name: &str, max: usize| {
        form.get(name).map(|v| v.trim().chars().take(max).collect::<String>()).unwrap_or_default()
    };
    match step {
        FormStep::Personal => {
            a.full_name = text("full_name", 200);
            a.date_of_birth = parse_date(&text("date_of_birth", 20), "date_of_birth", &mut errors);
            a.national_id = checked("national_id", text("national_id", 50), &mut errors, |t| {
                normalise_national_id(t, &rules.national_id_digits)
            });
            a.phone = checked("phone", text("phone", 40), &mut errors, |t| normalise_phone(t, &rules.phone));
        }
        FormStep::Education => {
            a.institution = text("institution", 200);
            a.cadre = checked("cadre", text("cadre", 60), &mut errors, |t| {
                canonical_cadre(t).map(String::from).ok_or("error-cadre-unknown")
            });
            let year = text("year_of_study", 5);
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
            a.expected_graduation = parse_date(&text("expected_graduation", 20), "expected_graduation", &mut errors);
            let tuition = text("annual_tuition", 30);
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
            a.enrolled_full_time = match text("enrolled_full_time", 5).as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            };
        }
        FormStep::Home => {
            let (county, sub_county) = (text("home_county", 100), text("home_sub_county", 100));
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
            a.essay_motivation = text("essay_motivation", 20_000);
            a.essay_rural_service = text("essay_rural_service", 20_000);
        }
        FormStep::Eligibility => {
            // Nothing is ticked for the applicant: an unanswered priority question is asked again, and
            // submission waits until both have been answered.
            let mut both_answered = true;
            for (name, answer) in [
                ("continuing_scholar", &mut a.continuing_scholar),
                ("disadvantaged_background", &mut a.disadvantaged_background),
            ] {
                match text(name, 5).as_str() {
                    "yes" => *answer = true,
                    "no" => *answer = false,
                    _ => {
                        both_answered = false;
                        errors.insert(name.into(), "error-required".into());
                    }
                }
            }
            a.priority_answered |= both_answered;
            for (name, value) in form {
                if let Some(key) = name.strip_prefix("question_") {
                    match value.as_str() {
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
        }
        FormStep::Documents => {}
    }
    (a, errors)
}

async fn save_step(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, String)>,
    form: Form,
) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let (id, step_name) = path.into_inner();
    let step = FormStep::parse(&step_name).ok_or(AppError::NotFound)?;
    let Draft { application, call, .. } = load_step(&state, &visitor, id).await?;
    let version: i32 = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(application.version);
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
    if errors.is_empty() || (form.contains_key("save_only") && only_gaps) {
        visitor.flash("draft-saved");
        let next = if form.contains_key("save_only") { Some(step) } else { step.next() };
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
    form: &HashMap<String, String>,
    errors: FieldErrors,
) -> PageResult {
    let reloaded = load_step(state, visitor, id).await?;
    let mut values = reloaded.values(&visitor.lang);
    for (k, v) in form.iter() {
        if k != "csrf_token" && k != "version" {
            values.insert(k.clone(), v.clone());
        }
    }
    let page = step_page(state, visitor, reloaded, step, values, errors);
    render_status(state, visitor, "applicant/step.html", &page, StatusCode::UNPROCESSABLE_ENTITY)
}

/// Reads the upload form: the CSRF token, the document kind and one file of at most 10 MB. Reading stops
/// as soon as the file passes the limit, so an oversized upload costs no memory.
pub(super) async fn read_upload(
    mut payload: Multipart,
) -> Result<(HashMap<String, String>, Option<(String, bytes::Bytes)>), AppError> {
    let mut fields = HashMap::new();
    let mut file = None;
    while let Some(item) = payload.next().await {
        let mut part = item.map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?;
        let name = part.name().unwrap_or_default().to_string();
        let filename = part.content_disposition().and_then(|cd| cd.get_filename().map(String::from));
        let mut buffer = bytes::BytesMut::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?;
            if buffer.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(AppError::field("file", "error-file-too-large"));
            }
            buffer.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = Some((filename.unwrap_or_default(), buffer.freeze()));
        } else if buffer.len() <= 4096 {
            fields.insert(name, String::from_utf8_lossy(&buffer).into_owned());
        }
    }
    Ok((fields, file))
}

async fn upload(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, payload: Multipart) -> PageResult {
    let id = path.into_inner();
    // Only the applicant's own application takes a file; anyone else is refused before the upload is read.
    let actor = visitor.actor()?;
    let check = actor.clone();
    state.db.run(move |conn| service::own(conn, &check, id).map(|_| ())).await?;
    let result = read_upload(payload).await;
    let (fields, file) = match result {
        Ok(parts) => parts,
        Err(AppError::Validation(errors)) => return show_documents_with(&state, &visitor, id, errors).await,
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    let Some((name, content)) = file else {
        return show_documents_with(
            &state,
            &visitor,
            id,
            [("file".to_string(), "error-file-empty".to_string())].into(),
        )
        .await;
    };
    match documents::upload(&state.db, &state.files, &actor, id, kind, name, content).await {
        Ok(()) => {
            visitor.flash("document-uploaded");
            Ok(redirect(&format!("/applications/{id}/step/documents")))
        }
        Err(AppError::Validation(errors)) => show_documents_with(&state, &visitor, id, errors).await,
        Err(e) => Err(e.into()),
    }
}

async fn show_documents_with(state: &AppState, visitor: &Visitor, id: i64, errors: FieldErrors) -> PageResult {
    let draft = load_step(state, visitor, id).await?;
    let values = draft.values(&visitor.lang);
    let page = step_page(state, visitor, draft, FormStep::Documents, values, errors);
    render_status(state, visitor, "applicant/step.html", &page, StatusCode::UNPROCESSABLE_ENTITY)
}

async fn submit(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let id = path.into_inner();
    let actor = visitor.actor()?;
    let version: i32 = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let (i18n, lang, contact) = (state.i18n.clone(), visitor.lang.clone(), state.config.contact.clone());
    match state.db.run(move |conn| service::submit(conn, &i18n, &actor, id, version, &lang, &contact)).await {
        Ok(_) => {
            visitor.flash("submitted");
            Ok(redirect(&format!("/applications/{id}")))
        }
        Err(AppError::Validation(errors)) => {
            view_with(&state, &visitor, id, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The page that asks before a permanent step: deleting a draft or withdrawing a submitted application.
#[derive(Serialize)]
struct ConfirmPage {
    id: i64,
    version: i32,
    call_title: String,
    reference: Option<String>,
    /// "delete" or "withdraw": the form's address and the words around it.
    action: &'static str,
}

/// Which permanent step fits the application's state: a draft is deleted, a submitted one withdrawn.
fn permanent_step_of(status: &str) -> Option<&'static str> {
    match ApplicationStatus::parse(status)? {
        ApplicationStatus::Draft => Some("delete"),
        ApplicationStatus::Submitted => Some("withdraw"),
        ApplicationStatus::Withdrawn => None,
    }
}

/// Asks before the permanent step; the address asked for is only a wish, the application's state decides
/// which step is offered.
async fn confirm(state: &AppState, visitor: &Visitor, id: i64) -> PageResult {
    let actor = visitor.actor()?;
    let (application, call) = state
        .db
        .run(move |conn| {
            let application = service::own(conn, &actor, id)?;
            let call = programmes::find_call(conn, application.call_id)?;
            Ok((application, call))
        })
        .await?;
    let Some(action) = permanent_step_of(&application.status) else {
        return Ok(redirect(&format!("/applications/{id}")));
    };
    let page = ConfirmPage {
        id,
        version: application.version,
        call_title: call.title,
        reference: application.reference,
        action,
    };
    render(state, visitor, "applicant/confirm.html", &page)
}

async fn confirm_withdraw(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    confirm(&state, &visitor, path.into_inner()).await
}

async fn confirm_delete(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    confirm(&state, &visitor, path.into_inner()).await
}

async fn withdraw(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let id = path.into_inner();
    let actor = visitor.actor()?;
    let version: i32 = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    match state.db.run(move |conn| service::withdraw(conn, &actor, id, version)).await {
        Ok(()) => {
            visitor.flash("withdrawn");
            Ok(redirect(&format!("/applications/{id}")))
        }
        // A draft cannot be withdrawn (it has no reference); the old form's POST is sent to the delete question.
        Err(AppError::Conflict(key)) if key == "error-draft-delete-instead" => {
            Ok(redirect(&format!("/applications/{id}/delete")))
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete_draft(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let id = path.into_inner();
    let actor = visitor.actor()?;
    let version: i32 = form.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let storage_keys = state.db.run(move |conn| service::delete_draft(conn, &actor, id, version)).await?;
    for key in storage_keys {
        // The rows are gone; a file left behind is unreachable, so a failure here only costs disk space.
        if let Err(e) = state.files.delete(&object_store::path::Path::from(key.as_str())).await {
            tracing::warn!(error = %e, application = id, "could not remove a deleted draft's file");
        }
    }
    visitor.flash("draft-deleted");
    Ok(redirect("/my/applications"))
}

async fn view(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>) -> PageResult {
    view_with(&state, &visitor, path.into_inner(), FieldErrors::new(), StatusCode::OK).await
}

#[derive(Serialize)]
struct ViewPage {
    id: i64,
    application: Application,
    call_title: String,
    currency: String,
    tuition: Option<String>,
    reasons: Vec<String>,
    answers: Vec<(String, bool)>,
    documents: Vec<Document>,
    history: Vec<StatusEvent>,
    is_owner: bool,
    /// For the applicant's own draft: the numbered steps, what blocks submission in words, and whether it may
    /// be submitted now (the server checks again on submit).
    steps: Vec<StepMark>,
    blockers: Vec<Blocker>,
    may_submit: bool,
}

async fn view_with(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    errors: FieldErrors,
    status: StatusCode,
) -> PageResult {
    let actor = visitor.actor()?;
    let is_owner_role = actor.role == Role::Applicant;
    let contact = state.config.contact.clone();
    let (application, call, documents, history, mut blockers) = state
        .db
        .run(move |conn| {
            let application = service::readable(conn, &actor, id)?;
            let call = programmes::find_call(conn, application.call_id)?;
            let blockers = if is_owner_role && application.status == "draft" {
                service::blockers(conn, &application, &contact)?
            } else {
                FieldErrors::new()
            };
            Ok((application.clone(), call, store::documents(conn, id)?, store::events(conn, id)?, blockers))
        })
        .await?;
    // A refused submission's reasons are the same rules; keep any the fresh check did not see.
    for (field, key) in errors {
        blockers.entry(field).or_insert(key);
    }
    let is_draft = application.status == "draft";
    let page = ViewPage {
        id,
        steps: if is_owner_role && is_draft { step_marks(&blockers) } else { Vec::new() },
        may_submit: is_owner_role && is_draft && blockers.is_empty(),
        blockers: blockers_in_words(state, &visitor.lang, &call, &blockers),
        tuition: application.annual_tuition_minor.map(|m| format_amount_in(m, &call.currency, &visitor.lang)),
        reasons: application.reasons().iter().map(|r| state.i18n.reason(&visitor.lang, r)).collect(),
        answers: application.question_answers(),
        call_title: call.title,
        currency: call.currency,
        documents,
        history,
        is_owner: is_owner_role,
        application,
    };
    render_status(state, visitor, "applicant/view.html", &page, status)
}

/// Serves a document as an attachment, never inline, to those who may read its application.
async fn download(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let (document, content) = documents::download(&state.db, &state.files, &actor, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(document.content_type.as_str())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                document.original_name.replace(|c: char| !c.is_ascii() || c == '"', "_")
            ),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(content))
}
