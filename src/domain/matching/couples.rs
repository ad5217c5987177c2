//! Couples: two applicants who must serve in the same region. They propose as one, down a joint
//! list of facility pairs, in the spirit of the Roth–Peranson algorithm.

use super::deferred_acceptance::Market;
use super::edges::{EdgeTable, NONE};
use super::instance::{ApplicantIndex, Instance};
use super::stability::couple_pair_order;

/// The couples of an instance and how far each has gone down its joint list.
pub(super) struct Couples {
    /// Members, the one that comes first in the input first.
    pub members: Vec<(ApplicantIndex, ApplicantIndex)>,
    /// Per applicant, its couple or `NONE`.
    pub couple_of: Vec<u32>,
    /// Per couple, acceptable (edge of first member, edge of second member) pairs in the
    /// couple's order of preference.
    pub joint: Vec<Vec<(u32, u32)>>,
    pub next_pair: Vec<u32>,
    /// Whether the couple is already queued to propose, so that losing both seats at once
    /// does not queue it twice.
    pub waiting: Vec<bool>,
}

/// The joint list of two partners: every pair of their acceptable facilities in one region (or
/// one facility twice), ordered by the sum of their choice ranks, then by the worse of the two,
/// then by the first member's rank. Partners give separate lists, so this is the order a couple
/// that weighs both careers equally would state.
pub(super) fn joint_preferences(
    instance: &Instance,
    edges: &EdgeTable,
    first: ApplicantIndex,
    second: ApplicantIndex,
) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    for ex in edges.edges_of(first) {
        let fx = edges.facility[ex as usize];
        let rx = instance.facility(fx).region;
        for ey in edges.edges_of(second) {
            let fy = edges.facility[ey as usize];
            let same_region = rx.is_some() && rx == instance.facility(fy).region;
            if fx == fy || same_region {
                pairs.push((ex, ey));
            }
        }
    }
    pairs.sort_by_key(|&(ex, ey)| {
        couple_pair_order(edges.choice_rank[ex as usize] as usize, edges.choice_rank[ey as usize] as usize)
    });
    pairs
}

impl Couples {
    pub fn build(instance: &Instance, edges: &EdgeTable) -> Couples {
        let n = instance.applicant_count();
        let mut couples = Couples {
            members: Vec::new(),
            couple_of: vec![NONE; n],
            joint: Vec::new(),
            next_pair: Vec::new(),
            waiting: Vec::new(),
        };
        for a in 0..n as ApplicantIndex {
            if let Some(p) = instance.applicant(a).partner {
                if a < p {
                    let c = couples.members.len() as u32;
                    couples.members.push((a, p));
                    couples.couple_of[a as usize] = c;
                    couples.couple_of[p as usize] = c;
                    couples.joint.push(joint_preferences(instance, edges, a, p));
                    couples.next_pair.push(0);
                    couples.waiting.push(false);
                }
            }
        }
        couples
    }

    pub fn pair_count(&self) -> usize {
        self.joint.iter().map(Vec::len).sum()
    }
}

impl Market<'_> {
    /// A couple proposes down its joint list until both are held or the list runs out.
    pub fn propose_couple(&mut self, c: u32) {
        let c = c as usize;
        while (self.couples.next_pair[c] as usize) < self.couples.joint[c].len() {
            if self.work_done >= self.work_limit {
                self.work_limit_reached = true;
                self.couples.waiting[c] = true;
                self.waiting.push(self.couples.members[c].0);
                return;
            }
            self.work_done += 1;
            let (ex, ey) = self.couples.joint[c][self.couples.next_pair[c] as usize];
            self.couples.next_pair[c] += 1;
            if self.offer_pair(ex, ey) {
                return;
            }
        }
    }

    /// Both partners are held, or neither. A couple never makes a capped region turn someone
    /// away: it needs free room there for every seat it adds (a simplification that keeps the
    /// region rule single-seat).
    fn offer_pair(&mut self, ex: u32, ey: u32) -> bool {
        let fx = self.edges.facility[ex as usize] as usize;
        let fy = self.edges.facility[ey as usize] as usize;
        let kx = self.held_key(ex);
        let ky = self.held_key(ey);
        let mut victims: Vec<u64> = Vec::with_capacity(2);
        let new_seats: u32;
        if fx == fy {
            let free = self.capacity[fx].saturating_sub(self.held[fx].len() as u32);
            let need = 2u32.saturating_sub(free);
            if need as usize > self.held[fx].len() {
                return false;
            }
            let weaker = kx.max(ky);
            for _ in 0..need {
                match self.held[fx].peek() {
                    Some(&w) if w > weaker => {
                        self.held[fx].pop();
                        victims.push(w);
                    }
                    _ => {
                        self.held[fx].extend(victims.iter().copied());
                        return false;
                    }
                }
            }
            new_seats = 2 - need;
            if !self.region_has_room(self.region_of[fx], new_seats) {
                self.held[fx].extend(victims.iter().copied());
                return false;
            }
        } else {
            let mut seats = 0;
            let mut plan: [Option<u64>; 2] = [None, None];
            for (slot, (f, k)) in [(fx, kx), (fy, ky)].into_iter().enumerate() {
                if (self.held[f].len() as u32) < self.capacity[f] {
                    seats += 1;
                } else {
                    match self.held[f].peek() {
                        Some(&w) if w > k => plan[slot] = Some(w),
                        _ => return false,
                    }
                }
            }
            if !self.region_has_room(self.region_of[fx], seats) {
                return false;
            }
            for (slot, f) in [fx, fy].into_iter().enumerate() {
                if plan[slot].is_some() {
                    if let Some(w) = self.held[f].pop() {
                        victims.push(w);
                    }
                }
            }
            new_seats = seats;
        }
        debug_assert!(new_seats <= 2);
        for &w in &victims {
            self.release(w as u32);
        }
        self.admit(ex);
        self.admit(ey);
        for &w in &victims {
            // A victim that was the other victim's partner has already been dealt with.
            self.displaced(w as u32);
        }
        true
    }
}
