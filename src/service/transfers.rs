//! Transfers in service: a scholar with a started placement (or a placement coordinator for them) asks for a
//! move to another eligible facility with a reason and an effective date; a coordinator approves or refuses.
//! Only approval moves anything: the old record is transferred, its open period closes the day before the
//! effective date, a new record (started on that date) and a new open period begin. The programme may limit
//! how many transfers a scholar has.

use chrono::NaiveDate;
use serde::Serialize;

use super::access::{cycle_to_change, readable_cycle};
use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::choices::{parse_bond, within_bond};
use crate::domain::placement::facility_eligible;
use crate::domain::placement_state::{PlacementEvent, PlacementStatus};
use crate::domain::role::Role;
use crate::domain::service_start::{check_effective, check_limit, closing_day, TransferRefusal};
use crate::error::{AppError, FieldErrors};
use crate::i18n::I18n;
use crate::store::audit::AuditEntry;
use crate::store::placement_cycles::{self as cycles_store, Cycle};
use crate::store::placements::{self, Placement, PlacementFacts, Successor};
use crate::store::service_periods::{self as periods, Holder, Period};
use crate::store::transfers::{self as store, Destination, NewTransfer, Transfer, TransferRow};
use crate::store::{match_runs as runs_store, outbox};

/// What a transfer request form says, as typed.
#[derive(Debug, Clone)]
pub struct TransferInput {
    pub facility_id: String,
    pub effective_on: Result<NaiveDate, &'static str>,
    pub reason: String,
}

/// The request page: the scholar's current facility and period, where they may go, the count and the limit.
#[derive(Debug, Serialize)]
pub struct RequestView {
    pub cycle: Cycle,
    pub holder: Holder,
    pub placement: Placement,
    pub facility_name: String,
    pub period: Option<Period>,
    pub destinations: Vec<Destination>,
    pub transfers_done: i64,
    pub max_transfers: Option<i32>,
    pub open_request: Option<Transfer>,
    pub history: Vec<Transfer>,
}

/// The started placement of a cycle scholar, or "not found" (a transfer is asked for in service only).
fn started_of(conn: &mut DbConn, cycle_scholar_id: i64) -> Result<Placement, AppError> {
    placements::live_of(conn, cycle_scholar_id)?
        .filter(|p| p.status == PlacementStatus::Started.as_str())
        .ok_or(AppError::NotFound)
}

/// The facilities offered in the cycle that the scholar's bond allows and that are eligible on `today`, other
/// than the current one.
fn destinations(
    conn: &mut DbConn,
    cycle_id: i64,
    cycle_scholar_id: i64,
    current: i64,
    today: NaiveDate,
) -> Result<Vec<Destination>, AppError> {
    let scholar = cycles_store::find_scholar(conn, cycle_id, cycle_scholar_id)?;
    let bond = parse_bond(scholar.allowed_counties.as_deref());
    Ok(store::offered_in_cycle(conn, cycle_id)?
        .into_iter()
        .filter(|f| f.id != current)
        .filter(|f| within_bond(bond.as_deref(), &f.county))
        .filter(|f| facility_eligible(f.eligible, f.eligible_until, today))
        .collect())
}

fn view(conn: &mut DbConn, cycle: Cycle, cycle_scholar_id: i64, today: NaiveDate) -> Result<RequestView, AppError> {
    let placement = started_of(conn, cycle_scholar_id)?;
    let holder = periods::holder(conn, cycle_scholar_id)?;
    let (facility_name, _) = periods::facility_label(conn, placement.facility_id)?;
    let (_, max_transfers) = store::programme_limit(conn, placement.award_id)?;
    Ok(RequestView {
        destinations: destinations(conn, cycle.id, cycle_scholar_id, placement.facility_id, today)?,
        period: periods::open_of_award(conn, placement.award_id)?,
        transfers_done: store::count_of_award(conn, placement.award_id)?,
        open_request: store::open_of_placement(conn, placement.id)?,
        history: store::of_scholar(conn, cycle_scholar_id)?,
        cycle,
        holder,
        facility_name,
        placement,
        max_transfers,
    })
}

