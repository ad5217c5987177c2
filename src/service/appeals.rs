//! Appeals against a published placement: the scholar files one within the cycle's window, a placement
//! coordinator of the funder upholds or rejects it with a reason, and an upheld appeal may move the scholar to a
//! facility that qualifies (`domain::reassignment`) as a new, audited placement record. Every step tells the
//! people concerned by e-mail, in the same transaction.

use std::sync::Arc;

use bytes::Bytes;
use chrono::NaiveDate;
use object_store::ObjectStore;
use serde::Serialize;

use super::access::{placement_counties, readable_cycle};
use super::Actor;
use crate::db::{write_transaction, Db, DbConn};
use crate::domain::placement::county_within;
use crate::domain::placement_state::{PlacementEvent, PlacementStatus};
use crate::domain::reassignment::{self as rules, Destination, Floor, Origin, APPEAL_REASONS};
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::i18n::I18n;
pub use crate::store::appeals::AppealRow;
use crate::store::appeals::{self as store, Appeal, NewAppeal, ScholarContact};
use crate::store::audit::AuditEntry;
use crate::store::facilities::{self as facility_store, Facility};
use crate::store::placement_cycles::{self as cycle_store, Cycle};
use crate::store::placements::{self as placement_store, Placement, PlacementFacts, Successor};
use crate::store::{match_runs as run_store, outbox};

/// What the scholar typed (and the file they attached, if any).
pub struct AppealInput {
    pub reason_code: String,
    pub reason_text: String,
    /// The file's name as sent and its bytes; an empty part (no file chosen) counts as none.
    pub document: Option<(String, Bytes)>,
}

/// The scholar's record they may appeal against, in a cycle they belong to; anyone else gets "not found".
fn own_placement(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(Cycle, i64, Option<Placement>), AppError> {
    actor.require(&[Role::Applicant]).map_err(|_| AppError::NotFound)?;
    let scholar = run_store::scholar_of_user(conn, cycle_id, actor.user_id)?.ok_or(AppError::NotFound)?;
    let cycle = cycle_store::find(conn, cycle_id)?;
    let live = placement_store::live_of(conn, scholar.id)?;
    Ok((cycle, scholar.id, live))
}

/// Why the scholar may not file now, as the message key shown in place of the form (None: they may).
fn filing_refusal(
    conn: &mut DbConn,
    cycle: &Cycle,
    live: Option<&Placement>,
    today: NaiveDate,
) -> Result<Option<&'static str>, AppError> {
    if !rules::appeal_window_open(cycle.appeal_until, today) {
        return Ok(Some("appeal-error-window-closed"));
    }
    let Some(placement) = live else { return Ok(Some("appeal-error-no-placement")) };
    if !matches!(placement.state()?, PlacementStatus::Published | PlacementStatus::Accepted) {
        return Ok(Some("appeal-error-no-placement"));
    }
    if store::of_placements(conn, &[placement.id])?.iter().any(|a| a.status == "pending") {
        return Ok(Some("appeal-error-pending"));
    }
    Ok(None)
}

/// An appeal as the scholar and the coordinator read it.
#[derive(Debug, Serialize)]
pub struct AppealView {
    #[serde(flatten)]
    pub appeal: Appeal,
    pub has_document: bool,
    /// Where the scholar was moved, when the appeal led to a reassignment.
    pub new_facility: Option<String>,
}

fn view(conn: &mut DbConn, appeal: Appeal) -> Result<AppealView, AppError> {
    let new_facility = match appeal.new_placement_id {
        Some(id) => {
            let placement = placement_store::find(conn, id)?;
            let facility = facility_store::find(conn, placement.facility_id)?;
            Some(format!("{} ({})", facility.name, facility.county))
        }
        None => None,
    };
    Ok(AppealView { has_document: appeal.document_key.is_some(), new_facility, appeal })
}

/// The scholar's appeal page: their current placement, their appeals, and whether the form is offered.
#[derive(Debug, Serialize)]
pub struct ScholarAppeals {
    pub cycle: Cycle,
    pub placement: Option<Placement>,
    pub facility: Option<Facility>,
    pub appeals: Vec<AppealView>,
    /// Why the form is not offered (None: it is).
    pub refusal: Option<&'static str>,
    pub reasons: &'static [&'static str],
}

