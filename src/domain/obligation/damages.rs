//! What a breach costs: Φ (payments with simple interest) and the service and in-school damages.

use chrono::NaiveDate;

use super::exact::{div_round_half_up, mul_div_round_half_up, ExactDecimal, MinorUnits};
use super::facts::Payment;
use super::terms::DamagesTerms;

/// Interest runs on actual days over a 365-day year, whatever the programme's service year.
const INTEREST_DAYS_PER_YEAR: i128 = 365;
const SCALE: i128 = ExactDecimal::SCALE as i128;

/// Φ held exactly, in units of `1 / (365 × 10⁹)` of a minor unit, so that damages computed from it
/// are rounded once, at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Phi {
    numerator: i128,
}

impl Phi {
    /// Units in one minor unit of money.
    pub const DENOMINATOR: i128 = INTEREST_DAYS_PER_YEAR * SCALE;

    /// A Φ of exactly `amount` (for statutes that state Φ directly).
    pub fn from_minor_units(amount: MinorUnits) -> Self {
        Self { numerator: i128::from(amount) * Self::DENOMINATOR }
    }

    /// Rounded half up to minor units.
    pub fn rounded(self) -> MinorUnits {
        let rounded = div_round_half_up(self.numerator.max(0), Self::DENOMINATOR);
        MinorUnits::try_from(rounded).unwrap_or(MinorUnits::MAX)
    }
}

/// Φ at `date` = sum over payments made on or before it of
/// `amount × (1 + annual_interest_rate × days from the payment date to date / 365)`.
pub fn phi_at(payments: &[Payment], annual_interest_rate: ExactDecimal, date: NaiveDate) -> Phi {
    let rate = i128::from(annual_interest_rate.billionths());
    let numerator = payments
        .iter()
        .filter(|payment| payment.date <= date)
        .map(|payment| {
            let days = i128::from((date - payment.date).num_days());
            i128::from(payment.amount) * (Phi::DENOMINATOR + rate * days)
        })
        .sum();
    Phi { numerator }
}

/// Service-breach damages = `max(minimum, multiplier × Φ × (t − s) / t)`, rounded half up;
/// 0 once `s ≥ t` (nothing is owed for a completed obligation, whatever the minimum).
pub fn service_breach_damages(phi: Phi, terms: &DamagesTerms, obligated_days: i64, credited_days: i64) -> MinorUnits {
    if credited_days >= obligated_days || obligated_days <= 0 {
        return 0;
    }
    let unserved = u128::from((obligated_days - credited_days).unsigned_abs());
    let multiplier = u128::from(terms.multiplier.billionths().max(0).unsigned_abs());
    let phi_units = u128::try_from(phi.numerator.max(0)).unwrap_or(0);
    let denominator =
        Phi::DENOMINATOR.unsigned_abs() * SCALE.unsigned_abs() * u128::from(obligated_days.unsigned_abs());
    let damages = mul_div_round_half_up(phi_units, multiplier * unserved, denominator);
    MinorUnits::try_from(damages).unwrap_or(MinorUnits::MAX).max(terms.minimum)
}

/// In-school breach damages = `multiplier × sum of payments made on or before date`, no
/// interest, rounded half up.
pub fn in_school_breach_damages(payments: &[Payment], multiplier: ExactDecimal, date: NaiveDate) -> MinorUnits {
    let paid: i128 =
        payments.iter().filter(|payment| payment.date <= date).map(|payment| i128::from(payment.amount)).sum();
    let damages = div_round_half_up(paid * i128::from(multiplier.billionths()), SCALE);
    MinorUnits::try_from(damages.max(0)).unwrap_or(MinorUnits::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn damages_terms(multiplier: &str, minimum: MinorUnits) -> DamagesTerms {
        DamagesTerms { multiplier: multiplier.parse().unwrap(), annual_interest_rate: "0.05".parse().unwrap(), minimum }
    }

    #[test]
    fn statute_example_three_times_the_unserved_share() {
        // DOMAIN.md: Φ = 200,000, t = 48 months, s = 12 months, multiplier 3:
        // 3 × 200,000 × 36 / 48 = 450,000.
        let phi = Phi::from_minor_units(200_000);
        assert_eq!(service_breach_damages(phi, &damages_terms("3", 0), 48, 12), 450_000);
    }

    #[test]
    fn minimum_applies_until_the_obligation_is_complete() {
        let phi = Phi::from_minor_units(1_000);
        // 1 × 1,000 × 1 / 100 = 10, below the minimum of 500.
        assert_eq!(service_breach_damages(phi, &damages_terms("1", 500), 100, 99), 500);
        assert_eq!(service_breach_damages(phi, &damages_terms("1", 500), 100, 100), 0);
    }

    #[test]
    fn phi_adds_simple_interest_from_each_payment_date() {
        let payments = [
            Payment { date: date("2021-10-01"), amount: 150_000 },
            Payment { date: date("2026-06-01"), amount: 99_999 },
        ];
        // 2021-10-01 → 2026-01-01 is 1,553 days: 150,000 × (1 + 0.05 × 1,553 / 365)
        // = 181,910.96 → 181,911; the 2026-06-01 payment comes after the date and is left out.
        let phi = phi_at(&payments, "0.05".parse().unwrap(), date("2026-01-01"));
        assert_eq!(phi.rounded(), 181_911);
        // On the payment day itself there is no interest yet.
        let phi = phi_at(&payments[..1], "0.05".parse().unwrap(), date("2021-10-01"));
        assert_eq!(phi, Phi::from_minor_units(150_000));
    }

    #[test]
    fn in_school_breach_repays_what_was_paid_without_interest() {
        let payments = [
            Payment { date: date("2022-01-10"), amount: 40_000 },
            Payment { date: date("2022-07-10"), amount: 40_001 },
            Payment { date: date("2023-01-10"), amount: 40_000 },
        ];
        // Two payments before 2022-12-31: 80,001 × 1.5 = 120,001.5 → 120,002 (half up).
        assert_eq!(in_school_breach_damages(&payments, "1.5".parse().unwrap(), date("2022-12-31")), 120_002);
    }
}
