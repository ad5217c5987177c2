//! An independent audit of a placement: blocking pairs and broken rules, worked out from the
//! instance alone (not from any algorithm's internal state), so it can catch an algorithm's bugs.

use super::instance::{ApplicantIndex, FacilityIndex, Instance};

/// Counts blocking pairs: an applicant and a facility it listed above its placement (or any
/// listed facility, if unplaced), acceptable to each other, where the facility has an empty
/// seat the applicant may take (its region below its cap, or the applicant already serving
/// in that region) or holds someone it ranks below the applicant.
///
/// A partner may deviate on its own only to a facility in the region where the other partner
/// serves. A couple also blocks, once per pair of facilities, with a pair it ranks above its
/// placement (see [`couple_pair_order`]) where both facilities would take it.
/// Seats withheld to meet floors count as empty: blocking pairs are the price of the floors.
pub fn count_blocking_pairs(instance: &Instance, facility_of: &[Option<FacilityIndex>]) -> u64 {
    let capacity: Vec<u32> =
        (0..instance.facility_count() as FacilityIndex).map(|f| instance.facility(f).capacity).collect();
    count_blocking_pairs_with_capacities(instance, facility_of, &capacity)
}

/// Blocking pairs when each facility offers only `capacity[f]` seats (for instance, its
/// capacity less the seats withheld to meet floors).
pub fn count_blocking_pairs_with_capacities(
    instance: &Instance,
    facility_of: &[Option<FacilityIndex>],
    capacity: &[u32],
) -> u64 {
    let m = instance.facility_count();
    let mut placed = vec![0u32; m];
    // Worst (highest) rank each facility holds, by the facility's own ranking.
    let mut worst_rank: Vec<Option<u32>> = vec![None; m];
    let mut region_count = vec![0u32; instance.region_count()];
    for (a, place) in facility_of.iter().enumerate() {
        let Some(f) = *place else { continue };
        placed[f as usize] += 1;
        if let Some(rank) = instance.facility_rank(f, a as ApplicantIndex) {
            let worst = &mut worst_rank[f as usize];
            *worst = Some(worst.map_or(rank, |w| w.max(rank)));
        }
        if let Some(r) = instance.facility(f).region {
            region_count[r as usize] += 1;
        }
    }

    let mut held_ranks: Vec<Vec<u32>> = vec![Vec::new(); m];
    for (a, place) in facility_of.iter().enumerate() {
        if let Some(f) = *place {
            if let Some(rank) = instance.facility_rank(f, a as ApplicantIndex) {
                held_ranks[f as usize].push(rank);
            }
        }
    }
    for ranks in &mut held_ranks {
        // Worst first.
        ranks.sort_unstable_by(|x, y| y.cmp(x));
    }
    let audit = CoupleAudit {
        instance,
        facility_of,
        capacity,
        placed: &placed,
        held_ranks: &held_ranks,
        region_count: &region_count,
    };
    let mut blocking = 0u64;
    for a in 0..instance.applicant_count() as ApplicantIndex {
        if let Some(p) = instance.applicant(a).partner {
            if a < p {
                blocking += audit.blocking_pairs_of_couple(a, p);
            }
        }
        let current = facility_of[a as usize];
        let current_region = current.and_then(|f| instance.facility(f).region);
        let partner_place = match instance.applicant(a).partner {
            None => None,
            Some(p) => match facility_of[p as usize] {
                None => continue,
                Some(pf) => Some(pf),
            },
        };
        for &f in instance.listed_facilities(a) {
            if Some(f) == current {
                break;
            }
            if !instance.acceptable(a, f) {
                continue;
            }
            let facility = instance.facility(f);
            if let Some(pf) = partner_place {
                let same_region = facility.region.is_some() && facility.region == instance.facility(pf).region;
                if !(same_region || pf == f) {
                    continue;
                }
            }
            let Some(rank) = instance.facility_rank(f, a) else {
                continue;
            };
            let has_seat = placed[f as usize] < capacity[f as usize];
            let region_allows = match facility.region {
                None => true,
                Some(r) => {
                    current_region == Some(r) || instance.region_cap(r).is_none_or(|cap| region_count[r as usize] < cap)
                }
            };
            let prefers_applicant = worst_rank[f as usize].is_some_and(|w| w > rank);
            if (has_seat && region_allows) || (!has_seat && prefers_applicant) {
                blocking += 1;
            }
        }
    }
    blocking
}

/// How a couple ranks pairs of facilities, given by the positions `(i, j)` of the two
/// facilities in the partners' own lists: by the sum, then the worse of the two, then the
/// first partner's. Lower is better. The engine's joint lists follow the same order.
pub fn couple_pair_order(i: usize, j: usize) -> (usize, usize, usize) {
    (i + j, i.max(j), i)
}

struct CoupleAudit<'a> {
    instance: &'a Instance,
    facility_of: &'a [Option<FacilityIndex>],
    capacity: &'a [u32],
    placed: &'a [u32],
    held_ranks: &'a [Vec<u32>],
    region_count: &'a [u32],
}

