//! Exact arithmetic for money and fractional days: decimals held as whole billionths,
//! integer rounding helpers, and a 256-bit multiply-divide so that no step needs floating point.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// An amount of money in integer minor units of the programme's currency (cents, pesa…).
pub type MinorUnits = i64;

/// A decimal number held exactly, as a whole number of billionths (9 decimal places).
///
/// Programme terms such as an interest rate of `0.05`, a multiplier of `3.0` or an fte of `0.5`
/// are decimals in contracts and in JSON; keeping them as billionths lets every formula that uses
/// them be computed with integers, with one rounding at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExactDecimal {
    billionths: i64,
}

/// Why a number cannot be held as an [`ExactDecimal`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("has more than 9 decimal places")]
    TooPrecise,
    #[error("is out of range")]
    OutOfRange,
    #[error("is not a decimal number")]
    NotANumber,
}

impl ExactDecimal {
    /// Billionths in one unit.
    pub const SCALE: i64 = 1_000_000_000;
    pub const ZERO: Self = Self { billionths: 0 };
    pub const ONE: Self = Self { billionths: Self::SCALE };

    pub const fn from_billionths(billionths: i64) -> Self {
        Self { billionths }
    }

    /// `None` when `whole × 10⁹` does not fit.
    pub const fn from_integer(whole: i64) -> Option<Self> {
        match whole.checked_mul(Self::SCALE) {
            Some(billionths) => Some(Self { billionths }),
            None => None,
        }
    }

    pub const fn billionths(self) -> i64 {
        self.billionths
    }

    pub const fn is_negative(self) -> bool {
        self.billionths < 0
    }

    /// The decimal a JSON number denotes. Rust prints an `f64` as the shortest text that reads
    /// back to the same `f64`, which for any literal of up to 15 significant digits is the
    /// literal itself; so `0.05` becomes exactly 50,000,000 billionths, not 0.05000000000000000277.
    pub fn from_f64_shortest(value: f64) -> Result<Self, DecimalError> {
        if !value.is_finite() {
            return Err(DecimalError::NotANumber);
        }
        format!("{value}").parse()
    }
}

impl FromStr for ExactDecimal {
    type Err = DecimalError;

    /// Reads `[-]digits[.digits]`, the form Rust prints `f64` in (it never uses an exponent).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
            return Err(DecimalError::NotANumber);
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > 9 {
            return Err(DecimalError::TooPrecise);
        }
        let mut billionths: i64 = 0;
        for digit in whole.bytes() {
            billionths = billionths
                .checked_mul(10)
                .and_then(|b| b.checked_add(i64::from(digit - b'0')))
                .ok_or(DecimalError::OutOfRange)?;
        }
        billionths = billionths.checked_mul(ExactDecimal::SCALE).ok_or(DecimalError::OutOfRange)?;
        let mut place = ExactDecimal::SCALE / 10;
        for digit in fraction.bytes() {
            billionths += i64::from(digit - b'0') * place;
            place /= 10;
        }
        Ok(Self { billionths: if negative { -billionths } else { billionths } })
    }
}

impl fmt::Display for ExactDecimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.billionths < 0 { "-" } else { "" };
        let magnitude = self.billionths.unsigned_abs();
        let scale = ExactDecimal::SCALE.unsigned_abs();
        let whole = magnitude / scale;
        let fraction = format!("{:09}", magnitude % scale);
        let fraction = fraction.trim_end_matches('0');
        if fraction.is_empty() {
            write!(f, "{sign}{whole}")
        } else {
            write!(f, "{sign}{whole}.{fraction}")
        }
    }
}

impl Serialize for ExactDecimal {
    /// As a JSON number: the shortest `f64` of a decimal with 9 places reads back to the same decimal.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // An i64 of billionths divided once gives the correctly rounded f64 of the decimal.
        serializer.serialize_f64(self.billionths as f64 / ExactDecimal::SCALE as f64)
    }
}

