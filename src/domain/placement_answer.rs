//! The scholar's answer to a published placement: accepted or declined by the cycle's acceptance deadline
//! (a decline with one of a short list of reasons, and words of their own), lapsed when the deadline passes
//! unanswered. The moves themselves are `placement_state`'s; this module says when an answer is still
//! possible and what a decline must carry.

use chrono::NaiveDateTime;

use super::FieldErrors;

/// The reasons a scholar may give for declining, as stored (`decline_reason` begins with one of them). Short
/// on purpose: the compliance coordinator reads them to decide whether the decline is a breach, and the free
/// text says the rest.
pub const DECLINE_REASONS: [&str; 6] =
    ["further_studies", "family_reasons", "health", "other_employment", "distance_or_safety", "other"];

/// Longest free text a decline may carry.
pub const MAX_DECLINE_TEXT: usize = 1000;

/// Whether the scholar may still answer at `now`: up to and including the deadline itself (the lapse job is
/// due one second after it, see `jobs::lapse_due`).
pub fn answer_open(deadline: NaiveDateTime, now: NaiveDateTime) -> bool {
    now <= deadline
}

/// A placement's answer deadline: its own (a second round's), else the cycle's acceptance deadline.
pub fn deadline_of(own: Option<NaiveDateTime>, cycle_deadline: NaiveDateTime) -> NaiveDateTime {
    own.unwrap_or(cycle_deadline)
}

/// Reads a decline as typed: a reason from the list, and words of their own (required with "other").
/// Returns what `placements.decline_reason` stores: `code` or `code: text`.
pub fn read_decline(code: &str, text: &str) -> Result<String, FieldErrors> {
    let code = code.trim();
    let text = text.trim();
    let mut errors = FieldErrors::new();
    if !DECLINE_REASONS.contains(&code) {
        errors.insert("reason".into(), "answer-error-reason".into());
    }
    if code == "other" && text.is_empty() {
        errors.insert("reason_text".into(), "answer-error-reason-text".into());
    }
    if text.chars().count() > MAX_DECLINE_TEXT {
        errors.insert("reason_text".into(), "answer-error-reason-long".into());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(if text.is_empty() { code.to_string() } else { format!("{code}: {text}") })
}

/// The reason's code of a stored decline (for the message key of its label).
pub fn reason_code(stored: &str) -> &str {
    stored.split_once(": ").map_or(stored, |(code, _)| code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 1, 15).and_then(|d| d.and_hms_opt(h, m, s)).expect("time")
    }

    #[test]
    fn the_deadline_itself_is_still_in_time_a_second_later_is_not() {
        assert!(answer_open(at(17, 0, 0), at(16, 59, 59)));
        assert!(answer_open(at(17, 0, 0), at(17, 0, 0)));
        assert!(!answer_open(at(17, 0, 0), at(17, 0, 1)));
    }

    #[test]
    fn a_second_rounds_placement_has_its_own_deadline_the_others_the_cycles() {
        assert_eq!(deadline_of(None, at(17, 0, 0)), at(17, 0, 0));
        assert_eq!(deadline_of(Some(at(9, 0, 0)), at(17, 0, 0)), at(9, 0, 0));
    }

    #[test]
    fn a_decline_needs_a_listed_reason_and_words_for_other() {
        assert_eq!(read_decline("health", ""), Ok("health".to_string()));
        assert_eq!(
            read_decline(" family_reasons ", " my mother is ill "),
            Ok("family_reasons: my mother is ill".into())
        );
        let missing = read_decline("", "").expect_err("no reason");
        assert_eq!(missing.get("reason").map(String::as_str), Some("answer-error-reason"));
        let unknown = read_decline("bored", "x").expect_err("not listed");
        assert!(unknown.contains_key("reason"));
        let other = read_decline("other", "  ").expect_err("other needs words");
        assert_eq!(other.get("reason_text").map(String::as_str), Some("answer-error-reason-text"));
        assert_eq!(read_decline("other", "a job abroad"), Ok("other: a job abroad".into()));
        let long = read_decline("health", &"x".repeat(MAX_DECLINE_TEXT + 1)).expect_err("too long");
        assert_eq!(long.get("reason_text").map(String::as_str), Some("answer-error-reason-long"));
    }

    #[test]
    fn the_code_reads_back_from_what_is_stored() {
        assert_eq!(reason_code("health"), "health");
        assert_eq!(reason_code("other: a job abroad: far"), "other");
    }
}
