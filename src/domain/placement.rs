//! A placement cycle's rules: its dates and their order, when scholars may rank facilities, who belongs to
//! it, and the numbers a coordinator types for seats, floors and regional caps.

use chrono::{NaiveDate, NaiveDateTime};

use super::FieldErrors;

/// The award statuses that bind a scholar to serve, and so put them in a placement cycle.
pub const BINDING_AWARD_STATUSES: [&str; 2] = ["active", "support_ended"];

/// The most choices a cycle may ask a scholar to rank.
pub const MAX_CHOICES_LIMIT: i32 = 50;

/// The highest need score (25, and 26 for dental shortage areas, as in the US HPSA scale).
pub const MAX_NEED_SCORE: i32 = 26;

/// The most seats one facility may offer in one cycle: far above any real ward, low enough to catch a typo.
pub const MAX_SEATS: i32 = 10_000;

/// A cycle's calendar, in the order things happen (times in UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleDates {
    pub graduation_from: NaiveDate,
    pub graduation_until: NaiveDate,
    pub choices_open_at: NaiveDateTime,
    pub choices_close_at: NaiveDateTime,
    pub match_on: NaiveDate,
    pub publish_on: NaiveDate,
    pub acceptance_deadline: NaiveDateTime,
    pub appeal_until: NaiveDate,
    pub service_start_from: NaiveDate,
    pub service_start_until: NaiveDate,
}

impl CycleDates {
    /// Every date that comes before the one it must follow, each named by its field with the rule it breaks:
    /// choices close after they open, the match is run after they close, results are published after the
    /// match, scholars accept and appeal after publication, and service starts once acceptance is over.
    pub fn errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::new();
        let mut check = |ok: bool, field: &str, key: &str| {
            if !ok {
                errors.insert(field.into(), key.into());
            }
        };
        check(self.graduation_from <= self.graduation_until, "graduation_until", "error-cycle-graduation-order");
        check(self.choices_open_at < self.choices_close_at, "choices_close_at", "error-cycle-close-order");
        check(self.match_on >= self.choices_close_at.date(), "match_on", "error-cycle-match-order");
        check(self.publish_on >= self.match_on, "publish_on", "error-cycle-publish-order");
        check(
            self.acceptance_deadline.date() >= self.publish_on,
            "acceptance_deadline",
            "error-cycle-acceptance-order",
        );
        check(self.appeal_until >= self.publish_on, "appeal_until", "error-cycle-appeal-order");
        check(
            self.service_start_from >= self.acceptance_deadline.date(),
            "service_start_from",
            "error-cycle-start-order",
        );
        check(self.service_start_from <= self.service_start_until, "service_start_until", "error-cycle-start-window");
        errors
    }

    /// Does a scholar graduating on this date belong to the cycle?
    pub fn graduates_in(&self, graduation: Option<NaiveDate>) -> bool {
        graduation.is_some_and(|d| self.graduation_from <= d && d <= self.graduation_until)
    }
}

/// Scholars may rank facilities from the opening to the closing time, while the cycle is not published.
pub fn choices_open(open_at: NaiveDateTime, close_at: NaiveDateTime, published: bool, now: NaiveDateTime) -> bool {
    !published && open_at <= now && now < close_at
}

/// The number of choices a cycle asks for (1 to 50).
pub fn check_max_choices(n: i32) -> Result<i32, &'static str> {
    if (1..=MAX_CHOICES_LIMIT).contains(&n) {
        Ok(n)
    } else {
        Err("error-cycle-max-choices")
    }
}

/// Seats typed for a facility: a whole number from 0 (no seat this cycle) to `MAX_SEATS`.
pub fn parse_seats(text: &str) -> Result<i32, &'static str> {
    match text.trim().parse::<i64>() {
        Ok(n) if n < 0 => Err("error-seats-negative"),
        Ok(n) if n > i64::from(MAX_SEATS) => Err("error-seats-too-many"),
        Ok(n) => i32::try_from(n).map_err(|_| "error-seats-too-many"),
        Err(_) => Err("error-seats-number"),
    }
}

/// A regional cap: the most scholars a county may receive in the cycle, 0 or more.
pub fn parse_cap(text: &str) -> Result<i32, &'static str> {
    match text.trim().parse::<i64>() {
        Ok(n) if n < 0 => Err("error-cap-negative"),
        Ok(n) => i32::try_from(n).map_err(|_| "error-number"),
        Err(_) => Err("error-number"),
    }
}

/// A floor: facilities with a need score of at least `need_score` should receive `minimum` placements.
pub fn check_floor(need_score: Option<i32>, minimum: i32) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if need_score.is_some_and(|s| !(0..=MAX_NEED_SCORE).contains(&s)) {
        errors.insert("floor_need_score".into(), "error-need-score-range".into());
    }
    if minimum < 0 {
        errors.insert("floor_minimum".into(), "error-floor-minimum".into());
    }
    if need_score.is_none() && minimum > 0 {
        errors.insert("floor_need_score".into(), "error-floor-needs-score".into());
    }
    errors
}

/// A facility takes placements when it is marked eligible and its certification has not lapsed.
pub fn facility_eligible(eligible: bool, eligible_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    eligible && eligible_until.is_none_or(|until| today <= until)
}

