//! What an award costs over its whole support period, and the funding line: awards in strict rank order
//! until the call's seats or budget run out, after the seats and money the call's awards already hold.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::award::AwardStatus;
use super::programme::ProgrammeTerms;

/// School years of support for an applicant: the fewest whole years from the start of support that reach
/// the expected graduation (a part year counts as a year, since tuition is paid for the whole school year),
/// capped at the programme's `max_support_years`. Taken from the expected graduation rather than the year
/// of study because the application always has it and the length of a course differs by cadre and school.
/// Refused when graduation is not after the start.
pub fn support_years(
    support_starts: NaiveDate,
    expected_graduation: NaiveDate,
    max_support_years: i32,
) -> Result<u32, &'static str> {
    if expected_graduation <= support_starts {
        return Err("error-graduation-before-support");
    }
    let max = u32::try_from(max_support_years).map_err(|_| "error-range-1-10")?;
    if max == 0 {
        return Err("error-range-1-10");
    }
    for years in 1..max {
        let reached =
            support_starts.checked_add_months(Months::new(12 * years)).is_none_or(|d| d >= expected_graduation);
        if reached {
            return Ok(years);
        }
    }
    Ok(max)
}

/// The cost of one award over its whole support period, in minor units, with its parts for the offer page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SupportCost {
    pub support_years: u32,
    pub annual_tuition_minor: i64,
    pub stipend_monthly_minor: i64,
    pub lump_sum_yearly_minor: i64,
    /// `annual_tuition + 12 × stipend_monthly + lump_sum_yearly`.
    pub yearly_minor: i64,
    /// `support_years × yearly`.
    pub total_minor: i64,
}

impl SupportCost {
    /// From the programme's terms (stipend, lump sum) and the applicant's yearly tuition. Checked arithmetic:
    /// refused with `error-amount-too-large` on overflow and `error-amount-negative` for a negative amount.
    pub fn new(
        terms: &ProgrammeTerms,
        annual_tuition_minor: i64,
        support_years: u32,
    ) -> Result<SupportCost, &'static str> {
        let (stipend, lump_sum) = (terms.stipend_monthly_minor, terms.lump_sum_yearly_minor);
        if annual_tuition_minor < 0 || stipend < 0 || lump_sum < 0 {
            return Err("error-amount-negative");
        }
        let yearly = stipend
            .checked_mul(12)
            .and_then(|s| s.checked_add(annual_tuition_minor))
            .and_then(|s| s.checked_add(lump_sum))
            .ok_or("error-amount-too-large")?;
        let total = yearly.checked_mul(i64::from(support_years)).ok_or("error-amount-too-large")?;
        Ok(SupportCost {
            support_years,
            annual_tuition_minor,
            stipend_monthly_minor: stipend,
            lump_sum_yearly_minor: lump_sum,
            yearly_minor: yearly,
            total_minor: total,
        })
    }

    /// The cost an award was proposed with, from the figures it keeps: it holds that cost whatever terms come
    /// into force later. The yearly figure is the total spread over the years (one, if none were recorded).
    pub fn as_proposed(
        support_years: i32,
        annual_tuition_minor: i64,
        stipend_monthly_minor: i64,
        lump_sum_yearly_minor: i64,
        total_minor: i64,
    ) -> SupportCost {
        SupportCost {
            support_years: u32::try_from(support_years).unwrap_or(0),
            annual_tuition_minor,
            stipend_monthly_minor,
            lump_sum_yearly_minor,
            yearly_minor: total_minor / i64::from(support_years.max(1)),
            total_minor,
        }
    }
}

