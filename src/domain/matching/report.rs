//! The explained outcome of a match: each placement with the choice rank obtained, each
//! applicant left out with the reason, the figures funders read, and the stability audit.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::instance::{ApplicantIndex, FacilityIndex, Instance};
use super::stability::{count_blocking_pairs, count_blocking_pairs_with_capacities};
use super::{Algorithm, MatchOptions, Matching, Proposing};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchReport {
    pub assignments: Vec<AssignmentLine>,
    pub unmatched: Vec<UnmatchedLine>,
    pub stats: MatchStats,
    pub blocking_pairs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentLine {
    pub applicant: String,
    pub facility: String,
    /// 1-based position of the facility in the applicant's list.
    pub choice_rank: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedLine {
    pub applicant: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchStats {
    pub algorithm: Algorithm,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposing: Option<Proposing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub applicants: u64,
    pub matched: u64,
    pub unmatched: u64,
    /// Seats offered (sum of capacities).
    pub seats: u64,
    /// Seats taken (equals `matched`).
    pub filled: u64,
    pub fill_rate: f64,
    /// Seats held back from facilities above their floor to push applicants to floors.
    pub seats_withheld_for_floors: u64,
    /// Shares of the matched applicants placed at their first choice, top 3 and top 5.
    pub first_choice_share: f64,
    pub top3_share: f64,
    pub top5_share: f64,
    /// Facilities left with at least one empty seat.
    pub unfilled_facilities: u64,
    /// Facilities with seats that received no one.
    pub empty_facilities: u64,
    pub fill_by_need_band: Vec<NeedBandFill>,
    pub fill_by_region: Vec<RegionFill>,
    pub floors_unmet: Vec<FloorUnmet>,
    /// Blocking pairs left when seats withheld for floors count as taken: the part of
    /// `blocking_pairs` not explained by the floors.
    pub blocking_pairs_excluding_withheld_seats: u64,
    pub work_limit_reached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedBandFill {
    /// "0-4", "5-9", … "20+" (by the need score rounded down), or "unscored".
    pub band: String,
    pub facilities: u64,
    pub seats: u64,
    pub filled: u64,
    pub fill_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionFill {
    /// Region name, or "(no region)".
    pub region: String,
    pub facilities: u64,
    pub seats: u64,
    pub filled: u64,
    pub fill_rate: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FloorUnmet {
    pub facility: String,
    pub minimum: u32,
    pub placed: u32,
}

/// Rates are rounded to 4 decimals so the output reads well and compares exactly.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0
}

#[derive(Default)]
struct Fill {
    facilities: u64,
    seats: u64,
    filled: u64,
}

impl Fill {
    fn add(&mut self, seats: u32, filled: u32) {
        self.facilities += 1;
        self.seats += u64::from(seats);
        self.filled += u64::from(filled);
    }
}

/// Need bands five points wide: HPSA scores run 0–25 (26 for dental).
fn need_band(need: Option<f64>) -> (u32, String) {
    match need {
        None => (u32::MAX, "unscored".to_string()),
        Some(score) => {
            let low = ((score / 5.0).floor() as u32).min(4) * 5;
            let label = if low >= 20 { "20+".to_string() } else { format!("{low}-{}", low + 4) };
            (low, label)
        }
    }
}

/// Builds the report, including the independent stability audit.
pub fn explain(instance: &Instance, matching: &Matching, options: &MatchOptions) -> MatchReport {
    let m = instance.facility_count();
    let mut placed = vec![0u32; m];
    let mut worst_rank: Vec<Option<u32>> = vec![None; m];
    let mut region_count = vec![0u32; instance.region_count()];
    let mut assignments = Vec::new();
    let (mut first, mut top3, mut top5) = (0u64, 0u64, 0u64);
    for (a, place) in matching.facility_of.iter().enumerate() {
        let a = a as ApplicantIndex;
        let Some(f) = *place else { continue };
        placed[f as usize] += 1;
        if let Some(rank) = instance.facility_rank(f, a) {
            let worst = &mut worst_rank[f as usize];
            *worst = Some(worst.map_or(rank, |w| w.max(rank)));
        }
        if let Some(r) = instance.facility(f).region {
            region_count[r as usize] += 1;
        }
        let choice_rank = instance.listed_facilities(a).iter().position(|&x| x == f).map_or(0, |p| p as u32 + 1);
        first += u64::from(choice_rank == 1);
        top3 += u64::from(choice_rank <= 3);
        top5 += u64::from(choice_rank <= 5);
        assignments.push(AssignmentLine {
            applicant: instance.applicant_id(a).to_string(),
            facility: instance.facility_id(f).to_string(),
            choice_rank,
        });
    }
    let matched = assignments.len() as u64;

    let context = ReasonContext {
        instance,
        matching,
        placed: &placed,
        worst_rank: &worst_rank,
        region_count: &region_count,
        turn_based: options.algorithm != Algorithm::DeferredAcceptance,
    };
    let unmatched: Vec<UnmatchedLine> = matching
        .facility_of
        .iter()
        .enumerate()
        .filter(|(_, place)| place.is_none())
        .map(|(a, _)| UnmatchedLine {
            applicant: instance.applicant_id(a as ApplicantIndex).to_string(),
            reason: context.reason(a as ApplicantIndex),
        })
        .collect();

    let mut by_band: BTreeMap<(u32, String), Fill> = BTreeMap::new();
    let mut by_region: BTreeMap<(bool, String), Fill> = BTreeMap::new();
    let mut floors_unmet = Vec::new();
    let (mut unfilled_facilities, mut empty_facilities) = (0u64, 0u64);
    for f in 0..m as FacilityIndex {
        let facility = instance.facility(f);
        let filled = placed[f as usize];
        by_band.entry(need_band(facility.need_score)).or_default().add(facility.capacity, filled);
        let region_key = match facility.region {
            Some(r) => (false, instance.region_name(r).to_string()),
            None => (true, "(no region)".to_string()),
        };
        by_region.entry(region_key).or_default().add(facility.capacity, filled);
        if filled < facility.capacity {
            unfilled_facilities += 1;
            if filled == 0 {
                empty_facilities += 1;
            }
        }
        if filled < facility.minimum {
            floors_unmet.push(FloorUnmet {
                facility: instance.facility_id(f).to_string(),
                minimum: facility.minimum,
                placed: filled,
            });
        }
    }
    let seats = instance.total_seats();
    // The audit counts blocking pairs against the seats offered; when no seat was withheld for a
    // floor, the count "excluding withheld seats" is the same audit on the same capacities, so it
    // is run once (it is a fifth of the command on a two-sided market).
    let blocking_pairs = count_blocking_pairs(instance, &matching.facility_of);
    let nothing_withheld = (0..m as FacilityIndex)
        .all(|f| matching.effective_capacity.get(f as usize) == Some(&instance.facility(f).capacity));
    let blocking_pairs_excluding_withheld_seats = if nothing_withheld {
        blocking_pairs
    } else {
        count_blocking_pairs_with_capacities(instance, &matching.facility_of, &matching.effective_capacity)
    };
    let stats = MatchStats {
        algorithm: options.algorithm,
        proposing: (options.algorithm == Algorithm::DeferredAcceptance).then_some(options.proposing),
        seed: (options.algorithm == Algorithm::Lottery).then_some(options.seed),
        applicants: instance.applicant_count() as u64,
        matched,
        unmatched: instance.applicant_count() as u64 - matched,
        seats,
        filled: matched,
        fill_rate: share(matched, seats),
        seats_withheld_for_floors: u64::from(matching.seats_withheld_for_floors),
        first_choice_share: share(first, matched),
        top3_share: share(top3, matched),
        top5_share: share(top5, matched),
        unfilled_facilities,
        empty_facilities,
        fill_by_need_band: by_band
            .into_iter()
            .map(|((_, band), fill)| NeedBandFill {
                band,
                facilities: fill.facilities,
                seats: fill.seats,
                filled: fill.filled,
                fill_rate: share(fill.filled, fill.seats),
            })
            .collect(),
        fill_by_region: by_region
            .into_iter()
            .map(|((_, region), fill)| RegionFill {
                region,
                facilities: fill.facilities,
                seats: fill.seats,
                filled: fill.filled,
                fill_rate: share(fill.filled, fill.seats),
            })
            .collect(),
        floors_unmet,
        blocking_pairs_excluding_withheld_seats,
        work_limit_reached: matching.work_limit_reached,
    };
    MatchReport { assignments, unmatched, stats, blocking_pairs }
}

/// What the final state says about why an applicant was left out.
struct ReasonContext<'a> {
    instance: &'a Instance,
    matching: &'a Matching,
    placed: &'a [u32],
    worst_rank: &'a [Option<u32>],
    region_count: &'a [u32],
    /// Serial dictatorship and lottery: facilities fill in turn, not by their preferences.
    turn_based: bool,
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("{count} {one}")
    } else {
        format!("{count} {many}")
    }
}

impl ReasonContext<'_> {
    fn reason(&self, a: ApplicantIndex) -> String {
        let instance = self.instance;
        let listed = instance.listed_facilities(a);
        if listed.is_empty() {
            return "listed no facilities".to_string();
        }
        if self.matching.interrupted.binary_search(&a).is_ok() {
            return "the work limit stopped the match before this applicant was placed".to_string();
        }
        let in_region: Vec<FacilityIndex> = listed.iter().copied().filter(|&f| instance.region_allowed(a, f)).collect();
        if in_region.is_empty() {
            return format!("no listed facility in allowed regions ({})", self.allowed_region_names(a));
        }
        let acceptable: Vec<FacilityIndex> =
            in_region.iter().copied().filter(|&f| instance.facility_rank(f, a).is_some()).collect();
        if acceptable.is_empty() {
            return format!(
                "none of the {} in allowed regions ranks this applicant",
                plural(in_region.len(), "listed facility", "listed facilities")
            );
        }
        if let Some(p) = instance.applicant(a).partner {
            return self.couple_reason(a, p, &acceptable);
        }
        self.seat_reason(a, &acceptable, listed.len())
    }

    fn allowed_region_names(&self, a: ApplicantIndex) -> String {
        match &self.instance.applicant(a).allowed_regions {
            None => String::new(),
            Some(regions) => regions.iter().map(|&r| self.instance.region_name(r)).collect::<Vec<_>>().join(", "),
        }
    }

    fn couple_reason(&self, a: ApplicantIndex, p: ApplicantIndex, acceptable: &[u32]) -> String {
        let instance = self.instance;
        let partner_acceptable: Vec<FacilityIndex> =
            instance.listed_facilities(p).iter().copied().filter(|&g| instance.acceptable(p, g)).collect();
        let any_pair = acceptable.iter().any(|&f| {
            let region = instance.facility(f).region;
            partner_acceptable.iter().any(|&g| g == f || (region.is_some() && instance.facility(g).region == region))
        });
        if any_pair {
            format!(
                "partner could not be placed in the same region: no pair of listed facilities \
                 in one region had room for both {} and {}",
                instance.applicant_id(a),
                instance.applicant_id(p)
            )
        } else {
            "partner could not be placed in the same region: no facility this applicant may \
             take shares a region with one the partner may take"
                .to_string()
        }
    }

    fn seat_reason(&self, a: ApplicantIndex, acceptable: &[u32], listed: usize) -> String {
        let instance = self.instance;
        let (mut preferred, mut withheld, mut region_capped, mut other) = (0, 0, 0, 0);
        for &f in acceptable {
            let facility = instance.facility(f);
            let effective = self.matching.effective_capacity[f as usize];
            let count = self.placed[f as usize];
            let rank = instance.facility_rank(f, a);
            let region_full = facility
                .region
                .is_some_and(|r| instance.region_cap(r).is_some_and(|cap| self.region_count[r as usize] >= cap));
            if count >= facility.capacity {
                let holds_better = match (self.worst_rank[f as usize], rank) {
                    (Some(w), Some(r)) => w < r,
                    _ => true,
                };
                if holds_better || self.turn_based {
                    preferred += 1;
                } else {
                    other += 1;
                }
            } else if count >= effective {
                withheld += 1;
            } else if region_full {
                region_capped += 1;
            } else {
                other += 1;
            }
        }
        let full_phrase =
            if self.turn_based { "full when this applicant's turn came" } else { "full with applicants they prefer" };
        let outside = listed - acceptable.len();
        let aside = if outside > 0 {
            format!(
                " ({} outside allowed regions or not ranking this applicant)",
                plural(outside, "other was", "others were")
            )
        } else {
            String::new()
        };
        if preferred == acceptable.len() {
            let all = if acceptable.len() == 1 {
                "the 1 listed facility was".to_string()
            } else {
                format!("all {} listed facilities were", acceptable.len())
            };
            return format!("{all} {full_phrase}{aside}");
        }
        let mut parts = Vec::new();
        if preferred > 0 {
            parts.push(format!("{preferred} {full_phrase}"));
        }
        if region_capped > 0 {
            parts.push(format!("{region_capped} in regions at their cap"));
        }
        if withheld > 0 {
            parts.push(format!("{withheld} with seats withheld to meet floors elsewhere"));
        }
        if other > 0 {
            parts.push(format!("{other} turned this applicant away earlier"));
        }
        format!(
            "no seat at any of {}: {}{aside}",
            plural(acceptable.len(), "listed facility", "listed facilities"),
            parts.join(", ")
        )
    }
}
