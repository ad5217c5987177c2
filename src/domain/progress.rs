//! A scholar's time in school: the progress report due each term, the hold on payments while one is
//! overdue, and the status changes a scholar reports (and which of them are an in-school breach).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::payment::term_starts;
use super::FieldErrors;

/// A report more than this many days past its due date, and still not received, is overdue: DOMAIN.md asks
/// for enrolment verification and a transcript "within about 30 days" of each term's start.
pub const REPORT_GRACE_DAYS: i64 = 30;

/// The due dates of an award's progress reports: one per term, on the term's start in the award's calendar
/// ([`term_starts`], the dates its tuition falls due), so that reports and payments share one calendar and a
/// report is due even where no tuition is paid. The report confirms enrolment for the term beginning and
/// brings the transcript of the one before.
pub fn report_due_dates(
    start: NaiveDate,
    support_years: u32,
    terms_per_year: u32,
) -> Result<Vec<NaiveDate>, &'static str> {
    Ok(term_starts(start, support_years, terms_per_year)?.into_iter().map(|t| t.starts_on).collect())
}

/// Whether a report is overdue on `today`: not received and more than [`REPORT_GRACE_DAYS`] past its due date.
pub fn report_overdue(due_on: NaiveDate, received_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    received_on.is_none() && (today - due_on).num_days() > REPORT_GRACE_DAYS
}

/// One progress report of a scholar, due or received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressReport {
    pub due_on: NaiveDate,
    pub received_on: Option<NaiveDate>,
}

/// The due dates of a scholar's overdue reports on `today`.
pub fn overdue_reports(reports: &[ProgressReport], today: NaiveDate) -> Vec<NaiveDate> {
    reports.iter().filter(|r| report_overdue(r.due_on, r.received_on, today)).map(|r| r.due_on).collect()
}

/// Whether a scholar's scheduled payments are held on `today`: while any of their reports is overdue. The
/// service holds every `Scheduled` payment of the scholar while this is true, and releases the ones it held
/// for this reason once it is false again (an officer's own holds stay).
pub fn payments_on_hold(reports: &[ProgressReport], today: NaiveDate) -> bool {
    reports.iter().any(|r| report_overdue(r.due_on, r.received_on, today))
}

/// What a scholar (or the school, through an officer) reports about their studies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "new_graduation_date", rename_all = "snake_case")]
pub enum StatusChange {
    LeaveOfAbsence,
    RepeatYear,
    NewGraduationDate(NaiveDate),
    Withdrawal,
    Dismissal,
}

/// What an approved status change does to the award.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", content = "date", rename_all = "snake_case")]
pub enum ChangeEffect {
    /// The scholar is out of school for a while: their scheduled payments are held until they return
    /// (not a breach; support for an absent student would be money for nothing).
    HoldPayments,
    /// Graduation moves to this date; the support years and the obligation stay as signed until a
    /// continuation decides otherwise (a repeated year is not an extra year of support).
    MoveGraduation(NaiveDate),
    /// Leaving school: the award goes to in-school breach and what was paid is owed.
    InSchoolBreach,
}

impl StatusChange {
    /// The names the `status_changes.kind` column holds.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusChange::LeaveOfAbsence => "leave_of_absence",
            StatusChange::RepeatYear => "repeat_year",
            StatusChange::NewGraduationDate(_) => "new_graduation_date",
            StatusChange::Withdrawal => "withdrawal",
            StatusChange::Dismissal => "dismissal",
        }
    }

    /// Withdrawal and dismissal end studies and so the bargain: they are in-school breaches.
    pub fn puts_award_in_breach(self) -> bool {
        matches!(self, StatusChange::Withdrawal | StatusChange::Dismissal)
    }

    /// The effect once approved, given the current expected graduation (a repeated year moves it one
    /// year later; without a known date a repeat year moves nothing here and the officer sets the date).
    pub fn effect(self, expected_graduation: Option<NaiveDate>) -> Option<ChangeEffect> {
        match self {
            StatusChange::LeaveOfAbsence => Some(ChangeEffect::HoldPayments),
            StatusChange::RepeatYear => expected_graduation
                .and_then(|date| date.checked_add_months(Months::new(12)))
                .map(ChangeEffect::MoveGraduation),
            StatusChange::NewGraduationDate(date) => Some(ChangeEffect::MoveGraduation(date)),
            StatusChange::Withdrawal | StatusChange::Dismissal => Some(ChangeEffect::InSchoolBreach),
        }
    }

    /// The report form's errors: a new graduation date must be in the future and within the programme's
    /// maximum years of support from the award's start (9999-12-31 is a slip, not a plan).
    pub fn errors(self, today: NaiveDate, support_starts: Option<NaiveDate>, max_support_years: i32) -> FieldErrors {
        let mut errors = FieldErrors::new();
        if let StatusChange::NewGraduationDate(date) = self {
            if let Err(key) = super::dates::check_graduation(date, today, support_starts, max_support_years) {
                errors.insert("new_graduation_date".into(), key.into());
            }
        }
        errors
    }
}

/// An officer's decision on a reported change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeDecision {
    Approved,
    Refused,
}

impl ChangeDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeDecision::Approved => "approved",
            ChangeDecision::Refused => "refused",
        }
    }
}