/// What an applicant's whole support would cost on `terms`: from the start of support to their expected
/// graduation, at their yearly tuition. Refused (with the message key) when the graduation is missing or not
/// after the start, or the amounts do not fit.
pub fn applicant_cost(
    terms: &ProgrammeTerms,
    support_starts: NaiveDate,
    expected_graduation: Option<NaiveDate>,
    annual_tuition_minor: i64,
) -> Result<SupportCost, &'static str> {
    let graduation = expected_graduation.ok_or("error-graduation-missing")?;
    let years = support_years(support_starts, graduation, terms.max_support_years)?;
    SupportCost::new(terms, annual_tuition_minor, years)
}

/// Why an award falls outside the funding line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideLine {
    SeatsExhausted,
    BudgetExhausted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FundingLineEntry {
    pub application_id: i64,
    pub cost: i64,
    /// The running total of every cost down to and including this one, as if all were funded, so the officer
    /// sees where the budget runs out. Saturates at `i64::MAX`, which is past any budget.
    pub cumulative_cost: i64,
    pub within_line: bool,
    pub reason_outside: Option<OutsideLine>,
}

/// Draws the funding line through `ranked` (application id, whole-period cost), best first: each award in
/// rank order is within the line while a seat is left and its cost still fits the budget; the first that
/// does not fit closes the line for everyone below it.
///
/// No skipping: a cheaper applicant further down is not funded ahead of a dearer one above. The ranking is
/// the call's published order of priority and merit; letting cost jump the queue would make the school's fees
/// and the years left to graduation a hidden ranking criterion. The money left is for the officer to see (and
/// to use by raising the budget or the seats), and when an offer lapses or is declined, the line is drawn
/// again without it so that the next applicant in order takes the seat.
pub fn funding_line(ranked: &[(i64, i64)], seats: u32, budget_minor: i64) -> Vec<FundingLineEntry> {
    let mut entries = Vec::with_capacity(ranked.len());
    let mut seats_used: u32 = 0;
    let mut committed: i64 = 0;
    let mut cumulative: i64 = 0;
    let mut closed: Option<OutsideLine> = None;
    for &(application_id, cost) in ranked {
        cumulative = cumulative.saturating_add(cost);
        if closed.is_none() {
            if seats_used >= seats {
                closed = Some(OutsideLine::SeatsExhausted);
            } else if committed.checked_add(cost).is_none_or(|total| total > budget_minor) {
                closed = Some(OutsideLine::BudgetExhausted);
            }
        }
        let within_line = closed.is_none();
        if within_line {
            seats_used += 1;
            committed += cost;
        }
        entries.push(FundingLineEntry {
            application_id,
            cost,
            cumulative_cost: cumulative,
            within_line,
            reason_outside: closed,
        });
    }
    entries
}

/// An award already made on the call, as the funding line counts it: its status and the total it was
/// proposed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MadeAward {
    pub status: AwardStatus,
    pub total_cost_minor: i64,
}

/// The call's funding line after its awards: what the awards that hold a seat take, what that leaves, and the
/// line drawn through the applicants without an award.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallLine {
    pub seats_held: usize,
    /// The money the awards holding a seat hold, each at the cost it was proposed with.
    pub committed_minor: i64,
    pub seats_left: u32,
    pub budget_left_minor: i64,
    /// One entry per applicant of `ranked`, in its order; the running cost is shown against the whole budget
    /// (what the awards already hold, then each applicant in turn).
    pub entries: Vec<FundingLineEntry>,
}

