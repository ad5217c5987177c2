//! The payment ledger of an award: the schedule generated from the terms, each payment's state machine,
//! totals by state, and the amount an in-school breach makes repayable.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::obligation::{in_school_breach_damages, ExactDecimal, Payment};
use super::FieldErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    Scheduled,
    /// Made, with its date and reference: interest on damages runs from that date.
    Paid,
    /// Waiting on a condition (a progress report, leave of absence) or an officer's hold.
    Held,
    /// Paid, then the money came back; it no longer counts as disbursed.
    Returned,
    Cancelled,
}

impl PaymentStatus {
    pub const ALL: [PaymentStatus; 5] = [
        PaymentStatus::Scheduled,
        PaymentStatus::Paid,
        PaymentStatus::Held,
        PaymentStatus::Returned,
        PaymentStatus::Cancelled,
    ];

    /// The names the `payments.status` column holds.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Scheduled => "scheduled",
            PaymentStatus::Paid => "paid",
            PaymentStatus::Held => "held",
            PaymentStatus::Returned => "returned",
            PaymentStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        PaymentStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentAction<'a> {
    /// Record the payment as made; both the date and the bank or mobile-money reference are required.
    Pay {
        paid_on: Option<NaiveDate>,
        reference: &'a str,
    },
    Hold,
    /// Release a hold: the payment is scheduled again.
    Release,
    Cancel,
    /// The money came back.
    Return,
}

/// The payment state machine: Scheduled → Paid | Held | Cancelled; Held → Scheduled | Cancelled;
/// Paid → Returned; nothing else. Paid and returned payments are never cancelled: the ledger keeps what
/// happened to money.
pub fn next_payment_status(from: PaymentStatus, action: &PaymentAction) -> Result<PaymentStatus, &'static str> {
    use PaymentStatus::*;
    match (from, action) {
        (Scheduled, PaymentAction::Pay { paid_on, reference }) => {
            if paid_on.is_none() {
                Err("error-paid-on-required")
            } else if reference.trim().is_empty() {
                Err("error-reference-required")
            } else {
                Ok(Paid)
            }
        }
        (Scheduled, PaymentAction::Hold) => Ok(Held),
        (_, PaymentAction::Pay { .. } | PaymentAction::Hold) => Err("error-payment-not-scheduled"),
        (Held, PaymentAction::Release) => Ok(Scheduled),
        (_, PaymentAction::Release) => Err("error-payment-not-held"),
        (Scheduled | Held, PaymentAction::Cancel) => Ok(Cancelled),
        (_, PaymentAction::Cancel) => Err("error-payment-not-cancellable"),
        (Paid, PaymentAction::Return) => Ok(Returned),
        (_, PaymentAction::Return) => Err("error-payment-not-paid"),
    }
}

/// The record-a-payment form's errors, per field: a date (not in the future) and a reference.
pub fn receipt_errors(paid_on: Option<NaiveDate>, reference: &str, today: NaiveDate) -> FieldErrors {
    let mut errors = FieldErrors::new();
    match paid_on {
        None => {
            errors.insert("paid_on".into(), "error-required".into());
        }
        Some(date) if date > today => {
            errors.insert("paid_on".into(), "error-date-in-future".into());
        }
        Some(date) => {
            if let Err(key) = super::dates::check_within_reach(date, today) {
                errors.insert("paid_on".into(), key.into());
            }
        }
    }
    if reference.trim().is_empty() {
        errors.insert("reference".into(), "error-required".into());
    }
    errors
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentKind {
    /// Term `term` (1-based) of its school year.
    Tuition {
        term: u32,
    },
    Stipend,
    LumpSum,
}

impl PaymentKind {
    /// The names the `payments.kind` column holds.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Tuition { .. } => "tuition",
            PaymentKind::Stipend => "stipend",
            PaymentKind::LumpSum => "lump_sum",
        }
    }

    /// Tuition goes to the school; stipend and lump sum to the scholar.
    pub fn payee(self) -> Payee {
        match self {
            PaymentKind::Tuition { .. } => Payee::School,
            PaymentKind::Stipend | PaymentKind::LumpSum => Payee::Scholar,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Payee {
    School,
    Scholar,
}

impl Payee {
    pub fn as_str(self) -> &'static str {
        match self {
            Payee::School => "school",
            Payee::Scholar => "scholar",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduledPayment {
    /// 1 for the first school year of support; a continuation releases the next year's payments.
    pub support_year: u32,
    pub due_on: NaiveDate,
    pub kind: PaymentKind,
    pub payee: Payee,
    pub amount_minor: i64,
}

/// The most school years a schedule covers: the most `ProgrammeTerms::validate` allows as maximum support.
pub const MAX_SCHEDULE_YEARS: u32 = 10;

/// One term of the award's school calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TermStart {
    /// 1 for the first school year of support.
    pub support_year: u32,
    /// 1 for the first term of its year.
    pub term: u32,
    pub starts_on: NaiveDate,
}

/// The award's term calendar: `terms_per_year` terms a year, the first on each anniversary of `start` and
/// the others `12 × k / terms_per_year` whole months later (months 0, 4 and 8 for three terms), the day of
/// the month clamped to the month's end. Tuition is due and progress reports fall due on these dates.
pub fn term_starts(start: NaiveDate, support_years: u32, terms_per_year: u32) -> Result<Vec<TermStart>, &'static str> {
    check_calendar(support_years, terms_per_year)?;
    let mut terms = Vec::new();
    for year in 0..support_years {
        for term in 0..terms_per_year {
            let starts_on = months_after(start, 12 * year + 12 * term / terms_per_year)?;
            terms.push(TermStart { support_year: year + 1, term: term + 1, starts_on });
        }
    }
    Ok(terms)
}

fn check_calendar(support_years: u32, terms_per_year: u32) -> Result<(), &'static str> {
    if support_years > MAX_SCHEDULE_YEARS {
        return Err("error-range-1-10");
    }
    if terms_per_year == 0 || terms_per_year > 12 {
        return Err("error-range-1-12");
    }
    Ok(())
}

/// `months` after `start`, counted from `start` itself so that the day of the month never drifts.
fn months_after(start: NaiveDate, months: u32) -> Result<NaiveDate, &'static str> {
    start.checked_add_months(Months::new(months)).ok_or("error-date-out-of-range")
}

