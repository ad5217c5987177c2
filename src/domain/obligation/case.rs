//! Checks a scholar's facts once and keeps them in the shape the engine reads fast: a case that
//! exists is valid, so evaluating it cannot fail.

use chrono::NaiveDate;

use super::exact::{ExactDecimal, MinorUnits};
use super::facts::{LeaveKind, ObligationFacts};
use super::terms::obligated_days;

/// The largest payment, total of payments or damages minimum accepted, in minor units (10¹⁵).
/// Far above any scholarship in any currency, and low enough that Φ with interest never
/// overflows 128-bit arithmetic.
pub const MAX_AMOUNT: MinorUnits = 1_000_000_000_000_000;

/// Bad input, naming the item at fault as a JSON path (`service_periods[2].fte`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ObligationInputError {
    /// The text is not JSON of the expected shape; serde's message carries line and column.
    #[error("malformed input: {0}")]
    Malformed(String),
    /// A value breaks a rule.
    #[error("{item}: {problem}")]
    Invalid { item: String, problem: String },
}

impl ObligationInputError {
    pub fn invalid(item: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid { item: item.into(), problem: problem.into() }
    }
}

/// A day as a plain integer, so that the engine's interval arithmetic is integer arithmetic.
pub(crate) type DayNumber = i64;

pub(crate) fn day_number(date: NaiveDate) -> DayNumber {
    use chrono::Datelike;
    i64::from(date.num_days_from_ce())
}

pub(crate) fn date_of(day: DayNumber) -> Option<NaiveDate> {
    i32::try_from(day).ok().and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Days `[first, last]`, both included.
pub(crate) type DaySpan = (DayNumber, DayNumber);

/// A service period reduced to what the engine needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PeriodSpan {
    pub(crate) start: DayNumber,
    pub(crate) end: DayNumber,
    pub(crate) fte_billionths: i64,
    pub(crate) days_away: i64,
}

/// A scholar's facts, checked, with the derived spans the engine works on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObligationCase {
    facts: ObligationFacts,
    pub(crate) obligated_days: i64,
    /// Service periods in date order.
    pub(crate) periods: Vec<PeriodSpan>,
    /// Days that earn no credit: suspensions and approved parental leave, in order, disjoint.
    pub(crate) credit_stops: Vec<DaySpan>,
    /// Parental leave beyond `parental_leave_max_days`: counted as days away, in order.
    pub(crate) parental_overflow: Vec<DaySpan>,
    /// Suspensions alone, for the status, in order.
    pub(crate) suspensions: Vec<DaySpan>,
}

impl ObligationCase {
    /// Checks the facts: terms within sensible bounds, no negative amounts, service periods and
    /// leaves that end on or after they start and do not overlap, fte in (0, 1].
    pub fn new(facts: ObligationFacts) -> Result<Self, ObligationInputError> {
        check_terms(&facts)?;
        let obligated_days = obligated_days(&facts.terms, facts.support_years);
        if obligated_days <= 0 {
            return Err(ObligationInputError::invalid("support_years", "the terms give an obligation of 0 days"));
        }
        check_payments(&facts)?;
        let periods = checked_periods(&facts)?;
        let (credit_stops, parental_overflow, suspensions) = checked_leaves(&facts)?;
        Ok(Self { facts, obligated_days, periods, credit_stops, parental_overflow, suspensions })
    }

    pub fn facts(&self) -> &ObligationFacts {
        &self.facts
    }

    pub fn into_facts(self) -> ObligationFacts {
        self.facts
    }

    /// Obligated days `t` under the case's terms.
    pub fn obligated_days(&self) -> i64 {
        self.obligated_days
    }
}

fn check_decimal_range(item: &str, value: ExactDecimal, lowest: i64, highest: i64) -> Result<(), ObligationInputError> {
    let in_range = ExactDecimal::from_integer(lowest).is_some_and(|low| value >= low)
        && ExactDecimal::from_integer(highest).is_some_and(|high| value <= high);
    if in_range {
        Ok(())
    } else if value.is_negative() {
        Err(ObligationInputError::invalid(item, "must not be negative"))
    } else {
        Err(ObligationInputError::invalid(item, format!("must be between {lowest} and {highest}, got {value}")))
    }
}

fn check_terms(facts: &ObligationFacts) -> Result<(), ObligationInputError> {
    let terms = &facts.terms;
    // The upper bounds are far beyond real programmes; they keep the integer arithmetic in range.
    check_decimal_range("terms.service_years_per_support_year", terms.service_years_per_support_year, 0, 100)?;
    check_decimal_range("terms.min_service_years", terms.min_service_years, 0, 100)?;
    if !(1..=366).contains(&terms.days_per_service_year) {
        return Err(ObligationInputError::invalid("terms.days_per_service_year", "must be between 1 and 366"));
    }
    check_fraction("terms.half_time_credit", terms.half_time_credit)?;
    check_decimal_range("terms.days_away_allowed_per_service_year", terms.days_away_allowed_per_service_year, 0, 366)?;
    check_decimal_range("terms.damages.multiplier", terms.damages.multiplier, 0, 1000)?;
    check_decimal_range("terms.damages.annual_interest_rate", terms.damages.annual_interest_rate, 0, 100)?;
    check_amount("terms.damages.minimum", terms.damages.minimum)?;
    check_decimal_range("terms.in_school_breach_multiplier", terms.in_school_breach_multiplier, 0, 1000)?;
    check_decimal_range("support_years", facts.support_years, 0, 100)
}

