//! Property tests: invariants that must hold for any valid scholar record.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::terms::tests::example_terms;
use super::*;

fn day(offset: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, 1, 1).unwrap() + Days::new(offset)
}

/// Periods laid end to end with gaps: (gap before, length, fte in billionths, days away).
fn periods() -> impl Strategy<Value = Vec<ServicePeriod>> {
    prop::collection::vec((0u64..60, 1u64..400, 1i64..=1_000_000_000, 0u32..80), 0..6).prop_map(|shapes| {
        let mut next = 0;
        shapes
            .into_iter()
            .map(|(gap, length, fte, days_away)| {
                let start = next + gap;
                next = start + length;
                ServicePeriod {
                    start: day(start),
                    end: day(start + length - 1),
                    fte: ExactDecimal::from_billionths(fte),
                    days_away,
                    facility: "F".to_string(),
                }
            })
            .collect()
    })
}

fn leaves() -> impl Strategy<Value = Vec<Leave>> {
    prop::collection::vec((0u64..200, 1u64..150, any::<bool>()), 0..4).prop_map(|shapes| {
        let mut next = 0;
        shapes
            .into_iter()
            .map(|(gap, length, parental)| {
                let start = next + gap;
                next = start + length;
                Leave {
                    kind: if parental { LeaveKind::Parental } else { LeaveKind::Suspension },
                    start: day(start),
                    end: day(start + length - 1),
                }
            })
            .collect()
    })
}

fn payments() -> impl Strategy<Value = Vec<Payment>> {
    prop::collection::vec((0u64..2000, 0i64..10_000_000), 0..6)
        .prop_map(|shapes| shapes.into_iter().map(|(offset, amount)| Payment { date: day(offset), amount }).collect())
}

prop_compose! {
    fn scholar()(
        support_tenths in 1i64..60,
        periods in periods(),
        leaves in leaves(),
        payments in payments(),
        as_of in 0u64..3000,
        breach in prop::option::of((0u64..3000, any::<bool>())),
    ) -> ObligationFacts {
        ObligationFacts {
            terms: example_terms(),
            support_years: ExactDecimal::from_billionths(support_tenths * 100_000_000),
            eligible_to_start: Some(day(0)),
            payments,
            service_periods: periods,
            leaves,
            as_of: day(as_of),
            breach: breach.map(|(offset, in_school)| Breach {
                date: day(offset),
                kind: if in_school { BreachKind::InSchool } else { BreachKind::Service },
            }),
        }
    }
}

proptest! {
    #[test]
    fn credit_never_exceeds_the_days_in_service(facts in scholar()) {
        let days_in_service: i64 = facts.service_periods.iter().map(ServicePeriod::calendar_days).sum();
        let case = ObligationCase::new(facts).unwrap();
        let result = evaluate(&case);
        prop_assert!(result.credited_days >= 0);
        prop_assert!(result.credited_days <= days_in_service);
        prop_assert!(case.credited_days_on(day(10_000)) <= days_in_service);
    }

    #[test]
    fn more_days_away_never_increase_credit(
        facts in scholar(), which in any::<prop::sample::Index>(), extra in 1u32..100,
    ) {
        prop_assume!(!facts.service_periods.is_empty());
        let mut more_away = facts.clone();
        let index = which.index(more_away.service_periods.len());
        more_away.service_periods[index].days_away += extra;
        let before = ObligationCase::new(facts).unwrap();
        let after = ObligationCase::new(more_away).unwrap();
        for date in [before.facts().as_of, day(10_000)] {
            prop_assert!(after.credited_days_on(date) <= before.credited_days_on(date));
        }
        prop_assert!(evaluate(&after).credited_days <= evaluate(&before).credited_days);
    }

    #[test]
    fn damages_are_never_negative_and_zero_once_complete(facts in scholar()) {
        let case = ObligationCase::new(facts).unwrap();
        let result = evaluate(&case);
        prop_assert!(result.damages >= 0);
        let facts = case.facts();
        let priced_on = facts.breach.map_or(facts.as_of, |breach| breach.date);
        let service_breach = facts.breach.is_none_or(|breach| breach.kind == BreachKind::Service);
        if service_breach && case.credited_days_on(priced_on) >= case.obligated_days() {
            prop_assert_eq!(result.damages, 0);
        }
        if result.status == ObligationStatus::Completed {
            prop_assert!(result.completion_date.is_some());
            prop_assert_eq!(result.remaining_days, 0);
        }
    }

    #[test]
    fn adding_a_payment_never_lowers_phi(
        facts in scholar(), offset in 0u64..3000, amount in 0i64..10_000_000,
    ) {
        let rate = facts.terms.damages.annual_interest_rate;
        let mut more = facts.payments.clone();
        more.push(Payment { date: day(offset), amount });
        for date in [facts.as_of, day(offset), day(5000)] {
            prop_assert!(phi_at(&more, rate, date) >= phi_at(&facts.payments, rate, date));
        }
        let mut with_payment = facts.clone();
        with_payment.payments = more;
        let before = evaluate(&ObligationCase::new(facts).unwrap());
        let after = evaluate(&ObligationCase::new(with_payment).unwrap());
        prop_assert!(after.phi >= before.phi);
    }

    #[test]
    fn completion_date_agrees_with_credit_at_that_date(facts in scholar()) {
        let case = ObligationCase::new(facts).unwrap();
        if let Some(completed_on) = case.completion_date() {
            prop_assert!(case.credited_days_on(completed_on) >= case.obligated_days());
            let day_before = completed_on.pred_opt().unwrap();
            prop_assert!(case.credited_days_on(day_before) < case.obligated_days());
        }
    }
}