pub fn scholar_appeals(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    today: NaiveDate,
) -> Result<ScholarAppeals, AppError> {
    let (cycle, scholar_id, live) = own_placement(conn, actor, cycle_id)?;
    let refusal = filing_refusal(conn, &cycle, live.as_ref(), today)?;
    let history: Vec<i64> = placement_store::history_of(conn, scholar_id)?.iter().map(|p| p.id).collect();
    let appeals =
        store::of_placements(conn, &history)?.into_iter().map(|a| view(conn, a)).collect::<Result<Vec<_>, _>>()?;
    let facility = live.as_ref().map(|p| facility_store::find(conn, p.facility_id)).transpose()?;
    Ok(ScholarAppeals { cycle, placement: live, facility, appeals, refusal, reasons: &APPEAL_REASONS })
}

fn link(public_url: &str, path: &str) -> String {
    format!("{}{path}", public_url.trim_end_matches('/'))
}

/// Files the scholar's appeal: checked (window, live placement, none pending, reason), the document stored
/// under a random name first and deleted again if the write fails; audited; the scholar and the cycle's
/// placement coordinators are told.
#[allow(clippy::too_many_arguments)]
pub async fn file(
    db: &Db,
    files: &Arc<dyn ObjectStore>,
    i18n: Arc<I18n>,
    public_url: String,
    actor: &Actor,
    cycle_id: i64,
    input: AppealInput,
    today: NaiveDate,
) -> Result<i64, AppError> {
    let check = actor.clone();
    db.run(move |conn| {
        let (cycle, _, live) = own_placement(conn, &check, cycle_id)?;
        match filing_refusal(conn, &cycle, live.as_ref(), today)? {
            Some(key) => Err(AppError::Conflict(key.into())),
            None => Ok(()),
        }
    })
    .await?;
    let reason_code = rules::check_reason(&input.reason_code, &input.reason_text)
        .map_err(|(field, key)| AppError::field(field, key))?;
    let reason_text = input.reason_text.trim().to_string();
    let document = input.document.filter(|(_, bytes)| !bytes.is_empty());
    let stored = match document {
        Some((name, bytes)) => {
            let stored = super::documents::store_file(files, bytes).await?;
            Some((stored.storage_key, super::documents::display_name(&name)))
        }
        None => None,
    };
    let actor = actor.clone();
    let kept = stored.clone();
    let saved = db
        .run(move |conn| {
            let filing = Filing { reason_code, reason_text: &reason_text, document: kept.as_ref() };
            file_now(conn, &i18n, &public_url, &actor, cycle_id, &filing, today)
        })
        .await;
    if saved.is_err() {
        if let Some((key, _)) = stored {
            // Nothing refers to the file; losing this delete only leaves an orphan.
            let _ = files.delete(&object_store::path::Path::from(key.as_str())).await;
        }
    }
    saved
}

/// A checked appeal ready to be written: the reason and the stored document's key and display name.
pub struct Filing<'a> {
    pub reason_code: &'static str,
    pub reason_text: &'a str,
    pub document: Option<&'a (String, String)>,
}

