//! The life of one placement record, from a run's proposal to the end of service at that facility.
//!
//! ```text
//! proposed ─publish─► published ─accept─► accepted ─start─► started ─transfer─► transferred
//!                        │  │  └─decline─► declined                 └──end─────► ended
//!                        │  └─lapse (deadline passed, no answer)─► lapsed
//!                        └─reassign (appeal upheld, swap approved; also from accepted)─► reassigned
//! ```
//!
//! A move to another facility (reassignment, swap, transfer) never edits a record: the old one takes its final
//! state here and a new record starts (published or accepted for a reassignment, started for a transfer), so
//! that the published run and every decision after it stay readable as they were.

use std::fmt;

/// Where a placement record stands. The names are the `placements.status` column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlacementStatus {
    Proposed,
    Published,
    Accepted,
    Declined,
    Lapsed,
    Reassigned,
    Started,
    Transferred,
    Ended,
}

/// What can happen to a placement record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlacementEvent {
    /// The run it belongs to is published.
    Publish,
    /// The scholar accepts, by the cycle's deadline.
    Accept,
    /// The scholar declines, with a reason.
    Decline,
    /// The acceptance deadline passed without an answer.
    Lapse,
    /// An upheld appeal or an approved swap moves the scholar elsewhere (a new record).
    Reassign,
    /// The facility's supervisor confirms the scholar's arrival.
    Start,
    /// An approved transfer in service moves the scholar elsewhere (a new record).
    Transfer,
    /// Service at this facility ends (completion, breach, or the end of the obligation).
    End,
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRefused {
    pub from: PlacementStatus,
    pub event: PlacementEvent,
}

impl fmt::Display for TransitionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} placement cannot be {:?}", self.from.as_str(), self.event)
    }
}

impl PlacementStatus {
    pub const ALL: [PlacementStatus; 9] = [
        PlacementStatus::Proposed,
        PlacementStatus::Published,
        PlacementStatus::Accepted,
        PlacementStatus::Declined,
        PlacementStatus::Lapsed,
        PlacementStatus::Reassigned,
        PlacementStatus::Started,
        PlacementStatus::Transferred,
        PlacementStatus::Ended,
    ];

    /// The statuses of the one record a scholar holds at a time (the `placements_live` index).
    pub const LIVE: [&'static str; 4] = ["proposed", "published", "accepted", "started"];

    pub fn as_str(self) -> &'static str {
        match self {
            PlacementStatus::Proposed => "proposed",
            PlacementStatus::Published => "published",
            PlacementStatus::Accepted => "accepted",
            PlacementStatus::Declined => "declined",
            PlacementStatus::Lapsed => "lapsed",
            PlacementStatus::Reassigned => "reassigned",
            PlacementStatus::Started => "started",
            PlacementStatus::Transferred => "transferred",
            PlacementStatus::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<PlacementStatus> {
        PlacementStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether this is the scholar's current record (no later decision has closed it).
    pub fn is_live(self) -> bool {
        PlacementStatus::LIVE.contains(&self.as_str())
    }

    /// The state after `event`, or why it cannot happen.
    pub fn next(self, event: PlacementEvent) -> Result<PlacementStatus, TransitionRefused> {
        use PlacementEvent as E;
        use PlacementStatus as S;
        match (self, event) {
            (S::Proposed, E::Publish) => Ok(S::Published),
            (S::Published, E::Accept) => Ok(S::Accepted),
            (S::Published, E::Decline) => Ok(S::Declined),
            (S::Published, E::Lapse) => Ok(S::Lapsed),
            (S::Published | S::Accepted, E::Reassign) => Ok(S::Reassigned),
            (S::Accepted, E::Start) => Ok(S::Started),
            (S::Started, E::Transfer) => Ok(S::Transferred),
            (S::Started, E::End) => Ok(S::Ended),
            (from, event) => Err(TransitionRefused { from, event }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PlacementEvent as E;
    use super::PlacementStatus as S;
    use super::*;

    const EVENTS: [PlacementEvent; 8] =
        [E::Publish, E::Accept, E::Decline, E::Lapse, E::Reassign, E::Start, E::Transfer, E::End];

    /// Every allowed transition, and nothing else: each of the 72 (state, event) pairs is checked.
    #[test]
    fn every_transition_is_allowed_or_refused_as_drawn() {
        let allowed = [
            (S::Proposed, E::Publish, S::Published),
            (S::Published, E::Accept, S::Accepted),
            (S::Published, E::Decline, S::Declined),
            (S::Published, E::Lapse, S::Lapsed),
            (S::Published, E::Reassign, S::Reassigned),
            (S::Accepted, E::Reassign, S::Reassigned),
            (S::Accepted, E::Start, S::Started),
            (S::Started, E::Transfer, S::Transferred),
            (S::Started, E::End, S::Ended),
        ];
        let mut checked = 0;
        for from in S::ALL {
            for event in EVENTS {
                let expected = allowed.iter().find(|(f, e, _)| *f == from && *e == event).map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(from.next(event), Ok(to), "{from:?} --{event:?}-->"),
                    None => assert_eq!(
                        from.next(event),
                        Err(TransitionRefused { from, event }),
                        "{from:?} --{event:?}--> must be refused"
                    ),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 72);
    }

    #[test]
    fn final_states_refuse_everything() {
        for from in [S::Declined, S::Lapsed, S::Reassigned, S::Transferred, S::Ended] {
            assert!(!from.is_live());
            for event in EVENTS {
                assert!(from.next(event).is_err(), "{from:?} accepted {event:?}");
            }
        }
    }

    #[test]
    fn a_scholar_cannot_start_before_accepting_nor_decline_after() {
        assert!(S::Published.next(E::Start).is_err());
        assert!(S::Accepted.next(E::Decline).is_err());
        assert!(S::Accepted.next(E::Lapse).is_err());
        assert!(S::Started.next(E::Reassign).is_err());
    }

    #[test]
    fn names_round_trip_and_live_matches_the_index() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("superseded"), None);
        let live: Vec<&str> = S::ALL.into_iter().filter(|s| s.is_live()).map(S::as_str).collect();
        assert_eq!(live, S::LIVE);
    }
}
