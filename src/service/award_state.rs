//! How an award reads at a given moment, before the job runner has caught up with the clock: an offer past its
//! deadline is lapsed whether or not the lapse job has run yet. Below the awards, the ledger and the access
//! checks, which all show awards, so that none of them has to write to show one as it stands.

use chrono::NaiveDateTime;

use crate::domain::award::{next_award_status, AwardAction, AwardContext, AwardStatus};
use crate::store::awards::Award;

/// The context of a move nobody makes in person (a lapse at the deadline): no user acts, so the actor is
/// nobody (id 0, no proposer's), which only the four-eyes rule would read.
pub(super) fn system_context<'a>(award: &Award, at: NaiveDateTime) -> AwardContext<'a> {
    context_at(award, 0, at, ("", "", false))
}

/// What the award rules read about a move on `award` by `actor_id` at `at`, with the signature typed (the name
/// typed, the name expected, the terms agreed), empty for a move that needs none.
pub(super) fn context_at<'a>(
    award: &Award,
    actor_id: i64,
    at: NaiveDateTime,
    (typed_name, expected_name, agreed): (&'a str, &'a str, bool),
) -> AwardContext<'a> {
    AwardContext {
        proposer_id: award.proposed_by,
        actor_id,
        now: at,
        deadline: award.offer_deadline,
        typed_name,
        expected_name,
        agreed,
    }
}

/// The award as it stands at `at`: an offer past its deadline reads as lapsed (its seat free on the line)
/// even before the job runner has marked it, so that no page has to write to show it.
pub fn as_seen(mut award: Award, at: NaiveDateTime) -> Award {
    if let Some(AwardStatus::Offered) = AwardStatus::parse(&award.status) {
        if let Ok(next) = next_award_status(AwardStatus::Offered, AwardAction::Lapse, &system_context(&award, at)) {
            award.status = next.as_str().to_string();
        }
    }
    award
}
