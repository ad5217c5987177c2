//! A pairwise swap between two scholars of one cycle: who may move it, and where; and the limits on a
//! scholar's swap wishes.
//!
//! ```text
//! proposed ─agree (partner)─► agreed ─approve (coordinator)─► approved
//!    │ └─decline (partner)─► declined  └─refuse (coordinator, reason)─► refused
//!    └──────────── withdraw (either scholar, before the decision) ─► withdrawn
//! ```

use crate::domain::choices::within_bond;

/// At most this many swap wishes per scholar.
pub const MAX_WISHES: usize = 5;

/// Who acts on a swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Proposer,
    Partner,
    Coordinator,
}

/// What can happen to a swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapEvent {
    Agree,
    Decline,
    Withdraw,
    Approve,
    Refuse,
}

impl SwapEvent {
    pub fn parse(action: &str) -> Option<SwapEvent> {
        match action {
            "agree" => Some(SwapEvent::Agree),
            "decline" => Some(SwapEvent::Decline),
            "withdraw" => Some(SwapEvent::Withdraw),
            "approve" => Some(SwapEvent::Approve),
            "refuse" => Some(SwapEvent::Refuse),
            _ => None,
        }
    }
}

/// Why a move of a swap is refused: a message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapRefusal {
    /// The actor is not the one who may do this (a scholar answering their own proposal, a third scholar).
    NotYours,
    /// The swap is no longer in a state that allows it.
    State,
}

impl SwapRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            SwapRefusal::NotYours => "swap-error-not-yours",
            SwapRefusal::State => "swap-error-state",
        }
    }
}

/// The status after `event` by `party`, or why not. The statuses are the `placement_swaps.status` values.
pub fn next(status: &str, event: SwapEvent, party: Party) -> Result<&'static str, SwapRefusal> {
    use Party as P;
    use SwapEvent as E;
    let allowed_party = match event {
        E::Agree | E::Decline => party == P::Partner,
        E::Withdraw => matches!(party, P::Proposer | P::Partner),
        E::Approve | E::Refuse => party == P::Coordinator,
    };
    if !allowed_party {
        return Err(SwapRefusal::NotYours);
    }
    match (status, event) {
        ("proposed", E::Agree) => Ok("agreed"),
        ("proposed", E::Decline) => Ok("declined"),
        ("proposed" | "agreed", E::Withdraw) => Ok("withdrawn"),
        ("agreed", E::Approve) => Ok("approved"),
        ("agreed", E::Refuse) => Ok("refused"),
        _ => Err(SwapRefusal::State),
    }
}

/// Whether a swap is still waiting for someone (a scholar's answer or the coordinator's decision).
pub fn is_open(status: &str) -> bool {
    matches!(status, "proposed" | "agreed")
}

/// Both bonds must allow the exchange: each scholar's bond (`None` = anywhere) the other's facility's county.
pub fn bonds_allow(bond_a: Option<&[String]>, county_a: &str, bond_b: Option<&[String]>, county_b: &str) -> bool {
    within_bond(bond_a, county_b) && within_bond(bond_b, county_a)
}

/// A scholar's wish list as typed (facility ids, blanks dropped): at most [`MAX_WISHES`], no repeats, never
/// their own facility, each among the facilities they may wish for. Returns the message key of the first fault.
pub fn check_wishes(wishes: &[i64], own_facility: i64, allowed: &[i64]) -> Result<(), &'static str> {
    if wishes.len() > MAX_WISHES {
        return Err("swap-error-too-many-wishes");
    }
    for (i, w) in wishes.iter().enumerate() {
        if wishes[..i].contains(w) {
            return Err("swap-error-wish-repeated");
        }
        if *w == own_facility {
            return Err("swap-error-wish-own");
        }
        if !allowed.contains(w) {
            return Err("swap-error-wish-not-allowed");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Party as P;
    use super::SwapEvent as E;
    use super::*;

    #[test]
    fn every_move_is_allowed_or_refused_as_drawn() {
        let statuses = ["proposed", "agreed", "approved", "refused", "declined", "withdrawn"];
        let events = [E::Agree, E::Decline, E::Withdraw, E::Approve, E::Refuse];
        let parties = [P::Proposer, P::Partner, P::Coordinator];
        let allowed = [
            ("proposed", E::Agree, P::Partner, "agreed"),
            ("proposed", E::Decline, P::Partner, "declined"),
            ("proposed", E::Withdraw, P::Proposer, "withdrawn"),
            ("proposed", E::Withdraw, P::Partner, "withdrawn"),
            ("agreed", E::Withdraw, P::Proposer, "withdrawn"),
            ("agreed", E::Withdraw, P::Partner, "withdrawn"),
            ("agreed", E::Approve, P::Coordinator, "approved"),
            ("agreed", E::Refuse, P::Coordinator, "refused"),
        ];
        for s in statuses {
            for e in events {
                for p in parties {
                    let expected = allowed.iter().find(|(a, b, c, _)| *a == s && *b == e && *c == p).map(|x| x.3);
                    match expected {
                        Some(to) => assert_eq!(next(s, e, p), Ok(to), "{s} {e:?} by {p:?}"),
                        None => assert!(next(s, e, p).is_err(), "{s} {e:?} by {p:?} must be refused"),
                    }
                }
            }
        }
    }

    #[test]
    fn a_scholar_cannot_answer_a_swap_for_the_partner() {
        assert_eq!(next("proposed", E::Agree, P::Proposer), Err(SwapRefusal::NotYours));
        assert_eq!(next("agreed", E::Approve, P::Partner), Err(SwapRefusal::NotYours));
    }

    #[test]
    fn both_bonds_must_allow_the_exchange() {
        let north = vec!["Turkana".to_string()];
        assert!(bonds_allow(None, "Nairobi", None, "Kisumu"));
        assert!(bonds_allow(Some(&north), "Turkana", None, "Turkana"));
        assert!(!bonds_allow(Some(&north), "Turkana", None, "Nairobi"), "A would leave the bond");
        assert!(!bonds_allow(None, "Nairobi", Some(&north), "Turkana"), "B would leave the bond");
    }

    #[test]
    fn wishes_are_few_distinct_allowed_and_never_ones_own() {
        let allowed = [1, 2, 3, 4, 5, 6];
        assert_eq!(check_wishes(&[1, 2], 9, &allowed), Ok(()));
        assert_eq!(check_wishes(&[1, 2, 3, 4, 5, 6], 9, &allowed), Err("swap-error-too-many-wishes"));
        assert_eq!(check_wishes(&[1, 1], 9, &allowed), Err("swap-error-wish-repeated"));
        assert_eq!(check_wishes(&[9], 9, &[9]), Err("swap-error-wish-own"));
        assert_eq!(check_wishes(&[7], 9, &allowed), Err("swap-error-wish-not-allowed"));
    }
}
