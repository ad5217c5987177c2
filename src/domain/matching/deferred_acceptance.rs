//! Deferred acceptance (Gale–Shapley, hospitals/residents form) in both directions, and the
//! tentative-placement state that the couple and floor rules extend.

use std::collections::BinaryHeap;

use super::couples::Couples;
use super::edges::{EdgeTable, NONE};
use super::instance::{ApplicantIndex, FacilityIndex, Instance};
use super::Matching;

/// Tentative placements while applicants propose. Everything is indexed by applicant, facility,
/// region or edge so that the inner loop does no hashing and no allocation.
pub(super) struct Market<'a> {
    pub instance: &'a Instance,
    pub edges: EdgeTable,
    /// Seats a facility may fill now; lowered below capacity only to push applicants to floors.
    pub capacity: Vec<u32>,
    /// Held applicants per facility as `facility_rank << 32 | applicant`: the worst is on top.
    pub held: Vec<BinaryHeap<u64>>,
    /// The edge an applicant is tentatively placed on, or `NONE`.
    pub placed_edge: Vec<u32>,
    /// The next edge an applicant will propose on; edges before it were tried.
    pub next_edge: Vec<u32>,
    pub region_of: Vec<u32>,
    /// `u32::MAX` for regions without a cap.
    pub region_cap: Vec<u32>,
    pub region_count: Vec<u32>,
    /// Placements in capped regions as `(merit rank, edge)`, lowest merit on top: a capped
    /// region keeps its highest-merit placements, merit being the one order every facility
    /// without a list shares. Entries whose applicant has since moved are skipped when met,
    /// which avoids removing from the middle of the heap.
    pub region_held: Vec<BinaryHeap<(u32, u32)>>,
    /// Applicants (or a member standing for its couple) who must propose again.
    pub waiting: Vec<ApplicantIndex>,
    pub couples: Couples,
    /// Facilities that lost a placement other than by taking someone better (a partner
    /// withdrawing, a move): their seat may now be wanted by someone turned away earlier.
    pub vacancies: Vec<FacilityIndex>,
    pub work_done: u64,
    pub work_limit: u64,
    pub work_limit_reached: bool,
    pub seats_withheld_for_floors: u32,
}

