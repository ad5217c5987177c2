//! A scholar's ranked choices in a placement cycle and their couple: the list (at most N, no duplicate, move
//! up or down, remove), whether a facility may be chosen, the choice window, and when two scholars are linked.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::placement::facility_eligible;

/// Why a change to the list, or a partner, was refused; each has a message key the pages show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotYetOpen,
    Closed,
    ListFull,
    AlreadyListed,
    NotListed,
    CannotMove,
    OutsideBond,
    NoVacancy,
    NotEligible,
    UnknownFacility,
    UnknownReference,
    SelfPartner,
    PartnerNotInCycle,
    PartnerLinkedElsewhere,
    AlreadyLinked,
    NoPartner,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NotYetOpen => "choices-error-not-open",
            Refusal::Closed => "choices-error-closed",
            Refusal::ListFull => "choices-error-full",
            Refusal::AlreadyListed => "choices-error-already-listed",
            Refusal::NotListed => "choices-error-not-listed",
            Refusal::CannotMove => "choices-error-cannot-move",
            Refusal::OutsideBond => "choices-error-outside-bond",
            Refusal::NoVacancy => "choices-error-no-vacancy",
            Refusal::NotEligible => "choices-error-not-eligible",
            Refusal::UnknownFacility => "choices-error-unknown-facility",
            Refusal::UnknownReference => "partner-error-unknown",
            Refusal::SelfPartner => "partner-error-self",
            Refusal::PartnerNotInCycle => "partner-error-not-in-cycle",
            Refusal::PartnerLinkedElsewhere => "partner-error-linked-elsewhere",
            Refusal::AlreadyLinked => "partner-error-already-linked",
            Refusal::NoPartner => "partner-error-none",
        }
    }
}

/// Where the clock stands against the cycle's choice window `[open, close)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    NotYetOpen,
    Open,
    Closed,
}

pub fn window(open_at: NaiveDateTime, close_at: NaiveDateTime, now: NaiveDateTime) -> Window {
    if now < open_at {
        Window::NotYetOpen
    } else if now < close_at {
        Window::Open
    } else {
        Window::Closed
    }
}

/// The list may change only while the window is open.
pub fn check_list_open(window: Window) -> Result<(), Refusal> {
    match window {
        Window::Open => Ok(()),
        Window::NotYetOpen => Err(Refusal::NotYetOpen),
        Window::Closed => Err(Refusal::Closed),
    }
}

/// A couple may be formed or broken at any time before the close (the list itself waits for the opening).
pub fn check_couple_open(window: Window) -> Result<(), Refusal> {
    match window {
        Window::Closed => Err(Refusal::Closed),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn parse(text: &str) -> Option<Direction> {
        match text.trim() {
            "up" => Some(Direction::Up),
            "down" => Some(Direction::Down),
            _ => None,
        }
    }
}

/// A ranked list of facility ids: position 0 is rank 1. Built only through its operations, so it never
/// holds a duplicate or more than `max` entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RankedList {
    facilities: Vec<i64>,
    max: usize,
}

impl RankedList {
    /// The list as stored (ranks 1..N in order). A stored list longer than a lowered maximum is kept as is:
    /// it can shrink but not grow.
    pub fn new(facilities: Vec<i64>, max: usize) -> RankedList {
        let mut seen = std::collections::HashSet::new();
        let facilities = facilities.into_iter().filter(|f| seen.insert(*f)).collect();
        RankedList { facilities, max }
    }

    pub fn facilities(&self) -> &[i64] {
        &self.facilities
    }

    pub fn len(&self) -> usize {
        self.facilities.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facilities.is_empty()
    }

    pub fn is_full(&self) -> bool {
        self.facilities.len() >= self.max
    }

    pub fn contains(&self, facility: i64) -> bool {
        self.facilities.contains(&facility)
    }

    /// Adds a facility at the bottom of the list.
    pub fn add(&mut self, facility: i64) -> Result<(), Refusal> {
        if self.contains(facility) {
            return Err(Refusal::AlreadyListed);
        }
        if self.is_full() {
            return Err(Refusal::ListFull);
        }
        self.facilities.push(facility);
        Ok(())
    }

    /// Swaps a facility with its neighbour above (up) or below (down).
    pub fn move_one(&mut self, facility: i64, direction: Direction) -> Result<(), Refusal> {
        let at = self.position(facility)?;
        let to = match direction {
            Direction::Up => at.checked_sub(1),
            Direction::Down => Some(at + 1).filter(|i| *i < self.facilities.len()),
        }
        .ok_or(Refusal::CannotMove)?;
        self.facilities.swap(at, to);
        Ok(())
    }

    /// Removes a facility; those below move up one rank.
    pub fn remove(&mut self, facility: i64) -> Result<(), Refusal> {
        let at = self.position(facility)?;
        self.facilities.remove(at);
        Ok(())
    }

