//! The engine on a national-scale market: 100,000 applicants, 10,000 facilities, lists of 20,
//! popularity skewed toward a few facilities. Generating and validating the market is outside
//! the timed part; see docs/performance.md for the whole command.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use ruralserve::domain::matching::generator::generate_instance;
use ruralserve::domain::matching::{explain, run_matching, Algorithm, Instance, MatchOptions, Proposing};

fn national_market(c: &mut Criterion) {
    let input = generate_instance(100_000, 10_000, 20, 42);
    let instance = match Instance::build(&input) {
        Ok(instance) => instance,
        Err(e) => panic!("generated market is invalid: {e}"),
    };
    let mut group = c.benchmark_group("matching_100k_x_10k_lists_20");
    group.sample_size(20);
    let cases = [
        ("deferred_acceptance_applicants", Algorithm::DeferredAcceptance, Proposing::Applicants),
        ("deferred_acceptance_facilities", Algorithm::DeferredAcceptance, Proposing::Facilities),
        ("serial_dictatorship", Algorithm::SerialDictatorship, Proposing::Applicants),
        ("lottery", Algorithm::Lottery, Proposing::Applicants),
    ];
    for (name, algorithm, proposing) in cases {
        let options = MatchOptions { algorithm, proposing, seed: 7, work_limit: None };
        group.bench_function(name, |b| b.iter(|| run_matching(black_box(&instance), &options)));
    }
    let options = MatchOptions::default();
    let matching = match run_matching(&instance, &options) {
        Ok(matching) => matching,
        Err(e) => panic!("{e}"),
    };
    group.bench_function("explain_with_stability_audit", |b| {
        b.iter(|| explain(black_box(&instance), &matching, &options))
    });
    group.finish();
}

criterion_group!(benches, national_market);
criterion_main!(benches);
