//! Reading forms, shared by every area: a field, whole and decimal numbers, the record's version, dates and
//! local date-times, the validator's errors, and a multipart upload (money reads through the domain's money).
//! Dates are read for their shape first (YYYY-MM-DD, or a local date and time), then the domain's bounds, so
//! that every form refuses 9999-12-31 the same way, next to its field.

use std::collections::HashMap;

use actix_multipart::Multipart;
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use futures_util::StreamExt;

use super::AppState;
use crate::domain::dates::check_within_reach;
use crate::error::{AppError, FieldErrors};
use crate::service::documents::MAX_UPLOAD_BYTES;
use crate::service::now;

/// A date typed as YYYY-MM-DD, within reach of today; the error is the message key for the field.
pub fn read_date(text: &str) -> Result<NaiveDate, &'static str> {
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| "error-date")?;
    check_within_reach(date, now().date())
}

/// A local date and time typed in the installation's time zone, within reach of today, in UTC.
pub fn read_local_datetime(state: &AppState, text: &str) -> Result<NaiveDateTime, &'static str> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M"))
        .map_err(|_| "error-datetime")?;
    check_within_reach(naive.date(), now().date())?;
    state.config.time_zone.from_local_datetime(&naive).earliest().map(|t| t.naive_utc()).ok_or("error-datetime")
}

/// A form field, trimmed; empty when absent.
pub fn field<'a>(form: &'a std::collections::HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(|v| v.trim()).unwrap_or_default()
}

pub fn number<T: std::str::FromStr + Default>(
    form: &HashMap<String, String>,
    name: &str,
    errors: &mut FieldErrors,
) -> T {
    noted(read_number(form.get(name).map(String::as_str).unwrap_or_default()), name, errors)
}

/// The record's version a form was shown with (optimistic concurrency), as typed; a form without it is malformed.
pub fn version(typed: &str) -> Result<i32, AppError> {
    typed.trim().parse().map_err(|_| AppError::BadRequest("the form has no valid \"version\" field".into()))
}

pub fn validator_errors(e: validator::ValidationErrors) -> FieldErrors {
    e.field_errors()
        .into_iter()
        .map(|(field, errs)| {
            let key = errs
                .first()
                .and_then(|er| er.message.clone())
                .map(|m| m.to_string())
                .unwrap_or_else(|| "error-invalid".into());
            (field.to_string(), key)
        })
        .collect()
}

/// Reads the upload form: the CSRF token, the document kind and one file of at most 10 MB. Reading stops
/// as soon as the file passes the limit, so an oversized upload costs no memory.
pub async fn read_upload(
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

/// A number typed in a field, trimmed; the error is the message key for the field.
pub fn read_number<T: std::str::FromStr>(text: &str) -> Result<T, &'static str> {
    let typed = text.trim();
    // A decimal comma (French "0,05") reads as the point; where a point is typed too, the text stays refused.
    let parsed = typed.parse().or_else(|e| if typed.contains('.') { Err(e) } else { typed.replace(',', ".").parse() });
    parsed.map_err(|_| "error-number")
}

/// What a reader read from a field, or the placeholder with the field's message noted next to it.
pub fn noted<T: Default>(read: Result<T, &'static str>, name: &str, errors: &mut FieldErrors) -> T {
    read.unwrap_or_else(|key| {
        errors.insert(name.into(), key.into());
        T::default()
    })
}
