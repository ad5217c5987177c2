//! The scholar's side of a placement cycle: the cycles they are in, their ranked choices (search, add, move,
//! remove, locked at the close) and their couple. Only the scholar themself: staff are refused, and another
//! scholar's cycle is "not found".

use chrono::NaiveDateTime;
use serde::Serialize;

use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::choices::{self as rules, Couple, Direction, NamedScholar, RankedList, Refusal, Window};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::store::audit::AuditEntry;
use crate::store::choices::{self as store, ChoosableFacility, Place};

pub use crate::store::choices::Search;
use crate::store::now;
use crate::store::placement_cycles::{self, Cycle};

/// Facilities shown per page of the search.
pub const SEARCH_PAGE: i64 = 20;

/// A cycle on the scholar's placement page.
#[derive(Debug, Serialize)]
pub struct CycleSummary {
    pub cycle: Cycle,
    pub window: Window,
    pub chosen: i64,
    pub reference: Option<String>,
}

/// The cycles the signed-in scholar takes part in.
pub fn my_cycles(conn: &mut DbConn, actor: &Actor) -> Result<Vec<CycleSummary>, AppError> {
    actor.require(&[Role::Applicant])?;
    let at = now();
    store::places_of_user(conn, actor.user_id)?
        .into_iter()
        .map(|(place, cycle)| {
            Ok(CycleSummary {
                window: rules::window(cycle.choices_open_at, cycle.choices_close_at, at),
                chosen: store::list_length(conn, place.id)?,
                reference: place.reference,
                cycle,
            })
        })
        .collect()
}

