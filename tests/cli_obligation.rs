//! The `ruralserve obligation` command as a user runs it: a JSON file in, JSON or an error out.

// A test crate: an unwrap or expect that fails is the test failing, with its reason in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output};

use serde_json::{json, Value};

const EXAMPLE: &str = r#"{"terms": {"service_years_per_support_year": 1.0, "min_service_years": 2.0, "days_per_service_year": 365,
           "half_time_credit": 0.5, "days_away_allowed_per_service_year": 35, "parental_leave_max_days": 84,
           "verification_late_days": 60, "start_window_days": 180,
           "damages": {"multiplier": 3.0, "annual_interest_rate": 0.05, "minimum": 0},
           "in_school_breach_multiplier": 1.0},
 "support_years": 3,
 "eligible_to_start": "2024-07-01",
 "payments": [{"date": "2021-10-01", "amount": 150000}],
 "service_periods": [{"start": "2025-01-01", "end": "2025-06-30", "fte": 1.0, "days_away": 10, "facility": "F1"}],
 "leaves": [{"kind": "parental", "start": "2025-03-01", "end": "2025-03-31"}],
 "as_of": "2026-01-01"}"#;

fn run_on(contents: &str) -> Output {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(contents.as_bytes()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_ruralserve")).args(["obligation", "--input"]).arg(file.path()).output().unwrap()
}

fn example_with(pointer: &str, value: Value) -> String {
    let mut input: Value = serde_json::from_str(EXAMPLE).unwrap();
    *input.pointer_mut(pointer).unwrap() = value;
    input.to_string()
}

fn assert_refused(output: &Output, message: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains(message), "stderr {stderr:?} lacks {message:?}");
}

#[test]
fn issue_example_prints_the_exact_figures() {
    let output = run_on(EXAMPLE);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        printed,
        json!({"obligated_days": 1095, "credited_days": 150, "remaining_days": 945,
               "status": "in_service", "completion_date": null,
               "projected_end_date": "2028-08-03", "flags": ["verification_overdue"],
               "phi": 181911, "damages": 470975})
    );
}

#[test]
fn the_example_with_its_breach_is_in_breach_at_the_same_cost() {
    let mut input: Value = serde_json::from_str(EXAMPLE).unwrap();
    input["breach"] = json!({"date": "2026-01-01", "kind": "service"});
    let output = run_on(&input.to_string());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["status"], "in_breach");
    assert_eq!(printed["damages"], 470975);
}

#[test]
fn overlapping_periods_exit_2_naming_both() {
    let periods = json!([
        {"start": "2025-01-01", "end": "2025-02-28", "fte": 1.0, "days_away": 0, "facility": "F1"},
        {"start": "2025-03-01", "end": "2025-06-30", "fte": 1.0, "days_away": 0, "facility": "F1"},
        {"start": "2025-06-15", "end": "2025-12-31", "fte": 1.0, "days_away": 0, "facility": "F2"}]);
    assert_refused(
        &run_on(&example_with("/service_periods", periods)),
        "service_periods[2]: overlaps service_periods[1] (2025-03-01..2025-06-30)",
    );
}

#[test]
fn bad_items_exit_2_with_their_name() {
    let cases = [
        ("/payments/0/amount", json!(-1), "payments[0].amount: must not be negative"),
        ("/service_periods/0/fte", json!(0), "service_periods[0].fte: must be more than 0"),
        (
            "/service_periods/0/end",
            json!("2024-06-30"),
            "service_periods[0]: ends (2024-06-30) before it starts (2025-01-01)",
        ),
        ("/service_periods/0/days_away", json!(-3), "service_periods[0].days_away: must not be negative"),
        ("/leaves/0/kind", json!("holiday"), "leaves[0].kind: unknown leave kind \"holiday\""),
    ];
    for (pointer, value, message) in cases {
        assert_refused(&run_on(&example_with(pointer, value)), message);
    }
}

#[test]
fn malformed_json_exit_2_with_line_and_column() {
    assert_refused(&run_on("{\"terms\": {,}"), "line 1 column 12");
}

#[test]
fn unreadable_file_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_ruralserve"))
        .args(["obligation", "--input", "/nonexistent/scholar.json"])
        .output()
        .unwrap();
    assert_refused(&output, "cannot read /nonexistent/scholar.json");
}
