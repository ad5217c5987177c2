//! The administrator's pages: organisations, staff, a record's audit trail, the development mailbox, and
//! the jobs and e-mails that failed and wait for their next try.

mod jobs;
mod supervisors;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::{Deserialize, Serialize};
use validator::{Validate, ValidationError};

use crate::domain::role::{Role, ORGANISATION_KINDS};
use crate::error::{AppError, FieldErrors};
use crate::service::accounts::NewStaff;
use crate::service::administration::{self as service, AuditEvent, NewOrganisation, Organisation, OutboxMessage, User};
use crate::service::Actor;
use crate::web::form::validator_errors;
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(home))
        .route("/admin/organisations", web::post().to(create_organisation))
        .route("/admin/users", web::post().to(create_user))
        .route("/admin/users/{id}/disabled", web::post().to(set_disabled))
        .route("/admin/audit", web::get().to(audit_trail))
        .route("/admin/mailbox", web::get().to(mailbox))
        .route("/admin/jobs", web::get().to(jobs::failing_jobs))
        .route("/admin/supervisors", web::get().to(supervisors::supervisors))
        .route("/admin/supervisors", web::post().to(supervisors::attach))
        .route("/admin/supervisors/detach", web::post().to(supervisors::detach))
        .route("/admin/coordinators", web::get().to(supervisors::coordinators))
        .route("/admin/coordinators/{id}", web::post().to(supervisors::set_counties));
}

/// The visitor as an administrator; anyone else is refused before a form's fields are read.
fn admin(visitor: &Visitor) -> Result<Actor, AppError> {
    let actor = visitor.actor()?;
    service::require_administrator(&actor)?;
    Ok(actor)
}

/// What the administrator typed into either form of the home page, shown again next to the errors (never the
/// password).
#[derive(Default, Serialize)]
struct HomeValues {
    code: String,
    name: String,
    full_name: String,
    email: String,
}

#[derive(Serialize)]
struct HomePage {
    organisations: Vec<Organisation>,
    staff: Vec<User>,
    roles: Vec<&'static str>,
    kinds: &'static [&'static str],
    errors: FieldErrors,
    values: HomeValues,
}

async fn render_home(
    state: &AppState,
    visitor: &Visitor,
    actor: Actor,
    errors: FieldErrors,
    values: HomeValues,
    status: StatusCode,
) -> PageResult {
    let (organisations, staff) = state.db.run(move |conn| service::organisations_and_staff(conn, &actor)).await?;
    let roles = Role::ALL.iter().filter(|r| **r != Role::Applicant).map(|r| r.as_str()).collect();
    let page = HomePage { organisations, staff, roles, kinds: &ORGANISATION_KINDS, errors, values };
    render_status(state, visitor, "admin/home.html", &page, status)
}

async fn home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = admin(&visitor)?;
    render_home(&state, &visitor, actor, FieldErrors::new(), HomeValues::default(), StatusCode::OK).await
}

/// A new organisation: a short code of letters and digits (read in capitals), a name and a kind from the list.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
struct OrganisationForm {
    csrf_token: String,
    #[validate(length(min = 1, max = 12, message = "error-org-code"), custom(function = "letters_and_digits"))]
    code: String,
    #[validate(length(min = 1, message = "error-required"))]
    name: String,
    #[validate(custom(function = "organisation_kind"))]
    kind: String,
}

fn letters_and_digits(code: &str) -> Result<(), ValidationError> {
    if code.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(ValidationError::new("code").with_message("error-org-code".into()))
    }
}

fn organisation_kind(kind: &str) -> Result<(), ValidationError> {
    if ORGANISATION_KINDS.contains(&kind) {
        Ok(())
    } else {
        Err(ValidationError::new("kind").with_message("error-required".into()))
    }
}