impl<'de> Deserialize<'de> for ExactDecimal {
    /// From a JSON number (integer or decimal) or a decimal string such as `"0.05"`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DecimalVisitor;
        impl Visitor<'_> for DecimalVisitor {
            type Value = ExactDecimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number with at most 9 decimal places")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ExactDecimal, E> {
                ExactDecimal::from_integer(v).ok_or_else(|| E::custom("number is out of range"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ExactDecimal, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(ExactDecimal::from_integer)
                    .ok_or_else(|| E::custom("number is out of range"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ExactDecimal, E> {
                ExactDecimal::from_f64_shortest(v).map_err(|e| E::custom(format!("number {e}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ExactDecimal, E> {
                v.parse().map_err(|e| E::custom(format!("decimal {v:?} {e}")))
            }
        }
        deserializer.deserialize_any(DecimalVisitor)
    }
}

/// `numerator / denominator` rounded half up, for a non-negative numerator and positive denominator.
pub(crate) fn div_round_half_up(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if 2 * remainder >= denominator {
        quotient + 1
    } else {
        quotient
    }
}

/// `numerator / denominator` rounded up, for a non-negative numerator and positive denominator.
pub(crate) fn div_ceil(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator / denominator;
    if numerator % denominator == 0 {
        quotient
    } else {
        quotient + 1
    }
}

/// `a × b / c` rounded half up, exact even when `a × b` overflows 128 bits (damages multiply a
/// multiplier, Φ with its interest, and unserved days before dividing). Saturates at `u128::MAX`
/// when the quotient itself does not fit, which validated inputs never reach.
pub(crate) fn mul_div_round_half_up(a: u128, b: u128, c: u128) -> u128 {
    let (quotient, remainder) = match a.checked_mul(b) {
        Some(product) => (product / c, product % c),
        None => match wide_div_rem(wide_mul(a, b), c) {
            Some(pair) => pair,
            None => return u128::MAX,
        },
    };
    // `remainder < c`, so comparing with `c - remainder` avoids doubling past 128 bits.
    if remainder >= c - remainder {
        quotient.saturating_add(1)
    } else {
        quotient
    }
}

/// The 256-bit product of two `u128`, as (high, low) halves.
fn wide_mul(a: u128, b: u128) -> (u128, u128) {
    const LOW: u128 = u64::MAX as u128;
    let (a_hi, a_lo) = (a >> 64, a & LOW);
    let (b_hi, b_lo) = (b >> 64, b & LOW);
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let hi_hi = a_hi * b_hi;
    let middle = (lo_lo >> 64) + (hi_lo & LOW) + (lo_hi & LOW);
    let low = (lo_lo & LOW) | (middle << 64);
    let high = hi_hi + (hi_lo >> 64) + (lo_hi >> 64) + (middle >> 64);
    (high, low)
}

/// Divides a 256-bit number by `divisor`; `None` when the quotient needs more than 128 bits.
fn wide_div_rem((high, low): (u128, u128), divisor: u128) -> Option<(u128, u128)> {
    if high >= divisor {
        return None;
    }
    // Schoolbook binary division over the low half, the high half being the first remainder.
    let mut remainder = high;
    let mut quotient: u128 = 0;
    for bit in (0..128).rev() {
        let carried_out = remainder >> 127;
        remainder = (remainder << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carried_out == 1 || remainder >= divisor {
            remainder = remainder.wrapping_sub(divisor);
            quotient |= 1;
        }
    }
    Some((quotient, remainder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_decimals_are_read_exactly() {
        let rate: ExactDecimal = serde_json::from_str("0.05").unwrap();
        assert_eq!(rate.billionths(), 50_000_000);
        let multiplier: ExactDecimal = serde_json::from_str("3").unwrap();
        assert_eq!(multiplier, ExactDecimal::from_integer(3).unwrap());
        let fte: ExactDecimal = serde_json::from_str("\"0.125\"").unwrap();
        assert_eq!(fte.billionths(), 125_000_000);
        assert_eq!(fte.to_string(), "0.125");
        assert!(serde_json::from_str::<ExactDecimal>("0.0000000001").is_err());
        assert_eq!(serde_json::to_string(&ExactDecimal::from_billionths(50_000_000)).unwrap(), "0.05");
    }

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(4, 10), 0);
        assert_eq!(div_round_half_up(15, 10), 2);
        assert_eq!(div_ceil(11, 10), 2);
        assert_eq!(div_ceil(10, 10), 1);
    }

    #[test]
    fn wide_multiply_divide_matches_narrow_and_survives_overflow() {
        assert_eq!(mul_div_round_half_up(7, 5, 2), 18);
        let big = u128::MAX / 3;
        // (big × 6) / 4 = big × 1.5, computed through 256 bits.
        assert_eq!(mul_div_round_half_up(big, 6, 4), big + big / 2 + 1);
        assert_eq!(mul_div_round_half_up(u128::MAX, u128::MAX, u128::MAX), u128::MAX);
        assert_eq!(mul_div_round_half_up(u128::MAX, 2, 1), u128::MAX);
    }
}