/// The actor's place in the cycle: staff are refused; a cycle the scholar is not in is "not found".
fn my_place(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(Place, Cycle), AppError> {
    actor.require(&[Role::Applicant])?;
    let Some(place) = store::place_of_user(conn, actor.user_id, cycle_id)? else {
        tracing::warn!(actor = actor.user_id, cycle = cycle_id, "refused access to a cycle's choices");
        return Err(AppError::NotFound);
    };
    Ok((place, placement_cycles::find(conn, cycle_id)?))
}

/// Checks the actor is a scholar of the cycle (before a form is read).
pub fn check_scholar(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(), AppError> {
    my_place(conn, actor, cycle_id).map(|_| ())
}

/// One listed facility.
#[derive(Debug, Serialize)]
pub struct ListedChoice {
    pub rank: i32,
    pub facility: ChoosableFacility,
}

/// The scholar's couple, as their page shows it: the partner's name only once linked.
#[derive(Debug, Default, Serialize)]
pub struct CoupleView {
    /// "single", "waiting" or "linked".
    pub state: &'static str,
    /// The reference the scholar named, while waiting for its holder to confirm.
    pub waiting_for: Option<String>,
    pub partner_name: Option<String>,
    pub partner_reference: Option<String>,
    /// Someone in the cycle names this scholar, who does not name them back.
    pub asked_by_someone: bool,
}

/// The choices page: the cycle, the window, the list, one page of the search and the couple.
#[derive(Debug, Serialize)]
pub struct ChoicesView {
    pub cycle: Cycle,
    pub window: Window,
    pub reference: Option<String>,
    pub list: Vec<ListedChoice>,
    pub full: bool,
    /// The bond's counties, `None` meaning anywhere.
    pub bond: Option<Vec<String>>,
    /// The counties the search offers: those with a vacancy, within the bond.
    pub counties: Vec<String>,
    pub results: Vec<ChoosableFacility>,
    /// The facility after which the next page starts, if there is one.
    pub next_after: Option<i64>,
    pub couple: CoupleView,
}

fn couple_view(conn: &mut DbConn, place: &Place) -> Result<CoupleView, AppError> {
    let named = match place.partner_request {
        Some(id) => store::place(conn, place.cycle_id, id)?,
        None => None,
    };
    let state = rules::couple(place.id, named.as_ref().map(|n| n.id), named.as_ref().and_then(|n| n.partner_request));
    let asked = store::named_by_count(conn, place.id)? > 0;
    Ok(match (state, named) {
        (Couple::Linked(_), Some(partner)) => CoupleView {
            state: "linked",
            partner_name: Some(partner.full_name),
            partner_reference: partner.reference,
            ..CoupleView::default()
        },
        (Couple::Waiting(_), Some(partner)) => CoupleView {
            state: "waiting",
            waiting_for: partner.reference,
            asked_by_someone: asked,
            ..CoupleView::default()
        },
        _ => CoupleView { state: "single", asked_by_someone: asked, ..CoupleView::default() },
    })
}

/// How long this process reuses a cycle's list of counties with a vacancy.
const COUNTIES_FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// Each cycle's counties with a vacancy, as last read, and when; a cycle is known by its id and creation time, so
/// that two databases served by one process (the tests) never share an entry.
type CountiesByCycle = std::collections::HashMap<(i64, NaiveDateTime), (std::time::Instant, Vec<String>)>;
static COUNTIES: std::sync::Mutex<Option<CountiesByCycle>> = std::sync::Mutex::new(None);

/// The counties with a vacancy in the cycle, for the search's county list, read at most once a minute per
/// process: a national cycle's 10,000 vacancies take 15 ms to scan, on every view of every scholar's page. The
/// list only offers a filter (the search itself reads the vacancies as they are), so a county added a minute
/// late is harmless.
fn counties_with_vacancies(conn: &mut DbConn, cycle: &Cycle) -> Result<Vec<String>, AppError> {
    let key = (cycle.id, cycle.created_at);
    let fresh = |at: &std::time::Instant| at.elapsed() < COUNTIES_FRESH_FOR;
    if let Ok(cache) = COUNTIES.lock() {
        if let Some((at, counties)) = cache.as_ref().and_then(|c| c.get(&key)) {
            if fresh(at) {
                return Ok(counties.clone());
            }
        }
    }
    let counties = store::counties_with_vacancies(conn, cycle.id)?;
    if let Ok(mut cache) = COUNTIES.lock() {
        let cache = cache.get_or_insert_with(Default::default);
        cache.retain(|_, (at, _)| fresh(at));
        cache.insert(key, (std::time::Instant::now(), counties.clone()));
    }
    Ok(counties)
}

/// The scholar's choices page, with one page of the search of choosable facilities.
pub fn choices_page(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    filter: &Search,
    after: Option<i64>,
) -> Result<ChoicesView, AppError> {
    let (place, cycle) = my_place(conn, actor, cycle_id)?;
    let at = now();
    let bond = rules::parse_bond(place.allowed_counties.as_deref());
    let list: Vec<ListedChoice> =
        store::list_of(conn, place.id)?.into_iter().map(|(rank, facility)| ListedChoice { rank, facility }).collect();
    let listed: Vec<i64> = list.iter().map(|c| c.facility.id).collect();
    let after_key = match after {
        Some(id) => store::facility_name(conn, id)?.map(|name| (name, id)),
        None => None,
    };
    let scope = store::SearchScope { cycle_id, today: at.date(), bond: bond.as_deref(), listed: &listed };
    let mut results = store::search(conn, &scope, filter, after_key, SEARCH_PAGE + 1)?;
    let next_after = if results.len() > usize::try_from(SEARCH_PAGE).unwrap_or(20) {
        results.truncate(usize::try_from(SEARCH_PAGE).unwrap_or(20));
        results.last().map(|f| f.id)
    } else {
        None
    };
    let counties =
        counties_with_vacancies(conn, &cycle)?.into_iter().filter(|c| rules::within_bond(bond.as_deref(), c)).collect();
    let max = usize::try_from(cycle.max_choices).unwrap_or(0);
    Ok(ChoicesView {
        window: rules::window(cycle.choices_open_at, cycle.choices_close_at, at),
        reference: place.reference.clone(),
        full: list.len() >= max,
        list,
        bond,
        counties,
        results,
        next_after,
        couple: couple_view(conn, &place)?,
        cycle,
    })
}

/// The list as the read-only API gives it.
#[derive(Debug, Serialize)]
pub struct ChoicesListing {
    pub cycle_id: i64,
    pub max_choices: i32,
    pub window: Window,
    /// RFC 3339, UTC.
    pub choices_open_at: String,
    pub choices_close_at: String,
    pub choices: Vec<ListedChoice>,
}

pub fn choices_listing(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<ChoicesListing, AppError> {
    let (place, cycle) = my_place(conn, actor, cycle_id)?;
    let choices =
        store::list_of(conn, place.id)?.into_iter().map(|(rank, facility)| ListedChoice { rank, facility }).collect();
    Ok(ChoicesListing {
        cycle_id,
        max_choices: cycle.max_choices,
        window: rules::window(cycle.choices_open_at, cycle.choices_close_at, now()),
        choices_open_at: cycle.choices_open_at.and_utc().to_rfc3339(),
        choices_close_at: cycle.choices_close_at.and_utc().to_rfc3339(),
        choices,
    })
}

/// A change to the list, as the scholar's buttons ask for it.
#[derive(Debug, Clone, Copy)]
pub enum ListChange {
    Add(i64),
    Move(i64, Direction),
    Remove(i64),
}

fn refused(field: &str, refusal: Refusal) -> AppError {
    AppError::field(field, refusal.message_key())
}

#[derive(Serialize)]
struct ListSnapshot<'a> {
    facility_ids: &'a [i64],
}

/// Applies one change to the scholar's list, checked against the clock (the window), the list's rules and,
/// for an addition, the facility's; saves the whole list and an audit row with the list before and after.
/// Nothing is saved on a refusal.
pub fn change_list(conn: &mut DbConn, actor: &Actor, cycle_id: i64, change: ListChange) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (place, cycle) = my_place(conn, actor, cycle_id)?;
        let at = now();
        rules::check_list_open(rules::window(cycle.choices_open_at, cycle.choices_close_at, at))
            .map_err(|r| refused("window", r))?;
        let before = store::ranked_ids(conn, place.id)?;
        let mut list = RankedList::new(before.clone(), usize::try_from(cycle.max_choices).unwrap_or(0));
        match change {
            ListChange::Add(facility_id) => {
                let (facility, seats) = store::facility_in_cycle(conn, cycle_id, facility_id)?
                    .ok_or_else(|| refused("facility_id", Refusal::UnknownFacility))?;
                if list.contains(facility_id) {
                    return Err(refused("facility_id", Refusal::AlreadyListed));
                }
                let bond = rules::parse_bond(place.allowed_counties.as_deref());
                let candidate = rules::Candidate {
                    county: &facility.county,
                    eligible: facility.eligible,
                    eligible_until: facility.eligible_until,
                    seats,
                };
                rules::check_choosable(&candidate, bond.as_deref(), at.date())
                    .map_err(|r| refused("facility_id", r))?;
                list.add(facility_id).map_err(|r| refused("facility_id", r))?;
            }
            ListChange::Move(facility_id, direction) => {
                list.move_one(facility_id, direction).map_err(|r| refused("facility_id", r))?
            }
            ListChange::Remove(facility_id) => list.remove(facility_id).map_err(|r| refused("facility_id", r))?,
        }
        store::claim(conn, place.id, place.version)?;
        store::replace_list(conn, place.id, list.facilities())?;
        AuditEntry::new("choices.saved", "cycle_scholar", place.id)
            .before(&ListSnapshot { facility_ids: &before })
            .after(&ListSnapshot { facility_ids: list.facilities() })
            .record(conn, &actor.origin())
    })
}

