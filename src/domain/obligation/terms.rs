//! Programme terms that shape a service obligation and its damages, each set applying from a date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::exact::{div_round_half_up, ExactDecimal, MinorUnits};

/// The obligation a programme attaches to its support. Every figure is a programme term, never a
/// constant in code: real programmes differ (1 or 2 service years per school year, a 2- to 6-year
/// minimum, 35 days away a service year…).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationTerms {
    /// Years of service owed for each school year of support.
    pub service_years_per_support_year: ExactDecimal,
    /// The obligation is never shorter than this, however short the support.
    pub min_service_years: ExactDecimal,
    /// Calendar days in a service year (usually 365); converts years of obligation to days.
    pub days_per_service_year: u32,
    /// Credit rate the web application gives half-time periods as their fte (usually 0.5). The
    /// engine never applies it itself: a period's fte is its credit rate as recorded.
    pub half_time_credit: ExactDecimal,
    /// Days away (leave, sickness, training) allowed without moving the end date, per service
    /// year, pro rata: a period of `d` days allows `days_away_allowed_per_service_year × d /
    /// days_per_service_year`.
    pub days_away_allowed_per_service_year: ExactDecimal,
    /// Parental leave up to this many days is approved on documentation; days beyond it count as
    /// days away.
    pub parental_leave_max_days: u32,
    /// A period certified more than this many days before `as_of`, with none after it, is overdue.
    pub verification_late_days: u32,
    /// Service should start within this many days of becoming eligible to start.
    pub start_window_days: u32,
    /// Damages on a service breach.
    pub damages: DamagesTerms,
    /// In-school breach repays `in_school_breach_multiplier × payments` (no interest; usually 1).
    pub in_school_breach_multiplier: ExactDecimal,
}

/// Service-breach damages: `max(minimum, multiplier × Φ × (t − s) / t)`, where Φ is every payment
/// with simple interest at `annual_interest_rate` (actual days / 365) from its date to the breach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DamagesTerms {
    /// 3 for the US NHSC, 2 for New York, 1 for pro-rata repayment.
    pub multiplier: ExactDecimal,
    /// Simple annual interest on each payment, e.g. `0.05`.
    pub annual_interest_rate: ExactDecimal,
    /// Damages are never below this (minor units), unless the obligation is complete.
    pub minimum: MinorUnits,
}

/// Obligated days `t = round(max(support_years × service_years_per_support_year,
/// min_service_years) × days_per_service_year)`, rounded half up.
pub fn obligated_days(terms: &ObligationTerms, support_years: ExactDecimal) -> i64 {
    let scale = i128::from(ExactDecimal::SCALE);
    // Both sides in billionths of billionths of a year, so the comparison is exact.
    let earned = i128::from(support_years.billionths()) * i128::from(terms.service_years_per_support_year.billionths());
    let minimum = i128::from(terms.min_service_years.billionths()) * scale;
    let years = earned.max(minimum).max(0);
    let days = div_round_half_up(years * i128::from(terms.days_per_service_year), scale * scale);
    i64::try_from(days).unwrap_or(i64::MAX)
}

/// Terms as they changed over time: each set applies from its `effective_from` date until the next.
///
/// Which date to look up is the caller's choice (usually the award's contract date, since a
/// contract keeps the terms it was signed under).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsSchedule {
    entries: Vec<(NaiveDate, ObligationTerms)>,
}

impl TermsSchedule {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the terms that apply from `effective_from`.
    pub fn insert(&mut self, effective_from: NaiveDate, terms: ObligationTerms) {
        match self.entries.binary_search_by_key(&effective_from, |(from, _)| *from) {
            Ok(index) => self.entries[index].1 = terms,
            Err(index) => self.entries.insert(index, (effective_from, terms)),
        }
    }

    /// The terms in force on `date`: the latest set effective on or before it.
    pub fn terms_on(&self, date: NaiveDate) -> Option<&ObligationTerms> {
        let applicable = self.entries.partition_point(|(from, _)| *from <= date);
        applicable.checked_sub(1).map(|index| &self.entries[index].1)
    }

    /// Every set with its effective date, oldest first.
    pub fn entries(&self) -> &[(NaiveDate, ObligationTerms)] {
        &self.entries
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The example terms.
    pub(crate) fn example_terms() -> ObligationTerms {
        ObligationTerms {
            service_years_per_support_year: ExactDecimal::ONE,
            min_service_years: "2".parse().unwrap(),
            days_per_service_year: 365,
            half_time_credit: "0.5".parse().unwrap(),
            days_away_allowed_per_service_year: "35".parse().unwrap(),
            parental_leave_max_days: 84,
            verification_late_days: 60,
            start_window_days: 180,
            damages: DamagesTerms {
                multiplier: "3".parse().unwrap(),
                annual_interest_rate: "0.05".parse().unwrap(),
                minimum: 0,
            },
            in_school_breach_multiplier: ExactDecimal::ONE,
        }
    }

    #[test]
    fn obligation_is_support_times_rate_or_the_minimum() {
        let terms = example_terms();
        // 3 × 1.0 = 3 years ≥ 2 → 3 × 365 = 1,095 days.
        assert_eq!(obligated_days(&terms, "3".parse().unwrap()), 1095);
        // 1 year of support is below the 2-year minimum → 730 days.
        assert_eq!(obligated_days(&terms, ExactDecimal::ONE), 730);
        // 2.5 × 1.0 × 365 = 912.5 → rounds half up to 913.
        assert_eq!(obligated_days(&terms, "2.5".parse().unwrap()), 913);
    }

    #[test]
    fn schedule_finds_the_terms_in_force_on_a_date() {
        let date = |s: &str| s.parse::<NaiveDate>().unwrap();
        let mut later = example_terms();
        later.min_service_years = "3".parse().unwrap();
        let mut schedule = TermsSchedule::new();
        schedule.insert(date("2024-01-01"), later.clone());
        schedule.insert(date("2020-01-01"), example_terms());
        assert_eq!(schedule.terms_on(date("2019-12-31")), None);
        assert_eq!(schedule.terms_on(date("2023-12-31")), Some(&example_terms()));
        assert_eq!(schedule.terms_on(date("2024-01-01")), Some(&later));
    }
}