impl CoupleAudit<'_> {
    fn together(&self, f: FacilityIndex, g: FacilityIndex) -> bool {
        let region = self.instance.facility(f).region;
        f == g || (region.is_some() && region == self.instance.facility(g).region)
    }

    /// Pairs the couple prefers to where it is, where each facility has a free seat or holds
    /// someone it ranks below the partner it would take, and the region has room.
    fn blocking_pairs_of_couple(&self, x: ApplicantIndex, y: ApplicantIndex) -> u64 {
        let instance = self.instance;
        let listed_x = instance.listed_facilities(x);
        let listed_y = instance.listed_facilities(y);
        let position = |listed: &[FacilityIndex], place: Option<FacilityIndex>| {
            place.and_then(|f| listed.iter().position(|&g| g == f))
        };
        let current = match (
            position(listed_x, self.facility_of[x as usize]),
            position(listed_y, self.facility_of[y as usize]),
        ) {
            (Some(i), Some(j)) => Some(couple_pair_order(i, j)),
            _ => None,
        };
        let current_region = self.facility_of[x as usize].and_then(|f| instance.facility(f).region);
        let mut blocking = 0;
        for (i, &fx) in listed_x.iter().enumerate() {
            if !instance.acceptable(x, fx) {
                continue;
            }
            for (j, &fy) in listed_y.iter().enumerate() {
                if current.is_some_and(|c| couple_pair_order(i, j) >= c)
                    || !instance.acceptable(y, fy)
                    || !self.together(fx, fy)
                {
                    continue;
                }
                if self.would_take(x, fx, y, fy, current_region) {
                    blocking += 1;
                }
            }
        }
        blocking
    }

    fn would_take(
        &self,
        x: ApplicantIndex,
        fx: FacilityIndex,
        y: ApplicantIndex,
        fy: FacilityIndex,
        current_region: Option<u32>,
    ) -> bool {
        let instance = self.instance;
        let (Some(rank_x), Some(rank_y)) = (instance.facility_rank(fx, x), instance.facility_rank(fy, y)) else {
            return false;
        };
        // Seats each facility must give up (free ones first, then its worst holders).
        let mut free_seats_taken = 0u32;
        let mut demands: Vec<(FacilityIndex, Vec<u32>)> = Vec::with_capacity(2);
        for (partner, target, rank) in [(x, fx, rank_x), (y, fy, rank_y)] {
            // A partner already there keeps its own seat.
            if self.facility_of[partner as usize] == Some(target) {
                continue;
            }
            match demands.iter_mut().find(|(f, _)| *f == target) {
                Some((_, ranks)) => ranks.push(rank),
                None => demands.push((target, vec![rank])),
            }
        }
        for (f, ranks) in demands {
            let free = self.capacity[f as usize].saturating_sub(self.placed[f as usize]);
            let needed = ranks.len() as u32;
            let from_free = free.min(needed);
            free_seats_taken += from_free;
            let to_displace = (needed - from_free) as usize;
            let weakest_newcomer = ranks.iter().copied().max().unwrap_or(0);
            let worst_held = &self.held_ranks[f as usize];
            if worst_held.len() < to_displace || worst_held[..to_displace].iter().any(|&w| w <= weakest_newcomer) {
                return false;
            }
        }
        match instance.facility(fx).region {
            None => true,
            Some(r) => {
                current_region == Some(r)
                    || instance.region_cap(r).is_none_or(|cap| self.region_count[r as usize] + free_seats_taken <= cap)
            }
        }
    }
}

/// Rules a placement must never break, whatever the algorithm: each problem in words.
pub fn feasibility_problems(instance: &Instance, facility_of: &[Option<FacilityIndex>]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut placed = vec![0u32; instance.facility_count()];
    let mut region_count = vec![0u32; instance.region_count()];
    for (a, place) in facility_of.iter().enumerate() {
        let a = a as ApplicantIndex;
        let Some(f) = *place else { continue };
        placed[f as usize] += 1;
        if let Some(r) = instance.facility(f).region {
            region_count[r as usize] += 1;
        }
        let id = instance.applicant_id(a);
        let fid = instance.facility_id(f);
        if !instance.listed_facilities(a).contains(&f) {
            problems.push(format!("{id} placed at {fid}, which it did not list"));
        }
        if !instance.acceptable(a, f) {
            problems.push(format!("{id} placed at {fid}, which is not acceptable"));
        }
        if let Some(p) = instance.applicant(a).partner {
            let together = facility_of[p as usize].is_some_and(|pf| {
                pf == f
                    || (instance.facility(f).region.is_some()
                        && instance.facility(f).region == instance.facility(pf).region)
            });
            if !together {
                problems.push(format!("{id} placed without its partner in the same region"));
            }
        }
    }
    for (f, &count) in placed.iter().enumerate() {
        let capacity = instance.facility(f as FacilityIndex).capacity;
        if count > capacity {
            let fid = instance.facility_id(f as FacilityIndex);
            problems.push(format!("{fid} holds {count} for {capacity} seats"));
        }
    }
    for (r, &count) in region_count.iter().enumerate() {
        if let Some(cap) = instance.region_cap(r as u32) {
            if count > cap {
                let name = instance.region_name(r as u32);
                problems.push(format!("region {name} holds {count} over its cap {cap}"));
            }
        }
    }
    problems
}
