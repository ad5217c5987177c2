//! An award from proposal to binding contract and the end of support: its state machine (four eyes on the
//! decision, a deadline on the offer, a signed acceptance, the funder's countersignature), the obligation
//! figures its contract states, and the yearly continuation rule.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::obligation::{obligated_days, service_breach_damages, DamagesTerms, ExactDecimal, ObligationTerms, Phi};
use super::programme::ProgrammeTerms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AwardStatus {
    /// One officer proposed it from the funding line.
    Proposed,
    /// A second officer approved it; the offer is not yet sent.
    Approved,
    /// A second officer refused the proposal.
    Rejected,
    /// Sent to the applicant with an acceptance deadline.
    Offered,
    /// The applicant signed (typed name + agreement) in time; awaiting the funder's countersignature.
    Accepted,
    Declined,
    /// The deadline passed without acceptance; the seat goes to the next on the line.
    Lapsed,
    /// Countersigned: the contract is binding and support is paid.
    Active,
    /// Withdrawal or dismissal from school: what was paid is owed.
    InSchoolBreach,
    /// Support is over (graduation, the last supported year, or continuation refused); the service
    /// obligation bought by the years supported now runs.
    SupportEnded,
}

impl AwardStatus {
    pub const ALL: [AwardStatus; 10] = [
        AwardStatus::Proposed,
        AwardStatus::Approved,
        AwardStatus::Rejected,
        AwardStatus::Offered,
        AwardStatus::Accepted,
        AwardStatus::Declined,
        AwardStatus::Lapsed,
        AwardStatus::Active,
        AwardStatus::InSchoolBreach,
        AwardStatus::SupportEnded,
    ];

    /// The names the `awards.status` column holds.
    pub fn as_str(self) -> &'static str {
        match self {
            AwardStatus::Proposed => "proposed",
            AwardStatus::Approved => "approved",
            AwardStatus::Rejected => "rejected",
            AwardStatus::Offered => "offered",
            AwardStatus::Accepted => "accepted",
            AwardStatus::Declined => "declined",
            AwardStatus::Lapsed => "lapsed",
            AwardStatus::Active => "active",
            AwardStatus::InSchoolBreach => "in_school_breach",
            AwardStatus::SupportEnded => "support_ended",
        }
    }

    pub fn parse(s: &str) -> Option<AwardStatus> {
        AwardStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the award still holds a seat and money on the funding line (so a lapse or a refusal frees them).
    pub fn holds_seat(self) -> bool {
        !matches!(self, AwardStatus::Rejected | AwardStatus::Declined | AwardStatus::Lapsed)
    }

    /// Whether the contract binds both sides.
    pub fn is_binding(self) -> bool {
        matches!(self, AwardStatus::Active | AwardStatus::InSchoolBreach | AwardStatus::SupportEnded)
    }
}

/// What someone does to an award.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwardAction {
    /// Second officer (not the proposer).
    Approve,
    /// Second officer (not the proposer).
    Reject,
    /// Officer sends the offer with `ctx.deadline`.
    Offer,
    /// Scholar signs by the deadline.
    Accept,
    /// Scholar declines by the deadline.
    Decline,
    /// The system (or an officer) marks an offer past its deadline.
    Lapse,
    /// Funder's officer signs: the contract becomes binding.
    Countersign,
    /// An approved withdrawal or dismissal.
    Breach,
    /// Graduation, the last supported year, or continuation refused.
    EndSupport,
}

impl AwardAction {
    pub const ALL: [AwardAction; 9] = [
        AwardAction::Approve,
        AwardAction::Reject,
        AwardAction::Offer,
        AwardAction::Accept,
        AwardAction::Decline,
        AwardAction::Lapse,
        AwardAction::Countersign,
        AwardAction::Breach,
        AwardAction::EndSupport,
    ];
}

/// Who acts, when, and what they typed. Which *role* may act is decided by the service from the actor; the
/// rules here are those of the award itself.
#[derive(Debug, Clone)]
pub struct AwardContext<'a> {
    pub proposer_id: i64,
    pub actor_id: i64,
    pub now: NaiveDateTime,
    /// For `Offer`, the deadline being set; otherwise the offer's deadline.
    pub deadline: Option<NaiveDateTime>,
    /// The full name the scholar typed to sign.
    pub typed_name: &'a str,
    /// The full name on the application.
    pub expected_name: &'a str,
    /// The scholar ticked "I agree to the terms of this contract".
    pub agreed: bool,
}