/// The cycle scholar the signed-in scholar is in a cycle, or "not found".
fn own_place(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<i64, AppError> {
    actor.require(&[Role::Applicant]).map_err(|_| AppError::NotFound)?;
    Ok(runs_store::scholar_of_user(conn, cycle_id, actor.user_id)?.ok_or(AppError::NotFound)?.id)
}

/// The scholar's own request page (only with a started placement in the cycle).
pub fn scholar_request_view(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    today: NaiveDate,
) -> Result<RequestView, AppError> {
    let scholar_id = own_place(conn, actor, cycle_id)?;
    let cycle = cycles_store::find(conn, cycle_id)?;
    view(conn, cycle, scholar_id, today)
}

/// The coordinator's request page for one scholar of their cycle.
pub fn coordinator_request_view(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    scholar_id: i64,
    today: NaiveDate,
) -> Result<RequestView, AppError> {
    let cycle = cycle_to_change(conn, actor, cycle_id)?;
    view(conn, cycle, scholar_id, today)
}

/// Files a request for the scholar (`scholar_id`), by them or by a coordinator; the coordinators of the cycle's
/// organisation are told.
fn file_request(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    cycle: &Cycle,
    scholar_id: i64,
    input: &TransferInput,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let placement = started_of(conn, scholar_id)?;
    if store::open_of_placement(conn, placement.id)?.is_some() {
        return Err(AppError::Conflict("transfer-error-open".into()));
    }
    let mut errors = FieldErrors::new();
    let allowed = destinations(conn, cycle.id, scholar_id, placement.facility_id, today)?;
    let to = input.facility_id.trim().parse::<i64>().ok().and_then(|id| allowed.into_iter().find(|f| f.id == id));
    if to.is_none() {
        let key = if input.facility_id.trim() == placement.facility_id.to_string() {
            TransferRefusal::SameFacility.message_key()
        } else {
            "transfer-error-facility"
        };
        errors.insert("facility_id".into(), key.into());
    }
    let period = periods::open_of_award(conn, placement.award_id)?;
    match (&input.effective_on, &period) {
        (Err(key), _) => {
            errors.insert("effective_on".into(), (*key).into());
        }
        (Ok(on), Some(p)) => {
            if let Err(r) = check_effective(*on, p.starts_on) {
                errors.insert("effective_on".into(), r.message_key().into());
            }
        }
        (Ok(_), None) => return Err(AppError::Conflict("transfer-error-no-period".into())),
    }
    if input.reason.trim().is_empty() {
        errors.insert("reason".into(), "error-required".into());
    }
    let (Some(to), Ok(effective_on), true) = (to, input.effective_on, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let at = super::now();
    let id = store::insert(
        conn,
        &NewTransfer {
            placement_id: placement.id,
            to_facility_id: to.id,
            reason: input.reason.trim(),
            effective_on,
            requested_by: actor.user_id,
        },
        at,
    )?;
    let transfer = store::find(conn, id)?;
    AuditEntry::new("placement.transfer_requested", "placement_transfer", id)
        .after(&transfer)
        .record(conn, &actor.origin())?;
    let holder = periods::holder(conn, scholar_id)?;
    let (from, _) = periods::facility_label(conn, placement.facility_id)?;
    for (email, lang) in periods::staff_addresses(conn, cycle.organisation_id, Role::PlacementCoordinator.as_str())? {
        outbox::enqueue(
            conn,
            &email,
            &i18n.t_args(&lang, "mail-transfer-requested-subject", &[("name", holder.full_name.clone())]),
            &i18n.t_args(
                &lang,
                "mail-transfer-requested-body",
                &[
                    ("name", holder.full_name.clone()),
                    ("from", from.clone()),
                    ("to", to.name.clone()),
                    ("date", effective_on.to_string()),
                    ("reason", input.reason.trim().to_string()),
                    ("cycle", cycle.title.clone()),
                ],
            ),
        )?;
    }
    Ok(id)
}

pub fn request_by_scholar(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    cycle_id: i64,
    input: &TransferInput,
    today: NaiveDate,
) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        let scholar_id = own_place(conn, actor, cycle_id)?;
        let cycle = cycles_store::find(conn, cycle_id)?;
        file_request(conn, i18n, actor, &cycle, scholar_id, input, today)
    })
}

