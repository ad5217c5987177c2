//! Black-box tests through HTTP, one binary: each test builds the real app over a fresh database.

#[macro_use]
mod common;

mod accounts;
mod api;
mod applicant;
mod funder;
mod outbox;
mod security;
