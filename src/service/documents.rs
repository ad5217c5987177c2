//! Uploaded documents: checked by their content, stored under a server-made random name through the
//! object store, and served only to those who may read the application.

use std::sync::Arc;

use bytes::Bytes;
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;

use super::Actor;
use crate::db::{write_transaction, Db};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::service::programmes::DOCUMENT_KINDS;
use crate::store::applications::{self as store, Document, NewDocument};
use crate::store::audit::AuditEntry;

pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The type a file really is, from its first bytes; what the browser claims is ignored.
pub fn sniff_content_type(content: &[u8]) -> Option<&'static str> {
    if content.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if content.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Keeps a file name for display only: no path, no control characters, bounded length.
pub fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(120).collect();
    if cleaned.trim().is_empty() {
        "document".into()
    } else {
        cleaned
    }
}

/// A file's type from its content (PDF, JPEG or PNG), refusing empty and oversized files.
fn checked_type(content: &[u8]) -> Result<&'static str, AppError> {
    if content.is_empty() {
        return Err(AppError::field("file", "error-file-empty"));
    }
    if content.len() > MAX_UPLOAD_BYTES {
        return Err(AppError::field("file", "error-file-too-large"));
    }
    sniff_content_type(content).ok_or_else(|| AppError::field("file", "error-file-type"))
}

/// An uploaded file as stored: under a random name, so nothing the user typed reaches the file system.
pub struct StoredFile {
    pub storage_key: String,
    pub content_type: &'static str,
    pub size: i64,
}

/// Checks and stores an uploaded file; the caller records `storage_key` (and deletes the file if it cannot).
pub async fn store_file(files: &Arc<dyn ObjectStore>, content: Bytes) -> Result<StoredFile, AppError> {
    let content_type = checked_type(&content)?;
    let storage_key = format!("documents/{}", crate::service::accounts::new_secret());
    let size = content.len() as i64;
    files
        .put(&ObjectPath::from(storage_key.as_str()), content.into())
        .await
        .map_err(|e| AppError::Internal(format!("storing a document: {e}")))?;
    Ok(StoredFile { storage_key, content_type, size })
}

/// A stored file's bytes and its type (sniffed again from the content, never trusted from the upload).
pub async fn read_file(files: &Arc<dyn ObjectStore>, storage_key: &str) -> Result<(&'static str, Bytes), AppError> {
    let content = files
        .get(&ObjectPath::from(storage_key))
        .await
        .map_err(|e| AppError::Internal(format!("reading a document: {e}")))?
        .bytes()
        .await
        .map_err(|e| AppError::Internal(format!("reading a document: {e}")))?;
    Ok((sniff_content_type(&content).unwrap_or("application/octet-stream"), content))
}

pub async fn upload(
    db: &Db,
    files: &Arc<dyn ObjectStore>,
    actor: &Actor,
    application_id: i64,
    kind: String,
    original_name: String,
    content: Bytes,
) -> Result<(), AppError> {
    if !DOCUMENT_KINDS.contains(&kind.as_str()) {
        return Err(AppError::field("kind", "error-unknown-document"));
    }
    let content_type = checked_type(&content)?;
    // Check the right to upload before writing anything.
    let check_actor = actor.clone();
    db.run(move |conn| {
        let application = super::applications::own(conn, &check_actor, application_id)?;
        if application.status != "draft" {
            return Err(AppError::Conflict("error-conflict-locked".into()));
        }
        Ok(())
    })
    .await?;
    let StoredFile { storage_key, size, .. } = store_file(files, content).await?;
    let actor = actor.clone();
    let key = storage_key.clone();
    let saved = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let replaced = store::put_document(
                    conn,
                    &NewDocument {
                        application_id,
                        kind: &kind,
                        original_name: &display_name(&original_name),
                        content_type,
                        size_bytes: size,
                        storage_key: &key,
                    },
                )?;
                AuditEntry::new("upload_document", "application", application_id)
                    .after(&serde_json::json!({"kind": kind, "content_type": content_type, "size_bytes": size}))
                    .record(conn, &actor.origin())?;
                Ok(replaced)
            })
        })
        .await;
    match saved {
        Ok(Some(replaced)) => {
            // The old file is no longer referenced; losing this delete only leaves an orphan.
            let _ = files.delete(&ObjectPath::from(replaced.as_str())).await;
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(e) => {
            let _ = files.delete(&ObjectPath::from(storage_key.as_str())).await;
            Err(e)
        }
    }
}

/// A document and its bytes, if the actor may read the application it belongs to.
pub async fn download(
    db: &Db,
    files: &Arc<dyn ObjectStore>,
    actor: &Actor,
    document_id: i64,
) -> Result<(Document, Bytes), AppError> {
    let actor = actor.clone();
    let document = db
        .run(move |conn| {
            let document = store::find_document(conn, document_id)?;
            super::applications::readable(conn, &actor, document.application_id)?;
            if actor.role != Role::Applicant {
                AuditEntry::new("download_document", "application", document.application_id)
                    .after(&serde_json::json!({"document_id": document_id}))
                    .record(conn, &actor.origin())?;
            }
            Ok(document)
        })
        .await?;
    let (_, content) = read_file(files, &document.storage_key).await?;
    Ok((document, content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff_content_type(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff_content_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_content_type(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_content_type(b"MZ\x90\x00 pretending.pdf"), None);
        assert_eq!(sniff_content_type(b"<html><script>"), None);
    }

    #[test]
    fn display_names_lose_paths_and_quotes() {
        assert_eq!(display_name("C:\\Users\\a\\id card.pdf"), "id card.pdf");
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("a\"b.pdf"), "ab.pdf");
        assert_eq!(display_name(""), "document");
    }
}
