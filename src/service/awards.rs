//! From ranking to binding contract: the ranked list with its funding line, proposals and the second
//! officer's decision (four eyes), the offer with its deadline, the scholar's signed acceptance, the
//! countersignature, lapses, notices, and who may read an award.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::Connection;
use serde::Serialize;

use super::access::{managed_award, managed_call, readable_award, require_officer};
pub use super::award_state::as_seen;
use super::award_state::{context_at, system_context};
use super::report_holds::apply_report_holds;
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::award::{next_award_status, AwardAction, AwardContext, AwardStatus, ContractObligation};
use crate::domain::funding::{applicant_cost, call_line, CallLine, FundingLineEntry, MadeAward, SupportCost};
use crate::domain::jobs::{lapse_due, Job};
use crate::domain::payment::payment_schedule;
use crate::domain::programme::ProgrammeTerms;
use crate::domain::progress::report_due_dates;
use crate::domain::ranking::{rank, Candidate, RankedEntry, Ranking, SetApart};
use crate::domain::review::{average_hundredths, ConflictDeclaration};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::store::applications::{self as applications, Application};
use crate::store::audit::{AuditEntry, Origin};
use crate::store::awards::{self as store, Award, AwardChange, NewAward};
use crate::store::programmes::{self, CallListing};
use crate::store::reviews;
use crate::store::{jobs, now, outbox, users};