/// The whole schedule of an award (at most [`MAX_SCHEDULE_YEARS`]), sorted by due date (tuition, then
/// stipend, then lump sum on one day):
/// - tuition: to the school on each [`term_starts`] date; each term is `annual_tuition / terms_per_year`
///   with the remainder added to the year's first term, so a year sums exactly;
/// - stipend: monthly to the scholar on the start's day of the month, clamped to the month's last day
///   (a start on the 31st pays on 28 or 29 February and 31 March), each date counted from the start so the
///   day never drifts;
/// - lump sum: yearly to the scholar on each anniversary of the start.
///
/// Zero amounts are left out (the ledger holds only payments to make), so the schedule sums exactly to
/// [`SupportCost::total_minor`](super::funding::SupportCost). Refused for a bad calendar, a negative
/// amount, or dates beyond the calendar.
pub fn payment_schedule(
    start: NaiveDate,
    support_years: u32,
    terms_per_year: u32,
    annual_tuition_minor: i64,
    stipend_monthly_minor: i64,
    lump_sum_yearly_minor: i64,
) -> Result<Vec<ScheduledPayment>, &'static str> {
    check_calendar(support_years, terms_per_year)?;
    if annual_tuition_minor < 0 || stipend_monthly_minor < 0 || lump_sum_yearly_minor < 0 {
        return Err("error-amount-negative");
    }
    let per_term = annual_tuition_minor / i64::from(terms_per_year);
    let first_term = per_term + annual_tuition_minor % i64::from(terms_per_year);
    let mut schedule = Vec::new();
    let mut push = |support_year: u32, due_on: NaiveDate, kind: PaymentKind, amount_minor: i64| {
        if amount_minor > 0 {
            schedule.push(ScheduledPayment { support_year, due_on, kind, payee: kind.payee(), amount_minor });
        }
    };
    for term in term_starts(start, support_years, terms_per_year)? {
        let amount = if term.term == 1 { first_term } else { per_term };
        push(term.support_year, term.starts_on, PaymentKind::Tuition { term: term.term }, amount);
    }
    for year in 0..support_years {
        for month in 0..12 {
            push(year + 1, months_after(start, 12 * year + month)?, PaymentKind::Stipend, stipend_monthly_minor);
        }
        push(year + 1, months_after(start, 12 * year)?, PaymentKind::LumpSum, lump_sum_yearly_minor);
    }
    schedule.sort_by_key(|p| (p.due_on, p.kind));
    Ok(schedule)
}

/// One payment as the ledger holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerEntry {
    pub status: PaymentStatus,
    pub paid_on: Option<NaiveDate>,
    pub amount_minor: i64,
}

/// Sums of a ledger (an award's, a call's or a programme's) by payment state, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PaymentTotals {
    pub scheduled: i64,
    pub paid: i64,
    pub held: i64,
    pub returned: i64,
    pub cancelled: i64,
}

