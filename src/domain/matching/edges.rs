//! The acceptable (applicant, facility) pairs laid out flat, with both sides' ranks precomputed,
//! so that every comparison in the algorithms is an array read.

use super::instance::{ApplicantIndex, FacilityIndex, Instance};

/// Marks "no edge" / "no facility" in index arrays.
pub(super) const NONE: u32 = u32::MAX;

/// Acceptable pairs, grouped by applicant in the applicant's order of preference.
///
/// Within one applicant's block a lower edge index means a more wanted facility, which is what
/// lets the algorithms compare an applicant's options by comparing edge indices.
pub(super) struct EdgeTable {
    /// Applicant `a`'s edges are `start[a]..start[a + 1]`.
    pub start: Vec<u32>,
    pub applicant: Vec<ApplicantIndex>,
    pub facility: Vec<FacilityIndex>,
    /// 1-based position of the facility in the applicant's full list as submitted.
    pub choice_rank: Vec<u32>,
    /// The facility's rank of the applicant (lower is better).
    pub facility_rank: Vec<u32>,
    /// Edges of each facility sorted by the facility's rank; built on demand.
    by_facility: Option<(Vec<u32>, Vec<u32>)>,
}

impl EdgeTable {
    pub fn build(instance: &Instance) -> EdgeTable {
        let n = instance.applicant_count();
        let mut table = EdgeTable {
            start: Vec::with_capacity(n + 1),
            applicant: Vec::new(),
            facility: Vec::new(),
            choice_rank: Vec::new(),
            facility_rank: Vec::new(),
            by_facility: None,
        };
        for a in 0..n as ApplicantIndex {
            table.start.push(table.facility.len() as u32);
            for (k, &f) in instance.listed_facilities(a).iter().enumerate() {
                if !instance.region_allowed(a, f) {
                    continue;
                }
                let Some(rank) = instance.facility_rank(f, a) else {
                    continue;
                };
                table.applicant.push(a);
                table.facility.push(f);
                table.choice_rank.push(k as u32 + 1);
                table.facility_rank.push(rank);
            }
        }
        table.start.push(table.facility.len() as u32);
        table
    }

    pub fn edges_of(&self, a: ApplicantIndex) -> std::ops::Range<u32> {
        self.start[a as usize]..self.start[a as usize + 1]
    }

    /// Builds the per-facility view once (counting sort by facility, then by facility rank).
    pub fn ensure_by_facility(&mut self, facility_count: usize) {
        if self.by_facility.is_some() {
            return;
        }
        let mut start = vec![0u32; facility_count + 1];
        for &f in &self.facility {
            start[f as usize + 1] += 1;
        }
        for i in 0..facility_count {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut edges = vec![0u32; self.facility.len()];
        for (e, &f) in self.facility.iter().enumerate() {
            edges[fill[f as usize] as usize] = e as u32;
            fill[f as usize] += 1;
        }
        for f in 0..facility_count {
            let block = &mut edges[start[f] as usize..start[f + 1] as usize];
            block.sort_unstable_by_key(|&e| self.facility_rank[e as usize]);
        }
        self.by_facility = Some((start, edges));
    }

    /// The facility's acceptable edges, best-ranked applicant first.
    /// Empty until [`EdgeTable::ensure_by_facility`] has run.
    pub fn of_facility(&self, f: FacilityIndex) -> &[u32] {
        match &self.by_facility {
            None => &[],
            Some((start, edges)) => &edges[start[f as usize] as usize..start[f as usize + 1] as usize],
        }
    }
}