/// What the whole support period of one ranked applicant would cost, or why it cannot be costed.
#[derive(Debug, Clone, Serialize)]
pub struct Costing {
    pub cost: Option<SupportCost>,
    /// Message key when no cost could be computed (e.g. graduation before support starts).
    pub problem: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankedRow {
    pub entry: RankedEntry,
    pub application: Application,
    pub reviews: usize,
    pub costing: Costing,
    /// `None` when the applicant cannot be costed (kept off the line).
    pub line: Option<FundingLineEntry>,
    pub award: Option<Award>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SetApartRow {
    pub set_apart: SetApart,
    pub application: Application,
}

/// The call's ranked list with the funding line drawn through it.
#[derive(Debug, Clone, Serialize)]
pub struct CallRanking {
    pub listing: CallListing,
    pub has_rubric: bool,
    pub minimum_fundable: u32,
    pub rows: Vec<RankedRow>,
    pub set_apart: Vec<SetApartRow>,
    /// Seats and money held by awards that still hold a seat.
    pub seats_held: usize,
    pub committed_minor: i64,
    pub terms_from: Option<NaiveDate>,
}

/// The terms that apply to awards proposed today, with the date they began.
fn terms_now(conn: &mut DbConn, programme_id: i64, today: NaiveDate) -> Result<(NaiveDate, ProgrammeTerms), AppError> {
    let history = programmes::terms_history(conn, programme_id)?;
    history
        .entry_in_force_on(today)
        .map(|(from, t)| (from, t.clone()))
        .ok_or_else(|| AppError::Conflict("error-no-terms-in-force".into()))
}

/// The terms an award was made under.
pub fn terms_of(conn: &mut DbConn, award: &Award) -> Result<ProgrammeTerms, AppError> {
    let listing = programmes::call_listing(conn, award.call_id)?;
    programmes::terms_list(conn, listing.programme.id)?
        .into_iter()
        .find(|(from, _)| *from == award.terms_effective_from)
        .map(|(_, t)| t)
        .ok_or_else(|| AppError::Internal(format!("award {} names terms that do not exist", award.id)))
}

fn costing(terms: &ProgrammeTerms, support_starts: NaiveDate, a: &Application) -> Costing {
    match applicant_cost(terms, support_starts, a.expected_graduation, a.annual_tuition_minor.unwrap_or(0)) {
        Ok(cost) => Costing { cost: Some(cost), problem: None },
        Err(key) => Costing { cost: None, problem: Some(key) },
    }
}

/// Ranks the call's submitted applications and draws the funding line.
pub fn ranking(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<CallRanking, AppError> {
    let listing = managed_call(conn, actor, call_id)?;
    let rubric = reviews::rubric_of(conn, call_id)?;
    let (rules, minimum) =
        rubric.as_ref().map(|r| (r.priority_rules.clone(), r.rubric.minimum_fundable)).unwrap_or_default();
    let submitted = applications::submitted_of_call(conn, call_id)?;
    let mut totals: HashMap<i64, Vec<u32>> = HashMap::new();
    for (assignment, _) in reviews::of_call(conn, call_id)? {
        let counted = assignment.declaration.as_deref() == Some(ConflictDeclaration::None.as_str());
        if let (true, Some(total)) = (counted, assignment.total_hundredths) {
            totals.entry(assignment.application_id).or_default().push(u32::try_from(total).unwrap_or(0));
        }
    }
    let candidates: Vec<Candidate> = submitted
        .iter()
        .map(|a| Candidate {
            application_id: a.id,
            eligible: a.eligibility.as_deref() == Some("eligible"),
            ineligibility_reasons: a.reasons(),
            average_score: totals.get(&a.id).and_then(|t| average_hundredths(t)),
            continuing: a.continuing_scholar,
            home_district: a.home_sub_county.clone(),
            disadvantaged: a.disadvantaged_background,
            expected_graduation: a.expected_graduation,
            submitted_at: a.submitted_at.unwrap_or(a.created_at),
        })
        .collect();
    let Ranking { ranked, set_apart } = rank(&candidates, &rules, minimum);
    let by_id: BTreeMap<i64, &Application> = submitted.iter().map(|a| (a.id, a)).collect();
    let at = now();
    let awards: BTreeMap<i64, Award> =
        store::of_call(conn, call_id)?.into_iter().map(|a| (a.application_id, as_seen(a, at))).collect();
    let today = at.date();
    let terms = match terms_now(conn, listing.programme.id, today) {
        Ok(terms) => Some(terms),
        // No terms in force yet: nobody can be costed, which each row says; a database error still fails.
        Err(AppError::Conflict(_)) => None,
        Err(e) => return Err(e),
    };
    let support_starts = listing.call.support_start();
    let mut rows: Vec<RankedRow> = ranked
        .into_iter()
        .filter_map(|entry| {
            let application = (*by_id.get(&entry.application_id)?).clone();
            let costing = match (&terms, awards.get(&entry.application_id)) {
                // An award keeps the cost it was proposed at, whatever the terms say now.
                (_, Some(award)) => Costing {
                    cost: Some(SupportCost::as_proposed(
                        award.support_years,
                        award.annual_tuition_minor,
                        award.stipend_monthly_minor,
                        award.lump_sum_yearly_minor,
                        award.total_cost_minor,
                    )),
                    problem: None,
                },
                (Some((_, t)), None) => costing(t, support_starts, &application),
                (None, None) => Costing { cost: None, problem: Some("error-no-terms-in-force") },
            };
            let reviews = totals.get(&entry.application_id).map_or(0, Vec::len);
            let award = awards.get(&entry.application_id).cloned();
            Some(RankedRow { entry, application, reviews, costing, line: None, award })
        })
        .collect();
    // An award whose status does not parse holds no seat (the store writes only known ones).
    let made: Vec<MadeAward> = awards
        .values()
        .filter_map(|a| {
            AwardStatus::parse(&a.status).map(|status| MadeAward { status, total_cost_minor: a.total_cost_minor })
        })
        .collect();
    let on_line: Vec<(i64, i64)> = rows
        .iter()
        .filter(|r| r.award.is_none())
        .filter_map(|r| r.costing.cost.map(|c| (r.application.id, c.total_minor)))
        .collect();
    let CallLine { seats_held, committed_minor, entries, .. } =
        call_line(listing.call.seats, listing.call.budget_minor, &made, &on_line);
    let line: BTreeMap<i64, FundingLineEntry> = entries.into_iter().map(|e| (e.application_id, e)).collect();
    for row in &mut rows {
        row.line = line.get(&row.application.id).cloned();
    }
    let set_apart = set_apart
        .into_iter()
        .filter_map(|s| Some(SetApartRow { application: (*by_id.get(&s.application_id)?).clone(), set_apart: s }))
        .collect();
    Ok(CallRanking {
        has_rubric: rubric.is_some(),
        minimum_fundable: minimum,
        rows,
        set_apart,
        seats_held,
        committed_minor,
        terms_from: terms.map(|(from, _)| from),
        listing,
    })
}

/// Proposes an award for a ranked applicant within the funding line, at the cost the line shows.
pub fn propose(conn: &mut DbConn, actor: &Actor, call_id: i64, application_id: i64) -> Result<i64, AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let ranking = locked_ranking(conn, actor, call_id)?;
        let row = ranking
            .rows
            .iter()
            .find(|r| r.application.id == application_id)
            .ok_or_else(|| AppError::Conflict("error-not-ranked".into()))?;
        if row.award.is_some() {
            return Err(AppError::Conflict("error-award-exists".into()));
        }
        insert_proposal(conn, actor, &ranking, row)
    })
}

