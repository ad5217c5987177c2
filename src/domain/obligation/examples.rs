//! Worked examples computed by hand, one per rule, through the whole engine.

use chrono::NaiveDate;

use super::terms::tests::example_terms;
use super::*;

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn period(start: &str, end: &str, fte: &str, days_away: u32) -> ServicePeriod {
    ServicePeriod {
        start: date(start),
        end: date(end),
        fte: fte.parse().unwrap(),
        days_away,
        facility: "Kakuma Mission Hospital".to_string(),
    }
}

fn leave(kind: LeaveKind, start: &str, end: &str) -> Leave {
    Leave { kind, start: date(start), end: date(end) }
}

/// Example terms (3 years of support → t = 1,095 days), one payment of 150,000 on 2021-10-01.
fn facts(periods: Vec<ServicePeriod>, leaves: Vec<Leave>, as_of: &str) -> ObligationFacts {
    ObligationFacts {
        terms: example_terms(),
        support_years: "3".parse().unwrap(),
        eligible_to_start: None,
        payments: vec![Payment { date: date("2021-10-01"), amount: 150_000 }],
        service_periods: periods,
        leaves,
        as_of: date(as_of),
        breach: None,
    }
}

fn result_of(facts: ObligationFacts) -> ObligationResult {
    evaluate(&ObligationCase::new(facts).unwrap())
}

#[test]
fn full_time_year_within_the_days_away_allowance() {
    // 2025 has 365 days; 20 days away ≤ 35 allowed → 365 credited, 730 remaining.
    // Projection: from 2026-01-16 (day after as_of), 730 days at fte 1.0 → 2028-01-15.
    let result = result_of(facts(vec![period("2025-01-01", "2025-12-31", "1", 20)], vec![], "2026-01-15"));
    assert_eq!(result.obligated_days, 1095);
    assert_eq!(result.credited_days, 365);
    assert_eq!(result.remaining_days, 730);
    assert_eq!(result.status, ObligationStatus::InService);
    assert_eq!(result.projected_end_date, Some(date("2028-01-15")));
    assert_eq!(result.flags, vec![]);
}

#[test]
fn half_time_year_is_credited_at_its_fte() {
    // 365 × 0.5 = 182.5 → s = 182, remaining 913. The exact 912.5 days still owed at fte 0.5
    // take 1,825 calendar days from 2026-01-16 → 2031-01-14.
    let result = result_of(facts(vec![period("2025-01-01", "2025-12-31", "0.5", 0)], vec![], "2026-01-15"));
    assert_eq!(result.credited_days, 182);
    assert_eq!(result.remaining_days, 913);
    assert_eq!(result.projected_end_date, Some(date("2031-01-14")));
}

#[test]
fn days_away_beyond_the_allowance_are_not_credited() {
    // A full year with 50 days away: allowance 35 × 365 / 365 = 35, excess 15 → 350.
    let result = result_of(facts(vec![period("2025-01-01", "2025-12-31", "1", 50)], vec![], "2026-01-15"));
    assert_eq!(result.credited_days, 350);
    assert_eq!(result.flags, vec![ObligationFlag::ExcessDaysAway]);

    // A 181-day half year with 20 days away: allowance 35 × 181 / 365 = 17.356…, excess
    // 2.643… → credit 178.356… → s = 178 (floor once, at the end).
    let result = result_of(facts(vec![period("2025-01-01", "2025-06-30", "1", 20)], vec![], "2025-07-15"));
    assert_eq!(result.credited_days, 178);
}

#[test]
fn parental_leave_within_the_limit_stops_the_clock() {
    // The example: 181 days less 31 of parental leave = 150; 10 days away ≤ 17.35 allowed.
    let result = result_of(facts(
        vec![period("2025-01-01", "2025-06-30", "1", 10)],
        vec![leave(LeaveKind::Parental, "2025-03-01", "2025-03-31")],
        "2026-01-01",
    ));
    assert_eq!(result.credited_days, 150);
    assert_eq!(result.projected_end_date, Some(date("2028-08-03")));
    assert_eq!(result.flags, vec![ObligationFlag::VerificationOverdue]);
}

#[test]
fn parental_leave_beyond_the_limit_counts_as_days_away() {
    // Leave 2025-03-01..2025-06-30 is 122 days: 84 approved (to 2025-05-23), 38 days away.
    // Days away 38 against 35 allowed → excess 3. Credit 365 − 84 − 3 = 278.
    let result = result_of(facts(
        vec![period("2025-01-01", "2025-12-31", "1", 0)],
        vec![leave(LeaveKind::Parental, "2025-03-01", "2025-06-30")],
        "2026-01-15",
    ));
    assert_eq!(result.credited_days, 278);
    assert_eq!(result.flags, vec![ObligationFlag::ExcessDaysAway]);
}