/// A credit rate: more than 0, at most 1.
fn check_fraction(item: &str, value: ExactDecimal) -> Result<(), ObligationInputError> {
    if value > ExactDecimal::ZERO && value <= ExactDecimal::ONE {
        Ok(())
    } else {
        Err(ObligationInputError::invalid(item, format!("must be more than 0 and at most 1, got {value}")))
    }
}

fn check_amount(item: &str, amount: MinorUnits) -> Result<(), ObligationInputError> {
    if amount < 0 {
        Err(ObligationInputError::invalid(item, "must not be negative"))
    } else if amount > MAX_AMOUNT {
        Err(ObligationInputError::invalid(item, format!("must be at most {MAX_AMOUNT}")))
    } else {
        Ok(())
    }
}

fn check_payments(facts: &ObligationFacts) -> Result<(), ObligationInputError> {
    let mut total: MinorUnits = 0;
    for (index, payment) in facts.payments.iter().enumerate() {
        check_amount(&format!("payments[{index}].amount"), payment.amount)?;
        total += payment.amount;
        if total > MAX_AMOUNT {
            return Err(ObligationInputError::invalid("payments", format!("the total must be at most {MAX_AMOUNT}")));
        }
    }
    Ok(())
}

fn checked_periods(facts: &ObligationFacts) -> Result<Vec<PeriodSpan>, ObligationInputError> {
    for (index, period) in facts.service_periods.iter().enumerate() {
        if period.end < period.start {
            return Err(ObligationInputError::invalid(
                format!("service_periods[{index}]"),
                format!("ends ({}) before it starts ({})", period.end, period.start),
            ));
        }
        check_fraction(&format!("service_periods[{index}].fte"), period.fte)?;
    }
    let mut order: Vec<usize> = (0..facts.service_periods.len()).collect();
    order.sort_by_key(|&index| facts.service_periods[index].start);
    for pair in order.windows(2) {
        let (earlier, later) = (&facts.service_periods[pair[0]], &facts.service_periods[pair[1]]);
        if later.start <= earlier.end {
            return Err(ObligationInputError::invalid(
                format!("service_periods[{}]", pair[1]),
                format!("overlaps service_periods[{}] ({}..{})", pair[0], earlier.start, earlier.end),
            ));
        }
    }
    Ok(order
        .into_iter()
        .map(|index| {
            let period = &facts.service_periods[index];
            PeriodSpan {
                start: day_number(period.start),
                end: day_number(period.end),
                fte_billionths: period.fte.billionths(),
                days_away: i64::from(period.days_away),
            }
        })
        .collect())
}

type LeaveSpans = (Vec<DaySpan>, Vec<DaySpan>, Vec<DaySpan>);

fn checked_leaves(facts: &ObligationFacts) -> Result<LeaveSpans, ObligationInputError> {
    for (index, leave) in facts.leaves.iter().enumerate() {
        if leave.end < leave.start {
            return Err(ObligationInputError::invalid(
                format!("leaves[{index}]"),
                format!("ends ({}) before it starts ({})", leave.end, leave.start),
            ));
        }
    }
    let mut order: Vec<usize> = (0..facts.leaves.len()).collect();
    order.sort_by_key(|&index| facts.leaves[index].start);
    // Overlapping leaves would count the same day twice; the record must say which one applies.
    for pair in order.windows(2) {
        let (earlier, later) = (&facts.leaves[pair[0]], &facts.leaves[pair[1]]);
        if later.start <= earlier.end {
            return Err(ObligationInputError::invalid(
                format!("leaves[{}]", pair[1]),
                format!("overlaps leaves[{}] ({}..{})", pair[0], earlier.start, earlier.end),
            ));
        }
    }
    let parental_max = i64::from(facts.terms.parental_leave_max_days);
    let (mut credit_stops, mut overflow, mut suspensions) = (Vec::new(), Vec::new(), Vec::new());
    for index in order {
        let leave = &facts.leaves[index];
        let (start, end) = (day_number(leave.start), day_number(leave.end));
        match leave.kind {
            LeaveKind::Suspension => {
                credit_stops.push((start, end));
                suspensions.push((start, end));
            }
            LeaveKind::Parental => {
                // The first `parental_max` days are approved leave; the rest are days away.
                let approved_end = end.min(start + parental_max - 1);
                if approved_end >= start {
                    credit_stops.push((start, approved_end));
                }
                if approved_end < end {
                    overflow.push((approved_end.max(start - 1) + 1, end));
                }
            }
        }
    }
    Ok((credit_stops, overflow, suspensions))
}