/// Proposes every applicant within the line who has no award yet, all or none; returns how many. The line
/// is drawn once: each award within it takes the seat and money the line counted for it.
pub fn propose_line(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<usize, AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let ranking = locked_ranking(conn, actor, call_id)?;
        let due: Vec<&RankedRow> = ranking
            .rows
            .iter()
            .filter(|r| r.award.is_none() && r.line.as_ref().is_some_and(|l| l.within_line))
            .collect();
        for row in &due {
            insert_proposal(conn, actor, &ranking, row)?;
        }
        Ok(due.len())
    })
}

/// The ranking a proposal is drawn on, inside the caller's transaction. The call's row is locked first, so
/// that two officers proposing at once draw the line one after the other and cannot both take the last seat;
/// offers past their deadline that the job runner has not reached yet lapse first, so that the record
/// agrees with the line that gives their seats away.
fn locked_ranking(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<CallRanking, AppError> {
    programmes::lock_call(conn, call_id)?;
    lapse_call_offers(conn, &actor.origin(), call_id, now())?;
    ranking(conn, actor, call_id)
}

/// Writes the proposal for one ranked row, if it is within the line.
fn insert_proposal(conn: &mut DbConn, actor: &Actor, ranking: &CallRanking, row: &RankedRow) -> Result<i64, AppError> {
    if !row.line.as_ref().is_some_and(|l| l.within_line) {
        return Err(AppError::Conflict("error-outside-line".into()));
    }
    let cost = row.costing.cost.ok_or_else(|| AppError::Conflict("error-outside-line".into()))?;
    let terms_from = ranking.terms_from.ok_or_else(|| AppError::Conflict("error-no-terms-in-force".into()))?;
    let call = &ranking.listing.call;
    let new = NewAward {
        application_id: row.application.id,
        call_id: call.id,
        support_years: i32::try_from(cost.support_years).unwrap_or(i32::MAX),
        annual_tuition_minor: cost.annual_tuition_minor,
        stipend_monthly_minor: cost.stipend_monthly_minor,
        lump_sum_yearly_minor: cost.lump_sum_yearly_minor,
        total_cost_minor: cost.total_minor,
        currency: &call.currency,
        terms_effective_from: terms_from,
        proposed_by: actor.user_id,
        support_starts_on: call.support_start(),
        school_terms_per_year: call.school_terms_per_year,
        expected_graduation: row.application.expected_graduation,
    };
    let id = store::insert(conn, &new)?;
    AuditEntry::new("propose_award", "award", id)
        .after(&serde_json::json!({"application_id": row.application.id, "position": row.entry.position, "cost": cost}))
        .record(conn, &actor.origin())?;
    Ok(id)
}

pub fn status_of(award: &Award) -> Result<AwardStatus, AppError> {
    AwardStatus::parse(&award.status)
        .ok_or_else(|| AppError::Internal(format!("award {} has unknown status {}", award.id, award.status)))
}

fn context<'a>(award: &Award, actor: &Actor, typed: &'a str, expected: &'a str, agreed: bool) -> AwardContext<'a> {
    context_at(award, actor.user_id, now(), (typed, expected, agreed))
}

/// The context of an officer's move: no signature involved (the job runner's lapses use `system_context`).
pub fn officer_context<'a>(award: &Award, actor: &Actor) -> AwardContext<'a> {
    context(award, actor, "", "", false)
}

/// An officer's move on an award, if nobody changed it since `version` was read: the rule, the guarded write
/// and the audit record, in the caller's transaction. Returns the new status.
pub fn move_award(
    conn: &mut DbConn,
    actor: &Actor,
    award: &Award,
    version: i32,
    action: AwardAction,
    change: &AwardChange,
    audit_action: &str,
) -> Result<AwardStatus, AppError> {
    if award.version != version {
        return Err(AppError::Conflict("error-conflict-stale".into()));
    }
    let next = next_award_status(status_of(award)?, action, &officer_context(award, actor))
        .map_err(|key| AppError::Conflict(key.into()))?;
    store::set_status(conn, award.id, version, next.as_str(), change)?;
    audit_move(conn, &actor.origin(), audit_action, award, next)?;
    Ok(next)
}

fn audit_move(
    conn: &mut DbConn,
    origin: &Origin,
    action: &str,
    award: &Award,
    to: AwardStatus,
) -> Result<(), AppError> {
    AuditEntry::new(action, "award", award.id)
        .before(&serde_json::json!({"status": award.status, "version": award.version}))
        .after(&serde_json::json!({"status": to.as_str(), "version": award.version + 1}))
        .record(conn, origin)
}

/// The second officer approves or refuses a proposal. The same officer cannot do both (four eyes), and a
/// stale decision (someone decided since `version` was read) fails without changing anything.
pub fn decide(conn: &mut DbConn, actor: &Actor, award_id: i64, version: i32, approve: bool) -> Result<(), AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let (award, _) = managed_award(conn, actor, award_id)?;
        let (action, audit_action) =
            if approve { (AwardAction::Approve, "approve_award") } else { (AwardAction::Reject, "reject_award") };
        let change = AwardChange { decided_by: Some(actor.user_id), ..AwardChange::default() };
        move_award(conn, actor, &award, version, action, &change, audit_action).map(|_| ())
    })
}