#[test]
fn suspension_stops_the_clock_and_shows_in_the_status() {
    // Suspension 2025-07-01..2025-09-30 (92 days) inside 2025: 365 − 92 = 273 for the year.
    // On 2025-08-15: 227 days into the period, 46 of them suspended → 181 credited so far.
    let periods = vec![period("2025-01-01", "2025-12-31", "1", 0)];
    let suspension = vec![leave(LeaveKind::Suspension, "2025-07-01", "2025-09-30")];
    let during = result_of(facts(periods.clone(), suspension.clone(), "2025-08-15"));
    assert_eq!(during.status, ObligationStatus::Suspended);
    assert_eq!(during.credited_days, 181);
    // The recorded period runs to 2025-12-31 (273 credited); the other 822 days are counted
    // from 2026-01-01 → 2028-04-01 (2028 is a leap year).
    assert_eq!(during.projected_end_date, Some(date("2028-04-01")));

    let after = result_of(facts(periods, suspension, "2026-01-15"));
    assert_eq!(after.status, ObligationStatus::InService);
    assert_eq!(after.credited_days, 273);
}

#[test]
fn completion_falls_mid_period() {
    // One year of support → the 2-year minimum: t = 730. 2023 gives 365; the second period
    // gives the other 365 on its 365th day, 2024-12-30 (2024 has 366 days).
    let mut completed = facts(
        vec![period("2023-01-01", "2023-12-31", "1", 0), period("2024-01-01", "2025-06-30", "1", 0)],
        vec![],
        "2025-07-10",
    );
    completed.support_years = ExactDecimal::ONE;
    let before = ObligationFacts { as_of: date("2024-06-30"), ..completed.clone() };

    let result = result_of(completed);
    assert_eq!(result.obligated_days, 730);
    assert_eq!(result.status, ObligationStatus::Completed);
    assert_eq!(result.completion_date, Some(date("2024-12-30")));
    assert_eq!(result.remaining_days, 0);
    assert_eq!(result.projected_end_date, None);
    assert_eq!(result.damages, 0);

    // Before it: 365 + 182 (2024-01-01..2024-06-30) = 547 credited, end projected on the same day.
    let result = result_of(before);
    assert_eq!(result.status, ObligationStatus::InService);
    assert_eq!(result.credited_days, 547);
    assert_eq!(result.completion_date, None);
    assert_eq!(result.projected_end_date, Some(date("2024-12-30")));
}

#[test]
fn completion_date_skips_leave_inside_the_period() {
    // t = 730; 2023 gives 365. In 2024 a 10-day suspension (Mar 1–10) pushes day 365 of credit
    // from 2024-12-30 to 2025-01-09.
    let mut facts = facts(
        vec![period("2023-01-01", "2023-12-31", "1", 0), period("2024-01-01", "2025-06-30", "1", 0)],
        vec![leave(LeaveKind::Suspension, "2024-03-01", "2024-03-10")],
        "2025-07-10",
    );
    facts.support_years = ExactDecimal::ONE;
    let result = result_of(facts);
    assert_eq!(result.completion_date, Some(date("2025-01-09")));
}

#[test]
fn never_started_and_past_the_window() {
    // Eligible 2024-07-01, window 180 days → flagged from 2024-12-29 on when nothing started.
    // Projection from 2025-01-16, 1,095 days at fte 1.0 → 2028-01-15.
    let mut late = facts(vec![], vec![], "2025-01-15");
    late.eligible_to_start = Some(date("2024-07-01"));
    let result = result_of(late.clone());
    assert_eq!(result.status, ObligationStatus::NotStarted);
    assert_eq!(result.flags, vec![ObligationFlag::StartWindowMissed]);
    assert_eq!(result.projected_end_date, Some(date("2028-01-15")));

    late.as_of = date("2024-12-28");
    assert_eq!(result_of(late).flags, vec![]);
}

#[test]
fn damages_use_the_credit_at_the_breach_date() {
    // Breach on 2025-04-30 during the only period, before as_of: s = 120 at the breach
    // (Jan 1–Apr 30). Φ over 1,307 days = 150,000 × (1 + 0.05 × 1,307 / 365) = 176,856.16…
    // → 176,856; damages 3 × 176,856.16… × 975 / 1,095 = 472,423.5… → 472,424.
    let mut facts = facts(vec![period("2025-01-01", "2025-12-31", "1", 0)], vec![], "2026-01-15");
    facts.breach = Some(Breach { date: date("2025-04-30"), kind: BreachKind::Service });
    let result = result_of(facts);
    assert_eq!(result.status, ObligationStatus::InBreach);
    assert_eq!(result.phi, 176_856);
    assert_eq!(result.damages, 472_424);
}
