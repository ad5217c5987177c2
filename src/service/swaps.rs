//! Swaps after publication: a scholar proposes an exchange of placements to another scholar of the cycle (named
//! by their award reference), the partner agrees or declines, either withdraws before the decision, and a
//! placement coordinator approves or refuses. Scholars also list up to five facilities they would prefer; the
//! coordinator asks top trading cycles for the exchanges among those wishes and approves a cycle as one change.
//! An approval is one write transaction: every placement re-checked (still live, at the version read, bonds
//! allow), moved to `reassigned`, replaced by a new record (origin `swap`), wishes cleared, audited, told.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::choices::parse_bond;
use crate::domain::matching::trading_cycles::{self, Participant};
use crate::domain::placement_state::{PlacementEvent, PlacementStatus};
use crate::domain::role::Role;
use crate::domain::swaps::{self as rules, Party, SwapEvent};
use crate::error::AppError;
use crate::i18n::I18n;
use crate::service::access::{cycle_to_change, readable_cycle};
use crate::store::audit::AuditEntry;
use crate::store::choices::{self as choices_store, Search, SearchScope};
use crate::store::placement_cycles::{self, Cycle};
use crate::store::placements::{self, Placement, PlacementFacts, Successor};
use crate::store::swaps::{self as store, Seat, Swap, SwapFacts};
use crate::store::{facilities, now, outbox};

/// How many facilities the wish lists offer at most (the cycle's facilities with a vacancy, within the bond).
const WISH_CANDIDATES: i64 = 300;

/// Where mails send the reader: the address of their swaps page.
pub struct Links<'a> {
    pub i18n: &'a I18n,
    pub public_url: &'a str,
}

impl Links<'_> {
    fn scholar_page(&self, cycle_id: i64) -> String {
        format!("{}/my/placement/{cycle_id}/swaps", self.public_url.trim_end_matches('/'))
    }
}

