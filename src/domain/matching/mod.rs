//! Placement matching: who serves at which facility, by deferred acceptance or the simpler
//! alternatives, under the rules real schemes add, with an explanation of every outcome.

mod couples;
mod deferred_acceptance;
mod edges;
pub mod explanation;
mod floors;
pub mod generator;
pub mod instance;
pub mod json;
pub mod lottery;
pub mod prng;
pub mod report;
mod serial_dictatorship;
pub mod stability;
pub mod trading_cycles;

use serde::{Deserialize, Serialize};

pub use generator::generate_instance_json;
pub use instance::{
    Applicant, ApplicantIndex, ApplicantInput, Facility, FacilityIndex, FacilityInput, Instance, InstanceError,
    InstanceInput, RegionIndex,
};
pub use json::{run_match_command, MatchInputError, MatchRequest};
pub use report::{explain, MatchReport};
pub use stability::{count_blocking_pairs, count_blocking_pairs_with_capacities, feasibility_problems};

/// Which mechanism places the applicants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    #[default]
    DeferredAcceptance,
    SerialDictatorship,
    Lottery,
}

/// Which side proposes in deferred acceptance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proposing {
    #[default]
    Applicants,
    Facilities,
}

/// How to run a match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchOptions {
    pub algorithm: Algorithm,
    pub proposing: Proposing,
    /// Lottery seed; ignored by the other algorithms.
    pub seed: u64,
    /// Upper bound on proposals and moves; `None` picks one far above what honest work needs.
    pub work_limit: Option<u64>,
}

/// The outcome of a match, by index into the [`Instance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matching {
    /// Per applicant, the facility it is placed at.
    pub facility_of: Vec<Option<FacilityIndex>>,
    /// Seats each facility could fill in the end (capacity less seats withheld for floors).
    pub effective_capacity: Vec<u32>,
    pub seats_withheld_for_floors: u32,
    /// True when the work limit stopped the algorithm (possible only with couples or floors).
    pub work_limit_reached: bool,
    /// Applicants still waiting to propose when the work limit stopped the algorithm.
    pub interrupted: Vec<ApplicantIndex>,
}

/// A combination of options and instance the engine does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error(
        "proposing: \"facilities\" supports capacities and allowed_regions only; \
         this instance has {0}: use \"applicants\""
    )]
    FacilityProposingUnsupported(&'static str),
}

/// Runs the chosen algorithm.
pub fn run_matching(instance: &Instance, options: &MatchOptions) -> Result<Matching, MatchError> {
    Ok(match options.algorithm {
        Algorithm::DeferredAcceptance => match options.proposing {
            Proposing::Applicants => deferred_acceptance::applicant_proposing(instance, options.work_limit),
            Proposing::Facilities => {
                if instance.has_couples() {
                    return Err(MatchError::FacilityProposingUnsupported("partners"));
                }
                if instance.has_floors() {
                    return Err(MatchError::FacilityProposingUnsupported("minimums"));
                }
                if instance.has_regional_caps() {
                    return Err(MatchError::FacilityProposingUnsupported("regional_caps"));
                }
                deferred_acceptance::facility_proposing(instance)
            }
        },
        Algorithm::SerialDictatorship => serial_dictatorship::serial_dictatorship(instance, instance.merit_order()),
        Algorithm::Lottery => lottery::lottery(instance, options.seed),
    })
}

#[cfg(test)]
mod tests;
