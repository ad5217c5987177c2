//! Floors (minimum placements per facility) by artificial caps: after deferred acceptance, seats
//! elsewhere are withheld one at a time so that applicants move down to facilities under their
//! floor. Floors that no withheld seat can reach are left unmet and reported.

use super::deferred_acceptance::Market;
use super::edges::NONE;
use super::instance::FacilityIndex;

/// Withholds seats until every floor is met or no withheld seat could help any more.
///
/// Each step lowers one facility's usable capacity to one below what it holds, never below its
/// own floor, and lets deferred acceptance continue; since deferred acceptance does not depend
/// on proposal order, the outcome equals applicant-proposing deferred acceptance run on the
/// lowered capacities.
/// Capacities only go down, so the loop ends after at most one step per seat.
pub(super) fn meet_floors(market: &mut Market) {
    let facility_count = market.instance.facility_count() as u32;
    loop {
        let mut progress = false;
        for f in 0..facility_count {
            if market.work_limit_reached {
                return;
            }
            let minimum = market.instance.facility(f).minimum;
            if market.held[f as usize].len() as u32 >= minimum {
                continue;
            }
            let Some(e) = floor_candidate(market, f) else {
                continue;
            };
            let w = market.edges.applicant[e as usize];
            let g = market.edges.facility[market.placed_edge[w as usize] as usize];
            // Lowering the cap to one below what `g` holds turns away its worst, the candidate.
            let lowered = market.held[g as usize].len() as u32 - 1;
            market.seats_withheld_for_floors += market.capacity[g as usize] - lowered;
            market.capacity[g as usize] = lowered;
            market.held[g as usize].pop();
            market.release(w);
            market.displaced(w);
            market.run_proposals();
            progress = true;
        }
        if !progress {
            return;
        }
    }
}

/// A single applicant who accepts facility `f` but holds a seat it prefers at a facility above
/// its own floor, where it is the worst held; the one with the fewest options between that seat
/// and `f` (most likely to land at `f`), then the one `f` ranks best.
fn floor_candidate(market: &Market, f: FacilityIndex) -> Option<u32> {
    let region = market.region_of[f as usize];
    let region_full = !market.region_has_room(region, 1);
    let mut best: Option<(u32, u32)> = None;
    for &e in market.edges.of_facility(f) {
        let w = market.edges.applicant[e as usize];
        if market.couples.couple_of[w as usize] != NONE {
            continue;
        }
        let current = market.placed_edge[w as usize];
        if current == NONE || current >= e {
            continue;
        }
        let g = market.edges.facility[current as usize];
        let held_at_g = &market.held[g as usize];
        if held_at_g.len() as u32 <= market.instance.facility(g).minimum {
            continue;
        }
        if held_at_g.peek().map(|&k| k as u32) != Some(w) {
            continue;
        }
        if region_full && market.region_of[g as usize] != region {
            continue;
        }
        let distance = e - current;
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, e));
        }
    }
    best.map(|(_, e)| e)
}