/// Writes the appeal in one transaction (checks again, inserts, audits, tells the scholar and the cycle's
/// placement coordinators). The demo files through here too, without a document.
pub fn file_now(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    actor: &Actor,
    cycle_id: i64,
    filing: &Filing,
    today: NaiveDate,
) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        let (cycle, scholar_id, live) = own_placement(conn, actor, cycle_id)?;
        if let Some(key) = filing_refusal(conn, &cycle, live.as_ref(), today)? {
            return Err(AppError::Conflict(key.into()));
        }
        let placement = live.ok_or(AppError::NotFound)?;
        let reason_text = filing.reason_text.trim();
        let id = store::insert(
            conn,
            &NewAppeal {
                placement_id: placement.id,
                reason_code: filing.reason_code,
                reason_text,
                document_key: filing.document.map(|(k, _)| k.as_str()),
                document_name: filing.document.map(|(_, n)| n.as_str()),
                created_by: actor.user_id,
                created_at: super::now(),
            },
        )?;
        AuditEntry::new("file_appeal", "placement_appeal", id)
            .after(&serde_json::json!({"placement": placement.id, "reason_code": filing.reason_code,
                "reason_text": reason_text, "document": filing.document.is_some()}))
            .record(conn, &actor.origin())?;
        let scholar = store::scholar_contact(conn, scholar_id)?;
        let facility = facility_store::find(conn, placement.facility_id)?;
        let lang = scholar.language.as_str();
        outbox::enqueue(
            conn,
            &scholar.email,
            &i18n.t_args(lang, "mail-appeal-received-subject", &[("cycle", cycle.title.clone())]),
            &i18n.t_args(
                lang,
                "mail-appeal-received-body",
                &[
                    ("cycle", cycle.title.clone()),
                    ("facility", facility.name.clone()),
                    ("url", link(public_url, &format!("/my/placement/{cycle_id}/appeal"))),
                ],
            ),
        )?;
        for (email, lang) in store::coordinators_of(conn, cycle.organisation_id)? {
            outbox::enqueue(
                conn,
                &email,
                &i18n.t_args(&lang, "mail-appeal-filed-subject", &[("cycle", cycle.title.clone())]),
                &i18n.t_args(
                    &lang,
                    "mail-appeal-filed-body",
                    &[
                        ("name", scholar.full_name.clone()),
                        ("reference", scholar.reference.clone().unwrap_or_default()),
                        ("cycle", cycle.title.clone()),
                        ("facility", facility.name.clone()),
                        ("url", link(public_url, &format!("/placement/appeals/{id}"))),
                    ],
                ),
            )?;
        }
        Ok(id)
    })
}

/// An appeal the actor may read, with its placement, the facility the scholar holds and the cycle: the
/// placement coordinators of the funder (within their counties, judged by the facility appealed against) and
/// administrators. Anyone else gets "not found".
fn readable_appeal(
    conn: &mut DbConn,
    actor: &Actor,
    appeal_id: i64,
) -> Result<(Appeal, Placement, Facility, Cycle), AppError> {
    let appeal = store::find(conn, appeal_id)?;
    let placement = placement_store::find(conn, appeal.placement_id)?;
    let scholar = store::scholar_contact(conn, placement.cycle_scholar_id)?;
    let cycle = readable_cycle(conn, actor, scholar.cycle_id)?;
    let facility = facility_store::find(conn, placement.facility_id)?;
    let counties = placement_counties(conn, actor)?;
    if !county_within(counties.as_deref(), &facility.county) {
        tracing::warn!(
            actor = actor.user_id,
            appeal = appeal_id,
            "refused an appeal outside the coordinator's counties"
        );
        return Err(AppError::NotFound);
    }
    Ok((appeal, placement, facility, cycle))
}

/// An appeal the actor may decide: a placement coordinator (administrators only read).
fn appeal_to_decide(
    conn: &mut DbConn,
    actor: &Actor,
    appeal_id: i64,
) -> Result<(Appeal, Placement, Facility, Cycle), AppError> {
    let found = readable_appeal(conn, actor, appeal_id)?;
    actor.require(&[Role::PlacementCoordinator])?;
    Ok(found)
}

/// The cycle's appeals, pending first (oldest first within each), for its coordinators.
pub fn cycle_appeals(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(Cycle, Vec<AppealRow>), AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let counties = placement_counties(conn, actor)?;
    let mut rows: Vec<AppealRow> = store::of_cycle(conn, cycle_id)?
        .into_iter()
        .filter(|r| county_within(counties.as_deref(), &r.county))
        .collect();
    rows.sort_by_key(|r| (r.appeal.status != "pending", r.appeal.id));
    Ok((cycle, rows))
}

/// A facility the scholar may be moved to, with its free seats.
#[derive(Debug, Serialize)]
pub struct DestinationView {
    pub facility_id: i64,
    pub name: String,
    pub county: String,
    pub need_score: Option<i32>,
    pub free_seats: i64,
}