/// The person an award is for: their account (e-mail, language) and application.
pub(super) fn scholar_of(conn: &mut DbConn, award: &Award) -> Result<(users::User, Application), AppError> {
    let application = applications::find(conn, award.application_id)?;
    Ok((users::find(conn, application.applicant_id)?, application))
}

/// Sends the offer with its acceptance deadline; the scholar is told by e-mail (through the outbox).
pub fn offer(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    actor: &Actor,
    award_id: i64,
    version: i32,
    deadline: NaiveDateTime,
) -> Result<(), AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let (award, listing) = managed_award(conn, actor, award_id)?;
        if award.version != version {
            return Err(AppError::Conflict("error-conflict-stale".into()));
        }
        let mut ctx = officer_context(&award, actor);
        ctx.deadline = Some(deadline);
        let next = next_award_status(status_of(&award)?, AwardAction::Offer, &ctx)
            .map_err(|key| AppError::field("offer_deadline", key))?;
        store::set_status(
            conn,
            award_id,
            version,
            next.as_str(),
            &AwardChange { offer_deadline: Some(deadline), ..AwardChange::default() },
        )?;
        let (scholar, _) = scholar_of(conn, &award)?;
        let lang = scholar.language.as_str();
        outbox::enqueue(
            conn,
            &scholar.email,
            &i18n.t_args(lang, "mail-offer-subject", &[("call", listing.call.title.clone())]),
            &i18n.t_args(
                lang,
                "mail-offer-body",
                &[
                    ("call", listing.call.title.clone()),
                    ("deadline", format!("{} UTC", deadline.format("%Y-%m-%d %H:%M"))),
                    ("url", format!("{}/awards/{award_id}", public_url.trim_end_matches('/'))),
                ],
            ),
        )?;
        // The offer lapses at its deadline unless answered: the job runner sees to it then.
        jobs::enqueue(conn, Job::LapseOffer { award_id }, lapse_due(deadline))?;
        audit_move(conn, &actor.origin(), "offer_award", &award, next)
    })
}

