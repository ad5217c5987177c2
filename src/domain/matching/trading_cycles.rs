//! Top trading cycles over swap wishes: every scholar holds one seat (their live placement) and ranks the
//! facilities they prefer to their own; the cycles found are exchanges in which each member gets a facility on
//! their own wish list. A trade only permutes seats among the members, so no facility's count changes: no
//! capacity, cap or floor can break through it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// One scholar in the trade: the placement they hold, its facility, and the facilities they wish for, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub placement: i64,
    pub facility: i64,
    pub wishes: Vec<i64>,
}

/// One member's move in a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Move {
    pub placement: i64,
    pub from_facility: i64,
    pub to_facility: i64,
}

/// A cycle of two or more scholars, each taking the seat of the next (the last the first's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TradeCycle {
    pub moves: Vec<Move>,
}

/// Drops the wishes a scholar's bond does not allow (`county_of` gives a facility's county; an unknown
/// facility is dropped too), keeping the order.
pub fn wishes_within_bond<F>(wishes: &[i64], bond: Option<&[String]>, county_of: F) -> Vec<i64>
where
    F: Fn(i64) -> Option<String>,
{
    wishes
        .iter()
        .copied()
        .filter(|w| county_of(*w).is_some_and(|county| crate::domain::choices::within_bond(bond, &county)))
        .collect()
}

/// The cycles top trading cycles finds. Deterministic: participants are taken by placement id, a facility held
/// by several is pointed at through its holder with the lowest placement id, and the cycles come out in the
/// order found, each starting at its lowest placement id.
pub fn top_trading_cycles(participants: &[Participant]) -> Vec<TradeCycle> {
    // Keyed by placement id so that every pass walks them in the same order whatever the input's order.
    let mut remaining: BTreeMap<i64, &Participant> = participants.iter().map(|p| (p.placement, p)).collect();
    let mut cycles = Vec::new();
    loop {
        // Whom each participant points at; those with no wished facility still held leave, which may leave
        // others without a target, so repeat until everyone left points somewhere.
        let pointers = loop {
            let holders = holders_of(&remaining);
            let mut pointers = BTreeMap::new();
            let mut leaving = Vec::new();
            for (&id, p) in &remaining {
                let target = p
                    .wishes
                    .iter()
                    .filter(|w| **w != p.facility)
                    .find_map(|w| holders.get(w).and_then(|set| set.iter().next().copied()));
                match target {
                    Some(t) => {
                        pointers.insert(id, t);
                    }
                    None => leaving.push(id),
                }
            }
            if leaving.is_empty() {
                break pointers;
            }
            for id in leaving {
                remaining.remove(&id);
            }
        };
        if remaining.is_empty() {
            return cycles;
        }
        // Every remaining participant points at another (never themself: they do not wish for their own
        // facility), so walking the pointers from anyone reaches a cycle.
        let mut in_cycle: BTreeSet<i64> = BTreeSet::new();
        let mut found = Vec::new();
        for &start in pointers.keys() {
            if in_cycle.contains(&start) {
                continue;
            }
            let mut path = Vec::new();
            let mut seen = BTreeSet::new();
            let mut at = start;
            while seen.insert(at) && !in_cycle.contains(&at) {
                path.push(at);
                at = pointers[&at];
            }
            if in_cycle.contains(&at) {
                continue;
            }
            let first = path.iter().position(|x| *x == at).unwrap_or(0);
            let mut members: Vec<i64> = path[first..].to_vec();
            let lowest = members.iter().enumerate().min_by_key(|(_, id)| **id).map(|(i, _)| i).unwrap_or(0);
            members.rotate_left(lowest);
            in_cycle.extend(members.iter().copied());
            found.push(members);
        }
        for members in found {
            let moves = members
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let next = members[(i + 1) % members.len()];
                    Move {
                        placement: *id,
                        from_facility: remaining[id].facility,
                        to_facility: remaining[&next].facility,
                    }
                })
                .collect();
            cycles.push(TradeCycle { moves });
        }
        for id in &in_cycle {
            remaining.remove(id);
        }
    }
}

