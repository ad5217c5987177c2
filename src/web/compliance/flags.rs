//! `/compliance`: the open flags, newest first, 50 a page (the next page by keyset: `?after=<last flag>`).

use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::service::compliance::{self as service, FlagsPage};
use crate::web::page::{local_time, render, PageResult, Visitor};
use crate::web::AppState;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct FlagsQuery {
    #[serde(deserialize_with = "crate::web::query::after")]
    after: Option<i64>,
}

#[derive(Serialize)]
struct FlagsView {
    #[serde(flatten)]
    page: FlagsPage,
    /// Each flag's raising time in the installation's time zone, in the list's order.
    raised: Vec<String>,
    first_page: bool,
}

pub(super) async fn flags_page(
    state: web::Data<AppState>,
    visitor: Visitor,
    query: web::Query<FlagsQuery>,
) -> PageResult {
    let actor = visitor.actor()?;
    let after = query.after;
    let page = state.db.run(move |conn| service::open_flags(conn, &actor, after)).await?;
    let raised = page.flags.iter().map(|f| local_time(&state, f.flag.raised_at)).collect();
    render(&state, &visitor, "compliance/flags.html", &FlagsView { page, raised, first_page: after.is_none() })
}