/// May a coordinator limited to `counties` (None: every county) see or change a facility in `county`?
pub fn county_within(counties: Option<&[String]>, county: &str) -> bool {
    counties.is_none_or(|list| list.iter().any(|c| c.eq_ignore_ascii_case(county.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn good() -> CycleDates {
        CycleDates {
            graduation_from: d(2027, 6, 1),
            graduation_until: d(2027, 8, 31),
            choices_open_at: d(2027, 5, 1).and_hms_opt(6, 0, 0).unwrap(),
            choices_close_at: d(2027, 5, 31).and_hms_opt(18, 0, 0).unwrap(),
            match_on: d(2027, 6, 2),
            publish_on: d(2027, 6, 5),
            acceptance_deadline: d(2027, 6, 20).and_hms_opt(18, 0, 0).unwrap(),
            appeal_until: d(2027, 6, 25),
            service_start_from: d(2027, 9, 1),
            service_start_until: d(2027, 9, 30),
        }
    }

    #[test]
    fn dates_in_order_pass_and_each_out_of_order_date_is_named() {
        assert!(good().errors().is_empty());
        let wrong = CycleDates {
            graduation_until: d(2027, 5, 1),
            choices_close_at: d(2027, 4, 1).and_hms_opt(0, 0, 0).unwrap(),
            publish_on: d(2027, 6, 1),
            service_start_until: d(2027, 8, 1),
            ..good()
        };
        let errors = wrong.errors();
        assert_eq!(errors.get("graduation_until").map(String::as_str), Some("error-cycle-graduation-order"));
        assert_eq!(errors.get("choices_close_at").map(String::as_str), Some("error-cycle-close-order"));
        assert_eq!(errors.get("publish_on").map(String::as_str), Some("error-cycle-publish-order"));
        assert_eq!(errors.get("service_start_until").map(String::as_str), Some("error-cycle-start-window"));
        assert!(!errors.contains_key("match_on"), "the match is still after the (earlier) close");
    }

    #[test]
    fn the_match_waits_for_the_close_and_service_for_acceptance() {
        let early_match = CycleDates { match_on: d(2027, 5, 30), ..good() };
        assert!(early_match.errors().contains_key("match_on"));
        let same_day = CycleDates { match_on: d(2027, 5, 31), ..good() };
        assert!(same_day.errors().is_empty());
        let early_start = CycleDates { service_start_from: d(2027, 6, 19), ..good() };
        assert!(early_start.errors().contains_key("service_start_from"));
        let early_appeal = CycleDates { appeal_until: d(2027, 6, 4), ..good() };
        assert!(early_appeal.errors().contains_key("appeal_until"));
    }

    #[test]
    fn graduation_window_includes_both_ends_and_no_date_is_outside() {
        let dates = good();
        assert!(dates.graduates_in(Some(d(2027, 6, 1))));
        assert!(dates.graduates_in(Some(d(2027, 8, 31))));
        assert!(!dates.graduates_in(Some(d(2027, 9, 1))));
        assert!(!dates.graduates_in(None));
    }

    #[test]
    fn choices_are_open_from_the_opening_until_just_before_the_close() {
        let (open, close) = (good().choices_open_at, good().choices_close_at);
        assert!(!choices_open(open, close, false, open - chrono::Duration::seconds(1)));
        assert!(choices_open(open, close, false, open));
        assert!(!choices_open(open, close, false, close));
        assert!(!choices_open(open, close, true, open));
    }

    #[test]
    fn seats_caps_and_choices_refuse_what_cannot_be_meant() {
        assert_eq!(parse_seats(" 3 "), Ok(3));
        assert_eq!(parse_seats("0"), Ok(0));
        assert_eq!(parse_seats("-1"), Err("error-seats-negative"));
        assert_eq!(parse_seats("two"), Err("error-seats-number"));
        assert_eq!(parse_seats("2.5"), Err("error-seats-number"));
        assert_eq!(parse_seats("10001"), Err("error-seats-too-many"));
        assert_eq!(parse_cap("12"), Ok(12));
        assert_eq!(parse_cap("-2"), Err("error-cap-negative"));
        assert_eq!(check_max_choices(0), Err("error-cycle-max-choices"));
        assert_eq!(check_max_choices(51), Err("error-cycle-max-choices"));
        assert_eq!(check_max_choices(10), Ok(10));
    }

    #[test]
    fn a_floor_needs_a_score_in_range_and_a_minimum_of_zero_or_more() {
        assert!(check_floor(Some(18), 2).is_empty());
        assert!(check_floor(None, 0).is_empty());
        assert!(check_floor(Some(27), 1).contains_key("floor_need_score"));
        assert!(check_floor(Some(10), -1).contains_key("floor_minimum"));
        assert!(check_floor(None, 3).contains_key("floor_need_score"));
    }

    #[test]
    fn eligibility_lapses_after_its_recertification_date_and_counties_limit_a_coordinator() {
        let today = d(2027, 1, 10);
        assert!(facility_eligible(true, None, today));
        assert!(facility_eligible(true, Some(today), today));
        assert!(!facility_eligible(true, Some(d(2027, 1, 9)), today));
        assert!(!facility_eligible(false, None, today));
        let limits = vec!["Turkana".to_string(), "Marsabit".to_string()];
        assert!(county_within(Some(&limits), "turkana"));
        assert!(!county_within(Some(&limits), "Nairobi"));
        assert!(county_within(None, "Nairobi"));
    }
}
