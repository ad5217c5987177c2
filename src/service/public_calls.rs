//! Calls as anyone sees them without logging in, on the site and through the API: the open ones, and one
//! call with the programme's terms an applicant would be bound by. Nothing here is refused to anyone.

use crate::db::DbConn;
use crate::domain::programme::ProgrammeTerms;
use crate::error::AppError;
pub use crate::store::programmes::CallListing;
use crate::store::{now, programmes};

/// The calls open now.
pub fn open(conn: &mut DbConn) -> Result<Vec<CallListing>, AppError> {
    programmes::open_calls(conn, now())
}

/// A call with its programme and funder, open or not.
pub fn listing(conn: &mut DbConn, call_id: i64) -> Result<CallListing, AppError> {
    programmes::call_listing(conn, call_id)
}

/// A call with the programme's terms in force when it opens (else today's, for a call whose terms were
/// entered later), if any.
pub fn with_terms(conn: &mut DbConn, call_id: i64) -> Result<(CallListing, Option<ProgrammeTerms>), AppError> {
    let listing = programmes::call_listing(conn, call_id)?;
    let history = programmes::terms_history(conn, listing.programme.id)?;
    let terms =
        history.in_force_on(listing.call.opens_at.date()).or_else(|| history.in_force_on(now().date())).cloned();
    Ok((listing, terms))
}