/// The appeal page.
#[derive(Debug, Serialize)]
pub struct AppealFile {
    pub cycle: Cycle,
    #[serde(flatten)]
    pub appeal: AppealView,
    pub full_name: String,
    pub reference: Option<String>,
    pub placement: Placement,
    pub facility: Facility,
    pub bond: Option<Vec<String>>,
    /// Whether the actor may decide (a placement coordinator) and the appeal is pending.
    pub may_decide: bool,
    /// Whether the actor may reassign now: upheld, not yet reassigned, the placement still live.
    pub may_reassign: bool,
    /// The facilities that qualify (listed when `may_reassign`).
    pub destinations: Vec<DestinationView>,
    /// Why none qualifies when the floor keeps the scholar where they are.
    pub floor_holds: bool,
}

/// What the rule needs to know about a cycle's facilities, read in one go.
struct Candidates {
    origin: Origin,
    floor: Floor,
    destinations: Vec<(Destination, Facility)>,
}

fn candidates(
    conn: &mut DbConn,
    cycle: &Cycle,
    placement: &Placement,
    current: &Facility,
) -> Result<Candidates, AppError> {
    let offered = cycle_store::vacancies_of(conn, cycle.id, None)?;
    let mut ids: Vec<i64> = offered.iter().map(|v| v.facility.id).collect();
    ids.push(placement.facility_id);
    let taken: std::collections::HashMap<i64, i64> =
        placement_store::seats_taken(conn, cycle.id, &ids)?.into_iter().collect();
    let origin = Origin {
        facility_id: placement.facility_id,
        need_score: current.need_score,
        live: taken.get(&placement.facility_id).copied().unwrap_or(0),
    };
    let destinations = offered
        .into_iter()
        .map(|v| {
            let d = Destination {
                facility_id: v.facility.id,
                county: v.facility.county.clone(),
                eligible: v.facility.eligible,
                eligible_until: v.facility.eligible_until,
                seats: v.seats,
                taken: taken.get(&v.facility.id).copied().unwrap_or(0),
            };
            (d, v.facility)
        })
        .collect();
    Ok(Candidates {
        origin,
        floor: Floor { need_score: cycle.floor_need_score, minimum: cycle.floor_minimum },
        destinations,
    })
}

pub fn counties_of(json: Option<&str>) -> Option<Vec<String>> {
    super::placement_cycles::counties_of(json)
}

pub fn appeal_file(conn: &mut DbConn, actor: &Actor, appeal_id: i64, today: NaiveDate) -> Result<AppealFile, AppError> {
    let (appeal, placement, facility, cycle) = readable_appeal(conn, actor, appeal_id)?;
    let scholar = store::scholar_contact(conn, placement.cycle_scholar_id)?;
    let bond = counties_of(scholar.allowed_counties.as_deref());
    let coordinator = actor.role == Role::PlacementCoordinator;
    let live = matches!(placement.state()?, PlacementStatus::Published | PlacementStatus::Accepted);
    let may_decide = coordinator && appeal.status == "pending";
    let may_reassign = coordinator && appeal.status == "upheld" && appeal.new_placement_id.is_none() && live;
    let mut destinations = Vec::new();
    let mut floor_holds = false;
    if may_reassign {
        let limits = placement_counties(conn, actor)?;
        let c = candidates(conn, &cycle, &placement, &facility)?;
        floor_holds = !rules::floor_allows_leaving(&c.origin, c.floor);
        for (d, f) in c.destinations {
            if rules::qualifies(&d, &c.origin, bond.as_deref(), c.floor, today).is_ok()
                && county_within(limits.as_deref(), &f.county)
            {
                destinations.push(DestinationView {
                    facility_id: f.id,
                    name: f.name,
                    county: f.county,
                    need_score: f.need_score,
                    free_seats: i64::from(d.seats) - d.taken,
                });
            }
        }
    }
    Ok(AppealFile {
        cycle,
        appeal: view(conn, appeal)?,
        full_name: scholar.full_name,
        reference: scholar.reference,
        placement,
        facility,
        bond,
        may_decide,
        may_reassign,
        destinations,
        floor_holds,
    })
}

