//! Placement by lottery: a seeded random order of applicants, then serial dictatorship.

use super::instance::{ApplicantIndex, Instance};
use super::prng::SplitMix64;
use super::serial_dictatorship::serial_dictatorship;
use super::Matching;

/// The order in which applicants choose under a lottery with this seed (Fisher–Yates shuffle);
/// the same seed gives the same order everywhere.
pub fn lottery_order(applicant_count: usize, seed: u64) -> Vec<ApplicantIndex> {
    let mut order: Vec<ApplicantIndex> = (0..applicant_count as u32).collect();
    let mut rng = SplitMix64::new(seed);
    for i in (1..order.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

pub(super) fn lottery(instance: &Instance, seed: u64) -> Matching {
    serial_dictatorship(instance, &lottery_order(instance.applicant_count(), seed))
}
