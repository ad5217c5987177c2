//! Service credit: what each period earns, credited days at a date, the completion date and the
//! projected end, all in exact integer units of a day.
//!
//! Per period: `d` = calendar days, `l` = days under a suspension or approved parental leave,
//! allowance = `days_away_allowed_per_service_year × d / days_per_service_year`,
//! excess away = `max(0, days_away − allowance)` (days away include parental leave beyond its
//! limit), credit = `max(0, (d − l − excess away) × fte)`. Credited days `s` = floor of the sum.
//!
//! Within a period, credit accrues evenly over its days not on leave (the excess days away are
//! spread over them, since the record does not say when they fell). That one model gives the
//! credit at any date, the day the obligation was completed, and nothing in between is guessed.

use chrono::NaiveDate;

use super::case::{date_of, day_number, DayNumber, DaySpan, ObligationCase};
use super::exact::{div_ceil, ExactDecimal};

const SCALE: i128 = ExactDecimal::SCALE as i128;

/// Days of `spans` (sorted, disjoint) that fall within `[first, last]`.
pub(crate) fn days_within(spans: &[DaySpan], first: DayNumber, last: DayNumber) -> i64 {
    let from = spans.partition_point(|&(_, end)| end < first);
    spans[from..]
        .iter()
        .take_while(|&&(start, _)| start <= last)
        .map(|&(start, end)| end.min(last) - start.max(first) + 1)
        .sum()
}

/// The `n`-th day (n ≥ 1) from `first` on that is outside `spans` (sorted, disjoint).
fn nth_day_outside(spans: &[DaySpan], first: DayNumber, n: i64) -> DayNumber {
    let mut position = first;
    let mut still_needed = n;
    let from = spans.partition_point(|&(_, end)| end < first);
    for &(start, end) in &spans[from..] {
        let free_before = start.max(position) - position;
        if still_needed <= free_before {
            break;
        }
        still_needed -= free_before;
        position = end + 1;
    }
    position + still_needed - 1
}

/// What one service period earns, in units of `1 / (days_per_service_year × 10¹⁸)` of a day
/// (the allowance divides by the days of a service year; the allowance and the fte are
/// decimals of 9 places).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PeriodCredit {
    pub(crate) start: DayNumber,
    pub(crate) end: DayNumber,
    /// Days of the period not on leave: the days over which its credit accrues.
    pub(crate) accruing_days: i64,
    pub(crate) units: i128,
    pub(crate) has_excess_away: bool,
    pub(crate) fte_billionths: i64,
}

/// The credit of every period of a case, computed once.
pub(crate) struct CreditLedger<'a> {
    case: &'a ObligationCase,
    periods: Vec<PeriodCredit>,
    units_per_day: i128,
    obligated_units: i128,
}

impl<'a> CreditLedger<'a> {
    pub(crate) fn new(case: &'a ObligationCase) -> Self {
        let terms = &case.facts().terms;
        let days_per_year = i128::from(terms.days_per_service_year);
        let allowed_per_year = i128::from(terms.days_away_allowed_per_service_year.billionths());
        // One day in units of 1/(days_per_year × 10⁹) of a day, before the fte's own 10⁹.
        let scaled_day = days_per_year * SCALE;
        let periods = case
            .periods
            .iter()
            .map(|period| {
                let days = period.end - period.start + 1;
                let leave_days = days_within(&case.credit_stops, period.start, period.end);
                let away = period.days_away + days_within(&case.parental_overflow, period.start, period.end);
                let excess_away = (i128::from(away) * scaled_day - allowed_per_year * i128::from(days)).max(0);
                let credited = (i128::from(days - leave_days) * scaled_day - excess_away).max(0);
                PeriodCredit {
                    start: period.start,
                    end: period.end,
                    accruing_days: days - leave_days,
                    units: credited * i128::from(period.fte_billionths),
                    has_excess_away: excess_away > 0,
                    fte_billionths: period.fte_billionths,
                }
            })
            .collect();
        let units_per_day = scaled_day * SCALE;
        Self { case, periods, units_per_day, obligated_units: i128::from(case.obligated_days) * units_per_day }
    }

    pub(crate) fn periods(&self) -> &[PeriodCredit] {
        &self.periods
    }

    /// Credit earned up to and including `day`, in units.
    fn units_through(&self, day: DayNumber) -> i128 {
        let mut total = 0;
        for period in &self.periods {
            if period.start > day {
                break;
            }
            if period.end <= day {
                total += period.units;
            } else if period.accruing_days > 0 {
                let accrued = day - period.start + 1 - days_within(&self.case.credit_stops, period.start, day);
                // Flooring this one partial term cannot change the floor of the whole sum.
                total += period.units * i128::from(accrued) / i128::from(period.accruing_days);
            }
        }
        total
    }

    /// Credited days `s` at the end of `day`: the floor of the credit earned through it.
    pub(crate) fn credited_days_through(&self, day: DayNumber) -> i64 {
        i64::try_from(self.units_through(day) / self.units_per_day).unwrap_or(i64::MAX)
    }

    /// The day on which cumulative credit, walking the periods in order, reaches `t`; `None`
    /// if the recorded periods never reach it.
    pub(crate) fn completion_day(&self) -> Option<DayNumber> {
        let mut cumulative = 0;
        for period in &self.periods {
            let needed = self.obligated_units - cumulative;
            if period.units >= needed {
                // Credit accrues evenly over the accruing days, so the day is found by division.
                let accruing_days_needed = div_ceil(needed * i128::from(period.accruing_days), period.units);
                let n = i64::try_from(accruing_days_needed).unwrap_or(i64::MAX);
                return Some(nth_day_outside(&self.case.credit_stops, period.start, n.max(1)));
            }
            cumulative += period.units;
        }
        None
    }

    /// If the recorded periods do not complete the obligation: the day the rest would be served,
    /// counting from the day after the later of `as_of` and the last period's end, at the last
    /// period's fte (1.0 if none), skipping days under a recorded suspension or approved parental
    /// leave. `None` beyond the calendar's range.
    pub(crate) fn projected_day_after_records(&self, as_of: DayNumber) -> Option<DayNumber> {
        let recorded: i128 = self.periods.iter().map(|period| period.units).sum();
        let remaining = (self.obligated_units - recorded).max(0);
        let last = self.periods.last();
        let fte = last.map_or(ExactDecimal::SCALE, |period| period.fte_billionths);
        let units_per_service_day = self.units_per_day / SCALE * i128::from(fte);
        let days_needed = i64::try_from(div_ceil(remaining, units_per_service_day)).ok()?;
        let counting_from = last.map_or(as_of, |period| period.end.max(as_of)) + 1;
        // Far beyond any calendar date: say so rather than overflow.
        if days_needed > 100_000_000 {
            return None;
        }
        Some(nth_day_outside(&self.case.credit_stops, counting_from, days_needed.max(1)))
    }
}

impl ObligationCase {
    /// Credited days `s` at the end of `date` (credit of a period still running counts up to `date`).
    pub fn credited_days_on(&self, date: NaiveDate) -> i64 {
        CreditLedger::new(self).credited_days_through(day_number(date))
    }

    /// The day on which the recorded service completes the obligation, if it does (this may lie
    /// after `as_of` when a recorded period runs beyond it).
    pub fn completion_date(&self) -> Option<NaiveDate> {
        CreditLedger::new(self).completion_day().and_then(date_of)
    }
}