    fn position(&self, facility: i64) -> Result<usize, Refusal> {
        self.facilities.iter().position(|f| *f == facility).ok_or(Refusal::NotListed)
    }
}

/// What decides whether a facility may be chosen in a cycle.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub county: &'a str,
    pub eligible: bool,
    /// Eligibility must be recertified by this date; after it the facility is not eligible.
    pub eligible_until: Option<NaiveDate>,
    /// Seats in the cycle's vacancy row, if the facility has one.
    pub seats: Option<i32>,
}

/// Whether the bond (`None` = anywhere) allows a county.
pub fn within_bond(bond: Option<&[String]>, county: &str) -> bool {
    bond.is_none_or(|counties| counties.iter().any(|c| c.eq_ignore_ascii_case(county.trim())))
}

/// A facility may be chosen when it is inside the bond, has a vacancy with a seat in the cycle, and is eligible
/// on the day. The bond is checked first: it is the scholar's own limit, the others are the facility's.
pub fn check_choosable(candidate: &Candidate, bond: Option<&[String]>, today: NaiveDate) -> Result<(), Refusal> {
    if !within_bond(bond, candidate.county) {
        return Err(Refusal::OutsideBond);
    }
    if candidate.seats.is_none_or(|s| s <= 0) {
        return Err(Refusal::NoVacancy);
    }
    if !facility_eligible(candidate.eligible, candidate.eligible_until, today) {
        return Err(Refusal::NotEligible);
    }
    Ok(())
}

/// The bond as stored: a JSON array of counties, NULL (or unreadable) meaning anywhere.
pub fn parse_bond(stored: Option<&str>) -> Option<Vec<String>> {
    stored.and_then(|s| serde_json::from_str::<Vec<String>>(s).ok())
}

/// A scholar's couple as their page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "partner", rename_all = "snake_case")]
pub enum Couple {
    /// Names nobody.
    Single,
    /// Names this scholar, who does not (yet) name them back.
    Waiting(i64),
    /// Both name each other.
    Linked(i64),
}

/// The couple of scholar `me`, who names `my_request`; `their_request` is what the named scholar names.
pub fn couple(me: i64, my_request: Option<i64>, their_request: Option<i64>) -> Couple {
    match my_request {
        None => Couple::Single,
        Some(partner) if their_request == Some(me) => Couple::Linked(partner),
        Some(partner) => Couple::Waiting(partner),
    }
}

/// What is known of the scholar named as a partner.
#[derive(Debug, Clone, Copy)]
pub struct NamedScholar {
    /// Their place in this cycle, if they have one (and are included).
    pub in_cycle: Option<i64>,
    /// Whom they name, if they are in the cycle.
    pub their_request: Option<i64>,
    /// Whether the one they name names them back.
    pub their_request_confirmed: bool,
}

