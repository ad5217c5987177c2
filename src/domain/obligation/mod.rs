//! The service obligation engine: how much of a bonded scholarship's rural service has been
//! served, when it will end, and what a breach would cost on a given day.
//!
//! Pure functions over plain data: [`ObligationFacts`] → [`ObligationCase::new`] (checks) →
//! [`evaluate`] → [`ObligationResult`]. [`run_obligation_command`] does the same from and to JSON.
//! The rules, in plain words, are in `docs/obligation.md`.

mod case;
mod credit;
mod damages;
mod exact;
mod facts;
mod json;
mod status;
mod terms;

#[cfg(test)]
mod examples;
#[cfg(test)]
mod properties;

pub use case::{ObligationCase, ObligationInputError, MAX_AMOUNT};
pub use damages::{in_school_breach_damages, phi_at, service_breach_damages, Phi};
pub use exact::{DecimalError, ExactDecimal, MinorUnits};
pub use facts::{Breach, BreachKind, Leave, LeaveKind, ObligationFacts, Payment, ServicePeriod};
pub use json::run_obligation_command;
pub use status::{evaluate, ObligationFlag, ObligationResult, ObligationStatus};
pub use terms::{obligated_days, DamagesTerms, ObligationTerms, TermsSchedule};