/// The signed-in scholar's seat in the cycle: staff are refused; a scholar not in the cycle, or without a
/// live placement that can still be swapped, gets "not found" (so nothing about the cycle is disclosed).
fn my_seat(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(Seat, Cycle), AppError> {
    actor.require(&[Role::Applicant])?;
    let place = choices_store::place_of_user(conn, actor.user_id, cycle_id)?.ok_or(AppError::NotFound)?;
    let live = placements::live_of(conn, place.id)?.ok_or(AppError::NotFound)?;
    let cycle = placement_cycles::find(conn, cycle_id)?;
    Ok((store::seat(conn, live.id)?, cycle))
}

/// A placement moved under us: said in this page's words (the store's key belongs to the placement pages).
fn changed(e: AppError) -> AppError {
    match e {
        AppError::Conflict(_) => AppError::Conflict("swap-error-changed".into()),
        other => other,
    }
}

fn swappable(seat: &Seat) -> bool {
    store::SWAPPABLE.contains(&seat.status.as_str())
}

fn bond(seat: &Seat) -> Option<Vec<String>> {
    parse_bond(seat.allowed_counties.as_deref())
}

fn bonds_allow(a: &Seat, b: &Seat) -> bool {
    rules::bonds_allow(bond(a).as_deref(), &a.county, bond(b).as_deref(), &b.county)
}

/// Checks the actor is a scholar of the cycle with a placement (before a form is read).
pub fn check_scholar(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(), AppError> {
    my_seat(conn, actor, cycle_id).map(|_| ())
}

/// A swap as one of its scholars sees it.
#[derive(Debug, Serialize)]
pub struct SwapLine {
    pub id: i64,
    pub version: i32,
    pub status: String,
    pub i_proposed: bool,
    pub other_name: String,
    pub other_reference: String,
    /// The facility the reader would get.
    pub their_facility: String,
    pub their_county: String,
    pub decision_reason: Option<String>,
    pub may_answer: bool,
    pub may_withdraw: bool,
}

/// A facility a scholar may wish for.
#[derive(Debug, Serialize)]
pub struct WishOption {
    pub id: i64,
    pub name: String,
    pub county: String,
}

/// The scholar's swaps page.
#[derive(Debug, Serialize)]
pub struct ScholarSwaps {
    pub cycle: Cycle,
    pub seat: Seat,
    pub swappable: bool,
    pub bond: Option<Vec<String>>,
    pub swaps: Vec<SwapLine>,
    /// The wishes, rank 1 first: (facility id, name, county).
    pub wishes: Vec<WishOption>,
    /// The facility id in each of the five slots ("" when empty), for the form.
    pub slots: Vec<String>,
    pub options: Vec<WishOption>,
}

fn line(conn: &mut DbConn, swap: Swap, mine: i64) -> Result<SwapLine, AppError> {
    let i_proposed = swap.proposer_placement_id == mine;
    let other_id = if i_proposed { swap.partner_placement_id } else { swap.proposer_placement_id };
    let other = store::seat(conn, other_id)?;
    Ok(SwapLine {
        may_answer: !i_proposed && swap.status == "proposed",
        may_withdraw: rules::is_open(&swap.status),
        id: swap.id,
        version: swap.version,
        status: swap.status,
        i_proposed,
        other_name: other.full_name,
        other_reference: other.reference.unwrap_or_default(),
        their_facility: other.facility_name,
        their_county: other.county,
        decision_reason: swap.decision_reason,
    })
}

/// The facilities a scholar may wish for: a vacancy row with seats in the cycle, eligible today, within the bond,
/// not their own.
fn wish_options(conn: &mut DbConn, seat: &Seat) -> Result<Vec<WishOption>, AppError> {
    let bond = bond(seat);
    let own = [seat.facility_id];
    let scope = SearchScope { cycle_id: seat.cycle_id, today: now().date(), bond: bond.as_deref(), listed: &own };
    Ok(choices_store::search(conn, &scope, &Search::default(), None, WISH_CANDIDATES)?
        .into_iter()
        .map(|f| WishOption { id: f.id, name: f.name, county: f.county })
        .collect())
}

pub fn scholar_page(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<ScholarSwaps, AppError> {
    let (seat, cycle) = my_seat(conn, actor, cycle_id)?;
    let swaps = store::of_placement(conn, seat.placement_id)?
        .into_iter()
        .map(|s| line(conn, s, seat.placement_id))
        .collect::<Result<_, _>>()?;
    let wishes: Vec<WishOption> = store::wishes_of(conn, seat.placement_id)?
        .into_iter()
        .map(|(_, id, name, county)| WishOption { id, name, county })
        .collect();
    let slots = (0..rules::MAX_WISHES).map(|i| wishes.get(i).map(|w| w.id.to_string()).unwrap_or_default()).collect();
    Ok(ScholarSwaps {
        options: wish_options(conn, &seat)?,
        swappable: swappable(&seat),
        bond: bond(&seat),
        swaps,
        wishes,
        slots,
        cycle,
        seat,
    })
}

#[derive(Serialize)]
struct SwapSnapshot<'a> {
    swap: &'a Swap,
}

fn tell(
    conn: &mut DbConn,
    links: &Links,
    to: &Seat,
    subject: &str,
    body: &str,
    args: &[(&str, String)],
) -> Result<(), AppError> {
    let lang = to.language.as_str();
    outbox::enqueue(conn, &to.email, &links.i18n.t_args(lang, subject, args), &links.i18n.t_args(lang, body, args))?;
    Ok(())
}

/// The scholar proposes to exchange placements with the holder of `reference` in the same cycle.
pub fn propose(
    conn: &mut DbConn,
    links: &Links,
    actor: &Actor,
    cycle_id: i64,
    reference: &str,
) -> Result<i64, AppError> {
    let reference = reference.trim();
    write_transaction(conn, |conn| {
        let (mine, cycle) = my_seat(conn, actor, cycle_id)?;
        if !swappable(&mine) {
            return Err(AppError::field("reference", "swap-error-not-swappable"));
        }
        let partner_place = match reference {
            "" => None,
            r => choices_store::place_by_reference(conn, cycle_id, r)?,
        };
        let partner = match partner_place {
            Some(place) => placements::live_of(conn, place.id)?,
            None => None,
        };
        let Some(partner) = partner else {
            return Err(AppError::field("reference", "swap-error-unknown-partner"));
        };
        let partner = store::seat(conn, partner.id)?;
        if partner.placement_id == mine.placement_id {
            return Err(AppError::field("reference", "swap-error-self"));
        }
        if !swappable(&partner) {
            return Err(AppError::field("reference", "swap-error-partner-not-swappable"));
        }
        if partner.facility_id == mine.facility_id {
            return Err(AppError::field("reference", "swap-error-same-facility"));
        }
        if !bonds_allow(&mine, &partner) {
            return Err(AppError::field("reference", "swap-error-bond"));
        }
        if store::open_between(conn, mine.placement_id, partner.placement_id)?.is_some() {
            return Err(AppError::field("reference", "swap-error-already-open"));
        }
        let id = store::insert(conn, cycle_id, mine.placement_id, partner.placement_id, now())?;
        let swap = store::find(conn, id)?;
        AuditEntry::new("swap.proposed", "placement_swap", id)
            .after(&SwapSnapshot { swap: &swap })
            .record(conn, &actor.origin())?;
        let args = [
            ("cycle", cycle.title.clone()),
            ("name", mine.full_name.clone()),
            ("facility", mine.facility_name.clone()),
            ("county", mine.county.clone()),
            ("url", links.scholar_page(cycle_id)),
        ];
        tell(conn, links, &partner, "mail-swap-proposed-subject", "mail-swap-proposed-body", &args)?;
        Ok(id)
    })
}

/// A scholar answers (agree, decline) or withdraws a swap they take part in. Only the partner may answer; a
/// scholar not in the swap gets "not found".
pub fn scholar_move(
    conn: &mut DbConn,
    links: &Links,
    actor: &Actor,
    cycle_id: i64,
    swap_id: i64,
    version: i32,
    event: SwapEvent,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (mine, cycle) = my_seat(conn, actor, cycle_id)?;
        let swap = store::find(conn, swap_id)?;
        let party = if swap.cycle_id != cycle_id {
            None
        } else if swap.proposer_placement_id == mine.placement_id {
            Some(Party::Proposer)
        } else if swap.partner_placement_id == mine.placement_id {
            Some(Party::Partner)
        } else {
            None
        };
        let Some(party) = party else {
            tracing::warn!(actor = actor.user_id, swap = swap_id, "refused a move on another scholar's swap");
            return Err(AppError::NotFound);
        };
        if !matches!(event, SwapEvent::Agree | SwapEvent::Decline | SwapEvent::Withdraw) {
            return Err(AppError::NotFound);
        }
        let to = rules::next(&swap.status, event, party).map_err(|r| {
            if r == rules::SwapRefusal::NotYours {
                tracing::warn!(
                    actor = actor.user_id,
                    swap = swap_id,
                    "refused: a scholar answering their own proposal"
                );
                AppError::Forbidden
            } else {
                AppError::Conflict(r.message_key().into())
            }
        })?;
        if swap.version != version {
            return Err(AppError::Conflict("swap-error-changed".into()));
        }
        let other_id = if party == Party::Proposer { swap.partner_placement_id } else { swap.proposer_placement_id };
        let other = store::seat(conn, other_id)?;
        let mut facts = SwapFacts::default();
        if event == SwapEvent::Agree {
            // The bonds are checked again: a coordinator may have changed one since the proposal.
            if !swappable(&mine) || !swappable(&other) {
                return Err(AppError::Conflict("swap-error-not-swappable".into()));
            }
            if !bonds_allow(&mine, &other) {
                return Err(AppError::Conflict("swap-error-bond".into()));
            }
            facts.agreed_at = Some(now());
        }
        store::set_status(conn, &swap, to, &facts)?;
        let after = store::find(conn, swap_id)?;
        AuditEntry::new(&format!("swap.{to}"), "placement_swap", swap_id)
            .before(&SwapSnapshot { swap: &swap })
            .after(&SwapSnapshot { swap: &after })
            .record(conn, &actor.origin())?;
        let args = [
            ("cycle", cycle.title.clone()),
            ("name", mine.full_name.clone()),
            ("status", links.i18n.t(&other.language, &format!("swap-status-{to}"))),
            ("url", links.scholar_page(cycle_id)),
        ];
        tell(conn, links, &other, "mail-swap-answered-subject", "mail-swap-answered-body", &args)
    })
}

