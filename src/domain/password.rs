//! The password policy (ASVS 6.2): at least 8 characters, at most 128, no composition rules, and none
//! of the passwords that lists of breached accounts show most often.

const MOST_COMMON: &str = include_str!("common_passwords.txt");

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// Returns the message key of the first rule the password breaks.
pub fn check_password(password: &str, email: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err("error-password-short");
    }
    if length > MAX_LENGTH {
        return Err("error-password-long");
    }
    let lowered = password.to_lowercase();
    if MOST_COMMON.lines().any(|common| common == lowered) {
        return Err("error-password-common");
    }
    let local_part = email.split('@').next().unwrap_or_default().to_lowercase();
    if !local_part.is_empty() && lowered == local_part || lowered == email.to_lowercase() {
        return Err("error-password-is-email");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_common_and_email_passwords_are_refused() {
        assert_eq!(check_password("abc", "a@b.org"), Err("error-password-short"));
        assert_eq!(check_password(&"x".repeat(129), "a@b.org"), Err("error-password-long"));
        assert_eq!(check_password("Password1", "a@b.org"), Err("error-password-common"));
        assert_eq!(check_password("achieng.otieno", "achieng.otieno@example.org"), Err("error-password-is-email"));
    }

    #[test]
    fn a_long_passphrase_without_symbols_is_accepted() {
        assert_eq!(check_password("turkana river at dawn", "a@b.org"), Ok(()));
        assert_eq!(check_password(&"é".repeat(64), "a@b.org"), Ok(()));
    }
}
