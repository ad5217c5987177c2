//! Status for 100,000 scholars with 10 service periods each (goal: under 500 ms on 2 cores).

// A benchmark: an unwrap or expect that fails stops the measurement, with its reason in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ruralserve::domain::obligation::{
    evaluate, Breach, BreachKind, DamagesTerms, ExactDecimal, Leave, LeaveKind, ObligationCase, ObligationFacts,
    ObligationTerms, Payment, ServicePeriod,
};

const SCHOLARS: u64 = 100_000;
const PERIODS_PER_SCHOLAR: u64 = 10;

fn decimal(text: &str) -> ExactDecimal {
    text.parse().expect("a decimal literal")
}

fn terms() -> ObligationTerms {
    ObligationTerms {
        service_years_per_support_year: decimal("1"),
        min_service_years: decimal("2"),
        days_per_service_year: 365,
        half_time_credit: decimal("0.5"),
        days_away_allowed_per_service_year: decimal("35"),
        parental_leave_max_days: 84,
        verification_late_days: 60,
        start_window_days: 180,
        damages: DamagesTerms { multiplier: decimal("3"), annual_interest_rate: decimal("0.05"), minimum: 0 },
        in_school_breach_multiplier: decimal("1"),
    }
}

/// A deterministic mix: six-month periods, some half time, some over the days-away allowance,
/// a leave for every third scholar, a breach for every tenth; `as_of` spread over the years.
fn scholars() -> Vec<ObligationFacts> {
    let epoch = NaiveDate::from_ymd_opt(2020, 1, 1).expect("a valid date");
    let day = |offset: u64| epoch + Days::new(offset);
    (0..SCHOLARS)
        .map(|scholar| {
            let first_start = scholar % 365;
            let service_periods = (0..PERIODS_PER_SCHOLAR)
                .map(|n| {
                    let start = first_start + n * 190;
                    ServicePeriod {
                        start: day(start),
                        end: day(start + 180),
                        fte: if (scholar + n) % 4 == 0 { decimal("0.5") } else { ExactDecimal::ONE },
                        days_away: u32::try_from((scholar * 7 + n * 3) % 30).unwrap_or(0),
                        facility: format!("facility-{}", scholar % 12_379),
                    }
                })
                .collect();
            let leaves = if scholar % 3 == 0 {
                let start = first_start + 400;
                vec![Leave {
                    kind: if scholar % 2 == 0 { LeaveKind::Parental } else { LeaveKind::Suspension },
                    start: day(start),
                    end: day(start + 60 + scholar % 60),
                }]
            } else {
                vec![]
            };
            ObligationFacts {
                terms: terms(),
                support_years: ExactDecimal::from_billionths(
                    i64::try_from(2 + scholar % 4).unwrap_or(2) * ExactDecimal::SCALE,
                ),
                eligible_to_start: Some(day(first_start.saturating_sub(90))),
                payments: (0..8)
                    .map(|n| Payment {
                        date: day(n * 180),
                        amount: 75_000 + i64::try_from(scholar % 1000).unwrap_or(0),
                    })
                    .collect(),
                service_periods,
                leaves,
                as_of: day(first_start + 300 + (scholar * 37) % 2000),
                breach: (scholar % 10 == 0)
                    .then(|| Breach { date: day(first_start + 1500), kind: BreachKind::Service }),
            }
        })
        .collect()
}

fn obligation_status(c: &mut Criterion) {
    let facts = scholars();
    let cases: Vec<ObligationCase> =
        facts.iter().cloned().map(|facts| ObligationCase::new(facts).expect("generated facts are valid")).collect();
    let mut group = c.benchmark_group("obligation");
    group.sample_size(10);
    group.bench_function("evaluate_100k_scholars_10_periods", |b| {
        b.iter(|| {
            for case in &cases {
                black_box(evaluate(black_box(case)));
            }
        })
    });
    group.bench_function("check_and_evaluate_100k_scholars_10_periods", |b| {
        b.iter_batched(
            || facts.clone(),
            |facts| {
                for facts in facts {
                    let case = ObligationCase::new(facts).expect("generated facts are valid");
                    black_box(evaluate(&case));
                }
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, obligation_status);
criterion_main!(benches);