/// The award state machine: every allowed move with its guard, and a refusal (message key) for the rest.
/// A second approval of an already decided award is refused (`error-award-not-proposed`), so a stale
/// approval never approves twice.
pub fn next_award_status(
    from: AwardStatus,
    action: AwardAction,
    ctx: &AwardContext,
) -> Result<AwardStatus, &'static str> {
    use AwardAction::*;
    use AwardStatus::*;
    match (from, action) {
        (Proposed, Approve | Reject) if ctx.actor_id == ctx.proposer_id => Err("error-four-eyes"),
        (Proposed, Approve) => Ok(Approved),
        (Proposed, Reject) => Ok(Rejected),
        (_, Approve | Reject) => Err("error-award-not-proposed"),
        (Approved, Offer) => match ctx.deadline {
            None => Err("error-deadline-required"),
            Some(deadline) if deadline <= ctx.now => Err("error-deadline-in-past"),
            Some(_) => Ok(Offered),
        },
        (_, Offer) => Err("error-award-not-approved"),
        (Offered, Accept | Decline) if offer_expired(ctx) => Err("error-offer-expired"),
        (Offered, Accept) if !ctx.agreed => Err("error-agreement-required"),
        (Offered, Accept) if !names_match(ctx.typed_name, ctx.expected_name) => Err("error-name-mismatch"),
        (Offered, Accept) => Ok(Accepted),
        (Offered, Decline) => Ok(Declined),
        (Offered, Lapse) if !offer_expired(ctx) => Err("error-deadline-not-passed"),
        (Offered, Lapse) => Ok(Lapsed),
        (_, Accept | Decline | Lapse) => Err("error-award-not-offered"),
        (Accepted, Countersign) => Ok(Active),
        (_, Countersign) => Err("error-award-not-accepted"),
        (Active, Breach) => Ok(InSchoolBreach),
        (Active, EndSupport) => Ok(SupportEnded),
        (_, Breach | EndSupport) => Err("error-award-not-active"),
    }
}

/// An offer without a deadline never expires (it cannot be sent without one, so this is only a stored gap);
/// with one, acceptance is possible up to and including the deadline itself.
fn offer_expired(ctx: &AwardContext) -> bool {
    ctx.deadline.is_some_and(|deadline| ctx.now > deadline)
}

/// The typed signature matches the application's full name ignoring case and spacing: words compared after
/// trimming and collapsing runs of white space, with Unicode lower-casing. A blank name never matches.
pub fn names_match(typed: &str, expected: &str) -> bool {
    let normal = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ");
    let typed = normal(typed);
    !typed.is_empty() && typed == normal(expected)
}

/// The programme's terms as the obligation engine reads them: each fractional term converted exactly from
/// the decimal it was typed as (`0.05`, not 0.05000000000000000277), and a service year of 365 days.
pub fn obligation_terms(terms: &ProgrammeTerms) -> Result<ObligationTerms, &'static str> {
    let exact = |value: f64| ExactDecimal::from_f64_shortest(value).map_err(|_| "error-term-not-exact");
    let whole = |value: i32| u32::try_from(value).map_err(|_| "error-term-negative");
    Ok(ObligationTerms {
        service_years_per_support_year: exact(terms.service_years_per_support_year)?,
        min_service_years: exact(terms.min_service_years)?,
        days_per_service_year: 365,
        half_time_credit: exact(terms.half_time_credit)?,
        days_away_allowed_per_service_year: ExactDecimal::from_integer(i64::from(
            terms.days_away_allowed_per_service_year,
        ))
        .ok_or("error-term-not-exact")?,
        parental_leave_max_days: whole(terms.parental_leave_max_days)?,
        verification_late_days: whole(terms.verification_late_days)?,
        start_window_days: whole(terms.start_window_days)?,
        damages: DamagesTerms {
            multiplier: exact(terms.damages_multiplier)?,
            annual_interest_rate: exact(terms.damages_annual_interest_rate)?,
            minimum: terms.damages_minimum_minor,
        },
        in_school_breach_multiplier: exact(terms.in_school_breach_multiplier)?,
    })
}

/// `ProgrammeTerms::obligated_service_years` (the greater of support × rate and the minimum) on the exact
/// terms: the f64 product can miss the decimal (3 × 1.1 is 3.3000000000000003), the contract must not.
fn exact_obligated_years(terms: &ObligationTerms, support_years: i32) -> Result<ExactDecimal, &'static str> {
    let earned = terms
        .service_years_per_support_year
        .billionths()
        .checked_mul(i64::from(support_years))
        .ok_or("error-range-1-10")?;
    Ok(ExactDecimal::from_billionths(earned.max(terms.min_service_years.billionths())))
}

