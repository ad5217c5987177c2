//! What happened to one scholar, as recorded: payments, service periods, leaves and a breach.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::exact::{ExactDecimal, MinorUnits};
use super::terms::ObligationTerms;

/// One disbursement to or for the scholar; interest on damages runs from its date.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub date: NaiveDate,
    pub amount: MinorUnits,
}

/// A certified stretch of service at one facility, `[start, end]` with both ends included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePeriod {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Credit rate as recorded, in (0, 1]: 1.0 full time; the web application records a half-time
    /// period with the programme's `half_time_credit`.
    pub fte: ExactDecimal,
    /// Days away in the period other than recorded leaves (leave, sickness, training).
    pub days_away: u32,
    pub facility: String,
}

impl ServicePeriod {
    /// Calendar days in the period, both ends included.
    pub fn calendar_days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }
}

/// Why the clock stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKind {
    /// Approved on documentation up to `parental_leave_max_days`; days beyond count as days away.
    Parental,
    /// Temporary impossibility or extreme hardship: stops the clock for its whole length.
    Suspension,
}

impl LeaveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveKind::Parental => "parental",
            LeaveKind::Suspension => "suspension",
        }
    }
}

/// A leave or suspension, `[start, end]` with both ends included. Its days are not credited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leave {
    pub kind: LeaveKind,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Which promise was broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachKind {
    /// Failed to start or to finish service: damages by the programme's formula.
    Service,
    /// Failed standing or left school: repay what was paid, times `in_school_breach_multiplier`.
    InSchool,
}

impl BreachKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BreachKind::Service => "service",
            BreachKind::InSchool => "in_school",
        }
    }
}

/// A recorded breach and the date it took effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    pub date: NaiveDate,
    pub kind: BreachKind,
}

/// Everything the engine needs about one scholar, not yet checked. Build an
/// [`ObligationCase`](super::ObligationCase) from it to evaluate it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationFacts {
    /// The terms the scholar's contract was signed under.
    pub terms: ObligationTerms,
    /// School years of support received (may be fractional).
    pub support_years: ExactDecimal,
    /// Graduation or licensing: the start-of-service window runs from here.
    pub eligible_to_start: Option<NaiveDate>,
    pub payments: Vec<Payment>,
    pub service_periods: Vec<ServicePeriod>,
    pub leaves: Vec<Leave>,
    /// The day the status is asked for.
    pub as_of: NaiveDate,
    pub breach: Option<Breach>,
}
