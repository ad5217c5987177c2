//! Where a scholar stands on a date: status, compliance flags, credit, end dates, Φ and damages.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::case::{date_of, day_number, DayNumber, ObligationCase};
use super::credit::CreditLedger;
use super::damages::{in_school_breach_damages, phi_at, service_breach_damages};
use super::exact::MinorUnits;
use super::facts::BreachKind;

/// The state of an obligation at `as_of`, first match wins:
/// `in_breach` (a breach on or before `as_of`, unless service was already complete by then),
/// `completed` (`s ≥ t`), `suspended` (`as_of` inside a suspension), `in_service` (a period
/// has started, even if the last one has ended and the next is not yet recorded),
/// `not_started`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationStatus {
    NotStarted,
    InService,
    Suspended,
    Completed,
    InBreach,
}

/// Compliance warnings a coordinator acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObligationFlag {
    /// In service, and the last period ended more than `verification_late_days` before `as_of`
    /// with no period recorded after it.
    VerificationOverdue,
    /// No period has started by `as_of`, and `as_of` is more than `start_window_days` after
    /// `eligible_to_start`.
    StartWindowMissed,
    /// The latest period's days away exceed its allowance (its end date moves out).
    ExcessDaysAway,
}

/// Everything the engine says about one scholar at `as_of`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationResult {
    /// `t`.
    pub obligated_days: i64,
    /// `s` at `as_of`.
    pub credited_days: i64,
    /// `max(0, t − s)`.
    pub remaining_days: i64,
    pub status: ObligationStatus,
    /// The day cumulative credit reached `t`, when completed.
    pub completion_date: Option<NaiveDate>,
    /// When not completed and not in breach: the day the obligation would be served.
    pub projected_end_date: Option<NaiveDate>,
    /// In the order of [`ObligationFlag`].
    pub flags: Vec<ObligationFlag>,
    /// Φ at the breach date if there is a breach, else at `as_of`; rounded half up.
    pub phi: MinorUnits,
    /// The breach's damages at its date, or else what a service breach on `as_of` would cost.
    pub damages: MinorUnits,
}

/// Evaluates a checked case at its `as_of` date.
pub fn evaluate(case: &ObligationCase) -> ObligationResult {
    let facts = case.facts();
    let terms = &facts.terms;
    let ledger = CreditLedger::new(case);
    let as_of = day_number(facts.as_of);
    let obligated_days = case.obligated_days;
    let credited_days = ledger.credited_days_through(as_of);

    let status = status_at(case, &ledger, as_of, credited_days);
    let completion_day = ledger.completion_day();
    let completion_date = match status {
        ObligationStatus::Completed => completion_day.and_then(date_of),
        _ => None,
    };
    let projected_end_date = match status {
        ObligationStatus::Completed | ObligationStatus::InBreach => None,
        _ => completion_day
            .filter(|&day| day > as_of)
            .or_else(|| ledger.projected_day_after_records(as_of))
            .and_then(date_of),
    };

    let priced_on = facts.breach.map_or(facts.as_of, |breach| breach.date);
    let phi = phi_at(&facts.payments, terms.damages.annual_interest_rate, priced_on);
    let damages = match facts.breach.map(|breach| breach.kind) {
        Some(BreachKind::InSchool) => {
            in_school_breach_damages(&facts.payments, terms.in_school_breach_multiplier, priced_on)
        }
        Some(BreachKind::Service) | None => {
            let credited_then = if priced_on == facts.as_of {
                credited_days
            } else {
                ledger.credited_days_through(day_number(priced_on))
            };
            service_breach_damages(phi, &terms.damages, obligated_days, credited_then)
        }
    };

    ObligationResult {
        obligated_days,
        credited_days,
        remaining_days: (obligated_days - credited_days).max(0),
        status,
        completion_date,
        projected_end_date,
        flags: flags_at(case, &ledger, as_of, status),
        phi: phi.rounded(),
        damages,
    }
}

fn status_at(
    case: &ObligationCase,
    ledger: &CreditLedger<'_>,
    as_of: DayNumber,
    credited_days: i64,
) -> ObligationStatus {
    let obligated_days = case.obligated_days;
    let breached = case.facts().breach.is_some_and(|breach| {
        let date = day_number(breach.date);
        // Service completed before the breach date leaves nothing to breach.
        date <= as_of && (breach.kind == BreachKind::InSchool || ledger.credited_days_through(date) < obligated_days)
    });
    let suspended = case.suspensions.iter().any(|&(start, end)| start <= as_of && as_of <= end);
    let started = case.periods.first().is_some_and(|period| period.start <= as_of);
    if breached {
        ObligationStatus::InBreach
    } else if credited_days >= obligated_days {
        ObligationStatus::Completed
    } else if suspended {
        ObligationStatus::Suspended
    } else if started {
        ObligationStatus::InService
    } else {
        ObligationStatus::NotStarted
    }
}

fn flags_at(
    case: &ObligationCase,
    ledger: &CreditLedger<'_>,
    as_of: DayNumber,
    status: ObligationStatus,
) -> Vec<ObligationFlag> {
    let terms = &case.facts().terms;
    let mut flags = Vec::new();
    let last_period = case.periods.last();
    if status == ObligationStatus::InService
        && last_period.is_some_and(|period| as_of - period.end > i64::from(terms.verification_late_days))
    {
        flags.push(ObligationFlag::VerificationOverdue);
    }
    let started = case.periods.first().is_some_and(|period| period.start <= as_of);
    if let Some(eligible) = case.facts().eligible_to_start {
        if !started && as_of - day_number(eligible) > i64::from(terms.start_window_days) {
            flags.push(ObligationFlag::StartWindowMissed);
        }
    }
    if ledger.periods().last().is_some_and(|period| period.has_excess_away) {
        flags.push(ObligationFlag::ExcessDaysAway);
    }
    flags
}