/// The obligation an award's contract states, with a worked damages figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContractObligation {
    pub support_years: u32,
    /// `max(support_years × service_years_per_support_year, min_service_years)`.
    pub obligated_service_years: ExactDecimal,
    /// The same in days (365 a year, rounded half up), as the obligation engine counts it.
    pub obligated_days: i64,
    /// Service must start within this many days of graduation or licensing.
    pub start_window_days: u32,
    pub damages_multiplier: ExactDecimal,
    pub damages_annual_interest_rate: ExactDecimal,
    pub damages_minimum_minor: i64,
    /// Φ of the worked figure: the award's whole support cost.
    pub full_support_cost_minor: i64,
    /// Damages if the scholar served none of the obligation.
    pub worked_damages_minor: i64,
}

impl ContractObligation {
    /// The contract's figures for `support_years` of support costing `full_support_cost_minor` in all.
    ///
    /// The worked figure assumes: every scheduled payment was made in full (Φ = the whole support cost), the
    /// breach falls on the day of the last payment so no interest has run yet (interest at the programme's
    /// rate is added from each payment date in a real breach, so real damages are higher the later the
    /// breach), and no day of service was credited (s = 0). It is computed by the obligation engine's own
    /// damages function: `max(minimum, multiplier × Φ × (t − 0) / t)`, rounded half up.
    pub fn new(
        terms: &ProgrammeTerms,
        support_years: u32,
        full_support_cost_minor: i64,
    ) -> Result<ContractObligation, &'static str> {
        let engine_terms = obligation_terms(terms)?;
        let years = i32::try_from(support_years).map_err(|_| "error-range-1-10")?;
        let obligated_service_years = exact_obligated_years(&engine_terms, years)?;
        let support = ExactDecimal::from_integer(i64::from(support_years)).ok_or("error-range-1-10")?;
        let days = obligated_days(&engine_terms, support);
        let phi = Phi::from_minor_units(full_support_cost_minor.max(0));
        let worked_damages_minor = service_breach_damages(phi, &engine_terms.damages, days, 0);
        Ok(ContractObligation {
            support_years,
            obligated_service_years,
            obligated_days: days,
            start_window_days: engine_terms.start_window_days,
            damages_multiplier: engine_terms.damages.multiplier,
            damages_annual_interest_rate: engine_terms.damages.annual_interest_rate,
            damages_minimum_minor: engine_terms.damages.minimum,
            full_support_cost_minor,
            worked_damages_minor,
        })
    }
}