/// The scholar signs (full name typed as on the application, and the agreement ticked) or declines, by the
/// deadline. The time and the address the signature came from are recorded.
pub fn respond(
    conn: &mut DbConn,
    actor: &Actor,
    award_id: i64,
    version: i32,
    accept: bool,
    typed_name: &str,
    agreed: bool,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (award, application) = readable_award(conn, actor, award_id)?;
        if actor.role != Role::Applicant {
            return Err(AppError::Forbidden);
        }
        if award.version != version {
            return Err(AppError::Conflict("error-conflict-stale".into()));
        }
        let action = if accept { AwardAction::Accept } else { AwardAction::Decline };
        let ctx = context(&award, actor, typed_name, &application.full_name, agreed);
        let next = next_award_status(status_of(&award)?, action, &ctx).map_err(|key| match key {
            "error-name-mismatch" => AppError::field("typed_name", key),
            "error-agreement-required" => AppError::field("agreed", key),
            _ => AppError::Conflict(key.into()),
        })?;
        let change = AwardChange {
            accepted: accept.then(|| (typed_name.trim().to_string(), actor.client_addr.clone())),
            ..AwardChange::default()
        };
        store::set_status(conn, award_id, version, next.as_str(), &change)?;
        audit_move(conn, &actor.origin(), if accept { "accept_award" } else { "decline_award" }, &award, next)
    })
}

/// The funder countersigns an accepted contract: it becomes binding, and the first school year's payments
/// and progress reports are scheduled.
pub fn countersign(conn: &mut DbConn, actor: &Actor, award_id: i64, version: i32) -> Result<(), AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let (award, _) = managed_award(conn, actor, award_id)?;
        let change = AwardChange { countersigned_by: Some(actor.user_id), ..AwardChange::default() };
        move_award(conn, actor, &award, version, AwardAction::Countersign, &change, "countersign_award")?;
        schedule_year(conn, &award, 1)?;
        // A support start in the past can make a report overdue at once: its hold applies from now.
        let active = store::find(conn, award_id)?;
        apply_report_holds(conn, &actor.origin(), &active, now().date())
    })
}

/// The start of support year `year` (1 for the first).
pub fn year_start(award: &Award, year: u32) -> Result<NaiveDate, AppError> {
    let start =
        award.support_starts_on.ok_or_else(|| AppError::Internal(format!("award {} has no start", award.id)))?;
    start
        .checked_add_months(chrono::Months::new(12 * (year.saturating_sub(1))))
        .ok_or_else(|| AppError::Conflict("error-date-out-of-range".into()))
}

/// Schedules one school year's payments and progress reports from the award's figures.
pub fn schedule_year(conn: &mut DbConn, award: &Award, year: u32) -> Result<(), AppError> {
    let start = year_start(award, year)?;
    let terms_per_year = u32::try_from(award.school_terms_per_year).unwrap_or(1);
    let mut schedule = payment_schedule(
        start,
        1,
        terms_per_year,
        award.annual_tuition_minor,
        award.stipend_monthly_minor,
        award.lump_sum_yearly_minor,
    )
    .map_err(|key| AppError::Conflict(key.into()))?;
    for payment in &mut schedule {
        payment.support_year = year;
    }
    store::insert_schedule(conn, award.id, &schedule)?;
    let due = report_due_dates(start, 1, terms_per_year).map_err(|key| AppError::Conflict(key.into()))?;
    store::insert_reports(conn, award.id, &due)
}

/// Marks the award's offer lapsed if it is past its deadline at `at` and unanswered, audited with `origin`;
/// returns whether it lapsed. The caller holds the write transaction.
fn lapse(conn: &mut DbConn, origin: &Origin, award: &Award, at: NaiveDateTime) -> Result<bool, AppError> {
    // Only offers past their deadline may lapse; the rule says which.
    let Ok(next) = next_award_status(status_of(award)?, AwardAction::Lapse, &system_context(award, at)) else {
        return Ok(false);
    };
    store::set_status(conn, award.id, award.version, next.as_str(), &AwardChange::default())?;
    audit_move(conn, origin, "lapse_award", award, next)?;
    Ok(true)
}

/// The lapse job: at `at`, lapses the offer if the scholar has not answered by its deadline. Returns when
/// to look again if the offer is still open because its deadline is later than the job was due for.
pub fn lapse_offer(
    conn: &mut DbConn,
    origin: &Origin,
    award_id: i64,
    at: NaiveDateTime,
) -> Result<Option<NaiveDateTime>, AppError> {
    let award = store::find(conn, award_id)?;
    if lapse(conn, origin, &award, at)? || status_of(&award)? != AwardStatus::Offered {
        return Ok(None);
    }
    Ok(award.offer_deadline.map(lapse_due))
}

