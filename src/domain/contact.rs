//! The shape of a national ID number and of a phone number, as an installation's country writes them.
//! Kenya's rules are the default; another country sets its own (see `config.rs`). A phone number is kept
//! in one international form (`+254712345678`), so that one person's number is written one way.

use std::ops::RangeInclusive;

/// How a phone number of the installation's country looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneRule {
    /// Without the plus: `254` for Kenya.
    pub country_code: String,
    /// What the national number (after the country code or the leading 0) may begin with.
    pub prefixes: Vec<String>,
    /// Digits of the national number, without the leading 0: 9 in Kenya (`712345678`).
    pub national_digits: usize,
}

impl PhoneRule {
    /// Kenya: mobile numbers 07xx xxx xxx and 01xx xxx xxx, or +254 7… and +254 1….
    pub fn kenya() -> PhoneRule {
        PhoneRule { country_code: "254".into(), prefixes: vec!["7".into(), "1".into()], national_digits: 9 }
    }
}

/// The shape checks of an installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRules {
    pub phone: PhoneRule,
    /// How many digits a national ID number has: 7 to 9 in Kenya (older cards 7, Maisha Namba 9).
    pub national_id_digits: RangeInclusive<usize>,
}

impl Default for ContactRules {
    fn default() -> Self {
        ContactRules { phone: PhoneRule::kenya(), national_id_digits: 7..=9 }
    }
}

/// Separators people type inside numbers; they carry no meaning.
fn without_separators(typed: &str) -> String {
    typed.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '(' | ')' | '/')).collect()
}

/// The number in international form (`+254712345678`), or why it is refused.
pub fn normalise_phone(typed: &str, rule: &PhoneRule) -> Result<String, &'static str> {
    let compact = without_separators(typed);
    let national = if let Some(rest) = compact.strip_prefix('+') {
        rest.strip_prefix(rule.country_code.as_str()).ok_or("error-phone-country")?
    } else if let Some(rest) = compact.strip_prefix("00").and_then(|r| r.strip_prefix(rule.country_code.as_str())) {
        rest
    } else if let Some(rest) = compact.strip_prefix('0') {
        rest
    } else if compact.len() == rule.country_code.len() + rule.national_digits
        && compact.starts_with(rule.country_code.as_str())
    {
        &compact[rule.country_code.len()..]
    } else {
        return Err("error-phone-shape");
    };
    if national.len() != rule.national_digits
        || !national.bytes().all(|b| b.is_ascii_digit())
        || !rule.prefixes.iter().any(|p| national.starts_with(p.as_str()))
    {
        return Err("error-phone-shape");
    }
    Ok(format!("+{}{national}", rule.country_code))
}

/// The ID number with separators removed, or why it is refused.
pub fn normalise_national_id(typed: &str, digits: &RangeInclusive<usize>) -> Result<String, &'static str> {
    let compact = without_separators(typed);
    if compact.is_empty() || !compact.bytes().all(|b| b.is_ascii_digit()) || !digits.contains(&compact.len()) {
        return Err("error-national-id-shape");
    }
    Ok(compact)
}

/// What is wrong with a stored ID number and phone number (saved before the checks, or under other rules):
/// each must already be in its one normal form. Empty ones are gaps, which the completeness check reports.
pub fn stored_shape_errors(national_id: &str, phone: &str, rules: &ContactRules) -> super::FieldErrors {
    let mut errors = super::FieldErrors::new();
    if !national_id.is_empty()
        && normalise_national_id(national_id, &rules.national_id_digits).as_deref() != Ok(national_id)
    {
        errors.insert("national_id".into(), "error-national-id-shape".into());
    }
    if !phone.is_empty() {
        match normalise_phone(phone, &rules.phone) {
            Ok(normal) if normal == phone => {}
            Ok(_) => {
                errors.insert("phone".into(), "error-phone-shape".into());
            }
            Err(key) => {
                errors.insert("phone".into(), key.into());
            }
        }
    }
    errors
}