/// The decision state machine of a reported change (`current` is `None` while it awaits a decision): decided
/// once, never again, so a stale second decision fails instead of applying an effect twice.
pub fn decide_change(
    current: Option<ChangeDecision>,
    decision: ChangeDecision,
) -> Result<ChangeDecision, &'static str> {
    match current {
        None => Ok(decision),
        Some(_) => Err("error-already-decided"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payment::{payment_schedule, PaymentKind};

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn reports_are_due_on_each_terms_tuition_date() {
        let due = report_due_dates(day("2027-09-01"), 2, 3).expect("valid");
        assert_eq!(
            due,
            vec![
                day("2027-09-01"),
                day("2028-01-01"),
                day("2028-05-01"),
                day("2028-09-01"),
                day("2029-01-01"),
                day("2029-05-01")
            ]
        );
        let schedule = payment_schedule(day("2027-09-01"), 2, 3, 9_000_000, 1_500_000, 2_000_000).expect("valid");
        let tuition: Vec<NaiveDate> =
            schedule.iter().filter(|p| matches!(p.kind, PaymentKind::Tuition { .. })).map(|p| p.due_on).collect();
        assert_eq!(tuition, due, "the same calendar as tuition");
        // No tuition (a fee-free school) still leaves reports due.
        assert_eq!(report_due_dates(day("2027-09-01"), 1, 2).map(|d| d.len()), Ok(2));
        assert_eq!(report_due_dates(day("2027-09-01"), 1, 0), Err("error-range-1-12"));
    }

    #[test]
    fn a_report_is_overdue_only_after_more_than_30_days_without_it() {
        let due = day("2028-01-01");
        assert!(!report_overdue(due, None, day("2028-01-31")), "30 days late is still in time");
        assert!(report_overdue(due, None, day("2028-02-01")), "31 days late is overdue");
        assert!(!report_overdue(due, Some(day("2028-03-01")), day("2028-04-01")), "received late is no longer overdue");
        assert!(!report_overdue(due, None, day("2027-12-01")), "not yet due");
    }

    #[test]
    fn payments_are_held_while_any_report_is_overdue() {
        let reports = [
            ProgressReport { due_on: day("2027-09-01"), received_on: Some(day("2027-09-20")) },
            ProgressReport { due_on: day("2028-01-01"), received_on: None },
        ];
        assert!(!payments_on_hold(&reports, day("2028-01-31")));
        assert!(payments_on_hold(&reports, day("2028-02-01")));
        assert_eq!(overdue_reports(&reports, day("2028-02-01")), vec![day("2028-01-01")]);
        let arrived = [reports[0], ProgressReport { received_on: Some(day("2028-02-10")), ..reports[1] }];
        assert!(!payments_on_hold(&arrived, day("2028-02-10")));
        assert!(!payments_on_hold(&[], day("2028-02-10")));
    }

    #[test]
    fn withdrawal_and_dismissal_are_in_school_breaches_and_nothing_else_is() {
        let graduation = Some(day("2029-12-01"));
        let cases = [
            (StatusChange::LeaveOfAbsence, false, Some(ChangeEffect::HoldPayments)),
            (StatusChange::RepeatYear, false, Some(ChangeEffect::MoveGraduation(day("2030-12-01")))),
            (
                StatusChange::NewGraduationDate(day("2030-06-01")),
                false,
                Some(ChangeEffect::MoveGraduation(day("2030-06-01"))),
            ),
            (StatusChange::Withdrawal, true, Some(ChangeEffect::InSchoolBreach)),
            (StatusChange::Dismissal, true, Some(ChangeEffect::InSchoolBreach)),
        ];
        for (change, breach, effect) in cases {
            assert_eq!(change.puts_award_in_breach(), breach, "{change:?}");
            assert_eq!(change.effect(graduation), effect, "{change:?}");
        }
        assert_eq!(StatusChange::RepeatYear.effect(None), None);
    }

    #[test]
    fn changes_use_the_columns_names_and_a_new_date_must_be_ahead() {
        let names: Vec<&str> = [
            StatusChange::LeaveOfAbsence,
            StatusChange::RepeatYear,
            StatusChange::NewGraduationDate(day("2030-01-01")),
            StatusChange::Withdrawal,
            StatusChange::Dismissal,
        ]
        .iter()
        .map(|c| c.as_str())
        .collect();
        assert_eq!(names, vec!["leave_of_absence", "repeat_year", "new_graduation_date", "withdrawal", "dismissal"]);
        let today = day("2028-03-01");
        let start = Some(day("2027-09-01"));
        assert!(StatusChange::NewGraduationDate(day("2028-03-02")).errors(today, start, 4).is_empty());
        let errors = StatusChange::NewGraduationDate(today).errors(today, start, 4);
        assert_eq!(errors.get("new_graduation_date").map(String::as_str), Some("error-date-not-in-future"));
        let far = StatusChange::NewGraduationDate(day("9999-12-31")).errors(today, start, 4);
        assert_eq!(far.get("new_graduation_date").map(String::as_str), Some("error-graduation-beyond-support"));
        assert!(StatusChange::Withdrawal.errors(today, start, 4).is_empty());
    }

    #[test]
    fn every_allowed_decision() {
        assert_eq!(decide_change(None, ChangeDecision::Approved), Ok(ChangeDecision::Approved));
        assert_eq!(decide_change(None, ChangeDecision::Refused), Ok(ChangeDecision::Refused));
        assert_eq!(ChangeDecision::Approved.as_str(), "approved");
        assert_eq!(ChangeDecision::Refused.as_str(), "refused");
    }

    #[test]
    fn every_refused_decision() {
        for current in [ChangeDecision::Approved, ChangeDecision::Refused] {
            for decision in [ChangeDecision::Approved, ChangeDecision::Refused] {
                assert_eq!(decide_change(Some(current), decision), Err("error-already-decided"));
            }
        }
    }
}