impl PaymentTotals {
    /// Money that has left the funder and stayed out.
    pub fn disbursed(&self) -> i64 {
        self.paid
    }

    /// Money still to pay: scheduled or held.
    pub fn outstanding(&self) -> i64 {
        self.scheduled.saturating_add(self.held)
    }

    /// Money committed to awards: disbursed plus outstanding (returned and cancelled money is free again).
    pub fn committed(&self) -> i64 {
        self.disbursed().saturating_add(self.outstanding())
    }
}

/// Totals by state; checked, refused with `error-amount-too-large` on overflow.
pub fn totals_by_status(entries: &[LedgerEntry]) -> Result<PaymentTotals, &'static str> {
    let mut totals = PaymentTotals::default();
    for entry in entries {
        let slot = match entry.status {
            PaymentStatus::Scheduled => &mut totals.scheduled,
            PaymentStatus::Paid => &mut totals.paid,
            PaymentStatus::Held => &mut totals.held,
            PaymentStatus::Returned => &mut totals.returned,
            PaymentStatus::Cancelled => &mut totals.cancelled,
        };
        *slot = slot.checked_add(entry.amount_minor).ok_or("error-amount-too-large")?;
    }
    Ok(totals)
}

/// What an in-school breach on `breach_date` makes repayable: `in_school_breach_multiplier` × the payments
/// paid on or before that date, no interest, rounded half up once, by the obligation engine's own function.
/// Returned payments do not count (the money is back); a paid entry without a date cannot be, so it is refused.
pub fn in_school_breach_amount(
    entries: &[LedgerEntry],
    in_school_breach_multiplier: f64,
    breach_date: NaiveDate,
) -> Result<i64, &'static str> {
    let multiplier =
        ExactDecimal::from_f64_shortest(in_school_breach_multiplier).map_err(|_| "error-term-not-exact")?;
    let payments = entries
        .iter()
        .filter(|e| e.status == PaymentStatus::Paid)
        .map(|e| e.paid_on.map(|date| Payment { date, amount: e.amount_minor }).ok_or("error-paid-on-required"))
        .collect::<Result<Vec<Payment>, _>>()?;
    Ok(in_school_breach_damages(&payments, multiplier, breach_date))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::funding::SupportCost;
    use crate::domain::programme::ProgrammeTerms;
    use proptest::prelude::*;
    use PaymentStatus::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn pay() -> PaymentAction<'static> {
        PaymentAction::Pay { paid_on: Some(day("2027-09-01")), reference: "MPESA-QX12" }
    }

    fn actions() -> [PaymentAction<'static>; 5] {
        [pay(), PaymentAction::Hold, PaymentAction::Release, PaymentAction::Cancel, PaymentAction::Return]
    }

    #[test]
    fn every_allowed_transition() {
        assert_eq!(next_payment_status(Scheduled, &pay()), Ok(Paid));
        assert_eq!(next_payment_status(Scheduled, &PaymentAction::Hold), Ok(Held));
        assert_eq!(next_payment_status(Scheduled, &PaymentAction::Cancel), Ok(Cancelled));
        assert_eq!(next_payment_status(Held, &PaymentAction::Release), Ok(Scheduled));
        assert_eq!(next_payment_status(Held, &PaymentAction::Cancel), Ok(Cancelled));
        assert_eq!(next_payment_status(Paid, &PaymentAction::Return), Ok(Returned));
    }

    #[test]
    fn every_refused_transition() {
        let allowed = [(Scheduled, 0), (Scheduled, 1), (Scheduled, 3), (Held, 2), (Held, 3), (Paid, 4)];
        let needed = [
            "error-payment-not-scheduled",
            "error-payment-not-scheduled",
            "error-payment-not-held",
            "error-payment-not-cancellable",
            "error-payment-not-paid",
        ];
        let mut refused = 0;
        for from in PaymentStatus::ALL {
            for (index, action) in actions().iter().enumerate() {
                if allowed.contains(&(from, index)) {
                    continue;
                }
                assert_eq!(next_payment_status(from, action), Err(needed[index]), "{from:?} {action:?}");
                refused += 1;
            }
        }
        assert_eq!(refused, 5 * 5 - allowed.len());
    }

    #[test]
    fn paying_needs_a_date_and_a_reference() {
        let undated = PaymentAction::Pay { paid_on: None, reference: "REF" };
        assert_eq!(next_payment_status(Scheduled, &undated), Err("error-paid-on-required"));
        let blank = PaymentAction::Pay { paid_on: Some(day("2027-09-01")), reference: "  " };
        assert_eq!(next_payment_status(Scheduled, &blank), Err("error-reference-required"));
        let today = day("2027-09-01");
        assert!(receipt_errors(Some(today), "REF", today).is_empty());
        let errors = receipt_errors(Some(day("2027-09-02")), "", today);
        assert_eq!(errors.get("paid_on").map(String::as_str), Some("error-date-in-future"));
        assert_eq!(errors.get("reference").map(String::as_str), Some("error-required"));
        assert_eq!(receipt_errors(None, "REF", today).get("paid_on").map(String::as_str), Some("error-required"));
        let long_ago = NaiveDate::from_ymd_opt(1999, 1, 1).expect("date");
        let refused = receipt_errors(Some(long_ago), "REF", today);
        assert_eq!(refused.get("paid_on").map(String::as_str), Some(crate::domain::dates::TOO_FAR_PAST));
    }

    #[test]
    fn names_round_trip_and_payees_follow_the_kind() {
        for status in PaymentStatus::ALL {
            assert_eq!(PaymentStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(PaymentStatus::parse("lost"), None);
        assert_eq!(PaymentKind::Tuition { term: 2 }.as_str(), "tuition");
        assert_eq!(PaymentKind::LumpSum.as_str(), "lump_sum");
        assert_eq!(PaymentKind::Tuition { term: 1 }.payee().as_str(), "school");
        assert_eq!(PaymentKind::Stipend.payee().as_str(), "scholar");
    }

    #[test]
    fn tuition_is_split_by_term_with_the_remainder_first() {
        let schedule = payment_schedule(day("2027-09-01"), 1, 3, 1_000, 0, 0).expect("valid");
        let tuition: Vec<(NaiveDate, i64)> = schedule.iter().map(|p| (p.due_on, p.amount_minor)).collect();
        assert_eq!(tuition, vec![(day("2027-09-01"), 334), (day("2028-01-01"), 333), (day("2028-05-01"), 333)]);
        assert!(schedule.iter().all(|p| p.payee == Payee::School));
        assert_eq!(schedule[1].kind, PaymentKind::Tuition { term: 2 });
    }

    #[test]
    fn stipends_keep_the_day_of_month_clamped_to_month_end() {
        let schedule = payment_schedule(day("2028-01-31"), 1, 1, 0, 500, 0).expect("valid");
        let dates: Vec<NaiveDate> = schedule.iter().map(|p| p.due_on).take(4).collect();
        assert_eq!(dates, vec![day("2028-01-31"), day("2028-02-29"), day("2028-03-31"), day("2028-04-30")]);
        assert_eq!(schedule.len(), 12);
        assert!(schedule.iter().all(|p| p.kind == PaymentKind::Stipend && p.payee == Payee::Scholar));
    }

    #[test]
    fn a_full_schedule_over_two_years() {
        let schedule = payment_schedule(day("2027-09-01"), 2, 3, 9_000_000, 1_500_000, 2_000_000).expect("valid");
        // Per year: 3 tuition + 12 stipends + 1 lump sum.
        assert_eq!(schedule.len(), 32);
        let lump_sums: Vec<(u32, NaiveDate)> =
            schedule.iter().filter(|p| p.kind == PaymentKind::LumpSum).map(|p| (p.support_year, p.due_on)).collect();
        assert_eq!(lump_sums, vec![(1, day("2027-09-01")), (2, day("2028-09-01"))]);
        assert_eq!(
            schedule.iter().take(3).map(|p| p.kind).collect::<Vec<_>>(),
            vec![PaymentKind::Tuition { term: 1 }, PaymentKind::Stipend, PaymentKind::LumpSum]
        );
        assert!(schedule.windows(2).all(|w| w[0].due_on <= w[1].due_on));
        let last = schedule.last().expect("payments");
        assert_eq!((last.support_year, last.due_on), (2, day("2029-08-01")));
    }

    #[test]
    fn a_schedule_is_refused_for_no_terms_or_negative_amounts() {
        assert_eq!(payment_schedule(day("2027-09-01"), 1, 0, 1, 1, 1), Err("error-range-1-12"));
        assert_eq!(payment_schedule(day("2027-09-01"), 1, 13, 1, 1, 1), Err("error-range-1-12"));
        assert_eq!(payment_schedule(day("2027-09-01"), 1, 3, -1, 1, 1), Err("error-amount-negative"));
        assert_eq!(payment_schedule(NaiveDate::MAX, 1, 3, 1, 1, 1), Err("error-date-out-of-range"));
        assert_eq!(payment_schedule(day("2027-09-01"), 11, 3, 1, 1, 1), Err("error-range-1-10"));
        assert_eq!(payment_schedule(day("2027-09-01"), 0, 3, 1, 1, 1), Ok(vec![]));
    }

    #[test]
    fn terms_start_at_even_whole_months_through_each_year() {
        let dates = |n| {
            term_starts(day("2027-08-31"), 1, n).expect("valid").into_iter().map(|t| t.starts_on).collect::<Vec<_>>()
        };
        assert_eq!(dates(2), vec![day("2027-08-31"), day("2028-02-29")]);
        assert_eq!(
            dates(5),
            // Months 0, 2, 4, 7 and 9 (12 × k / 5, whole months).
            vec![day("2027-08-31"), day("2027-10-31"), day("2027-12-31"), day("2028-03-31"), day("2028-05-31")]
        );
        let two_years = term_starts(day("2027-09-01"), 2, 3).expect("valid");
        assert_eq!(two_years.len(), 6);
        assert_eq!(two_years[3], TermStart { support_year: 2, term: 1, starts_on: day("2028-09-01") });
    }

    fn entry(status: PaymentStatus, paid_on: Option<&str>, amount_minor: i64) -> LedgerEntry {
        LedgerEntry { status, paid_on: paid_on.map(day), amount_minor }
    }

    #[test]
    fn totals_by_state() {
        let ledger = [
            entry(Paid, Some("2027-09-01"), 100),
            entry(Paid, Some("2027-10-01"), 50),
            entry(Scheduled, None, 30),
            entry(Held, None, 20),
            entry(Returned, Some("2027-09-01"), 7),
            entry(Cancelled, None, 3),
        ];
        let totals = totals_by_status(&ledger).expect("no overflow");
        assert_eq!(totals, PaymentTotals { scheduled: 30, paid: 150, held: 20, returned: 7, cancelled: 3 });
        assert_eq!((totals.disbursed(), totals.outstanding(), totals.committed()), (150, 50, 200));
        let huge = [entry(Paid, Some("2027-09-01"), i64::MAX), entry(Paid, Some("2027-09-01"), 1)];
        assert_eq!(totals_by_status(&huge), Err("error-amount-too-large"));
    }

    #[test]
    fn an_in_school_breach_repays_what_was_paid_by_then() {
        let ledger = [
            entry(Paid, Some("2027-09-01"), 40_000),
            entry(Paid, Some("2028-01-01"), 40_001),
            entry(Returned, Some("2027-10-01"), 9_999),
            entry(Scheduled, None, 40_000),
            entry(Paid, Some("2028-06-01"), 40_000),
        ];
        assert_eq!(in_school_breach_amount(&ledger, 1.0, day("2028-03-01")), Ok(80_001));
        // 80,001 × 1.5 = 120,001.5 → 120,002.
        assert_eq!(in_school_breach_amount(&ledger, 1.5, day("2028-03-01")), Ok(120_002));
        let undated = [entry(Paid, None, 1)];
        assert_eq!(in_school_breach_amount(&undated, 1.0, day("2028-03-01")), Err("error-paid-on-required"));
        assert_eq!(in_school_breach_amount(&ledger, f64::NAN, day("2028-03-01")), Err("error-term-not-exact"));
    }

    proptest! {
        #[test]
        fn the_schedule_sums_exactly_to_the_support_cost(
            years in 0_u32..=MAX_SCHEDULE_YEARS,
            terms_per_year in 1_u32..=4,
            tuition in 0_i64..50_000_000,
            stipend in 0_i64..3_000_000,
            lump_sum in 0_i64..5_000_000,
            start_day in 0_i64..3_000,
        ) {
            let start = day("2026-01-01") + chrono::Duration::days(start_day);
            let schedule = payment_schedule(start, years, terms_per_year, tuition, stipend, lump_sum).expect("valid");
            let terms = ProgrammeTerms { stipend_monthly_minor: stipend, lump_sum_yearly_minor: lump_sum, ..ProgrammeTerms::typical() };
            let cost = SupportCost::new(&terms, tuition, years).expect("fits");
            prop_assert_eq!(schedule.iter().map(|p| p.amount_minor).sum::<i64>(), cost.total_minor);
            prop_assert!(schedule.iter().all(|p| p.amount_minor > 0 && p.due_on >= start));
            prop_assert!(schedule.iter().all(|p| (1..=years).contains(&p.support_year)));
            for year in 1..=years {
                let tuition_paid: i64 = schedule
                    .iter()
                    .filter(|p| p.support_year == year && matches!(p.kind, PaymentKind::Tuition { .. }))
                    .map(|p| p.amount_minor)
                    .sum();
                prop_assert_eq!(tuition_paid, tuition);
            }
        }
    }
}