/// Saves the scholar's swap wishes (facility ids, rank 1 first; blanks already dropped).
pub fn save_wishes(conn: &mut DbConn, actor: &Actor, cycle_id: i64, wishes: &[i64]) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (seat, _) = my_seat(conn, actor, cycle_id)?;
        if !swappable(&seat) {
            return Err(AppError::field("wishes", "swap-error-not-swappable"));
        }
        let allowed: Vec<i64> = wish_options(conn, &seat)?.into_iter().map(|o| o.id).collect();
        rules::check_wishes(wishes, seat.facility_id, &allowed).map_err(|key| AppError::field("wishes", key))?;
        let before: Vec<i64> = store::wishes_of(conn, seat.placement_id)?.into_iter().map(|w| w.1).collect();
        // Claims the placement: two saves from two tabs at once cannot interleave their rows.
        let placement = placements::find(conn, seat.placement_id)?;
        store::claim_placement(conn, placement.id, placement.version).map_err(changed)?;
        store::replace_wishes(conn, seat.placement_id, wishes, now())?;
        AuditEntry::new("swap.wishes_saved", "placement", seat.placement_id)
            .before(&serde_json::json!({ "facility_ids": before }))
            .after(&serde_json::json!({ "facility_ids": wishes }))
            .record(conn, &actor.origin())
    })
}