/// A decision as posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Uphold,
    Reject,
}

impl Decision {
    pub fn parse(text: &str) -> Option<Decision> {
        match text {
            "uphold" => Some(Decision::Uphold),
            "reject" => Some(Decision::Reject),
            _ => None,
        }
    }

    fn status(self) -> &'static str {
        match self {
            Decision::Uphold => "upheld",
            Decision::Reject => "rejected",
        }
    }
}

fn tell_scholar(
    conn: &mut DbConn,
    i18n: &I18n,
    scholar: &ScholarContact,
    subject: (&str, Vec<(&str, String)>),
    body: (&str, Vec<(&str, String)>),
) -> Result<(), AppError> {
    let lang = scholar.language.as_str();
    outbox::enqueue(
        conn,
        &scholar.email,
        &i18n.t_args(lang, subject.0, &subject.1),
        &i18n.t_args(lang, body.0, &body.1),
    )?;
    Ok(())
}

/// Upholds or rejects a pending appeal with a reason the scholar reads. Guarded by the appeal's version: of two
/// coordinators deciding at once, one succeeds and the other is told the appeal changed.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    actor: &Actor,
    appeal_id: i64,
    version: i32,
    decision: Option<Decision>,
    reason: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let (appeal, placement, _, cycle) = appeal_to_decide(conn, actor, appeal_id)?;
        let mut errors = FieldErrors::new();
        if decision.is_none() {
            errors.insert("decision".into(), "appeal-error-decision".into());
        }
        if reason.trim().is_empty() {
            errors.insert("decision_reason".into(), "error-required".into());
        }
        let Some(decision) = decision.filter(|_| errors.is_empty()) else {
            return Err(AppError::Validation(errors));
        };
        if appeal.status != "pending" {
            return Err(AppError::Conflict("appeal-error-decided".into()));
        }
        let reason = reason.trim();
        store::decide(conn, &appeal, version, decision.status(), reason, actor.user_id, super::now())?;
        AuditEntry::new("decide_appeal", "placement_appeal", appeal_id)
            .before(&serde_json::json!({"status": appeal.status}))
            .after(&serde_json::json!({"status": decision.status(), "reason": reason}))
            .record(conn, &actor.origin())?;
        let scholar = store::scholar_contact(conn, placement.cycle_scholar_id)?;
        let body = match decision {
            Decision::Uphold => "mail-appeal-upheld-body",
            Decision::Reject => "mail-appeal-rejected-body",
        };
        tell_scholar(
            conn,
            i18n,
            &scholar,
            ("mail-appeal-decided-subject", vec![("cycle", cycle.title.clone())]),
            (
                body,
                vec![
                    ("cycle", cycle.title.clone()),
                    ("reason", reason.to_string()),
                    ("url", link(public_url, &format!("/my/placement/{}/appeal", cycle.id))),
                ],
            ),
        )
    })
}

