//! The start of service: a facility's supervisor confirms a scholar's arrival and first day, which starts the
//! placement and opens the scholar's first service period; scholars who have not started by the end of the
//! cycle's window are flagged to the compliance coordinators by a job.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use super::Actor;
use crate::db::{write_transaction, DbConn};
use crate::domain::placement_state::PlacementEvent;
use crate::domain::role::Role;
use crate::domain::service_start::check_start;
use crate::error::AppError;
use crate::i18n::I18n;
use crate::store::audit::{AuditEntry, Origin};
use crate::store::facilities::{self as facilities_store, Facility};
use crate::store::placements::{self, PlacementFacts};
use crate::store::service_periods::{self as store, Arrival};
use crate::store::{compliance, outbox, placement_cycles};

/// A supervisor's facility with the scholars arriving (accepted) and serving (started) there.
#[derive(Debug, Serialize)]
pub struct FacilityArrivals {
    pub facility: Facility,
    pub arriving: Vec<Arrival>,
    pub started: Vec<Arrival>,
}

/// The supervisor's arrivals: for each of their facilities, who is expected and who has started.
pub fn arrivals(conn: &mut DbConn, actor: &Actor) -> Result<Vec<FacilityArrivals>, AppError> {
    actor.require(&[Role::FacilitySupervisor])?;
    let ids = facilities_store::facilities_of_supervisor(conn, actor.user_id)?;
    let all = store::arrivals_at(conn, &ids)?;
    let mut out = Vec::new();
    for id in ids {
        let facility = facilities_store::find(conn, id)?;
        let (started, arriving) =
            all.iter().filter(|a| a.facility_id == id).cloned().partition(|a: &Arrival| a.status == "started");
        out.push(FacilityArrivals { facility, arriving, started });
    }
    out.sort_by(|a, b| a.facility.name.cmp(&b.facility.name));
    Ok(out)
}

/// The supervisor confirms that the scholar of an accepted placement at one of their facilities arrived and
/// started on `started_on`. Refused (as "not found") for anyone but a supervisor of that facility; a date
/// before the placement or in the future is refused next to the field; a date outside the cycle's window is
/// accepted and flagged late. Starts the placement (version-guarded), opens the first service period, audits,
/// and tells the scholar.
pub fn confirm_start(
    conn: &mut DbConn,
    i18n: &I18n,
    actor: &Actor,
    placement_id: i64,
    version: Option<i32>,
    started_on: Result<NaiveDate, &'static str>,
    today: NaiveDate,
) -> Result<(), AppError> {
    actor.require(&[Role::FacilitySupervisor]).map_err(|_| AppError::NotFound)?;
    write_transaction(conn, |conn| {
        let placement = placements::find(conn, placement_id)?;
        if !facilities_store::is_supervisor_of(conn, actor.user_id, placement.facility_id)? {
            tracing::warn!(actor = actor.user_id, placement = placement_id, "refused start at another facility");
            return Err(AppError::NotFound);
        }
        let version = version.ok_or_else(|| AppError::BadRequest("the form has no valid \"version\" field".into()))?;
        if placement.version != version {
            return Err(AppError::Conflict("placement-error-changed".into()));
        }
        if placement.status != "accepted" {
            return Err(AppError::Conflict("placement-error-state".into()));
        }
        let started_on = started_on.map_err(|key| AppError::field("started_on", key))?;
        let holder = store::holder(conn, placement.cycle_scholar_id)?;
        let cycle = placement_cycles::find(conn, holder.cycle_id)?;
        let late = check_start(
            started_on,
            placement.published_at.date(),
            today,
            (cycle.service_start_from, cycle.service_start_until),
        )
        .map_err(|r| AppError::field("started_on", r.message_key()))?;
        let facts = PlacementFacts {
            started_on: Some(started_on),
            start_confirmed_by: Some(actor.user_id),
            start_late: Some(late),
            ..PlacementFacts::default()
        };
        placements::apply(conn, &placement, PlacementEvent::Start, &facts)?;
        let at = super::now();
        let period_id = store::open(conn, placement.award_id, placement.id, placement.facility_id, started_on, at)?;
        let after = placements::find(conn, placement.id)?;
        AuditEntry::new("placement.start_confirmed", "placement", placement.id)
            .before(&placement)
            .after(&serde_json::json!({"placement": after, "service_period_id": period_id}))
            .record(conn, &actor.origin())?;
        let (facility, county) = store::facility_label(conn, placement.facility_id)?;
        let lang = holder.language.as_str();
        let late_note = if late { i18n.t(lang, "mail-start-late-note") } else { String::new() };
        outbox::enqueue(
            conn,
            &holder.email,
            &i18n.t_args(lang, "mail-start-confirmed-subject", &[("facility", facility.clone())]),
            &i18n.t_args(
                lang,
                "mail-start-confirmed-body",
                &[
                    ("facility", facility),
                    ("county", county),
                    ("date", started_on.to_string()),
                    ("cycle", cycle.title.clone()),
                    ("late", late_note),
                ],
            ),
        )?;
        Ok(())
    })
}

/// The job at the end of a cycle's start-of-service window: every placement still accepted and not started is
/// flagged `service_not_started` (once: a second run raises nothing new and sends nothing), and the cycle
/// organisation's compliance coordinators get one e-mail listing the new flags. Runs in the job's transaction.
pub fn flag_not_started(
    conn: &mut DbConn,
    i18n: &I18n,
    origin: &Origin,
    cycle_id: i64,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let cycle = placement_cycles::find(conn, cycle_id)?;
    let mut names = Vec::new();
    for placement in store::accepted_in_cycle(conn, cycle_id)? {
        let holder = store::holder(conn, placement.cycle_scholar_id)?;
        let reference = holder.reference.clone().unwrap_or_default();
        let detail = format!("not started by {}", cycle.service_start_until);
        if compliance::raise(conn, placement.award_id, placement.id, compliance::SERVICE_NOT_STARTED, &detail, now)? {
            AuditEntry::new("placement.service_not_started", "placement", placement.id)
                .after(&serde_json::json!({"kind": compliance::SERVICE_NOT_STARTED, "window_end": cycle.service_start_until}))
                .record(conn, origin)?;
            names.push(format!("{} ({reference})", holder.full_name));
        }
    }
    if !names.is_empty() {
        for (email, lang) in store::staff_addresses(conn, cycle.organisation_id, Role::ComplianceCoordinator.as_str())?
        {
            outbox::enqueue(
                conn,
                &email,
                &i18n.t_args(&lang, "mail-not-started-subject", &[("cycle", cycle.title.clone())]),
                &i18n.t_args(
                    &lang,
                    "mail-not-started-body",
                    &[
                        ("cycle", cycle.title.clone()),
                        ("until", cycle.service_start_until.to_string()),
                        ("count", names.len().to_string()),
                        ("names", names.join("\n")),
                    ],
                ),
            )?;
        }
    }
    Ok(names.len())
}
