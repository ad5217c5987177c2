//! A programme's terms (DOMAIN.md, "Programme terms"): each set applies from a date, so that a change of
//! terms never rewrites what earlier intakes signed up to.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::FieldErrors;

/// One set of terms. Years are fractional because a programme may count half-years; money is minor units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeTerms {
    pub service_years_per_support_year: f64,
    pub min_service_years: f64,
    pub max_support_years: i32,
    pub full_time_hours_per_week: i32,
    pub half_time_hours_per_week: i32,
    pub half_time_credit: f64,
    pub days_away_allowed_per_service_year: i32,
    pub parental_leave_max_days: i32,
    pub verification_interval_months: i32,
    pub verification_late_days: i32,
    pub start_window_days: i32,
    pub in_school_breach_multiplier: f64,
    pub damages_multiplier: f64,
    pub damages_annual_interest_rate: f64,
    pub damages_minimum_minor: i64,
    pub damages_payment_deadline_days: i32,
    pub stipend_monthly_minor: i64,
    pub lump_sum_yearly_minor: i64,
}

impl ProgrammeTerms {
    /// The terms of the US NHSC scholarship, a sensible starting point for a new programme.
    pub fn typical() -> ProgrammeTerms {
        ProgrammeTerms {
            service_years_per_support_year: 1.0,
            min_service_years: 2.0,
            max_support_years: 4,
            full_time_hours_per_week: 40,
            half_time_hours_per_week: 20,
            half_time_credit: 0.5,
            days_away_allowed_per_service_year: 35,
            parental_leave_max_days: 84,
            verification_interval_months: 6,
            verification_late_days: 60,
            start_window_days: 180,
            in_school_breach_multiplier: 1.0,
            damages_multiplier: 3.0,
            damages_annual_interest_rate: 0.05,
            damages_minimum_minor: 0,
            damages_payment_deadline_days: 365,
            stipend_monthly_minor: 0,
            lump_sum_yearly_minor: 0,
        }
    }

    /// Years of service bought by `support_years` of support: the greater of the per-year rate and the minimum.
    pub fn obligated_service_years(&self, support_years: i32) -> f64 {
        (f64::from(support_years) * self.service_years_per_support_year).max(self.min_service_years)
    }

    /// Checks every term; the map names each bad field with a message key.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut check = |ok: bool, field: &str, key: &str| {
            if !ok {
                errors.insert(field.to_string(), key.to_string());
            }
        };
        check(
            self.service_years_per_support_year > 0.0 && self.service_years_per_support_year <= 10.0,
            "service_years_per_support_year",
            "error-range-0-10",
        );
        check(self.min_service_years >= 0.0 && self.min_service_years <= 20.0, "min_service_years", "error-range-0-20");
        check((1..=10).contains(&self.max_support_years), "max_support_years", "error-range-1-10");
        check((1..=80).contains(&self.full_time_hours_per_week), "full_time_hours_per_week", "error-range-1-80");
        check(
            self.half_time_hours_per_week > 0 && self.half_time_hours_per_week < self.full_time_hours_per_week,
            "half_time_hours_per_week",
            "error-half-time-hours",
        );
        check(self.half_time_credit > 0.0 && self.half_time_credit <= 1.0, "half_time_credit", "error-fraction");
        check(
            (0..=366).contains(&self.days_away_allowed_per_service_year),
            "days_away_allowed_per_service_year",
            "error-range-0-366",
        );
        check((0..=730).contains(&self.parental_leave_max_days), "parental_leave_max_days", "error-range-0-730");
        check(
            (1..=24).contains(&self.verification_interval_months),
            "verification_interval_months",
            "error-range-1-24",
        );
        check((0..=366).contains(&self.verification_late_days), "verification_late_days", "error-range-0-366");
        check((0..=1095).contains(&self.start_window_days), "start_window_days", "error-range-0-1095");
        check(
            (0.0..=10.0).contains(&self.in_school_breach_multiplier),
            "in_school_breach_multiplier",
            "error-range-0-10",
        );
        check((0.0..=10.0).contains(&self.damages_multiplier), "damages_multiplier", "error-range-0-10");
        check(
            (0.0..=1.0).contains(&self.damages_annual_interest_rate),
            "damages_annual_interest_rate",
            "error-fraction",
        );
        check(self.damages_minimum_minor >= 0, "damages_minimum_minor", "error-amount-negative");
        check(
            (0..=3650).contains(&self.damages_payment_deadline_days),
            "damages_payment_deadline_days",
            "error-range-0-3650",
        );
        check(self.stipend_monthly_minor >= 0, "stipend_monthly_minor", "error-amount-negative");
        check(self.lump_sum_yearly_minor >= 0, "lump_sum_yearly_minor", "error-amount-negative");
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A programme's terms over time: the set in force on a date is the latest that began on or before it.
#[derive(Debug, Clone, Default)]
pub struct TermsHistory {
    entries: Vec<(NaiveDate, ProgrammeTerms)>,
}

impl TermsHistory {
    pub fn new(mut entries: Vec<(NaiveDate, ProgrammeTerms)>) -> TermsHistory {
        entries.sort_by_key(|(from, _)| *from);
        TermsHistory { entries }
    }

    pub fn in_force_on(&self, date: NaiveDate) -> Option<&ProgrammeTerms> {
        self.entry_in_force_on(date).map(|(_, t)| t)
    }

    /// The terms in force on `date` with the date they began (an award records it to name its terms).
    pub fn entry_in_force_on(&self, date: NaiveDate) -> Option<(NaiveDate, &ProgrammeTerms)> {
        self.entries.iter().rev().find(|(from, _)| *from <= date).map(|(from, t)| (*from, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn obligation_is_the_greater_of_rate_and_minimum() {
        let terms = ProgrammeTerms::typical();
        assert_eq!(terms.obligated_service_years(1), 2.0);
        assert_eq!(terms.obligated_service_years(4), 4.0);
        let dost = ProgrammeTerms { service_years_per_support_year: 2.0, ..terms };
        assert_eq!(dost.obligated_service_years(3), 6.0);
    }

    #[test]
    fn the_terms_in_force_are_the_latest_begun() {
        let old = ProgrammeTerms::typical();
        let new = ProgrammeTerms { min_service_years: 3.0, ..old.clone() };
        let history = TermsHistory::new(vec![(date("2027-01-01"), new.clone()), (date("2020-01-01"), old.clone())]);
        assert_eq!(history.in_force_on(date("2019-12-31")), None);
        assert_eq!(history.in_force_on(date("2026-06-01")), Some(&old));
        assert_eq!(history.in_force_on(date("2027-01-01")), Some(&new));
    }

    #[test]
    fn validation_names_each_bad_term() {
        let terms = ProgrammeTerms { half_time_credit: 1.5, max_support_years: 0, ..ProgrammeTerms::typical() };
        let errors = terms.validate().expect_err("two bad terms");
        assert_eq!(errors.get("half_time_credit").map(String::as_str), Some("error-fraction"));
        assert_eq!(errors.get("max_support_years").map(String::as_str), Some("error-range-1-10"));
        assert_eq!(errors.len(), 2);
        assert!(ProgrammeTerms::typical().validate().is_ok());
    }
}