#[derive(Serialize)]
struct PartnerSnapshot {
    partner_request: Option<i64>,
}

/// Names the holder of `reference` as the scholar's partner; the couple is linked once both name each other.
pub fn name_partner(conn: &mut DbConn, actor: &Actor, cycle_id: i64, reference: &str) -> Result<(), AppError> {
    let reference = reference.trim();
    write_transaction(conn, |conn| {
        let (place, cycle) = my_place(conn, actor, cycle_id)?;
        rules::check_couple_open(rules::window(cycle.choices_open_at, cycle.choices_close_at, now()))
            .map_err(|r| refused("reference", r))?;
        if reference.is_empty() || !store::reference_exists(conn, reference)? {
            return Err(refused("reference", Refusal::UnknownReference));
        }
        let mine = current_couple(conn, &place)?;
        let named = store::place_by_reference(conn, cycle_id, reference)?;
        let confirmed = match named.as_ref().and_then(|n| n.partner_request) {
            Some(theirs) => {
                store::place(conn, cycle_id, theirs)?.is_some_and(|t| t.partner_request == named.as_ref().map(|n| n.id))
            }
            None => false,
        };
        let facts = NamedScholar {
            in_cycle: named.as_ref().map(|n| n.id),
            their_request: named.as_ref().and_then(|n| n.partner_request),
            their_request_confirmed: confirmed,
        };
        let partner = rules::check_partner(place.id, mine, &facts).map_err(|r| refused("reference", r))?;
        store::claim(conn, place.id, place.version)?;
        store::set_partner_request(conn, place.id, Some(partner))?;
        AuditEntry::new("partner.named", "cycle_scholar", place.id)
            .before(&PartnerSnapshot { partner_request: place.partner_request })
            .after(&PartnerSnapshot { partner_request: Some(partner) })
            .record(conn, &actor.origin())
    })
}

fn current_couple(conn: &mut DbConn, place: &Place) -> Result<Couple, AppError> {
    let theirs = match place.partner_request {
        Some(id) => store::place(conn, place.cycle_id, id)?.and_then(|p| p.partner_request),
        None => None,
    };
    Ok(rules::couple(place.id, place.partner_request, theirs))
}

/// Breaks the couple (or withdraws a request not yet confirmed) before the close. A linked couple is broken on
/// both sides, so that neither is left waiting for the other.
pub fn unlink(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (place, cycle) = my_place(conn, actor, cycle_id)?;
        rules::check_couple_open(rules::window(cycle.choices_open_at, cycle.choices_close_at, now()))
            .map_err(|r| refused("reference", r))?;
        let couple = current_couple(conn, &place)?;
        let Some(partner) = place.partner_request else {
            return Err(refused("reference", Refusal::NoPartner));
        };
        store::claim(conn, place.id, place.version)?;
        store::set_partner_request(conn, place.id, None)?;
        AuditEntry::new("partner.unlinked", "cycle_scholar", place.id)
            .before(&PartnerSnapshot { partner_request: Some(partner) })
            .after(&PartnerSnapshot { partner_request: None })
            .record(conn, &actor.origin())?;
        if let Couple::Linked(partner) = couple {
            store::set_partner_request(conn, partner, None)?;
            AuditEntry::new("partner.unlinked", "cycle_scholar", partner)
                .before(&PartnerSnapshot { partner_request: Some(place.id) })
                .after(&PartnerSnapshot { partner_request: None })
                .record(conn, &actor.origin())?;
        }
        Ok(())
    })
}
