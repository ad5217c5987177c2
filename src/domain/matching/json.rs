//! The `match` command's JSON: the request read, the report written, and input errors that
//! name the place in the input.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::instance::{ApplicantInput, FacilityInput, Instance, InstanceError, InstanceInput};
use super::report::{explain, MatchReport};
use super::{run_matching, Algorithm, MatchError, MatchOptions, Proposing};

/// The `match` command's input, exactly as documented; unknown fields are refused so that a
/// misspelt field cannot silently change a placement. `S` is the type of an id (see
/// [`ApplicantInput`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(bound(deserialize = "S: Deserialize<'de>"))]
pub struct MatchRequest<S = String> {
    #[serde(default)]
    pub algorithm: Algorithm,
    #[serde(default)]
    pub proposing: Proposing,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub applicants: Vec<ApplicantInput<S>>,
    pub facilities: Vec<FacilityInput<S>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub regional_caps: BTreeMap<String, i64>,
}

/// Why the `match` command refused its input.
#[derive(Debug, thiserror::Error)]
pub enum MatchInputError {
    /// serde_json's message carries the line and column.
    #[error("malformed JSON: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("{0}")]
    Invalid(#[from] InstanceError),
    #[error("{0}")]
    Unsupported(#[from] MatchError),
}

/// Reads a request into a validated instance and the options to run it with.
pub fn parse_request(input: &str) -> Result<(Instance, MatchOptions), MatchInputError> {
    // Ids borrowed from the text: a two-sided market has millions of them, and allocating and
    // freeing a `String` for each took most of the command's time. A string with escapes cannot
    // be borrowed, so any failure is read again with owned ids, which either succeeds or gives
    // the same error as before.
    match serde_json::from_str::<MatchRequest<&str>>(input) {
        Ok(request) => build(request),
        Err(_) => build(serde_json::from_str::<MatchRequest<String>>(input)?),
    }
}

fn build<S: AsRef<str>>(request: MatchRequest<S>) -> Result<(Instance, MatchOptions), MatchInputError> {
    let options = MatchOptions {
        algorithm: request.algorithm,
        proposing: request.proposing,
        // A lottery without a seed is still reproducible: seed 0, shown in the stats.
        seed: request.seed.unwrap_or(0),
        work_limit: None,
    };
    let instance = Instance::build(&InstanceInput {
        applicants: request.applicants,
        facilities: request.facilities,
        regional_caps: request.regional_caps,
    })?;
    Ok((instance, options))
}

/// The whole `match` command: request JSON in, report JSON out (pretty-printed, for people who
/// audit placements; ends with a newline).
pub fn run_match_command(input: &str) -> Result<String, MatchInputError> {
    let (_, report) = run_match_report(input)?;
    report_text(&report)
}

/// The `match` command's work without the writing: the instance read from the request and the report, for a
/// caller (the job runner) that keeps figures from both besides the report's text.
pub fn run_match_report(input: &str) -> Result<(Instance, MatchReport), MatchInputError> {
    let (instance, options) = parse_request(input)?;
    let matching = run_matching(&instance, &options)?;
    let report = explain(&instance, &matching, &options);
    Ok((instance, report))
}

/// The report as the `match` command writes it.
pub fn report_text(report: &MatchReport) -> Result<String, MatchInputError> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    Ok(text)
}