/// Draws the call's line. Awards that hold a seat keep it whatever the ranking does later (a late score, a new
/// rule, a recusal): their seats and money are taken first, and the line is drawn with what is left through
/// `ranked` (the applicants without an award who could be costed: application id and cost, in rank order; see
/// [`funding_line`]). Awards that gave their seat back (refused, declined, lapsed) are out of both, so the next
/// applicant in order moves up.
pub fn call_line(seats: i32, budget_minor: i64, awards: &[MadeAward], ranked: &[(i64, i64)]) -> CallLine {
    let holding: Vec<&MadeAward> = awards.iter().filter(|a| a.status.holds_seat()).collect();
    let seats_held = holding.len();
    let committed_minor: i64 = holding.iter().map(|a| a.total_cost_minor).sum();
    let seats_left = u32::try_from(seats).unwrap_or(0).saturating_sub(u32::try_from(seats_held).unwrap_or(u32::MAX));
    let budget_left_minor = budget_minor.saturating_sub(committed_minor);
    let entries = funding_line(ranked, seats_left, budget_left_minor)
        .into_iter()
        .map(|mut e| {
            e.cumulative_cost = committed_minor.saturating_add(e.cumulative_cost);
            e
        })
        .collect();
    CallLine { seats_held, committed_minor, seats_left, budget_left_minor, entries }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn terms() -> ProgrammeTerms {
        ProgrammeTerms {
            stipend_monthly_minor: 1_500_000,
            lump_sum_yearly_minor: 2_000_000,
            ..ProgrammeTerms::typical()
        }
    }

    #[test]
    fn support_lasts_to_graduation_in_whole_school_years() {
        // 2027-09-01 → 2029-12-01 is two years and three months: three school years.
        assert_eq!(support_years(day("2027-09-01"), day("2029-12-01"), 4), Ok(3));
        assert_eq!(support_years(day("2027-09-01"), day("2029-09-01"), 4), Ok(2));
        assert_eq!(support_years(day("2027-09-01"), day("2027-12-15"), 4), Ok(1));
    }

    #[test]
    fn support_is_capped_at_the_programmes_maximum() {
        assert_eq!(support_years(day("2027-09-01"), day("2033-07-01"), 4), Ok(4));
        assert_eq!(support_years(day("2027-09-01"), day("2033-07-01"), 1), Ok(1));
    }

    #[test]
    fn support_years_are_refused_without_time_left_or_a_maximum() {
        assert_eq!(support_years(day("2027-09-01"), day("2027-09-01"), 4), Err("error-graduation-before-support"));
        assert_eq!(support_years(day("2027-09-01"), day("2026-09-01"), 4), Err("error-graduation-before-support"));
        assert_eq!(support_years(day("2027-09-01"), day("2029-09-01"), 0), Err("error-range-1-10"));
        assert_eq!(support_years(day("2027-09-01"), day("2029-09-01"), -1), Err("error-range-1-10"));
    }

    #[test]
    fn cost_is_years_times_tuition_stipends_and_lump_sum() {
        let cost = SupportCost::new(&terms(), 9_000_000, 3).expect("fits");
        // 9,000,000 + 12 × 1,500,000 + 2,000,000 = 29,000,000 a year; × 3.
        assert_eq!(cost.yearly_minor, 29_000_000);
        assert_eq!(cost.total_minor, 87_000_000);
        assert_eq!(cost.support_years, 3);
        assert_eq!(SupportCost::new(&ProgrammeTerms::typical(), 0, 4).map(|c| c.total_minor), Ok(0));
    }

    #[test]
    fn cost_refuses_overflow_and_negative_amounts() {
        assert_eq!(SupportCost::new(&terms(), i64::MAX / 2, 3), Err("error-amount-too-large"));
        let huge_stipend = ProgrammeTerms { stipend_monthly_minor: i64::MAX / 6, ..terms() };
        assert_eq!(SupportCost::new(&huge_stipend, 0, 1), Err("error-amount-too-large"));
        assert_eq!(SupportCost::new(&terms(), -1, 3), Err("error-amount-negative"));
        let negative = ProgrammeTerms { lump_sum_yearly_minor: -5, ..terms() };
        assert_eq!(SupportCost::new(&negative, 0, 3), Err("error-amount-negative"));
    }

    fn within(entries: &[FundingLineEntry]) -> Vec<i64> {
        entries.iter().filter(|e| e.within_line).map(|e| e.application_id).collect()
    }

    #[test]
    fn seats_close_the_line() {
        let entries = funding_line(&[(1, 100), (2, 100), (3, 100)], 2, 1_000);
        assert_eq!(within(&entries), vec![1, 2]);
        assert_eq!(entries[2].reason_outside, Some(OutsideLine::SeatsExhausted));
        assert_eq!(entries.iter().map(|e| e.cumulative_cost).collect::<Vec<_>>(), vec![100, 200, 300]);
        assert_eq!(entries[0].reason_outside, None);
    }

    #[test]
    fn budget_closes_the_line_and_nobody_cheaper_below_skips_ahead() {
        let entries = funding_line(&[(1, 400), (2, 500), (3, 200), (4, 50)], 10, 1_000);
        assert_eq!(within(&entries), vec![1, 2]);
        assert_eq!(entries[2].reason_outside, Some(OutsideLine::BudgetExhausted));
        assert_eq!(entries[3].reason_outside, Some(OutsideLine::BudgetExhausted), "4 would fit but does not skip");
        assert_eq!(entries[3].cumulative_cost, 1_150);
    }

    #[test]
    fn an_award_costing_exactly_the_budget_left_is_within() {
        let entries = funding_line(&[(1, 600), (2, 400)], 5, 1_000);
        assert_eq!(within(&entries), vec![1, 2]);
    }

    #[test]
    fn with_both_exhausted_seats_are_named_and_an_empty_call_funds_nobody() {
        let entries = funding_line(&[(1, 1_000), (2, 1)], 1, 1_000);
        assert_eq!(entries[1].reason_outside, Some(OutsideLine::SeatsExhausted));
        assert!(within(&funding_line(&[(1, 1)], 0, 1_000)).is_empty());
        assert!(funding_line(&[], 3, 1_000).is_empty());
        let entries = funding_line(&[(1, i64::MAX), (2, i64::MAX)], 5, i64::MAX);
        assert_eq!(within(&entries), vec![1]);
        assert_eq!(entries[1].cumulative_cost, i64::MAX);
        assert_eq!(entries[1].reason_outside, Some(OutsideLine::BudgetExhausted));
    }

    #[test]
    fn an_applicant_is_costed_from_the_start_of_support_to_graduation() {
        // Three school years (2027-09 to 2029-12) at 29,000,000 a year.
        let cost = applicant_cost(&terms(), day("2027-09-01"), Some(day("2029-12-01")), 9_000_000);
        assert_eq!(cost.map(|c| (c.support_years, c.total_minor)), Ok((3, 87_000_000)));
        assert_eq!(applicant_cost(&terms(), day("2027-09-01"), None, 9_000_000), Err("error-graduation-missing"));
        assert_eq!(
            applicant_cost(&terms(), day("2027-09-01"), Some(day("2027-06-01")), 9_000_000),
            Err("error-graduation-before-support")
        );
        assert_eq!(
            applicant_cost(&terms(), day("2027-09-01"), Some(day("2029-12-01")), -1),
            Err("error-amount-negative")
        );
    }

    #[test]
    fn an_award_keeps_its_proposed_cost_when_the_terms_change_later() {
        let proposed = SupportCost::new(&terms(), 9_000_000, 3).expect("fits");
        let kept = SupportCost::as_proposed(3, 9_000_000, 1_500_000, 2_000_000, proposed.total_minor);
        assert_eq!(kept, proposed);
        // The stipend is raised afterwards: the same applicant would cost more today, the award does not.
        let raised = ProgrammeTerms { stipend_monthly_minor: 2_500_000, ..terms() };
        let today = SupportCost::new(&raised, 9_000_000, 3).expect("fits");
        assert!(today.total_minor > kept.total_minor);
        let line = call_line(
            5,
            500_000_000,
            &[MadeAward { status: AwardStatus::Active, total_cost_minor: kept.total_minor }],
            &[],
        );
        assert_eq!(line.committed_minor, 87_000_000);
        // An award without recorded years is spread over one.
        assert_eq!(SupportCost::as_proposed(0, 0, 0, 0, 600).yearly_minor, 600);
        assert_eq!(SupportCost::as_proposed(0, 0, 0, 0, 600).support_years, 0);
    }

    fn made(status: AwardStatus, total_cost_minor: i64) -> MadeAward {
        MadeAward { status, total_cost_minor }
    }

    #[test]
    fn awards_that_gave_their_seat_back_hold_nothing() {
        let awards = [
            made(AwardStatus::Rejected, 100),
            made(AwardStatus::Declined, 200),
            made(AwardStatus::Lapsed, 300),
            made(AwardStatus::Offered, 400),
            made(AwardStatus::Proposed, 500),
        ];
        let line = call_line(3, 2_000, &awards, &[]);
        assert_eq!((line.seats_held, line.committed_minor), (2, 900));
        let none_back = call_line(3, 2_000, &awards[..3], &[]);
        assert_eq!((none_back.seats_held, none_back.committed_minor), (0, 0));
        assert_eq!((none_back.seats_left, none_back.budget_left_minor), (3, 2_000));
    }

    #[test]
    fn the_line_is_drawn_with_the_seats_and_budget_the_awards_leave() {
        let awards = [made(AwardStatus::Active, 400), made(AwardStatus::Accepted, 100)];
        let line = call_line(4, 1_000, &awards, &[(7, 200), (8, 200), (9, 50)]);
        assert_eq!((line.seats_left, line.budget_left_minor), (2, 500));
        assert_eq!(within(&line.entries), vec![7, 8]);
        assert_eq!(line.entries[2].reason_outside, Some(OutsideLine::SeatsExhausted));
        // The running cost counts what the awards hold first.
        assert_eq!(line.entries.iter().map(|e| e.cumulative_cost).collect::<Vec<_>>(), vec![700, 900, 950]);
    }

    #[test]
    fn the_line_after_awards_stops_at_the_first_that_does_not_fit() {
        let line = call_line(10, 1_000, &[made(AwardStatus::Offered, 600)], &[(1, 300), (2, 200), (3, 100)]);
        // 300 fits the 400 left; 200 does not, and 100 below it does not skip ahead.
        assert_eq!(within(&line.entries), vec![1]);
        assert_eq!(line.entries[1].reason_outside, Some(OutsideLine::BudgetExhausted));
        assert_eq!(line.entries[2].reason_outside, Some(OutsideLine::BudgetExhausted));
    }

    #[test]
    fn more_awards_than_seats_or_money_leave_nothing_and_nobody_on_the_line() {
        let awards = [made(AwardStatus::Active, 700), made(AwardStatus::Active, 700)];
        let line = call_line(1, 1_000, &awards, &[(5, 0)]);
        assert_eq!((line.seats_left, line.budget_left_minor), (0, -400));
        assert!(within(&line.entries).is_empty());
        assert_eq!(call_line(-1, 1_000, &[], &[]).seats_left, 0);
    }

    proptest! {
        #[test]
        fn the_line_is_a_prefix_within_seats_and_budget(
            costs in proptest::collection::vec(0_i64..1_000, 0..20),
            seats in 0_u32..25,
            budget in 0_i64..10_000,
        ) {
            let ranked: Vec<(i64, i64)> = costs.iter().enumerate().map(|(i, c)| (i as i64, *c)).collect();
            let entries = funding_line(&ranked, seats, budget);
            let funded = entries.iter().take_while(|e| e.within_line).count();
            prop_assert!(entries[funded..].iter().all(|e| !e.within_line && e.reason_outside.is_some()));
            prop_assert!(funded <= seats as usize);
            let spent: i64 = costs[..funded].iter().sum();
            prop_assert!(spent <= budget);
            if funded < costs.len() {
                // The first one outside really did not fit.
                prop_assert!(funded == seats as usize || spent + costs[funded] > budget);
            }
        }
    }
}
