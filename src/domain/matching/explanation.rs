//! Why one applicant did not get a facility they ranked higher than the one they got (or any they ranked, if
//! unplaced), read from the engine's own data: the instance and the matching. Nothing here is typed by a
//! person; the pages turn each reason into words through the locale files.

use serde::{Deserialize, Serialize};

use super::instance::{ApplicantIndex, FacilityIndex, Instance};

/// Why a facility the applicant ranked higher did not take them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum WhyNot {
    /// The facility offered no seat in this match (capacity 0: not eligible for placement, or no vacancy).
    NoSeat,
    /// The facility is outside the regions the applicant's bond allows.
    OutsideBond,
    /// The facility's own list leaves the applicant out.
    DoesNotRankYou,
    /// Every seat went to applicants the facility ranks higher; the lowest-ranked of them had this tier and
    /// score (never their id).
    Full { lowest_tier: i64, lowest_score: Option<f64> },
    /// The facility's region already received as many placements as its cap allows.
    RegionalCapReached { region: String },
    /// The applicant's partner could not be placed in the same region alongside them.
    PartnerRegion,
    /// Seats were held back so that needier facilities reach their floor.
    HeldForFloors,
}

/// One facility ranked higher than the placement, with the reason it was not given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HigherChoice {
    pub facility: String,
    /// 1-based position in the applicant's list.
    pub choice_rank: u32,
    #[serde(flatten)]
    pub why: WhyNot,
}

/// The applicant's outcome and, for each facility they ranked higher, why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub applicant: String,
    /// The facility they are placed at and its rank in their list; `None` when unplaced.
    pub placed: Option<(String, u32)>,
    pub higher_choices: Vec<HigherChoice>,
}

/// Explains the outcome of applicant `a` in `facility_of` (per applicant, its facility), a matching of
/// `instance`.
pub fn explain_applicant(instance: &Instance, facility_of: &[Option<FacilityIndex>], a: ApplicantIndex) -> Explanation {
    let mut placed = vec![0u32; instance.facility_count()];
    let mut region_count = vec![0u32; instance.region_count()];
    for f in facility_of.iter().flatten() {
        placed[*f as usize] += 1;
        if let Some(r) = instance.facility(*f).region {
            region_count[r as usize] += 1;
        }
    }
    let listed = instance.listed_facilities(a);
    let own = facility_of.get(a as usize).copied().flatten();
    let own_position = own.and_then(|f| listed.iter().position(|&g| g == f));
    let above = &listed[..own_position.unwrap_or(listed.len())];
    let higher_choices = above
        .iter()
        .enumerate()
        .map(|(k, &f)| HigherChoice {
            facility: instance.facility_id(f).to_string(),
            choice_rank: k as u32 + 1,
            why: why_not(instance, facility_of, &placed, &region_count, a, f),
        })
        .collect();
    Explanation {
        applicant: instance.applicant_id(a).to_string(),
        placed: own.zip(own_position).map(|(f, p)| (instance.facility_id(f).to_string(), p as u32 + 1)),
        higher_choices,
    }
}