/// Checks the actor is a coordinator who may change the cycle (before a form is read).
pub fn check_coordinator(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(), AppError> {
    cycle_to_change(conn, actor, cycle_id).map(|_| ())
}

/// A swap waiting for the coordinator, with both sides.
#[derive(Debug, Serialize)]
pub struct AgreedSwap {
    pub swap: Swap,
    pub proposer: Seat,
    pub partner: Seat,
    /// Both placements still live and both bonds still allow it.
    pub approvable: bool,
}

/// One member of a trade cycle as the coordinator's page shows it.
#[derive(Debug, Serialize)]
pub struct CycleMember {
    pub seat: Seat,
    pub to_facility: String,
    pub to_county: String,
    /// The rank of the facility on the member's wish list.
    pub wish_rank: usize,
}

/// A cycle top trading cycles found, with the form's value: `placement:version` of each member, in order.
#[derive(Debug, Serialize)]
pub struct FoundCycle {
    pub members: Vec<CycleMember>,
    pub form_value: String,
}

/// The coordinator's swaps page.
#[derive(Debug, Serialize)]
pub struct CoordinatorSwaps {
    pub cycle: Cycle,
    pub agreed: Vec<AgreedSwap>,
    pub found: Vec<FoundCycle>,
    /// How many scholars have swap wishes.
    pub wishing: usize,
    pub may_decide: bool,
}

/// The swap page of a cycle for its coordinators (and administrators, read-only). The cycles are computed on
/// every GET from the wishes as they stand: nothing is written.
pub fn coordinator_page(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<CoordinatorSwaps, AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let mut agreed = Vec::new();
    for swap in store::of_cycle(conn, cycle_id, "agreed")? {
        let proposer = store::seat(conn, swap.proposer_placement_id)?;
        let partner = store::seat(conn, swap.partner_placement_id)?;
        let approvable = swappable(&proposer) && swappable(&partner) && bonds_allow(&proposer, &partner);
        agreed.push(AgreedSwap { swap, proposer, partner, approvable });
    }
    let (found, wishing) = trade_cycles(conn, cycle_id)?;
    Ok(CoordinatorSwaps { may_decide: actor.role == Role::PlacementCoordinator, cycle, agreed, found, wishing })
}

fn trade_cycles(conn: &mut DbConn, cycle_id: i64) -> Result<(Vec<FoundCycle>, usize), AppError> {
    let seats: BTreeMap<i64, Seat> =
        store::swappable_seats(conn, cycle_id)?.into_iter().map(|s| (s.placement_id, s)).collect();
    let mut wishes: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (placement, facility) in store::wishes_of_cycle(conn, cycle_id)? {
        wishes.entry(placement).or_default().push(facility);
    }
    let wished: Vec<i64> = wishes.values().flatten().copied().collect();
    let places: HashMap<i64, (String, String)> =
        store::facility_places(conn, &wished)?.into_iter().map(|(id, name, county)| (id, (name, county))).collect();
    let participants: Vec<Participant> = wishes
        .iter()
        .filter_map(|(placement, list)| {
            let seat = seats.get(placement)?;
            let bond = bond(seat);
            let list =
                trading_cycles::wishes_within_bond(list, bond.as_deref(), |f| places.get(&f).map(|p| p.1.clone()));
            Some(Participant { placement: *placement, facility: seat.facility_id, wishes: list })
        })
        .collect();
    let wishing = participants.len();
    let found = trading_cycles::top_trading_cycles(&participants)
        .into_iter()
        .filter_map(|c| {
            let members: Vec<CycleMember> = c
                .moves
                .iter()
                .filter_map(|m| {
                    let seat = seats.get(&m.placement)?.clone();
                    let (name, county) = places.get(&m.to_facility)?.clone();
                    let rank = wishes.get(&m.placement)?.iter().position(|f| *f == m.to_facility)? + 1;
                    Some(CycleMember { seat, to_facility: name, to_county: county, wish_rank: rank })
                })
                .collect();
            (members.len() == c.moves.len()).then(|| FoundCycle {
                form_value: members
                    .iter()
                    .map(|m| format!("{}:{}", m.seat.placement_id, m.seat.version))
                    .collect::<Vec<_>>()
                    .join(","),
                members,
            })
        })
        .collect();
    Ok((found, wishing))
}

/// One placement of an approval: the record read, and the facility it moves to.
struct Exchange {
    placement: Placement,
    seat: Seat,
    to_facility: i64,
    to_county: String,
    to_name: String,
}

/// Moves every placement of an approved exchange, in the caller's transaction: each still live and swappable
/// at the version read, in the cycle, its bond allowing its new facility; then the old records become
/// `reassigned` and new ones (origin `swap`, accepted if the old one was) take their place; wishes cleared;
/// each scholar and the new facility's supervisors told. Returns the new records' ids.
fn exchange(
    conn: &mut DbConn,
    links: &Links,
    actor: &Actor,
    cycle: &Cycle,
    moves: &[(Placement, i64)],
) -> Result<Vec<i64>, AppError> {
    let mut plan = Vec::with_capacity(moves.len());
    for (placement, to_facility) in moves {
        let seat = store::seat(conn, placement.id)?;
        if seat.cycle_id != cycle.id {
            return Err(AppError::NotFound);
        }
        if !store::SWAPPABLE.contains(&placement.status.as_str()) {
            return Err(AppError::Conflict("swap-error-not-swappable".into()));
        }
        let (_, to_name, to_county) =
            store::facility_places(conn, &[*to_facility])?.into_iter().next().ok_or(AppError::NotFound)?;
        if !crate::domain::choices::within_bond(bond(&seat).as_deref(), &to_county) {
            return Err(AppError::Conflict("swap-error-bond".into()));
        }
        plan.push(Exchange { placement: placement.clone(), seat, to_facility: *to_facility, to_county, to_name });
    }
    // Every old record leaves the live index before any new one enters it.
    for e in &plan {
        placements::apply(conn, &e.placement, PlacementEvent::Reassign, &PlacementFacts::default()).map_err(changed)?;
    }
    let at = now();
    let mut created = Vec::with_capacity(plan.len());
    for e in &plan {
        let status = if e.placement.state()? == PlacementStatus::Accepted {
            PlacementStatus::Accepted
        } else {
            PlacementStatus::Published
        };
        let successor =
            Successor { facility_id: e.to_facility, origin: "swap", status, choice_rank: None, started_on: None };
        let id = placements::insert_successor(conn, &e.placement, &successor, at)?;
        store::clear_wishes(conn, e.placement.id)?;
        let after = placements::find(conn, id)?;
        AuditEntry::new("placement.swapped", "placement", e.placement.id)
            .before(&e.placement)
            .after(&after)
            .record(conn, &actor.origin())?;
        let args = [
            ("cycle", cycle.title.clone()),
            ("facility", e.to_name.clone()),
            ("county", e.to_county.clone()),
            ("name", e.seat.full_name.clone()),
            ("url", links.scholar_page(cycle.id)),
        ];
        tell(conn, links, &e.seat, "mail-swap-approved-subject", "mail-swap-approved-body", &args)?;
        for supervisor in facilities::supervisors_of(conn, e.to_facility)? {
            let lang = crate::store::users::find_by_email(conn, &supervisor.email)?
                .map(|u| u.language)
                .unwrap_or_else(|| "en".into());
            outbox::enqueue(
                conn,
                &supervisor.email,
                &links.i18n.t_args(&lang, "mail-swap-arrival-subject", &args),
                &links.i18n.t_args(&lang, "mail-swap-arrival-body", &args),
            )?;
        }
        created.push(id);
    }
    Ok(created)
}

/// A coordinator's decision on an agreed pairwise swap, as the form gave it.
pub struct Decision<'a> {
    pub swap_id: i64,
    /// The swap's version the page showed.
    pub version: i32,
    /// `Approve` or `Refuse`.
    pub event: SwapEvent,
    /// Required for a refusal; both scholars read it.
    pub reason: &'a str,
}

