//! `/compliance`: the open flags, newest first, 50 a page (the next page by keyset: `?after=<last flag>`).

use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::domain::placement_answer::reason_code;
use crate::service::compliance::{self as service, FlagsPage, PLACEMENT_DECLINED};
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
    /// Each flag's detail as the reader reads it: a decline's reason code in their language, then the
    /// scholar's own words; other kinds as stored.
    details: Vec<String>,
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
    let details = page
        .flags
        .iter()
        .map(|f| match f.flag.kind.as_str() {
            PLACEMENT_DECLINED => {
                let code = reason_code(&f.flag.detail);
                let label = state.i18n.t(&visitor.lang, &format!("decline-reason-{code}"));
                let words = f.flag.detail.strip_prefix(code).and_then(|rest| rest.strip_prefix(": "));
                words.map_or(label.clone(), |words| format!("{label}: {words}"))
            }
            _ => f.flag.detail.clone(),
        })
        .collect();
    let view = FlagsView { page, raised, details, first_page: after.is_none() };
    render(&state, &visitor, "compliance/flags.html", &view)
}
