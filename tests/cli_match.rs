//! The `match` and `match-generate` commands as a user runs them: files in, files out, exit codes.

// A test crate: an unwrap or expect that fails is the test failing, with its reason in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn ruralserve(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ruralserve")).args(args).output().expect("the binary runs")
}

fn run_match(dir: &Path, input: &str) -> (Output, std::path::PathBuf) {
    let input_path = dir.join("input.json");
    let output_path = dir.join("output.json");
    std::fs::write(&input_path, input).expect("write input");
    let output = ruralserve(&[
        "match",
        "--input",
        input_path.to_str().expect("utf-8 path"),
        "--output",
        output_path.to_str().expect("utf-8 path"),
    ]);
    (output, output_path)
}

const GOOD_INPUT: &str = r#"{
  "applicants": [
    {"id": "A1", "preferences": ["F2", "F1"], "priority_tier": 0, "score": 81.5},
    {"id": "A2", "preferences": ["F2"], "score": 70},
    {"id": "A3", "preferences": ["F9"], "allowed_regions": ["Turkana"]}
  ],
  "facilities": [
    {"id": "F1", "capacity": 1, "region": "Turkana", "need_score": 21},
    {"id": "F2", "capacity": 1, "region": "Nairobi", "need_score": 3},
    {"id": "F9", "capacity": 4, "region": "Nairobi", "minimum": 1}
  ]
}"#;

const GOOD_OUTPUT: &str = r#"{
  "assignments": [
    {
      "applicant": "A1",
      "facility": "F2",
      "choice_rank": 1
    }
  ],
  "unmatched": [
    {
      "applicant": "A2",
      "reason": "the 1 listed facility was full with applicants they prefer"
    },
    {
      "applicant": "A3",
      "reason": "no listed facility in allowed regions (Turkana)"
    }
  ],
  "stats": {
    "algorithm": "deferred-acceptance",
    "proposing": "applicants",
    "applicants": 3,
    "matched": 1,
    "unmatched": 2,
    "seats": 6,
    "filled": 1,
    "fill_rate": 0.1667,
    "seats_withheld_for_floors": 0,
    "first_choice_share": 1.0,
    "top3_share": 1.0,
    "top5_share": 1.0,
    "unfilled_facilities": 2,
    "empty_facilities": 2,
    "fill_by_need_band": [
      {
        "band": "0-4",
        "facilities": 1,
        "seats": 1,
        "filled": 1,
        "fill_rate": 1.0
      },
      {
        "band": "20+",
        "facilities": 1,
        "seats": 1,
        "filled": 0,
        "fill_rate": 0.0
      },
      {
        "band": "unscored",
        "facilities": 1,
        "seats": 4,
        "filled": 0,
        "fill_rate": 0.0
      }
    ],
    "fill_by_region": [
      {
        "region": "Nairobi",
        "facilities": 2,
        "seats": 5,
        "filled": 1,
        "fill_rate": 0.2
      },
      {
        "region": "Turkana",
        "facilities": 1,
        "seats": 1,
        "filled": 0,
        "fill_rate": 0.0
      }
    ],
    "floors_unmet": [
      {
        "facility": "F9",
        "minimum": 1,
        "placed": 0
      }
    ],
    "blocking_pairs_excluding_withheld_seats": 0,
    "work_limit_reached": false
  },
  "blocking_pairs": 0
}
"#;

#[test]
fn good_input_gives_the_exact_report_in_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, output_path) = run_match(dir.path(), GOOD_INPUT);
    assert!(output.status.success(), "{output:?}");
    let written = std::fs::read_to_string(output_path).expect("output written");
    assert_eq!(written, GOOD_OUTPUT);
}

#[test]
fn without_output_the_report_goes_to_standard_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input_path = dir.path().join("input.json");
    std::fs::write(&input_path, GOOD_INPUT).expect("write input");
    let output = ruralserve(&["match", "--input", input_path.to_str().expect("utf-8")]);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), GOOD_OUTPUT);
}

fn assert_refused(input: &str, expected_message: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (output, output_path) = run_match(dir.path(), input);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(expected_message), "stderr {stderr:?} lacks {expected_message:?}");
    assert!(!output_path.exists(), "an output file was written");
    assert!(output.stdout.is_empty());
}

#[test]
fn an_unknown_facility_in_a_list_is_refused_with_its_place() {
    assert_refused(
        r#"{"applicants":[{"id":"A1","preferences":["F1"]},{"id":"A2","preferences":["F1","F99"]}],
            "facilities":[{"id":"F1","capacity":1}]}"#,
        r#"applicants[1].preferences[1]: unknown facility "F99""#,
    );
}

#[test]
fn an_unknown_applicant_in_a_facility_list_is_refused_with_its_place() {
    assert_refused(
        r#"{"applicants":[],"facilities":[{"id":"F1","capacity":1,"preferences":["A4"]}]}"#,
        r#"facilities[0].preferences[0]: unknown applicant "A4""#,
    );
}

#[test]
fn a_duplicate_id_is_refused_with_its_place() {
    assert_refused(
        r#"{"applicants":[],"facilities":[{"id":"F1","capacity":1},{"id":"F1","capacity":2}]}"#,
        r#"duplicate facility id "F1" at facilities[1]"#,
    );
}

#[test]
fn a_negative_capacity_is_refused_with_its_place() {
    assert_refused(
        r#"{"applicants":[],"facilities":[{"id":"F1","capacity":1},{"id":"F2","capacity":-4}]}"#,
        "facilities[1].capacity: must not be negative",
    );
}

#[test]
fn malformed_json_is_refused_with_line_and_column() {
    assert_refused(
        "{\"applicants\": [\n  {\"id\": \"A1\",, }\n]}",
        "malformed JSON: key must be a string at line 2 column 15",
    );
}

#[test]
fn a_missing_input_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output_path = dir.path().join("out.json");
    let output = ruralserve(&[
        "match",
        "--input",
        dir.path().join("absent.json").to_str().expect("utf-8"),
        "--output",
        output_path.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(!output_path.exists());
}

#[test]
fn a_generated_market_is_reproducible_and_matches() {
    let dir = tempfile::tempdir().expect("temp dir");
    let market = |name: &str, seed: &str| {
        let path = dir.path().join(name);
        let output = ruralserve(&[
            "match-generate",
            "--applicants",
            "500",
            "--facilities",
            "60",
            "--list-length",
            "8",
            "--seed",
            seed,
            "--output",
            path.to_str().expect("utf-8"),
        ]);
        assert!(output.status.success());
        std::fs::read_to_string(path).expect("market written")
    };
    let first = market("a.json", "3");
    assert_eq!(first, market("b.json", "3"));
    assert_ne!(first, market("c.json", "4"));

    let (output, output_path) = run_match(dir.path(), &first);
    assert!(output.status.success());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(output_path).expect("report")).expect("json");
    assert_eq!(report["blocking_pairs"], 0);
    assert_eq!(report["stats"]["applicants"], 500);
}