/// Whether an active award continues into the next school year: years of support must remain under the
/// programme's maximum, the scholar must be in good standing, and every progress report must be in. The
/// obligation then grows: recompute [`ContractObligation`] with `years_supported + 1`.
pub fn may_continue(
    good_standing: bool,
    reports_in: bool,
    years_supported: u32,
    max_support_years: u32,
) -> Result<(), &'static str> {
    if years_supported >= max_support_years {
        return Err("error-support-years-exhausted");
    }
    if !good_standing {
        return Err("error-not-in-good-standing");
    }
    if !reports_in {
        return Err("error-reports-missing");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AwardAction::*;
    use AwardStatus::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time")
    }

    /// A context in which every guard passes: a second officer, before the deadline, signed properly.
    fn ctx() -> AwardContext<'static> {
        AwardContext {
            proposer_id: 1,
            actor_id: 2,
            now: at("2027-03-01 10:00"),
            deadline: Some(at("2027-03-31 23:59")),
            typed_name: "Achieng Otieno",
            expected_name: "Achieng Otieno",
            agreed: true,
        }
    }

    const ALLOWED: [(AwardStatus, AwardAction, AwardStatus); 9] = [
        (Proposed, Approve, Approved),
        (Proposed, Reject, Rejected),
        (Approved, Offer, Offered),
        (Offered, Accept, Accepted),
        (Offered, Decline, Declined),
        (Accepted, Countersign, Active),
        (Active, Breach, InSchoolBreach),
        (Active, EndSupport, SupportEnded),
        // Lapse needs a context past the deadline: checked below.
        (Offered, Lapse, Lapsed),
    ];

    #[test]
    fn every_allowed_transition() {
        for (from, action, to) in ALLOWED {
            let context = if action == Lapse { AwardContext { now: at("2027-04-01 00:00"), ..ctx() } } else { ctx() };
            assert_eq!(next_award_status(from, action, &context), Ok(to), "{from:?} {action:?}");
        }
    }

    #[test]
    fn every_refused_transition_names_the_state_it_needs() {
        let needed = |action: AwardAction| match action {
            Approve | Reject => "error-award-not-proposed",
            Offer => "error-award-not-approved",
            Accept | Decline | Lapse => "error-award-not-offered",
            Countersign => "error-award-not-accepted",
            Breach | EndSupport => "error-award-not-active",
        };
        let mut refused = 0;
        for from in AwardStatus::ALL {
            for action in AwardAction::ALL {
                if ALLOWED.iter().any(|(f, a, _)| *f == from && *a == action) {
                    continue;
                }
                assert_eq!(next_award_status(from, action, &ctx()), Err(needed(action)), "{from:?} {action:?}");
                refused += 1;
            }
        }
        assert_eq!(refused, 10 * 9 - ALLOWED.len());
    }

    #[test]
    fn a_stale_second_approval_does_not_approve_twice() {
        assert_eq!(next_award_status(Approved, Approve, &ctx()), Err("error-award-not-proposed"));
        assert_eq!(next_award_status(Rejected, Approve, &ctx()), Err("error-award-not-proposed"));
    }

    #[test]
    fn the_proposer_can_neither_approve_nor_reject() {
        let same = AwardContext { actor_id: 1, ..ctx() };
        assert_eq!(next_award_status(Proposed, Approve, &same), Err("error-four-eyes"));
        assert_eq!(next_award_status(Proposed, Reject, &same), Err("error-four-eyes"));
    }

    #[test]
    fn an_offer_needs_a_deadline_in_the_future() {
        let none = AwardContext { deadline: None, ..ctx() };
        assert_eq!(next_award_status(Approved, Offer, &none), Err("error-deadline-required"));
        let now = AwardContext { deadline: Some(at("2027-03-01 10:00")), ..ctx() };
        assert_eq!(next_award_status(Approved, Offer, &now), Err("error-deadline-in-past"));
    }

    #[test]
    fn acceptance_needs_agreement_and_the_applicants_name() {
        let unticked = AwardContext { agreed: false, ..ctx() };
        assert_eq!(next_award_status(Offered, Accept, &unticked), Err("error-agreement-required"));
        let wrong = AwardContext { typed_name: "Achieng Otieno-Wanjiru", ..ctx() };
        assert_eq!(next_award_status(Offered, Accept, &wrong), Err("error-name-mismatch"));
        let sloppy = AwardContext { typed_name: "  achieng   OTIENO ", ..ctx() };
        assert_eq!(next_award_status(Offered, Accept, &sloppy), Ok(Accepted));
    }

    #[test]
    fn the_deadline_itself_is_in_time_and_a_minute_after_is_not() {
        let on_time = AwardContext { now: at("2027-03-31 23:59"), ..ctx() };
        assert_eq!(next_award_status(Offered, Accept, &on_time), Ok(Accepted));
        assert_eq!(next_award_status(Offered, Decline, &on_time), Ok(Declined));
        assert_eq!(next_award_status(Offered, Lapse, &on_time), Err("error-deadline-not-passed"));
        let late = AwardContext { now: at("2027-04-01 00:00"), ..ctx() };
        assert_eq!(next_award_status(Offered, Accept, &late), Err("error-offer-expired"));
        assert_eq!(next_award_status(Offered, Decline, &late), Err("error-offer-expired"));
        assert_eq!(next_award_status(Offered, Lapse, &late), Ok(Lapsed));
    }

    #[test]
    fn names_match_ignoring_case_and_spacing_but_not_blank() {
        assert!(names_match("ÉLODIE  mbeki", "Élodie Mbeki"));
        assert!(!names_match("Elodie Mbeki", "Élodie Mbeki"));
        assert!(!names_match("   ", ""));
        assert!(!names_match("AchiengOtieno", "Achieng Otieno"));
    }

    #[test]
    fn statuses_round_trip_and_say_what_they_hold() {
        for status in AwardStatus::ALL {
            assert_eq!(AwardStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(AwardStatus::parse("binding"), None);
        assert!(!Lapsed.holds_seat() && !Declined.holds_seat() && !Rejected.holds_seat());
        assert!(Offered.holds_seat() && Proposed.holds_seat());
        assert!(Active.is_binding() && !Accepted.is_binding());
    }

    #[test]
    fn the_contract_states_the_obligation_and_a_worked_damages_figure() {
        let terms = ProgrammeTerms::typical();
        // NHSC-like terms: 1 service year per support year, minimum 2, multiplier 3, start window 180 days.
        let three = ContractObligation::new(&terms, 3, 87_000_000).expect("valid terms");
        assert_eq!(three.obligated_service_years.to_string(), "3");
        assert_eq!(three.obligated_days, 1_095);
        assert_eq!(three.start_window_days, 180);
        assert_eq!(three.worked_damages_minor, 261_000_000);
        assert_eq!(three.damages_multiplier.to_string(), "3");
        assert_eq!(three.damages_annual_interest_rate.to_string(), "0.05");
        let one = ContractObligation::new(&terms, 1, 29_000_000).expect("valid terms");
        assert_eq!(one.obligated_service_years.to_string(), "2", "the minimum applies");
        assert_eq!(one.obligated_days, 730);
    }

    #[test]
    fn the_worked_figure_follows_multiplier_minimum_and_fractions_exactly() {
        let maryland = ProgrammeTerms { damages_multiplier: 1.5, ..ProgrammeTerms::typical() };
        // 1.5 × 100,001 = 150,001.5 → 150,002 (half up, once).
        assert_eq!(ContractObligation::new(&maryland, 2, 100_001).map(|o| o.worked_damages_minor), Ok(150_002));
        let floor = ProgrammeTerms { damages_minimum_minor: 5_000_000, ..ProgrammeTerms::typical() };
        assert_eq!(ContractObligation::new(&floor, 2, 1_000).map(|o| o.worked_damages_minor), Ok(5_000_000));
        let dost = ProgrammeTerms { service_years_per_support_year: 1.5, ..ProgrammeTerms::typical() };
        let o = ContractObligation::new(&dost, 3, 0).expect("valid");
        assert_eq!(o.obligated_service_years.to_string(), "4.5");
        assert_eq!(o.obligated_days, 1_643, "4.5 × 365 = 1,642.5 rounds half up");
    }

    #[test]
    fn terms_convert_exactly_or_are_refused() {
        let terms = obligation_terms(&ProgrammeTerms::typical()).expect("typical terms");
        assert_eq!(terms.damages.annual_interest_rate.billionths(), 50_000_000);
        assert_eq!(terms.half_time_credit.to_string(), "0.5");
        assert_eq!(terms.days_away_allowed_per_service_year.to_string(), "35");
        let fine = ProgrammeTerms { damages_annual_interest_rate: 0.000_000_000_1, ..ProgrammeTerms::typical() };
        assert_eq!(obligation_terms(&fine), Err("error-term-not-exact"));
        let negative = ProgrammeTerms { start_window_days: -1, ..ProgrammeTerms::typical() };
        assert_eq!(obligation_terms(&negative), Err("error-term-negative"));
    }

    #[test]
    fn continuation_needs_years_left_good_standing_and_reports() {
        assert_eq!(may_continue(true, true, 1, 4), Ok(()));
        assert_eq!(may_continue(true, true, 4, 4), Err("error-support-years-exhausted"));
        assert_eq!(may_continue(false, true, 1, 4), Err("error-not-in-good-standing"));
        assert_eq!(may_continue(true, false, 1, 4), Err("error-reports-missing"));
    }

    #[test]
    fn obligated_years_are_the_programme_rule_computed_exactly() {
        for rate in [1.0, 2.0, 0.5, 1.5] {
            for minimum in [0.0, 2.0, 3.0, 6.0] {
                let terms = ProgrammeTerms {
                    service_years_per_support_year: rate,
                    min_service_years: minimum,
                    ..ProgrammeTerms::typical()
                };
                for years in 1..=4_u32 {
                    let exact = ContractObligation::new(&terms, years, 0).expect("valid").obligated_service_years;
                    let expected = terms.obligated_service_years(years as i32);
                    assert_eq!(exact.to_string(), expected.to_string(), "{rate} × {years}, min {minimum}");
                }
            }
        }
        let awkward = ProgrammeTerms { service_years_per_support_year: 1.1, ..ProgrammeTerms::typical() };
        assert_eq!(awkward.obligated_service_years(3), 3.3000000000000003);
        let o = ContractObligation::new(&awkward, 3, 0).expect("valid");
        assert_eq!(o.obligated_service_years.to_string(), "3.3");
        assert_eq!(o.obligated_days, 1_205, "3.3 × 365 = 1,204.5 rounds half up");
    }

    #[test]
    fn the_obligation_grows_with_each_year_of_support() {
        let terms = ProgrammeTerms::typical();
        let years: Vec<String> = (1..=4)
            .map(|y| ContractObligation::new(&terms, y, 0).expect("valid").obligated_service_years.to_string())
            .collect();
        assert_eq!(years, vec!["2", "2", "3", "4"]);
    }
}
