//! Seeded synthetic placement markets for benchmarks and what-if trials: popularity skewed
//! toward a few facilities (Zipf), regions and need scores, the same output for the same seed.

use super::instance::{ApplicantInput, FacilityInput, InstanceInput};
use super::lottery::lottery_order;
use super::prng::SplitMix64;

/// Zipf exponent of facility popularity: 1.0 gives the top facility about a tenth of all
/// first choices among 10,000, a shape close to real rankings of urban hospitals.
const POPULARITY_EXPONENT: f64 = 1.0;

/// Builds a market: `facilities` facilities in up to 47 regions (Kenya's counties), about 1.1
/// seats per applicant in all, and `applicants` applicants each listing `list_length` distinct
/// facilities drawn by popularity.
pub fn generate_instance(applicants: usize, facilities: usize, list_length: usize, seed: u64) -> InstanceInput {
    let mut rng = SplitMix64::new(seed);
    let regions = (facilities / 200).clamp(1, 47);
    let mean_capacity = ((applicants as f64 * 1.1) / facilities.max(1) as f64).round().max(1.0) as u64;
    let facility_inputs: Vec<FacilityInput> = (0..facilities)
        .map(|i| FacilityInput {
            id: format!("F{}", i + 1),
            capacity: (1 + rng.below(2 * mean_capacity - 1)) as i64,
            region: Some(format!("R{:02}", 1 + rng.below(regions as u64))),
            need_score: Some(rng.below(26) as f64),
            preferences: None,
            minimum: None,
        })
        .collect();

    // Popularity by a random permutation, so that the favourites are not simply F1, F2, …
    let by_popularity = lottery_order(facilities, rng.next_u64());
    let mut cumulative = Vec::with_capacity(facilities);
    let mut total = 0.0;
    for k in 0..facilities {
        total += 1.0 / ((k + 1) as f64).powf(POPULARITY_EXPONENT);
        cumulative.push(total);
    }
    let list_length = list_length.min(facilities);
    let mut last_chosen_by = vec![usize::MAX; facilities];
    let applicant_inputs = (0..applicants)
        .map(|i| {
            let mut preferences = Vec::with_capacity(list_length);
            let mut attempts = 0;
            while preferences.len() < list_length {
                attempts += 1;
                let k = if attempts <= 50 * list_length {
                    let u = rng.unit() * total;
                    cumulative.partition_point(|&c| c <= u).min(facilities - 1)
                } else {
                    // Skew this strong can make distinct draws slow: take any left.
                    rng.below(facilities as u64) as usize
                };
                let f = by_popularity[k] as usize;
                if last_chosen_by[f] != i {
                    last_chosen_by[f] = i;
                    preferences.push(format!("F{}", f + 1));
                }
            }
            let tier_draw = rng.below(10);
            ApplicantInput {
                id: format!("A{}", i + 1),
                preferences,
                priority_tier: Some(match tier_draw {
                    0 => 0,
                    1..=3 => 1,
                    _ => 2,
                }),
                score: Some((400 + rng.below(601)) as f64 / 10.0),
                allowed_regions: None,
                partner: None,
            }
        })
        .collect();
    InstanceInput { applicants: applicant_inputs, facilities: facility_inputs, regional_caps: Default::default() }
}

/// Gives every facility its own ranking: the applicants who listed it, in a seeded random order
/// (a two-sided market, about as many ids on the facilities' side as on the applicants'). Drawn
/// from its own generator so that the rest of the market is the same with or without it.
pub fn add_facility_lists(instance: &mut InstanceInput, seed: u64) {
    let mut listers: Vec<Vec<String>> = vec![Vec::new(); instance.facilities.len()];
    let position: std::collections::HashMap<&str, usize> =
        instance.facilities.iter().enumerate().map(|(i, f)| (f.id.as_str(), i)).collect();
    for a in &instance.applicants {
        for id in &a.preferences {
            if let Some(&f) = position.get(id.as_str()) {
                listers[f].push(a.id.clone());
            }
        }
    }
    let mut rng = SplitMix64::new(seed ^ 0x5EED_FAC1);
    for (facility, ids) in instance.facilities.iter_mut().zip(listers) {
        let order = lottery_order(ids.len(), rng.next_u64());
        facility.preferences = Some(order.iter().map(|&k| ids[k as usize].clone()).collect());
    }
}

/// The generated market as `match` command input; with `facility_lists`, facilities rank their
/// applicants too (see [`add_facility_lists`]).
pub fn generate_instance_json(
    applicants: usize,
    facilities: usize,
    list_length: usize,
    seed: u64,
    facility_lists: bool,
) -> String {
    let mut instance = generate_instance(applicants, facilities, list_length, seed);
    if facility_lists {
        add_facility_lists(&mut instance, seed);
    }
    // Serialising plain strings and numbers cannot fail; fall back to an empty market anyway.
    serde_json::to_string(&instance).unwrap_or_else(|_| "{}".to_string())
}