/// For each facility, the placements of the remaining participants holding it, lowest id first.
fn holders_of(remaining: &BTreeMap<i64, &Participant>) -> BTreeMap<i64, BTreeSet<i64>> {
    let mut holders: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for (&id, p) in remaining {
        holders.entry(p.facility).or_default().insert(id);
    }
    holders
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(placement: i64, facility: i64, wishes: &[i64]) -> Participant {
        Participant { placement, facility, wishes: wishes.to_vec() }
    }

    fn members(c: &TradeCycle) -> Vec<(i64, i64)> {
        c.moves.iter().map(|m| (m.placement, m.to_facility)).collect()
    }

    #[test]
    fn two_scholars_wishing_for_each_others_facility_swap() {
        let cycles = top_trading_cycles(&[p(1, 10, &[20]), p(2, 20, &[10])]);
        assert_eq!(cycles.len(), 1);
        assert_eq!(members(&cycles[0]), vec![(1, 20), (2, 10)]);
    }

    #[test]
    fn three_scholars_in_a_ring_trade_together_and_a_bystander_stays() {
        let cycles = top_trading_cycles(&[p(7, 30, &[10]), p(3, 10, &[20]), p(5, 20, &[30]), p(9, 40, &[10])]);
        assert_eq!(cycles.len(), 1);
        assert_eq!(members(&cycles[0]), vec![(3, 20), (5, 30), (7, 10)]);
    }

    #[test]
    fn a_chain_without_a_cycle_trades_nothing() {
        assert!(top_trading_cycles(&[p(1, 10, &[20]), p(2, 20, &[30]), p(3, 30, &[])]).is_empty());
    }

    #[test]
    fn a_wish_for_a_facility_nobody_offers_falls_to_the_next_wish() {
        let cycles = top_trading_cycles(&[p(1, 10, &[99, 20]), p(2, 20, &[10])]);
        assert_eq!(members(&cycles[0]), vec![(1, 20), (2, 10)]);
    }

    #[test]
    fn a_facility_held_by_several_is_reached_through_its_lowest_placement() {
        // 1 and 2 both hold facility 10; 3 wants 10 and gets it from 1 (the lower id), who wants 30.
        let cycles = top_trading_cycles(&[p(2, 10, &[30]), p(1, 10, &[30]), p(3, 30, &[10])]);
        assert_eq!(cycles.len(), 1);
        assert_eq!(members(&cycles[0]), vec![(1, 30), (3, 10)]);
    }

    #[test]
    fn a_wish_for_ones_own_facility_is_ignored() {
        assert!(top_trading_cycles(&[p(1, 10, &[10]), p(2, 10, &[10])]).is_empty());
    }

    #[test]
    fn the_best_wish_wins_over_a_lesser_one_once_its_holder_leaves_in_an_earlier_cycle() {
        // 1 and 2 swap in the first round; 3 wanted 10 first, then 40 held by 4, who wants 30: 3 and 4 swap next.
        let cycles = top_trading_cycles(&[p(1, 10, &[20]), p(2, 20, &[10]), p(3, 30, &[10, 40]), p(4, 40, &[30])]);
        assert_eq!(
            cycles.iter().map(members).collect::<Vec<_>>(),
            vec![vec![(1, 20), (2, 10)], vec![(3, 40), (4, 30)]]
        );
    }

    #[test]
    fn wishes_outside_the_bond_are_dropped_in_order() {
        let county = |f: i64| match f {
            1 => Some("Turkana".to_string()),
            2 => Some("Nairobi".to_string()),
            3 => Some("Marsabit".to_string()),
            _ => None,
        };
        let bond = vec!["Turkana".to_string(), "Marsabit".to_string()];
        assert_eq!(wishes_within_bond(&[3, 2, 1, 4], Some(&bond), county), vec![3, 1]);
        assert_eq!(wishes_within_bond(&[3, 2, 1, 4], None, county), vec![3, 2, 1]);
    }

    fn participants() -> impl Strategy<Value = Vec<Participant>> {
        prop::collection::vec((0..6i64, prop::collection::vec(0..6i64, 0..5)), 0..12).prop_map(|rows| {
            rows.into_iter()
                .enumerate()
                .map(|(i, (facility, wishes))| Participant { placement: i as i64 * 3 + 1, facility, wishes })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn every_member_gets_a_wish_counts_hold_and_the_result_is_deterministic(ps in participants()) {
            let cycles = top_trading_cycles(&ps);
            let by_id: BTreeMap<i64, &Participant> = ps.iter().map(|p| (p.placement, p)).collect();
            let mut seen = BTreeSet::new();
            let mut counts_before: BTreeMap<i64, i64> = BTreeMap::new();
            let mut counts_after: BTreeMap<i64, i64> = BTreeMap::new();
            for c in &cycles {
                prop_assert!(c.moves.len() >= 2);
                for m in &c.moves {
                    let who = by_id[&m.placement];
                    prop_assert!(seen.insert(m.placement), "a scholar in two cycles");
                    prop_assert_eq!(m.from_facility, who.facility);
                    prop_assert!(who.wishes.contains(&m.to_facility), "a move to a facility not wished for");
                    prop_assert_ne!(m.to_facility, who.facility);
                    *counts_before.entry(m.from_facility).or_default() += 1;
                    *counts_after.entry(m.to_facility).or_default() += 1;
                }
            }
            prop_assert_eq!(counts_before, counts_after);
            let mut reversed = ps.clone();
            reversed.reverse();
            prop_assert_eq!(top_trading_cycles(&reversed), cycles);
        }
    }
}