/// A coordinator approves or refuses an agreed pairwise swap.
pub fn decide(
    conn: &mut DbConn,
    links: &Links,
    actor: &Actor,
    cycle_id: i64,
    decision: &Decision,
) -> Result<(), AppError> {
    let Decision { swap_id, version, event, reason } = *decision;
    let reason = reason.trim();
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        let swap = store::find(conn, swap_id)?;
        if swap.cycle_id != cycle_id || !matches!(event, SwapEvent::Approve | SwapEvent::Refuse) {
            return Err(AppError::NotFound);
        }
        let to = rules::next(&swap.status, event, Party::Coordinator)
            .map_err(|r| AppError::Conflict(r.message_key().into()))?;
        if swap.version != version {
            return Err(AppError::Conflict("swap-error-changed".into()));
        }
        if event == SwapEvent::Refuse && reason.is_empty() {
            return Err(AppError::field("reason", "swap-error-reason-required"));
        }
        let facts = SwapFacts {
            decided_by: Some(actor.user_id),
            decided_at: Some(now()),
            decision_reason: (!reason.is_empty()).then(|| reason.to_string()),
            ..SwapFacts::default()
        };
        // The swap's own guarded move first: of two coordinators deciding at once, the second stops here.
        store::set_status(conn, &swap, to, &facts)?;
        if event == SwapEvent::Approve {
            let a = placements::find(conn, swap.proposer_placement_id)?;
            let b = placements::find(conn, swap.partner_placement_id)?;
            let moves = [(a.clone(), b.facility_id), (b, a.facility_id)];
            exchange(conn, links, actor, &cycle, &moves)?;
        } else {
            for id in [swap.proposer_placement_id, swap.partner_placement_id] {
                let seat = store::seat(conn, id)?;
                let args = [
                    ("cycle", cycle.title.clone()),
                    ("reason", reason.to_string()),
                    ("url", links.scholar_page(cycle_id)),
                ];
                tell(conn, links, &seat, "mail-swap-refused-subject", "mail-swap-refused-body", &args)?;
            }
        }
        let after = store::find(conn, swap_id)?;
        AuditEntry::new(&format!("swap.{to}"), "placement_swap", swap_id)
            .before(&SwapSnapshot { swap: &swap })
            .after(&SwapSnapshot { swap: &after })
            .record(conn, &actor.origin())
    })
}