/// Moves the scholar of an upheld appeal to a facility that qualifies: the old record becomes `reassigned`
/// (guarded by its version), a new record with origin `appeal` replaces it (accepted if the old one was,
/// published otherwise), the appeal points at it; the published run is not touched. The rule is checked again
/// here, after taking the row locks of both facilities' vacancies, so that two moves never share a last seat.
#[allow(clippy::too_many_arguments)]
pub fn reassign(
    conn: &mut DbConn,
    i18n: &I18n,
    public_url: &str,
    actor: &Actor,
    appeal_id: i64,
    version: i32,
    facility_id: Option<i64>,
    today: NaiveDate,
) -> Result<i64, AppError> {
    write_transaction(conn, |conn| {
        let (appeal, placement, current, cycle) = appeal_to_decide(conn, actor, appeal_id)?;
        if appeal.status != "upheld" || appeal.new_placement_id.is_some() {
            return Err(AppError::Conflict("appeal-error-not-reassignable".into()));
        }
        let Some(facility_id) = facility_id else {
            return Err(AppError::field("facility", "reassign-error-choose"));
        };
        // Both locks in id order, so that two moves between the same two facilities cannot wait on each other.
        let mut lock = [facility_id, placement.facility_id];
        lock.sort_unstable();
        for id in lock {
            store::lock_vacancy(conn, cycle.id, id)?;
        }
        let scholar = store::scholar_contact(conn, placement.cycle_scholar_id)?;
        let bond = counties_of(scholar.allowed_counties.as_deref());
        let limits = placement_counties(conn, actor)?;
        let c = candidates(conn, &cycle, &placement, &current)?;
        let (destination, facility) = c
            .destinations
            .into_iter()
            .find(|(d, _)| d.facility_id == facility_id)
            .ok_or_else(|| AppError::field("facility", "reassign-error-not-offered"))?;
        if !county_within(limits.as_deref(), &facility.county) {
            return Err(AppError::field("facility", "reassign-error-not-offered"));
        }
        rules::qualifies(&destination, &c.origin, bond.as_deref(), c.floor, today)
            .map_err(|r| AppError::field("facility", r.message_key()))?;
        let new_status = match placement.state()? {
            PlacementStatus::Accepted => PlacementStatus::Accepted,
            _ => PlacementStatus::Published,
        };
        placement_store::apply(conn, &placement, PlacementEvent::Reassign, &PlacementFacts::default())?;
        let at = super::now();
        let new_id = placement_store::insert_successor(
            conn,
            &placement,
            &Successor { facility_id, origin: "appeal", status: new_status, choice_rank: None, started_on: None },
            at,
        )?;
        store::set_new_placement(conn, appeal_id, version, new_id)?;
        AuditEntry::new("reassign_placement", "placement", placement.id)
            .before(&serde_json::json!({"status": placement.status, "facility": placement.facility_id}))
            .after(&serde_json::json!({"status": "reassigned", "appeal": appeal_id, "successor": new_id}))
            .record(conn, &actor.origin())?;
        AuditEntry::new("create_placement", "placement", new_id)
            .after(&serde_json::json!({"origin": "appeal", "appeal": appeal_id, "previous": placement.id,
                "facility": facility_id, "status": new_status.as_str()}))
            .record(conn, &actor.origin())?;
        tell_scholar(
            conn,
            i18n,
            &scholar,
            ("mail-reassigned-subject", vec![("cycle", cycle.title.clone())]),
            (
                "mail-reassigned-body",
                vec![
                    ("cycle", cycle.title.clone()),
                    ("facility", facility.name.clone()),
                    ("county", facility.county.clone()),
                    ("url", link(public_url, &format!("/my/placement/{}/appeal", cycle.id))),
                ],
            ),
        )?;
        for (email, lang) in store::supervisors_of(conn, facility_id)? {
            outbox::enqueue(
                conn,
                &email,
                &i18n.t_args(&lang, "mail-reassigned-supervisor-subject", &[("facility", facility.name.clone())]),
                &i18n.t_args(
                    &lang,
                    "mail-reassigned-supervisor-body",
                    &[
                        ("name", scholar.full_name.clone()),
                        ("reference", scholar.reference.clone().unwrap_or_default()),
                        ("facility", facility.name.clone()),
                        ("cycle", cycle.title.clone()),
                    ],
                ),
            )?;
        }
        Ok(new_id)
    })
}

/// The appeal's document, for the funder's placement coordinators only; each download audited.
pub async fn document(
    db: &Db,
    files: &Arc<dyn ObjectStore>,
    actor: &Actor,
    appeal_id: i64,
) -> Result<(&'static str, Bytes), AppError> {
    let actor = actor.clone();
    let key = db
        .run(move |conn| {
            let (appeal, _, _, _) = appeal_to_decide(conn, &actor, appeal_id)?;
            let key = appeal.document_key.ok_or(AppError::NotFound)?;
            AuditEntry::new("download_appeal_document", "placement_appeal", appeal_id).record(conn, &actor.origin())?;
            Ok(key)
        })
        .await?;
    super::documents::read_file(files, &key).await
}
