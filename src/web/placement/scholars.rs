//! The scholars of a cycle: adding one by their award's reference, taking one out, granting a priority tier
//! with its document, and downloading that document.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::cycles::refused_or;
use crate::error::AppError;
use crate::service::access::cycle_to_change;
use crate::service::placement_cycles::{self as service, TierGrant};
use crate::web::form::{read_number, read_upload};
use crate::web::page::{redirect, PageError, PageResult, Visitor};
use crate::web::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AddForm {
    csrf_token: String,
    reference: String,
    reason: String,
}

pub(super) async fn add(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<i64>,
    form: web::Form<AddForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let id = path.into_inner();
    let values: HashMap<String, String> =
        [("reference".to_string(), form.reference.clone()), ("reason".to_string(), form.reason.clone())].into();
    let form = form.into_inner();
    match state.db.run(move |conn| service::add_scholar(conn, &actor, id, &form.reference, &form.reason)).await {
        Ok(()) => {
            visitor.flash("cycle-scholar-added");
            Ok(redirect(&format!("/placement/cycles/{id}")))
        }
        Err(e) => refused_or(&state, &visitor, id, "add", None, values, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RemoveForm {
    csrf_token: String,
    reason: String,
}

pub(super) async fn remove(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
    form: web::Form<RemoveForm>,
) -> PageResult {
    visitor.check_csrf(Some(&form.csrf_token))?;
    let actor = visitor.actor()?;
    let (id, scholar) = path.into_inner();
    let values: HashMap<String, String> = [("reason".to_string(), form.reason.clone())].into();
    let reason = form.into_inner().reason;
    match state.db.run(move |conn| service::remove_scholar(conn, &actor, id, scholar, &reason)).await {
        Ok(()) => {
            visitor.flash("cycle-scholar-removed");
            Ok(redirect(&format!("/placement/cycles/{id}")))
        }
        Err(e) => refused_or(&state, &visitor, id, "remove", Some(scholar), values, e).await,
    }
}

/// The tier form: tier, reason and the document, as a multipart upload.
pub(super) async fn grant_tier(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
    payload: Multipart,
) -> PageResult {
    let (id, scholar) = path.into_inner();
    // Only the funder's coordinators send a file here; anyone else is refused before the upload is read.
    let actor = visitor.actor()?;
    let check = actor.clone();
    state.db.run(move |conn| cycle_to_change(conn, &check, id).map(|_| ())).await?;
    let (fields, file) = match read_upload(payload).await {
        Ok(parts) => parts,
        Err(e @ AppError::Validation(_)) => {
            return refused_or(&state, &visitor, id, "tier", Some(scholar), HashMap::new(), e).await
        }
        Err(e) => return Err(e.into()),
    };
    visitor.check_csrf(fields.get("csrf_token").map(String::as_str))?;
    let tier_text = fields.get("tier").cloned().unwrap_or_default();
    let reason = fields.get("reason").cloned().unwrap_or_default();
    let values: HashMap<String, String> =
        [("tier".to_string(), tier_text.clone()), ("reason".to_string(), reason.clone())].into();
    let tier = match read_number::<i32>(&tier_text) {
        Ok(t) => t,
        Err(key) => {
            return refused_or(&state, &visitor, id, "tier", Some(scholar), values, AppError::field("tier", key)).await
        }
    };
    let content = file.map(|(_, bytes)| bytes);
    match service::grant_tier(
        &state.db,
        &state.files,
        &actor,
        id,
        scholar,
        TierGrant { tier, reason, document: content },
    )
    .await
    {
        Ok(()) => {
            visitor.flash("cycle-tier-granted");
            Ok(redirect(&format!("/placement/cycles/{id}")))
        }
        Err(e) => refused_or(&state, &visitor, id, "tier", Some(scholar), values, e).await,
    }
}

/// The tier's document, as an attachment, to the funder's placement coordinators only.
pub(super) async fn tier_document(
    state: web::Data<AppState>,
    visitor: Visitor,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, PageError> {
    let actor = visitor.actor()?;
    let (id, scholar) = path.into_inner();
    let (content_type, content) = service::tier_document(&state.db, &state.files, &actor, id, scholar).await?;
    let extension = match content_type {
        "application/pdf" => "pdf",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        _ => "bin",
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"tier-{id}-{scholar}.{extension}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(content))
}