/// Reads the cycle form's members: `placement:version` pairs, comma-separated, in cycle order.
pub fn parse_members(text: &str) -> Option<Vec<(i64, i32)>> {
    let members: Option<Vec<(i64, i32)>> = text
        .split(',')
        .map(|pair| {
            let (p, v) = pair.trim().split_once(':')?;
            Some((p.trim().parse().ok()?, v.trim().parse().ok()?))
        })
        .collect();
    members.filter(|m| m.len() >= 2)
}

/// A coordinator approves a cycle found among the wishes: each member takes the next one's facility (the last
/// the first's), which must still be on the member's wish list; every placement at the version the page showed.
pub fn approve_cycle(
    conn: &mut DbConn,
    links: &Links,
    actor: &Actor,
    cycle_id: i64,
    members: &[(i64, i32)],
) -> Result<Vec<i64>, AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        let mut read = Vec::with_capacity(members.len());
        for (i, (id, version)) in members.iter().enumerate() {
            if members[..i].iter().any(|(other, _)| other == id) {
                return Err(AppError::BadRequest("a placement twice in one cycle".into()));
            }
            let placement = placements::find(conn, *id)?;
            if placement.version != *version {
                return Err(AppError::Conflict("swap-error-changed".into()));
            }
            read.push(placement);
        }
        let mut moves = Vec::with_capacity(read.len());
        for (i, placement) in read.iter().enumerate() {
            let next = &read[(i + 1) % read.len()];
            let wished: Vec<i64> = store::wishes_of(conn, placement.id)?.into_iter().map(|w| w.1).collect();
            if !wished.contains(&next.facility_id) {
                return Err(AppError::Conflict("swap-error-wish-gone".into()));
            }
            moves.push((placement.clone(), next.facility_id));
        }
        let created = exchange(conn, links, actor, &cycle, &moves)?;
        AuditEntry::new("swap.cycle_approved", "placement_cycle", cycle_id)
            .after(&serde_json::json!({ "placements": members.iter().map(|m| m.0).collect::<Vec<_>>(), "new_placements": created }))
            .record(conn, &actor.origin())?;
        Ok(created)
    })
}
