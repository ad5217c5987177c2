//! Serial dictatorship: applicants choose one after another, each taking its most wanted
//! facility that still has room. In merit order it is the usual comparison point for
//! deferred acceptance; in a random order it is the lottery.

use super::couples::Couples;
use super::edges::{EdgeTable, NONE};
use super::instance::{ApplicantIndex, Instance};
use super::Matching;

/// Places applicants in the given order. A couple chooses when its first member's turn comes,
/// taking its first joint pair with room for both. Floors are not pursued (they are reported).
pub(super) fn serial_dictatorship(instance: &Instance, order: &[ApplicantIndex]) -> Matching {
    let edges = EdgeTable::build(instance);
    let couples = Couples::build(instance, &edges);
    let m = instance.facility_count();
    let capacity: Vec<u32> = (0..m as u32).map(|f| instance.facility(f).capacity).collect();
    let region_of: Vec<u32> = (0..m as u32).map(|f| instance.facility(f).region.unwrap_or(NONE)).collect();
    let mut filled = vec![0u32; m];
    let mut region_count = vec![0u32; instance.region_count()];
    let region_room = |region_count: &[u32], r: u32, seats: u32| -> bool {
        r == NONE || instance.region_cap(r).is_none_or(|cap| region_count[r as usize] + seats <= cap)
    };
    let mut facility_of = vec![None; instance.applicant_count()];
    let mut chosen = vec![false; instance.applicant_count()];
    for &a in order {
        if chosen[a as usize] {
            continue;
        }
        let c = couples.couple_of[a as usize];
        if c == NONE {
            chosen[a as usize] = true;
            for e in edges.edges_of(a) {
                let f = edges.facility[e as usize] as usize;
                if filled[f] < capacity[f] && region_room(&region_count, region_of[f], 1) {
                    filled[f] += 1;
                    if region_of[f] != NONE {
                        region_count[region_of[f] as usize] += 1;
                    }
                    facility_of[a as usize] = Some(f as u32);
                    break;
                }
            }
            continue;
        }
        let (x, y) = couples.members[c as usize];
        chosen[x as usize] = true;
        chosen[y as usize] = true;
        for &(ex, ey) in &couples.joint[c as usize] {
            let fx = edges.facility[ex as usize] as usize;
            let fy = edges.facility[ey as usize] as usize;
            let room = if fx == fy {
                filled[fx] + 2 <= capacity[fx]
            } else {
                filled[fx] < capacity[fx] && filled[fy] < capacity[fy]
            };
            if room && region_room(&region_count, region_of[fx], 2) {
                filled[fx] += 1;
                filled[fy] += 1;
                if region_of[fx] != NONE {
                    region_count[region_of[fx] as usize] += 2;
                }
                facility_of[x as usize] = Some(fx as u32);
                facility_of[y as usize] = Some(fy as u32);
                break;
            }
        }
    }
    Matching {
        facility_of,
        effective_capacity: capacity,
        seats_withheld_for_floors: 0,
        work_limit_reached: false,
        interrupted: Vec::new(),
    }
}