impl<'a> Market<'a> {
    pub fn new(instance: &'a Instance, work_limit: Option<u64>) -> Market<'a> {
        let n = instance.applicant_count();
        let m = instance.facility_count();
        let mut edges = EdgeTable::build(instance);
        let couples = Couples::build(instance, &edges);
        // The per-facility view serves vacancies and floors; capped regions create vacancies
        // only at facilities with their own lists.
        let caps_make_vacancies =
            instance.has_regional_caps() && (0..m as u32).any(|f| instance.facility(f).preferences.is_some());
        if instance.has_couples() || instance.has_floors() || caps_make_vacancies {
            edges.ensure_by_facility(m);
        }
        let capacity: Vec<u32> = (0..m as u32).map(|f| instance.facility(f).capacity).collect();
        let held = capacity.iter().map(|&c| BinaryHeap::with_capacity(c.min(1024) as usize)).collect();
        let region_of = (0..m as u32).map(|f| instance.facility(f).region.unwrap_or(NONE)).collect();
        let regions = instance.region_count();
        let region_cap = (0..regions as u32).map(|r| instance.region_cap(r).unwrap_or(u32::MAX)).collect();
        let next_edge = edges.start[..n].to_vec();
        // Nothing loops by design, but couples and floors re-open decisions; the limit is a
        // guarantee that a hostile instance ends, set far above what honest work needs.
        let natural_work = edges.facility.len() as u64 + couples.pair_count() as u64 + n as u64;
        let work_limit = work_limit.unwrap_or(16 * natural_work + 100_000);
        Market {
            instance,
            edges,
            capacity,
            held,
            placed_edge: vec![NONE; n],
            next_edge,
            region_of,
            region_cap,
            region_count: vec![0; regions],
            region_held: vec![BinaryHeap::new(); regions],
            waiting: Vec::new(),
            couples,
            vacancies: Vec::new(),
            work_done: 0,
            work_limit,
            work_limit_reached: false,
            seats_withheld_for_floors: 0,
        }
    }

    pub fn held_key(&self, e: u32) -> u64 {
        (u64::from(self.edges.facility_rank[e as usize]) << 32) | u64::from(self.edges.applicant[e as usize])
    }

    pub fn region_has_room(&self, r: u32, extra: u32) -> bool {
        r == NONE
            || u64::from(self.region_count[r as usize]) + u64::from(extra) <= u64::from(self.region_cap[r as usize])
    }

    /// Places the applicant of edge `e` at its facility (the caller checked there is room).
    pub fn admit(&mut self, e: u32) {
        let a = self.edges.applicant[e as usize];
        let f = self.edges.facility[e as usize];
        let key = self.held_key(e);
        self.held[f as usize].push(key);
        self.placed_edge[a as usize] = e;
        let r = self.region_of[f as usize];
        if r != NONE {
            self.region_count[r as usize] += 1;
            if self.region_cap[r as usize] != u32::MAX {
                self.region_held[r as usize].push((self.instance.merit_rank(a), e));
            }
        }
    }

    /// Forgets a placement whose facility entry is already gone.
    pub fn release(&mut self, a: ApplicantIndex) {
        let e = self.placed_edge[a as usize];
        if e == NONE {
            return;
        }
        let f = self.edges.facility[e as usize];
        let r = self.region_of[f as usize];
        if r != NONE {
            self.region_count[r as usize] -= 1;
        }
        self.placed_edge[a as usize] = NONE;
    }

    /// Takes a placed applicant out of its facility; returns the facility.
    pub fn withdraw(&mut self, a: ApplicantIndex) -> FacilityIndex {
        let e = self.placed_edge[a as usize];
        let f = self.edges.facility[e as usize];
        self.held[f as usize].retain(|&key| key as u32 != a);
        self.release(a);
        f
    }

    /// An applicant lost its seat: it (or its couple) proposes again; a partner left behind
    /// gives up its seat, because the couple must stay in one region.
    pub fn displaced(&mut self, a: ApplicantIndex) {
        match self.instance.applicant(a).partner {
            None => self.waiting.push(a),
            Some(partner) => {
                if self.placed_edge[partner as usize] != NONE {
                    let f = self.withdraw(partner);
                    self.vacancies.push(f);
                }
                let c = self.couples.couple_of[a as usize];
                if !self.couples.waiting[c as usize] {
                    self.couples.waiting[c as usize] = true;
                    self.waiting.push(a);
                }
            }
        }
    }

    fn spend_work(&mut self) -> bool {
        if self.work_done >= self.work_limit {
            self.work_limit_reached = true;
            return false;
        }
        self.work_done += 1;
        true
    }

    /// The lowest-merit live placement in a capped region.
    fn region_worst(&mut self, r: u32) -> Option<(u32, u32)> {
        while let Some(&(key, e)) = self.region_held[r as usize].peek() {
            if self.placed_edge[self.edges.applicant[e as usize] as usize] == e {
                return Some((key, e));
            }
            self.region_held[r as usize].pop();
        }
        None
    }

    /// One proposal by a single applicant; true when the facility holds it.
    fn offer_single(&mut self, e: u32) -> bool {
        let f = self.edges.facility[e as usize] as usize;
        let key = self.held_key(e);
        if (self.held[f].len() as u32) < self.capacity[f] {
            let r = self.region_of[f];
            if self.region_has_room(r, 1) {
                self.admit(e);
                return true;
            }
            // The region is at its cap: it turns away its lowest-merit placement if the
            // newcomer has more merit (the region acts as one more hospital in a laminar
            // hierarchy above its facilities).
            match self.region_worst(r) {
                Some((worst_merit, worst_edge))
                    if worst_merit > self.instance.merit_rank(self.edges.applicant[e as usize]) =>
                {
                    self.region_held[r as usize].pop();
                    let w = self.edges.applicant[worst_edge as usize];
                    let left = self.withdraw(w);
                    // Only someone already serving in the region can take the seat it left.
                    // When the facility ranks by merit, as the region does, no one there wants
                    // it (property test `regional_caps_with_merit_ranking_are_stable`), so the
                    // scan of the facility's applicants is spared.
                    if self.instance.facility(left).preferences.is_some() {
                        self.vacancies.push(left);
                    }
                    self.admit(e);
                    self.displaced(w);
                    true
                }
                _ => false,
            }
        } else {
            match self.held[f].peek() {
                Some(&worst) if worst > key => {
                    self.held[f].pop();
                    let w = worst as u32;
                    self.release(w);
                    self.admit(e);
                    self.displaced(w);
                    true
                }
                _ => false,
            }
        }
    }

    /// A single applicant proposes down its list until held or out of options.
    fn propose_single(&mut self, a: ApplicantIndex) {
        let end = self.edges.start[a as usize + 1];
        while self.next_edge[a as usize] < end {
            if !self.spend_work() {
                self.waiting.push(a);
                return;
            }
            let e = self.next_edge[a as usize];
            self.next_edge[a as usize] += 1;
            if self.offer_single(e) {
                return;
            }
        }
    }

    /// Lets everyone waiting propose until no one is waiting (or the work limit is hit).
    pub fn run_proposals(&mut self) {
        loop {
            // Seats freed by a withdrawing partner go first to those turned away earlier,
            // before anyone further down the queue can take them.
            if !self.vacancies.is_empty() {
                self.fill_vacancies();
            }
            let Some(a) = self.waiting.pop() else {
                return;
            };
            if self.work_limit_reached {
                self.waiting.push(a);
                return;
            }
            let c = self.couples.couple_of[a as usize];
            if c == NONE {
                // A vacancy may already have taken it in while it waited.
                if self.placed_edge[a as usize] == NONE {
                    self.propose_single(a);
                }
            } else {
                self.couples.waiting[c as usize] = false;
                self.propose_couple(c);
            }
            if self.work_limit_reached {
                return;
            }
        }
    }

    /// Offers each freed seat to the facility's best-ranked applicant who wants it more than
    /// where it is now (vacancy chains, as in Roth–Peranson); a partner only within its couple's
    /// region. Every move strictly improves one applicant's placement, so this ends.
    pub fn fill_vacancies(&mut self) {
        while let Some(g) = self.vacancies.pop() {
            loop {
                if self.held[g as usize].len() as u32 >= self.capacity[g as usize] {
                    break;
                }
                let Some(e) = self.vacancy_candidate(g) else {
                    break;
                };
                if !self.spend_work() {
                    return;
                }
                let a = self.edges.applicant[e as usize];
                if self.placed_edge[a as usize] != NONE {
                    let left = self.withdraw(a);
                    self.vacancies.push(left);
                }
                self.admit(e);
                self.next_edge[a as usize] = e + 1;
            }
        }
    }

    fn vacancy_candidate(&self, g: FacilityIndex) -> Option<u32> {
        let r = self.region_of[g as usize];
        let region_full = !self.region_has_room(r, 1);
        self.edges.of_facility(g).iter().copied().find(|&e| {
            let a = self.edges.applicant[e as usize] as usize;
            let current = self.placed_edge[a];
            if let Some(partner) = self.instance.applicant(a as ApplicantIndex).partner {
                // A partner may move alone only within the region where the other serves,
                // which keeps the couple together and the region's count unchanged.
                let partner_edge = self.placed_edge[partner as usize];
                if current == NONE || current <= e || partner_edge == NONE {
                    return false;
                }
                let partner_facility = self.edges.facility[partner_edge as usize];
                return partner_facility == g || (r != NONE && self.region_of[partner_facility as usize] == r);
            }
            if current == NONE {
                // One that has not reached this facility yet will propose here itself.
                return self.next_edge[a] > e && !region_full;
            }
            if current <= e {
                return false;
            }
            !region_full || self.region_of[self.edges.facility[current as usize] as usize] == r
        })
    }

    pub fn into_matching(self) -> Matching {
        let facility_of =
            self.placed_edge.iter().map(|&e| (e != NONE).then(|| self.edges.facility[e as usize])).collect();
        let mut interrupted: Vec<ApplicantIndex> = Vec::new();
        for &a in &self.waiting {
            match self.instance.applicant(a).partner {
                Some(p) => interrupted.extend([a, p]),
                None => interrupted.push(a),
            }
        }
        interrupted.sort_unstable();
        interrupted.dedup();
        Matching {
            facility_of,
            effective_capacity: self.capacity,
            seats_withheld_for_floors: self.seats_withheld_for_floors,
            work_limit_reached: self.work_limit_reached,
            interrupted,
        }
    }
}

/// Applicant-proposing deferred acceptance with every constraint the instance carries:
/// the applicant-optimal stable placement when there are no couples, caps or floors.
pub(super) fn applicant_proposing(instance: &Instance, work_limit: Option<u64>) -> Matching {
    let mut market = Market::new(instance, work_limit);
    // Pushed in reverse so that applicants propose in input order (the result does not depend
    // on it without couples, but a fixed order keeps couple outcomes reproducible).
    for a in (0..instance.applicant_count() as u32).rev() {
        market.displaced_initially(a);
    }
    market.run_proposals();
    if instance.has_floors() {
        super::floors::meet_floors(&mut market);
    }
    market.into_matching()
}

impl Market<'_> {
    fn displaced_initially(&mut self, a: ApplicantIndex) {
        match self.instance.applicant(a).partner {
            None => self.waiting.push(a),
            Some(partner) => {
                // One entry per couple, under the member that comes first.
                if a < partner {
                    let c = self.couples.couple_of[a as usize];
                    self.couples.waiting[c as usize] = true;
                    self.waiting.push(a);
                }
            }
        }
    }
}

