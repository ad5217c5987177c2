//! The `obligation` command's JSON: reads one scholar's facts, answers with the result.
//!
//! Unknown fields are refused (a misspelt `"days_awy"` would otherwise silently count as 0).
//! `payments`, `service_periods` and `leaves` may be left out (empty); `eligible_to_start`
//! and `breach` are optional; every term is required, since no figure has a default in code.

use chrono::NaiveDate;
use serde::Deserialize;

use super::case::{ObligationCase, ObligationInputError};
use super::exact::{ExactDecimal, MinorUnits};
use super::facts::{Breach, BreachKind, Leave, LeaveKind, ObligationFacts, Payment, ServicePeriod};
use super::status::evaluate;
use super::terms::{DamagesTerms, ObligationTerms};

/// Reads the command's input JSON, evaluates it, and returns the output JSON (one line).
///
/// Errors name the item at fault, e.g. `service_periods[2]: overlaps service_periods[1]
/// (2025-03-01..2025-06-30)`, or carry serde's line and column for malformed JSON.
pub fn run_obligation_command(input: &str) -> Result<String, ObligationInputError> {
    let raw: InputJson =
        serde_json::from_str(input).map_err(|error| ObligationInputError::Malformed(error.to_string()))?;
    let case = ObligationCase::new(raw.into_facts()?)?;
    serde_json::to_string(&evaluate(&case)).map_err(|error| ObligationInputError::Malformed(error.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InputJson {
    terms: TermsJson,
    support_years: ExactDecimal,
    #[serde(default)]
    eligible_to_start: Option<String>,
    #[serde(default)]
    payments: Vec<PaymentJson>,
    #[serde(default)]
    service_periods: Vec<ServicePeriodJson>,
    #[serde(default)]
    leaves: Vec<LeaveJson>,
    as_of: String,
    #[serde(default)]
    breach: Option<BreachJson>,
}

// Integers that must not be negative are read signed, so that a negative one gets a message
// naming its item instead of serde's "expected u32".
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermsJson {
    service_years_per_support_year: ExactDecimal,
    min_service_years: ExactDecimal,
    days_per_service_year: i64,
    half_time_credit: ExactDecimal,
    days_away_allowed_per_service_year: ExactDecimal,
    parental_leave_max_days: i64,
    verification_late_days: i64,
    start_window_days: i64,
    damages: DamagesJson,
    in_school_breach_multiplier: ExactDecimal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DamagesJson {
    multiplier: ExactDecimal,
    annual_interest_rate: ExactDecimal,
    minimum: MinorUnits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentJson {
    date: String,
    amount: MinorUnits,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServicePeriodJson {
    start: String,
    end: String,
    fte: ExactDecimal,
    days_away: i64,
    facility: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeaveJson {
    kind: String,
    start: String,
    end: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreachJson {
    date: String,
    kind: String,
}

fn date(item: &str, text: &str) -> Result<NaiveDate, ObligationInputError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ObligationInputError::invalid(item, format!("{text:?} is not a date (YYYY-MM-DD)")))
}

fn day_count(item: &str, value: i64) -> Result<u32, ObligationInputError> {
    if value < 0 {
        return Err(ObligationInputError::invalid(item, "must not be negative"));
    }
    u32::try_from(value).map_err(|_| ObligationInputError::invalid(item, "is too large"))
}

impl InputJson {
    fn into_facts(self) -> Result<ObligationFacts, ObligationInputError> {
        Ok(ObligationFacts {
            terms: self.terms.into_terms()?,
            support_years: self.support_years,
            eligible_to_start: self.eligible_to_start.map(|text| date("eligible_to_start", &text)).transpose()?,
            payments: self
                .payments
                .into_iter()
                .enumerate()
                .map(|(index, payment)| {
                    Ok(Payment {
                        date: date(&format!("payments[{index}].date"), &payment.date)?,
                        amount: payment.amount,
                    })
                })
                .collect::<Result<_, ObligationInputError>>()?,
            service_periods: self
                .service_periods
                .into_iter()
                .enumerate()
                .map(|(index, period)| period.into_period(index))
                .collect::<Result<_, _>>()?,
            leaves: self
                .leaves
                .into_iter()
                .enumerate()
                .map(|(index, leave)| leave.into_leave(index))
                .collect::<Result<_, _>>()?,
            as_of: date("as_of", &self.as_of)?,
            breach: self.breach.map(BreachJson::into_breach).transpose()?,
        })
    }
}

impl TermsJson {
    fn into_terms(self) -> Result<ObligationTerms, ObligationInputError> {
        Ok(ObligationTerms {
            service_years_per_support_year: self.service_years_per_support_year,
            min_service_years: self.min_service_years,
            days_per_service_year: day_count("terms.days_per_service_year", self.days_per_service_year)?,
            half_time_credit: self.half_time_credit,
            days_away_allowed_per_service_year: self.days_away_allowed_per_service_year,
            parental_leave_max_days: day_count("terms.parental_leave_max_days", self.parental_leave_max_days)?,
            verification_late_days: day_count("terms.verification_late_days", self.verification_late_days)?,
            start_window_days: day_count("terms.start_window_days", self.start_window_days)?,
            damages: DamagesTerms {
                multiplier: self.damages.multiplier,
                annual_interest_rate: self.damages.annual_interest_rate,
                minimum: self.damages.minimum,
            },
            in_school_breach_multiplier: self.in_school_breach_multiplier,
        })
    }
}

impl ServicePeriodJson {
    fn into_period(self, index: usize) -> Result<ServicePeriod, ObligationInputError> {
        let item = format!("service_periods[{index}]");
        Ok(ServicePeriod {
            start: date(&format!("{item}.start"), &self.start)?,
            end: date(&format!("{item}.end"), &self.end)?,
            fte: self.fte,
            days_away: day_count(&format!("{item}.days_away"), self.days_away)?,
            facility: self.facility,
        })
    }
}

impl LeaveJson {
    fn into_leave(self, index: usize) -> Result<Leave, ObligationInputError> {
        let item = format!("leaves[{index}]");
        let kind = match self.kind.as_str() {
            "parental" => LeaveKind::Parental,
            "suspension" => LeaveKind::Suspension,
            other => {
                return Err(ObligationInputError::invalid(
                    format!("{item}.kind"),
                    format!("unknown leave kind {other:?} (expected \"parental\" or \"suspension\")"),
                ))
            }
        };
        Ok(Leave {
            kind,
            start: date(&format!("{item}.start"), &self.start)?,
            end: date(&format!("{item}.end"), &self.end)?,
        })
    }
}

impl BreachJson {
    fn into_breach(self) -> Result<Breach, ObligationInputError> {
        let kind = match self.kind.as_str() {
            "service" => BreachKind::Service,
            "in_school" => BreachKind::InSchool,
            other => {
                return Err(ObligationInputError::invalid(
                    "breach.kind",
                    format!("unknown breach kind {other:?} (expected \"service\" or \"in_school\")"),
                ))
            }
        };
        Ok(Breach { date: date("breach.date", &self.date)?, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    pub(crate) fn example_input() -> Value {
        json!({
            "terms": {"service_years_per_support_year": 1.0, "min_service_years": 2.0,
                      "days_per_service_year": 365, "half_time_credit": 0.5,
                      "days_away_allowed_per_service_year": 35, "parental_leave_max_days": 84,
                      "verification_late_days": 60, "start_window_days": 180,
                      "damages": {"multiplier": 3.0, "annual_interest_rate": 0.05, "minimum": 0},
                      "in_school_breach_multiplier": 1.0},
            "support_years": 3,
            "eligible_to_start": "2024-07-01",
            "payments": [{"date": "2021-10-01", "amount": 150000}],
            "service_periods": [{"start": "2025-01-01", "end": "2025-06-30", "fte": 1.0,
                                 "days_away": 10, "facility": "F1"}],
            "leaves": [{"kind": "parental", "start": "2025-03-01", "end": "2025-03-31"}],
            "as_of": "2026-01-01"
        })
    }

    fn run(input: &Value) -> Result<Value, ObligationInputError> {
        run_obligation_command(&input.to_string()).map(|out| serde_json::from_str(&out).unwrap())
    }

    fn error_of(input: &Value) -> String {
        run(input).unwrap_err().to_string()
    }

    #[test]
    fn issue_example_gives_the_stated_figures() {
        // 181 days less 31 of parental leave = 150; Φ over 1,553 days = 181,910.96 → 181,911;
        // damages 3 × 181,910.96… × 945 / 1,095 = 470,975 (rounded once).
        let expected = json!({"obligated_days": 1095, "credited_days": 150, "remaining_days": 945,
            "status": "in_service", "completion_date": null, "projected_end_date": "2028-08-03",
            "flags": ["verification_overdue"], "phi": 181911, "damages": 470975});
        assert_eq!(run(&example_input()).unwrap(), expected);
    }

    #[test]
    fn a_recorded_service_breach_puts_the_scholar_in_breach() {
        let mut input = example_input();
        input["breach"] = json!({"date": "2026-01-01", "kind": "service"});
        let output = run(&input).unwrap();
        assert_eq!(output["status"], "in_breach");
        assert_eq!(output["damages"], 470975);
        assert_eq!(output["projected_end_date"], Value::Null);
        assert_eq!(output["flags"], json!([]));
    }

    #[test]
    fn an_in_school_breach_repays_the_payments() {
        let mut input = example_input();
        input["breach"] = json!({"date": "2023-06-30", "kind": "in_school"});
        let output = run(&input).unwrap();
        assert_eq!(output["status"], "in_breach");
        assert_eq!(output["damages"], 150000);
    }

    #[test]
    fn overlapping_periods_are_named() {
        let mut input = example_input();
        input["service_periods"] = json!([
            {"start": "2025-01-01", "end": "2025-02-28", "fte": 1.0, "days_away": 0, "facility": "F1"},
            {"start": "2025-03-01", "end": "2025-06-30", "fte": 1.0, "days_away": 0, "facility": "F1"},
            {"start": "2025-06-01", "end": "2025-09-30", "fte": 1.0, "days_away": 0, "facility": "F2"}]);
        assert_eq!(error_of(&input), "service_periods[2]: overlaps service_periods[1] (2025-03-01..2025-06-30)");
    }

    #[test]
    fn each_bad_item_is_named() {
        let cases = [
            ("/payments/0/amount", json!(-5), "payments[0].amount: must not be negative"),
            (
                "/service_periods/0/fte",
                json!(1.5),
                "service_periods[0].fte: must be more than 0 and at most 1, got 1.5",
            ),
            ("/service_periods/0/fte", json!(0), "service_periods[0].fte: must be more than 0 and at most 1, got 0"),
            ("/service_periods/0/days_away", json!(-1), "service_periods[0].days_away: must not be negative"),
            (
                "/service_periods/0/end",
                json!("2024-12-31"),
                "service_periods[0]: ends (2024-12-31) before it starts (2025-01-01)",
            ),
            (
                "/service_periods/0/start",
                json!("2025-02-30"),
                "service_periods[0].start: \"2025-02-30\" is not a date (YYYY-MM-DD)",
            ),
            (
                "/leaves/0/kind",
                json!("sabbatical"),
                "leaves[0].kind: unknown leave kind \"sabbatical\" (expected \"parental\" or \"suspension\")",
            ),
            (
                "/terms/damages/annual_interest_rate",
                json!(-0.01),
                "terms.damages.annual_interest_rate: must not be negative",
            ),
            ("/terms/parental_leave_max_days", json!(-84), "terms.parental_leave_max_days: must not be negative"),
            ("/support_years", json!(0), "support_years: the terms give an obligation of 0 days"),
        ];
        for (pointer, value, message) in cases {
            let mut input = example_input();
            if pointer == "/support_years" {
                input["terms"]["min_service_years"] = json!(0);
            }
            *input.pointer_mut(pointer).unwrap() = value;
            assert_eq!(error_of(&input), message, "{pointer}");
        }
    }

    #[test]
    fn overlapping_leaves_are_refused() {
        let mut input = example_input();
        input["leaves"] = json!([
            {"kind": "suspension", "start": "2025-03-20", "end": "2025-04-10"},
            {"kind": "parental", "start": "2025-03-01", "end": "2025-03-31"}]);
        assert_eq!(error_of(&input), "leaves[0]: overlaps leaves[1] (2025-03-01..2025-03-31)");
    }

    #[test]
    fn malformed_json_and_unknown_fields_report_line_and_column() {
        let error = run_obligation_command("{\"terms\": ").unwrap_err().to_string();
        assert!(error.starts_with("malformed input:") && error.contains("line 1"), "{error}");
        let mut input = example_input();
        input["service_periods"][0]["days_awy"] = json!(3);
        let error = error_of(&input);
        assert!(error.contains("unknown field `days_awy`") && error.contains("column"), "{error}");
    }
}