/// Whether `me` (currently in `mine`) may name `named` as their partner.
pub fn check_partner(me: i64, mine: Couple, named: &NamedScholar) -> Result<i64, Refusal> {
    let partner = named.in_cycle.ok_or(Refusal::PartnerNotInCycle)?;
    if partner == me {
        return Err(Refusal::SelfPartner);
    }
    if let Couple::Linked(current) = mine {
        if current != partner {
            return Err(Refusal::AlreadyLinked);
        }
    }
    if let Some(theirs) = named.their_request {
        if theirs != me && named.their_request_confirmed {
            return Err(Refusal::PartnerLinkedElsewhere);
        }
    }
    Ok(partner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, 3, 1).and_then(|d| d.and_hms_opt(h, 0, 0)).unwrap()
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    #[test]
    fn the_window_opens_at_its_start_and_locks_at_its_close() {
        assert_eq!(window(at(8), at(17), at(7)), Window::NotYetOpen);
        assert_eq!(window(at(8), at(17), at(8)), Window::Open);
        assert_eq!(window(at(8), at(17), at(16)), Window::Open);
        assert_eq!(window(at(8), at(17), at(17)), Window::Closed);
        assert_eq!(check_list_open(Window::NotYetOpen), Err(Refusal::NotYetOpen));
        assert_eq!(check_list_open(Window::Closed), Err(Refusal::Closed));
        assert_eq!(check_couple_open(Window::NotYetOpen), Ok(()));
        assert_eq!(check_couple_open(Window::Closed), Err(Refusal::Closed));
    }

    #[test]
    fn a_list_holds_at_most_n_and_no_duplicate() {
        let mut list = RankedList::new(vec![], 2);
        assert_eq!(list.add(10), Ok(()));
        assert_eq!(list.add(10), Err(Refusal::AlreadyListed));
        assert_eq!(list.add(20), Ok(()));
        assert_eq!(list.add(30), Err(Refusal::ListFull));
        assert_eq!(list.facilities(), &[10, 20]);
        assert_eq!(RankedList::new(vec![1, 2, 1], 5).facilities(), &[1, 2]);
    }

    #[test]
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        let mut list = RankedList::new(vec![1, 2, 3], 5);
        assert_eq!(list.move_one(3, Direction::Up), Ok(()));
        assert_eq!(list.facilities(), &[1, 3, 2]);
        assert_eq!(list.move_one(1, Direction::Down), Ok(()));
        assert_eq!(list.facilities(), &[3, 1, 2]);
        assert_eq!(list.move_one(3, Direction::Up), Err(Refusal::CannotMove));
        assert_eq!(list.move_one(2, Direction::Down), Err(Refusal::CannotMove));
        assert_eq!(list.move_one(9, Direction::Up), Err(Refusal::NotListed));
        assert_eq!(Direction::parse("up"), Some(Direction::Up));
        assert_eq!(Direction::parse("sideways"), None);
    }

    #[test]
    fn removing_closes_the_gap() {
        let mut list = RankedList::new(vec![1, 2, 3], 5);
        assert_eq!(list.remove(2), Ok(()));
        assert_eq!(list.facilities(), &[1, 3]);
        assert_eq!(list.remove(2), Err(Refusal::NotListed));
    }

    #[test]
    fn a_facility_is_choosable_inside_the_bond_with_a_seat_and_eligible_on_the_day() {
        let bond = vec!["Turkana".to_string(), "Marsabit".to_string()];
        let good = Candidate { county: "Turkana", eligible: true, eligible_until: Some(day(10)), seats: Some(2) };
        assert_eq!(check_choosable(&good, Some(&bond), day(10)), Ok(()));
        assert_eq!(check_choosable(&good, None, day(10)), Ok(()));
        assert_eq!(check_choosable(&good, Some(&bond), day(11)), Err(Refusal::NotEligible));
        let outside = Candidate { county: "Nairobi", ..good.clone() };
        assert_eq!(check_choosable(&outside, Some(&bond), day(1)), Err(Refusal::OutsideBond));
        assert_eq!(check_choosable(&outside, None, day(1)), Ok(()));
        let no_row = Candidate { seats: None, ..good.clone() };
        assert_eq!(check_choosable(&no_row, None, day(1)), Err(Refusal::NoVacancy));
        let no_seat = Candidate { seats: Some(0), ..good.clone() };
        assert_eq!(check_choosable(&no_seat, None, day(1)), Err(Refusal::NoVacancy));
        let not_eligible = Candidate { eligible: false, eligible_until: None, ..good.clone() };
        assert_eq!(check_choosable(&not_eligible, None, day(1)), Err(Refusal::NotEligible));
        assert!(facility_eligible(true, None, day(1)));
    }

    #[test]
    fn the_bond_reads_from_json_and_null_means_anywhere() {
        assert_eq!(parse_bond(None), None);
        assert_eq!(parse_bond(Some("[\"Turkana\"]")), Some(vec!["Turkana".to_string()]));
        assert!(within_bond(Some(&["Turkana".to_string()]), "turkana"));
    }

    #[test]
    fn two_scholars_are_linked_only_when_each_names_the_other() {
        assert_eq!(couple(1, None, None), Couple::Single);
        assert_eq!(couple(1, Some(2), None), Couple::Waiting(2));
        assert_eq!(couple(1, Some(2), Some(3)), Couple::Waiting(2));
        assert_eq!(couple(1, Some(2), Some(1)), Couple::Linked(2));
    }

    #[test]
    fn naming_a_partner_is_refused_for_oneself_outsiders_and_the_taken() {
        let free = NamedScholar { in_cycle: Some(2), their_request: None, their_request_confirmed: false };
        assert_eq!(check_partner(1, Couple::Single, &free), Ok(2));
        assert_eq!(check_partner(2, Couple::Single, &free), Err(Refusal::SelfPartner));
        let outsider = NamedScholar { in_cycle: None, ..free };
        assert_eq!(check_partner(1, Couple::Single, &outsider), Err(Refusal::PartnerNotInCycle));
        let taken = NamedScholar { in_cycle: Some(2), their_request: Some(3), their_request_confirmed: true };
        assert_eq!(check_partner(1, Couple::Single, &taken), Err(Refusal::PartnerLinkedElsewhere));
        let asking_another = NamedScholar { their_request_confirmed: false, ..taken };
        assert_eq!(check_partner(1, Couple::Single, &asking_another), Ok(2));
        let asking_me = NamedScholar { in_cycle: Some(2), their_request: Some(1), their_request_confirmed: false };
        assert_eq!(check_partner(1, Couple::Waiting(5), &asking_me), Ok(2));
        assert_eq!(check_partner(1, Couple::Linked(5), &free), Err(Refusal::AlreadyLinked));
    }
}