/// Facility-proposing deferred acceptance (capacities and bonds only): the facility-optimal
/// stable placement.
pub(super) fn facility_proposing(instance: &Instance) -> Matching {
    let m = instance.facility_count();
    let mut edges = EdgeTable::build(instance);
    edges.ensure_by_facility(m);
    let n = instance.applicant_count();
    let mut placed_edge = vec![NONE; n];
    let mut filled = vec![0u32; m];
    let mut next_offer = vec![0usize; m];
    let mut offering: Vec<FacilityIndex> = (0..m as u32).rev().collect();
    while let Some(f) = offering.pop() {
        let list = edges.of_facility(f);
        let capacity = instance.facility(f).capacity;
        while filled[f as usize] < capacity && next_offer[f as usize] < list.len() {
            let e = list[next_offer[f as usize]];
            next_offer[f as usize] += 1;
            let a = edges.applicant[e as usize] as usize;
            let current = placed_edge[a];
            // Lower edge index = more wanted by the applicant.
            if current == NONE || e < current {
                if current != NONE {
                    let g = edges.facility[current as usize];
                    filled[g as usize] -= 1;
                    offering.push(g);
                }
                placed_edge[a] = e;
                filled[f as usize] += 1;
            }
        }
    }
    Matching {
        facility_of: placed_edge.iter().map(|&e| (e != NONE).then(|| edges.facility[e as usize])).collect(),
        effective_capacity: (0..m as u32).map(|f| instance.facility(f).capacity).collect(),
        seats_withheld_for_floors: 0,
        work_limit_reached: false,
        interrupted: Vec::new(),
    }
}