pub fn request_by_coordinator(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    cycle_id: i64,
    scholar_id: i64,
    input: &TransferInput,
    today: NaiveDate,
) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        file_request(conn, i18n, actor, &cycle, scholar_id, input, today)
    })
}

/// A transfer with the scholar's count so far and the programme's limit.
#[derive(Debug, Serialize)]
pub struct DecisionRow {
    #[serde(flatten)]
    pub transfer: TransferRow,
    pub from_facility_name: String,
    pub transfers_done: i64,
    pub max_transfers: Option<i32>,
    pub at_limit: bool,
}

#[derive(Debug, Serialize)]
pub struct DecisionsView {
    pub cycle: Cycle,
    pub may_decide: bool,
    pub transfers: Vec<DecisionRow>,
}

/// The cycle's transfers for its coordinators (administrators read).
pub fn decisions_view(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<DecisionsView, AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let mut transfers = Vec::new();
    for row in store::of_cycle(conn, cycle_id)? {
        let (from_facility_name, _) = periods::facility_label(conn, row.from_facility_id)?;
        let transfers_done = store::count_of_award(conn, row.award_id)?;
        let (_, max_transfers) = store::programme_limit(conn, row.award_id)?;
        let at_limit = check_limit(transfers_done, max_transfers).is_err();
        transfers.push(DecisionRow { transfer: row, from_facility_name, transfers_done, max_transfers, at_limit });
    }
    Ok(DecisionsView { may_decide: actor.role == Role::PlacementCoordinator, cycle, transfers })
}

/// The request of a cycle, if the actor may decide it: a placement coordinator of the cycle's organisation.
fn transfer_to_decide(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    transfer_id: i64,
    version: Option<i32>,
) -> Result<(Cycle, Transfer, Placement), AppError> {
    let cycle = cycle_to_change(conn, actor, cycle_id)?;
    let version = version.ok_or_else(|| AppError::BadRequest("the form has no valid \"version\" field".into()))?;
    let transfer = store::find(conn, transfer_id)?;
    let placement = placements::find(conn, transfer.placement_id)?;
    let holder = periods::holder(conn, placement.cycle_scholar_id)?;
    if holder.cycle_id != cycle.id {
        return Err(AppError::NotFound);
    }
    if transfer.version != version || transfer.status != "requested" {
        return Err(AppError::Conflict("transfer-error-changed".into()));
    }
    Ok((cycle, transfer, placement))
}

/// Tells the scholar and both facilities' supervisors of a decision.
fn tell_decision(
    conn: &mut DbConn,
    i18n: &I18n,
    transfer: &Transfer,
    placement: &Placement,
    approved: bool,
    reason: &str,
) -> Result<(), AppError> {
    let holder = periods::holder(conn, placement.cycle_scholar_id)?;
    let (from, _) = periods::facility_label(conn, placement.facility_id)?;
    let (to, _) = periods::facility_label(conn, transfer.to_facility_id)?;
    let (subject, body) = if approved {
        ("mail-transfer-approved-subject", "mail-transfer-approved-body")
    } else {
        ("mail-transfer-refused-subject", "mail-transfer-refused-body")
    };
    let mut recipients = vec![(holder.email.clone(), holder.language.clone())];
    recipients.extend(periods::supervisor_addresses(conn, placement.facility_id)?);
    recipients.extend(periods::supervisor_addresses(conn, transfer.to_facility_id)?);
    recipients.dedup_by(|a, b| a.0 == b.0);
    for (email, lang) in recipients {
        outbox::enqueue(
            conn,
            &email,
            &i18n.t_args(&lang, subject, &[("name", holder.full_name.clone())]),
            &i18n.t_args(
                &lang,
                body,
                &[
                    ("name", holder.full_name.clone()),
                    ("from", from.clone()),
                    ("to", to.clone()),
                    ("date", transfer.effective_on.to_string()),
                    ("reason", reason.to_string()),
                ],
            ),
        )?;
    }
    Ok(())
}