/// Reads the phone rule of a configuration: `254`, `7,1`, `9`.
pub fn parse_phone_rule(country_code: &str, prefixes: &str, national_digits: &str) -> Result<PhoneRule, String> {
    let country_code = country_code.trim().trim_start_matches('+').to_string();
    if country_code.is_empty() || country_code.len() > 3 || !country_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("country code {country_code:?}: one to three digits"));
    }
    let prefixes: Vec<String> = prefixes.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    if prefixes.iter().any(|p| !p.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("prefixes {prefixes:?}: digits separated by commas"));
    }
    let national_digits: usize =
        national_digits.trim().parse().map_err(|_| format!("number length {national_digits:?}: not a number"))?;
    if !(4..=14).contains(&national_digits) {
        return Err(format!("number length {national_digits}: between 4 and 14"));
    }
    Ok(PhoneRule { country_code, prefixes, national_digits })
}

/// Reads a digit count or range: `8` or `7-9`.
pub fn parse_digit_range(text: &str) -> Result<RangeInclusive<usize>, String> {
    let (low, high) = text.split_once('-').unwrap_or((text, text));
    let low: usize = low.trim().parse().map_err(|_| format!("{text:?}: a number or a range such as 7-9"))?;
    let high: usize = high.trim().parse().map_err(|_| format!("{text:?}: a number or a range such as 7-9"))?;
    if low == 0 || low > high || high > 30 {
        return Err(format!("{text:?}: a range of 1 to 30 digits, smaller first"));
    }
    Ok(low..=high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_writing_a_kenyan_mobile_number_gives_one_form() {
        let kenya = PhoneRule::kenya();
        for typed in
            ["0712345678", "0712 345 678", "+254712345678", "+254 712-345-678", "254712345678", "00254712345678"]
        {
            assert_eq!(normalise_phone(typed, &kenya), Ok("+254712345678".into()), "{typed}");
        }
        assert_eq!(normalise_phone("0110123456", &kenya), Ok("+254110123456".into()));
        assert_eq!(normalise_phone("+254110123456", &kenya), Ok("+254110123456".into()));
    }

    #[test]
    fn numbers_of_the_wrong_shape_are_refused() {
        let kenya = PhoneRule::kenya();
        assert_eq!(normalise_phone("0812345678", &kenya), Err("error-phone-shape"));
        assert_eq!(normalise_phone("071234567", &kenya), Err("error-phone-shape"));
        assert_eq!(normalise_phone("07123456789", &kenya), Err("error-phone-shape"));
        assert_eq!(normalise_phone("07123x5678", &kenya), Err("error-phone-shape"));
        assert_eq!(normalise_phone("+256712345678", &kenya), Err("error-phone-country"));
        assert_eq!(normalise_phone("call me", &kenya), Err("error-phone-shape"));
    }

    #[test]
    fn numbers_saved_before_the_checks_must_be_typed_again() {
        let rules = ContactRules::default();
        assert!(stored_shape_errors("31234567", "+254712345678", &rules).is_empty());
        assert!(stored_shape_errors("", "", &rules).is_empty());
        let errors = stored_shape_errors("ID 3123", "0712345678", &rules);
        assert_eq!(errors.get("national_id").map(String::as_str), Some("error-national-id-shape"));
        assert_eq!(errors.get("phone").map(String::as_str), Some("error-phone-shape"));
    }

    #[test]
    fn another_country_sets_its_own_rule() {
        let uganda = parse_phone_rule("+256", "7", "9").expect("rule");
        assert_eq!(normalise_phone("0772 123456", &uganda), Ok("+256772123456".into()));
        assert_eq!(normalise_phone("+254712345678", &uganda), Err("error-phone-country"));
        assert!(parse_phone_rule("25x", "7", "9").is_err());
        assert!(parse_phone_rule("254", "7,a", "9").is_err());
        assert!(parse_phone_rule("254", "7", "nine").is_err());
    }

    #[test]
    fn a_national_id_is_digits_of_the_configured_length() {
        let kenya = ContactRules::default().national_id_digits;
        assert_eq!(normalise_national_id("31234567", &kenya), Ok("31234567".into()));
        assert_eq!(normalise_national_id(" 3123 4567 ", &kenya), Ok("31234567".into()));
        assert_eq!(normalise_national_id("A1234567", &kenya), Err("error-national-id-shape"));
        assert_eq!(normalise_national_id("123456", &kenya), Err("error-national-id-shape"));
        assert_eq!(normalise_national_id("1234567890", &kenya), Err("error-national-id-shape"));
        assert_eq!(parse_digit_range("8"), Ok(8..=8));
        assert_eq!(parse_digit_range("6-10"), Ok(6..=10));
        assert!(parse_digit_range("9-7").is_err());
        assert!(parse_digit_range("x").is_err());
    }
}