fn why_not(
    instance: &Instance,
    facility_of: &[Option<FacilityIndex>],
    placed: &[u32],
    region_count: &[u32],
    a: ApplicantIndex,
    f: FacilityIndex,
) -> WhyNot {
    let facility = instance.facility(f);
    if facility.capacity == 0 {
        return WhyNot::NoSeat;
    }
    if !instance.region_allowed(a, f) {
        return WhyNot::OutsideBond;
    }
    if instance.facility_rank(f, a).is_none() {
        return WhyNot::DoesNotRankYou;
    }
    if placed[f as usize] >= facility.capacity {
        // The lowest-ranked applicant the facility holds, by its own ranking.
        let lowest = facility_of
            .iter()
            .enumerate()
            .filter(|(_, g)| **g == Some(f))
            .map(|(b, _)| b as ApplicantIndex)
            .max_by_key(|&b| instance.facility_rank(f, b).unwrap_or(u32::MAX));
        if let Some(b) = lowest {
            let holder = instance.applicant(b);
            return WhyNot::Full { lowest_tier: holder.priority_tier, lowest_score: holder.score };
        }
    }
    if let Some(r) = facility.region {
        if instance.region_cap(r).is_some_and(|cap| region_count[r as usize] >= cap) {
            return WhyNot::RegionalCapReached { region: instance.region_name(r).to_string() };
        }
    }
    if instance.applicant(a).partner.is_some() {
        return WhyNot::PartnerRegion;
    }
    WhyNot::HeldForFloors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::matching::{run_matching, ApplicantInput, FacilityInput, InstanceInput, MatchOptions};
    use std::collections::BTreeMap;

    fn applicant(id: &str, prefs: &[&str], tier: i64, score: f64) -> ApplicantInput {
        ApplicantInput {
            id: id.into(),
            preferences: prefs.iter().map(|p| p.to_string()).collect(),
            priority_tier: Some(tier),
            score: Some(score),
            ..ApplicantInput::default()
        }
    }

    fn facility(id: &str, capacity: i64, region: &str) -> FacilityInput {
        FacilityInput { id: id.into(), capacity, region: Some(region.into()), ..FacilityInput::default() }
    }

    fn explain_for(input: InstanceInput, who: &str) -> Explanation {
        let instance = Instance::build(&input).expect("valid instance");
        let matching = run_matching(&instance, &MatchOptions::default()).expect("runs");
        let a = instance.applicant_by_id(who).expect("applicant");
        explain_applicant(&instance, &matching.facility_of, a)
    }

    fn reasons(e: &Explanation) -> Vec<WhyNot> {
        e.higher_choices.iter().map(|c| c.why.clone()).collect()
    }

    #[test]
    fn full_names_the_lowest_placed_tier_and_score_not_the_person() {
        let input = InstanceInput {
            applicants: vec![
                applicant("A", &["F", "G"], 0, 90.0),
                applicant("B", &["F", "G"], 1, 95.0),
                applicant("C", &["F", "G"], 1, 50.0),
            ],
            facilities: vec![facility("F", 2, "North"), facility("G", 5, "North")],
            ..InstanceInput::default()
        };
        let e = explain_for(input, "C");
        assert_eq!(e.placed, Some(("G".into(), 2)));
        assert_eq!(reasons(&e), vec![WhyNot::Full { lowest_tier: 1, lowest_score: Some(95.0) }]);
        assert_eq!(e.higher_choices[0].choice_rank, 1);
        // The one placed at their first choice has nothing to explain.
        assert!(explain_for(
            InstanceInput {
                applicants: vec![applicant("A", &["F"], 0, 90.0)],
                facilities: vec![facility("F", 1, "North")],
                ..InstanceInput::default()
            },
            "A"
        )
        .higher_choices
        .is_empty());
    }

    #[test]
    fn outside_the_bond() {
        let mut a = applicant("A", &["F", "G"], 0, 90.0);
        a.allowed_regions = Some(vec!["South".into()]);
        let input = InstanceInput {
            applicants: vec![a],
            facilities: vec![facility("F", 2, "North"), facility("G", 2, "South")],
            ..InstanceInput::default()
        };
        let e = explain_for(input, "A");
        assert_eq!(e.placed, Some(("G".into(), 2)));
        assert_eq!(reasons(&e), vec![WhyNot::OutsideBond]);
    }

    #[test]
    fn no_seat_when_capacity_is_zero() {
        let input = InstanceInput {
            applicants: vec![applicant("A", &["F", "G"], 0, 90.0)],
            facilities: vec![facility("F", 0, "North"), facility("G", 1, "North")],
            ..InstanceInput::default()
        };
        assert_eq!(reasons(&explain_for(input, "A")), vec![WhyNot::NoSeat]);
    }

    #[test]
    fn a_facility_whose_list_leaves_you_out() {
        let mut f = facility("F", 2, "North");
        f.preferences = Some(vec!["B".into()]);
        let input = InstanceInput {
            applicants: vec![applicant("A", &["F", "G"], 0, 90.0), applicant("B", &["G"], 0, 80.0)],
            facilities: vec![f, facility("G", 2, "North")],
            ..InstanceInput::default()
        };
        assert_eq!(reasons(&explain_for(input, "A")), vec![WhyNot::DoesNotRankYou]);
    }

    #[test]
    fn a_region_at_its_cap() {
        let mut caps = BTreeMap::new();
        caps.insert("North".to_string(), 1);
        let input = InstanceInput {
            applicants: vec![applicant("A", &["F"], 0, 90.0), applicant("B", &["G", "H"], 0, 80.0)],
            facilities: vec![facility("F", 1, "North"), facility("G", 1, "North"), facility("H", 1, "South")],
            regional_caps: caps,
        };
        let e = explain_for(input, "B");
        assert_eq!(e.placed, Some(("H".into(), 2)));
        assert_eq!(reasons(&e), vec![WhyNot::RegionalCapReached { region: "North".into() }]);
    }

    #[test]
    fn a_couple_kept_together_in_one_region() {
        let mut a = applicant("A", &["F", "G"], 0, 90.0);
        a.partner = Some("B".into());
        let mut b = applicant("B", &["G"], 0, 80.0);
        b.partner = Some("A".into());
        let input = InstanceInput {
            applicants: vec![a, b],
            facilities: vec![facility("F", 1, "North"), facility("G", 2, "South")],
            ..InstanceInput::default()
        };
        let e = explain_for(input, "A");
        assert_eq!(e.placed, Some(("G".into(), 2)));
        assert_eq!(reasons(&e), vec![WhyNot::PartnerRegion]);
    }

    #[test]
    fn the_unplaced_get_a_reason_for_every_choice() {
        let input = InstanceInput {
            applicants: vec![applicant("A", &["F", "G"], 0, 90.0), applicant("B", &["F", "G"], 0, 10.0)],
            facilities: vec![facility("F", 1, "North"), facility("G", 0, "North")],
            ..InstanceInput::default()
        };
        let e = explain_for(input, "B");
        assert_eq!(e.placed, None);
        assert_eq!(reasons(&e), vec![WhyNot::Full { lowest_tier: 0, lowest_score: Some(90.0) }, WhyNot::NoSeat]);
    }
}