/// Approves a transfer: refused past the programme's limit; of two coordinators approving at once, exactly one
/// succeeds (the request's and the placement's versions both guard it).
pub fn approve(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    cycle_id: i64,
    transfer_id: i64,
    version: Option<i32>,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (_, transfer, placement) = transfer_to_decide(conn, actor, cycle_id, transfer_id, version)?;
        let done = store::count_of_award(conn, placement.award_id)?;
        let (_, max) = store::programme_limit(conn, placement.award_id)?;
        check_limit(done, max).map_err(|r| AppError::Conflict(r.message_key().into()))?;
        let period = periods::open_of_award(conn, placement.award_id)?
            .ok_or_else(|| AppError::Conflict("transfer-error-no-period".into()))?;
        check_effective(transfer.effective_on, period.starts_on)
            .map_err(|r| AppError::Conflict(r.message_key().into()))?;
        let at = super::now();
        let last_day = closing_day(transfer.effective_on);
        placements::apply(
            conn,
            &placement,
            PlacementEvent::Transfer,
            &PlacementFacts { ended_on: Some(last_day), ..PlacementFacts::default() },
        )?;
        periods::close(conn, period.id, last_day)?;
        let new_id = placements::insert_successor(
            conn,
            &placement,
            &Successor {
                facility_id: transfer.to_facility_id,
                origin: "transfer",
                status: PlacementStatus::Started,
                choice_rank: None,
                started_on: Some(transfer.effective_on),
            },
            at,
        )?;
        let new_period =
            periods::open(conn, placement.award_id, new_id, transfer.to_facility_id, transfer.effective_on, at)?;
        store::decide(conn, &transfer, "approved", actor.user_id, at, None, Some(new_id))?;
        AuditEntry::new("placement.transfer_approved", "placement_transfer", transfer.id)
            .before(&transfer)
            .after(&serde_json::json!({
                "new_placement_id": new_id,
                "closed_period": {"id": period.id, "ends_on": last_day},
                "new_period_id": new_period,
                "transfers_done": done + 1,
            }))
            .record(conn, &actor.origin())?;
        tell_decision(conn, i18n, &transfer, &placement, true, "")
    })
}

/// Refuses a transfer with a reason the scholar reads.
pub fn refuse(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    cycle_id: i64,
    transfer_id: i64,
    version: Option<i32>,
    reason: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (_, transfer, placement) = transfer_to_decide(conn, actor, cycle_id, transfer_id, version)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::field("decision_reason", "error-required"));
        }
        store::decide(conn, &transfer, "refused", actor.user_id, super::now(), Some(reason), None)?;
        AuditEntry::new("placement.transfer_refused", "placement_transfer", transfer.id)
            .before(&transfer)
            .after(&serde_json::json!({"status": "refused", "decision_reason": reason}))
            .record(conn, &actor.origin())?;
        tell_decision(conn, i18n, &transfer, &placement, false, reason)
    })
}

/// Sets a programme's limit on transfers: a whole number of 0 or more, or empty for no limit. Programme
/// officers of the funder; audited.
pub fn set_limit(conn: &mut DbConn, actor: &Actor, programme_id: i64, typed: &str) -> Result<(), AppError> {
    // Who may change it is decided before anything typed is judged.
    super::programmes::managed_programme(conn, actor, programme_id)?;
    let typed = typed.trim();
    let max = if typed.is_empty() {
        None
    } else {
        match typed.parse::<i32>() {
            Ok(n) if n >= 0 => Some(n),
            _ => return Err(AppError::field("max_transfers", "transfer-limit-error")),
        }
    };
    write_transaction(conn, |conn| {
        let programme = super::programmes::managed_programme(conn, actor, programme_id)?;
        store::set_max_transfers(conn, programme_id, max)?;
        AuditEntry::new("set_max_transfers", "programme", programme_id)
            .before(&serde_json::json!({"max_transfers": programme.max_transfers}))
            .after(&serde_json::json!({"max_transfers": max}))
            .record(conn, &actor.origin())
    })
}
