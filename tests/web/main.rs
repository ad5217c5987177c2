//! Black-box tests through HTTP, one binary: each test builds the real app over a fresh database.

// A test crate: an unwrap or expect that fails is the test failing, with its reason in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/fresh_db.rs"]
mod fresh_db;

#[macro_use]
mod common;

mod acceptance;
mod accounts;
mod api;
mod appeals;
mod applicant;
mod awards;
mod choices;
mod data;
mod facilities;
mod funder;
mod hardening;
mod jobs;
mod match_runs;
mod officer;
mod outbox;
mod placement_cycles;
mod second_round;
mod security;
mod service_start;
mod swaps;