/// The ranking as the call's page shows it: read in one transaction so that its figures agree, and
/// writing nothing (offers past their deadline read as lapsed, see [`as_seen`]).
pub fn ranking_view(conn: &mut DbConn, actor: &Actor, call_id: i64) -> Result<CallRanking, AppError> {
    conn.transaction(|conn| ranking(conn, actor, call_id))
}

/// Lapses the call's offers past their deadline at `at` (see [`lapse`]).
fn lapse_call_offers(conn: &mut DbConn, origin: &Origin, call_id: i64, at: NaiveDateTime) -> Result<(), AppError> {
    for award in store::of_call(conn, call_id)? {
        lapse(conn, origin, &award, at)?;
    }
    Ok(())
}

/// Tells the applicants who were not selected: those set apart and those below the line without an award
/// (once each; the notice also goes on their application's history). Only once every seat is decided (no
/// award awaiting a decision or an answer, nobody within the line left without one), since until then a
/// lapse or a refusal can still move someone up. Returns how many were told.
pub fn notify_not_selected(conn: &mut DbConn, i18n: &I18n, actor: &Actor, call_id: i64) -> Result<usize, AppError> {
    require_officer(actor)?;
    write_transaction(conn, |conn| {
        let ranking = ranking(conn, actor, call_id)?;
        let at = now();
        let pending = store::of_call(conn, call_id)?.into_iter().map(|a| as_seen(a, at)).any(|a| {
            matches!(
                AwardStatus::parse(&a.status),
                Some(AwardStatus::Proposed | AwardStatus::Approved | AwardStatus::Offered)
            )
        });
        let within_line = |r: &RankedRow| r.line.as_ref().is_some_and(|l| l.within_line);
        if pending || ranking.rows.iter().any(|r| r.award.is_none() && within_line(r)) {
            return Err(AppError::Conflict("error-decisions-pending".into()));
        }
        let below = ranking.rows.iter().filter(|r| r.award.is_none() && !within_line(r)).map(|r| &r.application);
        let apart = ranking.set_apart.iter().map(|s| &s.application);
        let mut told = 0;
        for application in below.chain(apart) {
            if applications::events(conn, application.id)?.iter().any(|e| e.status == "not_selected") {
                continue;
            }
            let applicant = users::find(conn, application.applicant_id)?;
            let lang = applicant.language.as_str();
            let reference = application.reference.clone().unwrap_or_default();
            outbox::enqueue(
                conn,
                &applicant.email,
                &i18n.t_args(lang, "mail-not-selected-subject", &[("reference", reference.clone())]),
                &i18n.t_args(
                    lang,
                    "mail-not-selected-body",
                    &[("reference", reference), ("call", ranking.listing.call.title.clone())],
                ),
            )?;
            applications::add_event(conn, application.id, "not_selected", "", Some(actor.user_id))?;
            told += 1;
        }
        AuditEntry::new("notify_not_selected", "call", call_id)
            .after(&serde_json::json!({"told": told}))
            .record(conn, &actor.origin())?;
        Ok(told)
    })
}

/// The contract's figures: over the whole planned support period, and as confirmed so far (the obligation
/// grows with each year of support).
#[derive(Debug, Clone, Serialize)]
pub struct ContractFigures {
    pub terms: ProgrammeTerms,
    pub planned: ContractObligation,
    pub confirmed: ContractObligation,
}

pub fn contract_figures(conn: &mut DbConn, award: &Award) -> Result<ContractFigures, AppError> {
    let terms = terms_of(conn, award)?;
    let planned_years = u32::try_from(award.support_years).unwrap_or(1);
    // A repeated year can confirm more years than were planned; each one adds to the obligation.
    let confirmed_years = u32::try_from(award.years_confirmed).unwrap_or(1);
    let yearly = award.total_cost_minor / i64::from(planned_years.max(1));
    let planned = ContractObligation::new(&terms, planned_years, award.total_cost_minor)
        .map_err(|key| AppError::Conflict(key.into()))?;
    let confirmed = ContractObligation::new(&terms, confirmed_years, yearly.saturating_mul(i64::from(confirmed_years)))
        .map_err(|key| AppError::Conflict(key.into()))?;
    Ok(ContractFigures { terms, planned, confirmed })
}