async fn create_organisation(
    state: web::Data<AppState>,
    visitor: Visitor,
    form: web::Form<OrganisationForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = admin(&visitor)?;
    let form = form.into_inner();
    // Shown again as typed; checked and stored trimmed, the code in capitals.
    let values = HomeValues { code: form.code.clone(), name: form.name.clone(), ..HomeValues::default() };
    let typed = OrganisationForm {
        code: form.code.trim().to_uppercase(),
        name: form.name.trim().to_string(),
        kind: form.kind,
        csrf_token: form.csrf_token,
    };
    let mut errors = typed.validate().err().map(validator_errors).unwrap_or_default();
    if errors.is_empty() {
        let creator = actor.clone();
        let result = state
            .db
            .run(move |conn| {
                let new = NewOrganisation { code: &typed.code, name: &typed.name, kind: &typed.kind };
                service::create_organisation(conn, &creator, &new)
            })
            .await;
        match result {
            Ok(_) => {
                visitor.flash("organisation-created");
                return Ok(redirect("/admin"));
            }
            Err(AppError::Validation(f)) => errors = f,
            Err(e) => return Err(e.into()),
        }
    }
    render_home(&state, &visitor, actor, errors, values, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A new staff or administrator account; the e-mail, name, password and organisation are checked by the use
/// case, the role here (an applicant registers themselves).
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
struct StaffForm {
    csrf_token: String,
    email: String,
    full_name: String,
    password: String,
    #[validate(custom(function = "staff_role"))]
    role: String,
    organisation_id: String,
}

fn staff_role(role: &str) -> Result<(), ValidationError> {
    match Role::parse(role) {
        Some(r) if r != Role::Applicant => Ok(()),
        _ => Err(ValidationError::new("role").with_message("error-required".into())),
    }
}

async fn create_user(state: web::Data<AppState>, visitor: Visitor, form: web::Form<StaffForm>) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = admin(&visitor)?;
    let form = form.into_inner();
    let values = HomeValues { full_name: form.full_name.clone(), email: form.email.clone(), ..HomeValues::default() };
    let result = match form.validate() {
        Ok(()) => {
            let creator = actor.clone();
            state
                .db
                .run(move |conn| {
                    let role = Role::parse(&form.role).ok_or_else(|| AppError::field("role", "error-required"))?;
                    let staff = NewStaff {
                        email: &form.email,
                        full_name: &form.full_name,
                        password: &form.password,
                        role,
                        organisation_id: form.organisation_id.parse().ok(),
                    };
                    service::create_staff(conn, &creator, &staff)
                })
                .await
        }
        Err(e) => Err(AppError::Validation(validator_errors(e))),
    };
    match result {
        Ok(_) => {
            visitor.flash("user-created");
            Ok(redirect("/admin"))
        }
        Err(AppError::Validation(errors)) => {
            render_home(&state, &visitor, actor, errors, values, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Disables (`disabled=true`) or enables an account.
#[derive(Debug, Default, Deserialize, Validate)]
#[serde(default)]
struct DisabledForm {
    csrf_token: String,
    disabled: String,
}

async fn set_disabled(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<DisabledForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = admin(&visitor)?;
    let id = path.into_inner();
    let disabled = form.disabled == "true";
    state.db.run(move |conn| crate::service::accounts::set_disabled(conn, &actor, id, disabled)).await?;
    visitor.flash(if disabled { "user-disabled" } else { "user-enabled" });
    Ok(redirect("/admin"))
}

#[derive(Deserialize)]
struct AuditQuery {
    entity: Option<String>,
    id: Option<String>,
}

#[derive(Serialize)]
struct AuditPage {
    events: Vec<AuditEvent>,
    entity: String,
    id: String,
}

async fn audit_trail(state: web::Data<AppState>, visitor: Visitor, query: web::Query<AuditQuery>) -> PageResult {
    let actor = admin(&visitor)?;
    let (entity, id) = (query.entity.clone().unwrap_or_default(), query.id.clone().unwrap_or_default());
    let (e, i) = (entity.clone(), id.clone());
    let events = state.db.run(move |conn| service::audit_trail(conn, &actor, &e, &i)).await?;
    render(&state, &visitor, "admin/audit.html", &AuditPage { events, entity, id })
}

#[derive(Serialize)]
struct MailboxPage {
    messages: Vec<OutboxMessage>,
    smtp: bool,
}

async fn mailbox(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    let actor = admin(&visitor)?;
    let messages = state.db.run(move |conn| service::mailbox(conn, &actor)).await?;
    render(&state, &visitor, "admin/mailbox.html", &MailboxPage { messages, smtp: state.config.smtp_url.is_some() })
}
