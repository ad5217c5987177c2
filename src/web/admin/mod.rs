//! The administrator's pages: organisations, staff, a record's audit trail, the development mailbox, and
//! the jobs and e-mails that failed and wait for their next try.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;

use crate::domain::role::{Role, ORGANISATION_KINDS};
use crate::error::AppError;
use crate::service::accounts::{self, NewStaff};
use crate::service::Actor;
use crate::store::{audit, organisations, outbox, users};
use crate::web::page::{redirect, render, render_status, PageResult, Visitor};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(home))
        .route("/admin/organisations", web::post().to(create_organisation))
        .route("/admin/users", web::post().to(create_user))
        .route("/admin/users/{id}/disabled", web::post().to(set_disabled))
        .route("/admin/audit", web::get().to(audit_trail))
        .route("/admin/mailbox", web::get().to(mailbox))
        .route("/admin/jobs", web::get().to(failing_jobs));
}

type Form = web::Form<HashMap<String, String>>;

fn admin(visitor: &Visitor) -> Result<Actor, AppError> {
    let actor = visitor.actor()?;
    actor.require(&[Role::Administrator])?;
    Ok(actor)
}

async fn render_home(
    state: &AppState,
    visitor: &Visitor,
    errors: crate::error::FieldErrors,
    values: serde_json::Value,
    status: StatusCode,
) -> PageResult {
    let (orgs, staff) = state.db.run(|conn| Ok((organisations::all(conn)?, users::staff_of(conn, None)?))).await?;
    let roles: Vec<&str> = Role::ALL.iter().filter(|r| **r != Role::Applicant).map(|r| r.as_str()).collect();
    render_status(
        state,
        visitor,
        "admin/home.html",
        &serde_json::json!({
            "organisations": orgs, "staff": staff, "roles": roles, "kinds": ORGANISATION_KINDS, "errors": errors, "values": values,
        }),
        status,
    )
}

async fn home(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    admin(&visitor)?;
    render_home(&state, &visitor, Default::default(), serde_json::json!({}), StatusCode::OK).await
}

async fn create_organisation(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = admin(&visitor)?;
    let code = form.get("code").map(|c| c.trim().to_uppercase()).unwrap_or_default();
    let name = form.get("name").map(|c| c.trim().to_string()).unwrap_or_default();
    let kind = form.get("kind").cloned().unwrap_or_default();
    let mut errors = crate::error::FieldErrors::new();
    if code.is_empty() || code.len() > 12 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.insert("code".into(), "error-org-code".into());
    }
    if name.is_empty() {
        errors.insert("name".into(), "error-required".into());
    }
    if !ORGANISATION_KINDS.contains(&kind.as_str()) {
        errors.insert("kind".into(), "error-required".into());
    }
    if errors.is_empty() {
        let result = state
            .db
            .run(move |conn| {
                crate::db::write_transaction(conn, |conn| {
                    let id = organisations::insert(conn, &code, &name, &kind)?;
                    audit::record(
                        conn,
                        &actor.origin(),
                        "create_organisation",
                        "organisation",
                        id,
                        None::<&()>,
                        Some(&serde_json::json!({"code": code, "name": name, "kind": kind})),
                    )?;
                    Ok(id)
                })
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
    render_home(
        &state,
        &visitor,
        errors,
        serde_json::to_value(&form.0).unwrap_or_default(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn create_user(state: web::Data<AppState>, visitor: Visitor, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = admin(&visitor)?;
    let f = form.clone();
    let result = state
        .db
        .run(move |conn| {
            let role = Role::parse(f.get("role").map(String::as_str).unwrap_or_default())
                .filter(|r| *r != Role::Applicant)
                .ok_or_else(|| AppError::field("role", "error-required"))?;
            let organisation_id = f.get("organisation_id").and_then(|v| v.parse().ok());
            let staff = NewStaff {
                email: f.get("email").map(String::as_str).unwrap_or_default(),
                full_name: f.get("full_name").map(String::as_str).unwrap_or_default(),
                password: f.get("password").map(String::as_str).unwrap_or_default(),
                role,
                organisation_id,
            };
            accounts::create_staff(conn, &actor.origin(), &staff)
        })
        .await;
    match result {
        Ok(_) => {
            visitor.flash("user-created");
            Ok(redirect("/admin"))
        }
        Err(AppError::Validation(errors)) => {
            let mut values = serde_json::to_value(&form.0).unwrap_or_default();
            values["password"] = serde_json::Value::String(String::new());
            render_home(&state, &visitor, errors, values, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_disabled(state: web::Data<AppState>, visitor: Visitor, path: web::Path<i64>, form: Form) -> PageResult {
    visitor.check_csrf(form.get("csrf_token").map(String::as_str))?;
    let actor = admin(&visitor)?;
    let id = path.into_inner();
    let disabled = form.get("disabled").map(|v| v == "true").unwrap_or(false);
    state.db.run(move |conn| accounts::set_disabled(conn, &actor, id, disabled)).await?;
    visitor.flash(if disabled { "user-disabled" } else { "user-enabled" });
    Ok(redirect("/admin"))
}

#[derive(Deserialize)]
struct AuditQuery {
    entity: Option<String>,
    id: Option<String>,
}

async fn audit_trail(state: web::Data<AppState>, visitor: Visitor, query: web::Query<AuditQuery>) -> PageResult {
    admin(&visitor)?;
    let (entity, id) = (query.entity.clone().unwrap_or_default(), query.id.clone().unwrap_or_default());
    let (e, i) = (entity.clone(), id.clone());
    let events = state
        .db
        .run(move |conn| if e.is_empty() { audit::recent(conn, 100) } else { audit::trail(conn, &e, &i) })
        .await?;
    render(&state, &visitor, "admin/audit.html", &serde_json::json!({"events": events, "entity": entity, "id": id}))
}

async fn mailbox(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    admin(&visitor)?;
    let messages = state.db.run(|conn| outbox::recent(conn, 50)).await?;
    render(
        &state,
        &visitor,
        "admin/mailbox.html",
        &serde_json::json!({"messages": messages, "smtp": state.config.smtp_url.is_some()}),
    )
}

async fn failing_jobs(state: web::Data<AppState>, visitor: Visitor) -> PageResult {
    admin(&visitor)?;
    let failing = state.db.run(|conn| crate::service::jobs::failing(conn, 200)).await?;
    render(&state, &visitor, "admin/jobs.html", &serde_json::json!({"jobs": failing}))
}
