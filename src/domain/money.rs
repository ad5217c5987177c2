//! Money: integer minor units with an ISO 4217 currency. No floating point touches an amount.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Money {
    pub minor: i64,
    pub currency: [u8; 3],
}

/// Digits after the decimal point for a currency (ISO 4217); 2 unless the currency has none.
pub fn minor_digits(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "XOF" | "XAF" | "RWF" | "UGX" | "VND" | "CLP" | "PYG" | "BIF" | "GNF" | "KMF" | "DJF" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

/// A currency code is three capital letters.
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Parses a typed amount ("1,250,000.50", "300") into minor units of `currency`, exactly.
pub fn parse_amount(text: &str, currency: &str) -> Result<i64, &'static str> {
    let digits = minor_digits(currency);
    let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != ' ' && *c != '_').collect();
    if cleaned.is_empty() {
        return Err("error-required");
    }
    if cleaned.starts_with('-') {
        return Err("error-amount-negative");
    }
    let (whole, fraction) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err("error-amount-format");
    }
    if fraction.len() > digits as usize {
        return Err("error-amount-precision");
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "error-amount-too-large")? };
    let mut fraction_units: i64 =
        if fraction.is_empty() { 0 } else { fraction.parse().map_err(|_| "error-amount-format")? };
    for _ in fraction.len()..digits as usize {
        fraction_units *= 10;
    }
    whole.checked_mul(10_i64.pow(digits)).and_then(|w| w.checked_add(fraction_units)).ok_or("error-amount-too-large")
}

/// How a language writes a number: the group separator, the decimal mark, and the space before a currency.
/// French groups with a narrow no-break space and a decimal comma (10 000,00), so that a figure never
/// breaks across lines; English with commas and a point (10,000.00).
fn number_style(lang: &str) -> (&'static str, char, &'static str) {
    match lang {
        "fr" => ("\u{202f}", ',', "\u{a0}"),
        _ => (",", '.', " "),
    }
}

/// A decimal number written with a point ("72.50", "1.5") as `lang` writes it: "72,50" in French.
pub fn decimal_in(text: &str, lang: &str) -> String {
    let (_, decimal, _) = number_style(lang);
    text.replace('.', &decimal.to_string())
}

/// An amount without its currency, as a form field shows it for editing in `lang`.
pub fn format_major_in(minor: i64, currency: &str, lang: &str) -> String {
    format_amount_in(minor, currency, lang).trim_end_matches(currency).trim_end_matches(['\u{a0}', ' ']).to_string()
}

/// Reads an amount typed in `lang`: in French "10 000,50" (spaces of any kind group, the comma is the
/// decimal mark, and a point is read as the decimal mark too when there is no comma).
pub fn parse_amount_in(text: &str, currency: &str, lang: &str) -> Result<i64, &'static str> {
    if lang != "fr" {
        return parse_amount(text, currency);
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}').collect();
    let neutral = if compact.contains(',') { compact.replace('.', "").replace(',', ".") } else { compact };
    parse_amount(&neutral, currency)
}

/// Shows minor units as a grouped decimal the way `lang` writes numbers: "1,250,000.50 KES" in English,
/// "1 250 000,50 KES" in French.
pub fn format_amount_in(minor: i64, currency: &str, lang: &str) -> String {
    let (group, decimal, before_currency) = number_style(lang);
    let digits = minor_digits(currency);
    let scale = 10_i64.pow(digits);
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = abs / scale as u64;
    let fraction = abs % scale as u64;
    let whole_text = whole.to_string();
    let mut grouped = String::new();
    for (i, ch) in whole_text.chars().enumerate() {
        if i > 0 && (whole_text.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(ch);
    }
    if digits == 0 {
        format!("{sign}{grouped}{before_currency}{currency}")
    } else {
        format!("{sign}{grouped}{decimal}{fraction:0width$}{before_currency}{currency}", width = digits as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_exactly_into_minor_units() {
        assert_eq!(parse_amount("1,250,000.50", "KES"), Ok(125_000_050));
        assert_eq!(parse_amount("300", "USD"), Ok(30_000));
        assert_eq!(parse_amount("0.1", "USD"), Ok(10));
        assert_eq!(parse_amount("5000", "XOF"), Ok(5000));
    }

    #[test]
    fn bad_amounts_say_what_is_wrong() {
        assert_eq!(parse_amount("", "KES"), Err("error-required"));
        assert_eq!(parse_amount("-5", "KES"), Err("error-amount-negative"));
        assert_eq!(parse_amount("12.345", "KES"), Err("error-amount-precision"));
        assert_eq!(parse_amount("1.5", "XOF"), Err("error-amount-precision"));
        assert_eq!(parse_amount("ten", "KES"), Err("error-amount-format"));
        assert_eq!(parse_amount("99999999999999999999", "KES"), Err("error-amount-too-large"));
    }

    #[test]
    fn amounts_format_with_grouping_and_minor_digits() {
        assert_eq!(format_amount_in(125_000_050, "KES", "en"), "1,250,000.50 KES");
        assert_eq!(format_amount_in(5, "USD", "en"), "0.05 USD");
        assert_eq!(format_amount_in(400_000, "XOF", "en"), "400,000 XOF");
        assert_eq!(format_amount_in(-100, "USD", "en"), "-1.00 USD");
    }

    #[test]
    fn french_groups_with_narrow_spaces_and_a_decimal_comma() {
        assert_eq!(format_amount_in(1_000_000, "KES", "fr"), "10\u{202f}000,00\u{a0}KES");
        assert_eq!(format_amount_in(125_000_050, "KES", "fr"), "1\u{202f}250\u{202f}000,50\u{a0}KES");
        assert_eq!(format_amount_in(400_000, "XOF", "fr"), "400\u{202f}000\u{a0}XOF");
        assert_eq!(format_amount_in(1_000_000, "KES", "en"), "10,000.00 KES");
        assert_eq!(format_major_in(1_000_000, "KES", "fr"), "10\u{202f}000,00");
        assert_eq!(format_major_in(1_000_000, "KES", "en"), "10,000.00");
    }

    #[test]
    fn decimals_take_the_languages_mark() {
        assert_eq!(decimal_in("72.50", "fr"), "72,50");
        assert_eq!(decimal_in("72.50", "en"), "72.50");
        assert_eq!(decimal_in("3", "fr"), "3");
    }

    #[test]
    fn french_amounts_are_read_with_their_decimal_comma() {
        assert_eq!(parse_amount_in("10 000,50", "KES", "fr"), Ok(1_000_050));
        assert_eq!(parse_amount_in("10\u{202f}000,50", "KES", "fr"), Ok(1_000_050));
        assert_eq!(parse_amount_in("1.500,5", "KES", "fr"), Ok(150_050));
        assert_eq!(parse_amount_in("300.25", "KES", "fr"), Ok(30_025));
        assert_eq!(parse_amount_in("1,250", "KES", "en"), Ok(125_000));
        assert_eq!(parse_amount_in("1,2,3", "KES", "fr"), Err("error-amount-format"));
    }

    #[test]
    fn currency_codes_are_three_capitals() {
        assert!(is_currency_code("KES"));
        assert!(!is_currency_code("kes"));
        assert!(!is_currency_code("KESH"));
    }
}
