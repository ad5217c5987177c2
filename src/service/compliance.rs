//! The compliance coordinator's work: the open flags of their organisation's scholars (a declined or lapsed
//! placement, a service not started), each a possible breach to look at. Administrators read every
//! organisation's; nobody else reads any.

use std::collections::HashMap;

use serde::Serialize;

use super::Actor;
use crate::db::DbConn;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::compliance::{self as store, OpenFlag};

/// The kind of flag a decline raises (its detail is the reason's code, then the scholar's words).
pub use crate::store::compliance::PLACEMENT_DECLINED;

/// Flags shown per page.
pub const FLAGS_PER_PAGE: i64 = 50;

#[derive(Debug, Clone, Serialize)]
pub struct FlagLine {
    #[serde(flatten)]
    pub flag: OpenFlag,
    pub facility_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagsPage {
    pub flags: Vec<FlagLine>,
    /// The cursor of the next page, when there is one.
    pub next_after: Option<i64>,
}

/// One page of open flags, newest first, after the flag `after`.
pub fn open_flags(conn: &mut DbConn, actor: &Actor, after: Option<i64>) -> Result<FlagsPage, AppError> {
    actor.require(&[Role::ComplianceCoordinator, Role::Administrator])?;
    let scope = actor.organisation_scope()?;
    let mut flags = store::open_flags(conn, scope, after, FLAGS_PER_PAGE + 1)?;
    let more = flags.len() as i64 > FLAGS_PER_PAGE;
    flags.truncate(FLAGS_PER_PAGE as usize);
    let placement_ids: Vec<i64> = flags.iter().filter_map(|f| f.placement_id).collect();
    let names: HashMap<i64, String> = store::facility_names(conn, &placement_ids)?.into_iter().collect();
    let next_after = if more { flags.last().map(|f| f.id) } else { None };
    let flags = flags
        .into_iter()
        .map(|flag| FlagLine { facility_name: flag.placement_id.and_then(|p| names.get(&p).cloned()), flag })
        .collect();
    Ok(FlagsPage { flags, next_after })
}
