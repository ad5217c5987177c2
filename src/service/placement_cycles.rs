//! Placement cycles as a placement coordinator runs them: opening one, the scholars it takes in (added or
//! taken out with a reason, a priority tier granted with a document), floors and regional caps, and the bond
//! counties of a programme. Every change is audited in its own transaction.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use chrono::{NaiveDate, NaiveDateTime};
use object_store::ObjectStore;
use serde::Serialize;

use super::access::{cycle_to_change, readable_cycle};
use super::Actor;
use crate::db::{write_transaction, Db, DbConn};
use crate::domain::placement::{self as rules, CycleDates, BINDING_AWARD_STATUSES};
use crate::domain::review::{average_hundredths, ConflictDeclaration};
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::store::audit::AuditEntry;
use crate::store::placement_cycles::{
    self as store, Candidate, Cycle, CycleCounts, ListedScholar, NewCycle, NewScholar,
};
use crate::store::programmes::{self as programmes, Programme};
use crate::store::reviews;

pub use crate::store::placement_cycles::CycleScholar;

/// The organisation whose cycles the actor may read (None: all, for an administrator).
fn cycle_scope(actor: &Actor) -> Result<Option<i64>, AppError> {
    actor.require(&[Role::PlacementCoordinator, Role::Administrator])?;
    actor.organisation_scope()
}

/// The coordinator's home: the funder's cycles, newest first.
pub fn list(conn: &mut DbConn, actor: &Actor) -> Result<Vec<Cycle>, AppError> {
    let scope = cycle_scope(actor)?;
    store::list(conn, scope)
}

/// The programmes a coordinator may open a cycle for: their organisation's.
pub fn programmes_for_new_cycle(conn: &mut DbConn, actor: &Actor) -> Result<Vec<Programme>, AppError> {
    actor.require(&[Role::PlacementCoordinator])?;
    let organisation = actor.organisation_id.ok_or(AppError::Forbidden)?;
    programmes::programmes_of(conn, organisation)
}

/// A new cycle as typed and read.
pub struct CycleInput {
    pub title: String,
    pub programme_ids: Vec<i64>,
    pub dates: CycleDates,
    pub max_choices: i32,
}

/// Opens a cycle and takes in the scholars of its programmes who graduate in its window.
pub fn create(conn: &mut DbConn, actor: &Actor, input: &CycleInput) -> Result<i64, AppError> {
    let own = programmes_for_new_cycle(conn, actor)?;
    let mut errors = input.dates.errors();
    if input.title.trim().is_empty() {
        errors.insert("title".into(), "error-required".into());
    }
    if let Err(key) = rules::check_max_choices(input.max_choices) {
        errors.insert("max_choices".into(), key.into());
    }
    let chosen: Vec<&Programme> = own.iter().filter(|p| input.programme_ids.contains(&p.id)).collect();
    if input.programme_ids.is_empty() {
        errors.insert("programmes".into(), "error-cycle-programmes-none".into());
    } else if chosen.len() != input.programme_ids.len() {
        // A programme of another funder (or none at all) was posted: say nothing about it.
        errors.insert("programmes".into(), "error-cycle-programmes-none".into());
    } else if chosen.iter().any(|p| p.cadre != chosen[0].cadre) {
        errors.insert("programmes".into(), "error-cycle-programmes-cadre".into());
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let organisation_id = actor.organisation_id.ok_or(AppError::Forbidden)?;
    let cadre = chosen[0].cadre.clone();
    let d = &input.dates;
    write_transaction(conn, |conn| {
        let id = store::insert(
            conn,
            &NewCycle {
                organisation_id,
                title: input.title.trim(),
                cadre: &cadre,
                graduation_from: d.graduation_from,
                graduation_until: d.graduation_until,
                choices_open_at: d.choices_open_at,
                choices_close_at: d.choices_close_at,
                match_on: d.match_on,
                publish_on: d.publish_on,
                acceptance_deadline: d.acceptance_deadline,
                appeal_until: d.appeal_until,
                service_start_from: d.service_start_from,
                service_start_until: d.service_start_until,
                max_choices: input.max_choices,
                created_by: actor.user_id,
                created_at: super::now(),
            },
            &input.programme_ids,
        )?;
        let cycle = store::find(conn, id)?;
        let added = take_in_eligible(conn, &cycle)?;
        AuditEntry::new("create_cycle", "placement_cycle", id)
            .after(&serde_json::json!({
                "title": cycle.title, "cadre": cycle.cadre, "programmes": input.programme_ids,
                "graduation_from": cycle.graduation_from, "graduation_until": cycle.graduation_until,
                "choices_open_at": cycle.choices_open_at, "choices_close_at": cycle.choices_close_at,
                "match_on": cycle.match_on, "publish_on": cycle.publish_on,
                "acceptance_deadline": cycle.acceptance_deadline, "appeal_until": cycle.appeal_until,
                "service_start_from": cycle.service_start_from, "service_start_until": cycle.service_start_until,
                "max_choices": cycle.max_choices, "scholars_taken_in": added,
            }))
            .record(conn, &actor.origin())?;
        Ok(id)
    })
}

/// The review score that put each application of a call over the funding line: the average of the
/// reviewers' totals who declared no conflict, in hundredths (as the ranking computes it).
fn review_scores(conn: &mut DbConn, call_id: i64) -> Result<HashMap<i64, i32>, AppError> {
    let mut totals: HashMap<i64, Vec<u32>> = HashMap::new();
    for (assignment, _) in reviews::of_call(conn, call_id)? {
        let counted = assignment.declaration.as_deref() == Some(ConflictDeclaration::None.as_str());
        if let (true, Some(total)) = (counted, assignment.total_hundredths) {
            totals.entry(assignment.application_id).or_default().push(u32::try_from(total).unwrap_or(0));
        }
    }
    Ok(totals
        .into_iter()
        .filter_map(|(id, t)| average_hundredths(&t).map(|a| (id, i32::try_from(a).unwrap_or(i32::MAX))))
        .collect())
}

/// Adds a candidate as a scholar of the cycle: tier 1 (everyone without special circumstances), the review score, the programme's bond counties.
fn add_candidate(
    conn: &mut DbConn,
    cycle: &Cycle,
    candidate: &Candidate,
    scores: &mut BTreeMap<i64, HashMap<i64, i32>>,
    note: &str,
) -> Result<i64, AppError> {
    if let std::collections::btree_map::Entry::Vacant(entry) = scores.entry(candidate.call_id) {
        entry.insert(review_scores(conn, candidate.call_id)?);
    }
    let score = scores.get(&candidate.call_id).and_then(|s| s.get(&candidate.application_id)).copied();
    store::insert_scholar(
        conn,
        &NewScholar {
            cycle_id: cycle.id,
            award_id: candidate.award_id,
            membership_note: note,
            score_hundredths: score,
            allowed_counties: candidate.bond_counties.as_deref(),
        },
    )
}

/// Takes in every binding award of the cycle's programmes graduating in its window not in it yet (a scholar
/// the coordinator took out stays out). Returns how many were added.
fn take_in_eligible(conn: &mut DbConn, cycle: &Cycle) -> Result<usize, AppError> {
    let programme_ids: Vec<i64> = store::programmes_of(conn, cycle.id)?.iter().map(|p| p.id).collect();
    let candidates = store::binding_awards(
        conn,
        &programme_ids,
        &BINDING_AWARD_STATUSES,
        cycle.graduation_from,
        cycle.graduation_until,
    )?;
    let mut scores = BTreeMap::new();
    let mut added = 0;
    for candidate in candidates {
        if store::scholar_of_award(conn, cycle.id, candidate.award_id)?.is_none() {
            add_candidate(conn, cycle, &candidate, &mut scores, "")?;
            added += 1;
        }
    }
    Ok(added)
}

fn require_open(cycle: &Cycle) -> Result<(), AppError> {
    if cycle.status == "open" {
        Ok(())
    } else {
        Err(AppError::Conflict("error-cycle-published".into()))
    }
}

/// "Take in new awards": adds the awards that became binding (or graduate in the window) since.
pub fn take_in_new(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<usize, AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        require_open(&cycle)?;
        let added = take_in_eligible(conn, &cycle)?;
        AuditEntry::new("take_in_scholars", "placement_cycle", cycle_id)
            .after(&serde_json::json!({"added": added}))
            .record(conn, &actor.origin())?;
        Ok(added)
    })
}

/// A scholar in the list, with their partner's reference when both named each other.
#[derive(Debug, Serialize)]
pub struct ScholarView {
    #[serde(flatten)]
    pub listed: ListedScholar,
    pub partner_reference: Option<String>,
    pub has_tier_document: bool,
    pub allowed: Option<Vec<String>>,
}

/// Everything the cycle page shows.
#[derive(Debug, Serialize)]
pub struct CycleFile {
    pub cycle: Cycle,
    pub programmes: Vec<Programme>,
    pub counts: CycleCounts,
    pub scholars: Vec<ScholarView>,
    pub region_caps: Vec<(String, i32)>,
}

pub fn counties_of(json: Option<&str>) -> Option<Vec<String>> {
    json.and_then(|j| serde_json::from_str(j).ok())
}

pub fn cycle_file(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<CycleFile, AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let programmes = store::programmes_of(conn, cycle_id)?;
    let counts = store::counts(conn, cycle_id)?;
    let listed = store::scholars_of(conn, cycle_id)?;
    let by_id: HashMap<i64, (Option<i64>, Option<String>)> =
        listed.iter().map(|l| (l.scholar.id, (l.scholar.partner_request, l.reference.clone()))).collect();
    let scholars = listed
        .into_iter()
        .map(|l| {
            let partner_reference = l.scholar.partner_request.and_then(|p| {
                by_id.get(&p).filter(|(back, _)| *back == Some(l.scholar.id)).and_then(|(_, r)| r.clone())
            });
            ScholarView {
                partner_reference,
                has_tier_document: l.scholar.tier_document_key.is_some(),
                allowed: counties_of(l.scholar.allowed_counties.as_deref()),
                listed: l,
            }
        })
        .collect();
    let region_caps = store::region_caps(conn, cycle_id)?;
    Ok(CycleFile { cycle, programmes, counts, scholars, region_caps })
}

/// The cycle with its figures (for the API).
pub fn cycle_with_counts(conn: &mut DbConn, actor: &Actor, cycle_id: i64) -> Result<(Cycle, CycleCounts), AppError> {
    let cycle = readable_cycle(conn, actor, cycle_id)?;
    let counts = store::counts(conn, cycle_id)?;
    Ok((cycle, counts))
}

fn reason_required(reason: &str) -> Result<&str, AppError> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(AppError::field("reason", "error-required"))
    } else {
        Ok(reason)
    }
}

/// Adds a scholar by their award's reference: a binding award of the funder in the cycle's cadre. A scholar
/// taken out before comes back in.
pub fn add_scholar(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    reference: &str,
    reason: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        require_open(&cycle)?;
        let mut errors = FieldErrors::new();
        let reference = reference.trim();
        let candidate = if reference.is_empty() {
            errors.insert("reference".into(), "error-required".into());
            None
        } else {
            // Another funder's award reads as unknown, so that references cannot be probed.
            let found =
                store::candidate_by_reference(conn, reference)?.filter(|c| c.organisation_id == cycle.organisation_id);
            match found {
                None => {
                    errors.insert("reference".into(), "error-cycle-award-unknown".into());
                    None
                }
                Some(c) if !BINDING_AWARD_STATUSES.contains(&c.status.as_str()) => {
                    errors.insert("reference".into(), "error-cycle-award-not-binding".into());
                    None
                }
                Some(c) if c.cadre != cycle.cadre => {
                    errors.insert("reference".into(), "error-cycle-award-cadre".into());
                    None
                }
                Some(c) => Some(c),
            }
        };
        if reason.trim().is_empty() {
            errors.insert("reason".into(), "error-required".into());
        }
        let Some(candidate) = candidate.filter(|_| errors.is_empty()) else {
            return Err(AppError::Validation(errors));
        };
        let reason = reason.trim();
        let id = match store::scholar_of_award(conn, cycle_id, candidate.award_id)? {
            Some(existing) if existing.included => {
                return Err(AppError::field("reference", "error-cycle-award-already-in"));
            }
            Some(existing) => {
                store::set_membership(conn, &existing, true, reason)?;
                existing.id
            }
            None => add_candidate(conn, &cycle, &candidate, &mut BTreeMap::new(), reason)?,
        };
        AuditEntry::new("add_cycle_scholar", "placement_cycle", cycle_id)
            .after(&serde_json::json!({"scholar": id, "award": candidate.award_id, "reference": reference, "reason": reason}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// Takes a scholar out of the cycle with a reason (the row stays, so that "take in" does not add them back).
pub fn remove_scholar(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    scholar_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        let scholar = store::find_scholar(conn, cycle_id, scholar_id)?;
        let reason = reason_required(reason)?;
        require_open(&cycle)?;
        if !scholar.included {
            return Err(AppError::Conflict("error-cycle-scholar-already-out".into()));
        }
        store::set_membership(conn, &scholar, false, reason)?;
        AuditEntry::new("remove_cycle_scholar", "placement_cycle", cycle_id)
            .before(&serde_json::json!({"scholar": scholar_id, "award": scholar.award_id, "included": true}))
            .after(&serde_json::json!({"scholar": scholar_id, "included": false, "reason": reason}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// A priority tier as asked for: the tier, the special circumstances, and the document that shows them.
pub struct TierGrant {
    pub tier: i32,
    pub reason: String,
    pub document: Option<Bytes>,
}

/// Grants a scholar a priority tier (lower tiers are served first) for special circumstances, with the
/// reason and the document that shows them. The document is checked (size, type from its bytes) and stored
/// under a random name before the change is written; if the write fails, the file is deleted again.
pub async fn grant_tier(
    db: &Db,
    files: &Arc<dyn ObjectStore>,
    actor: &Actor,
    cycle_id: i64,
    scholar_id: i64,
    grant: TierGrant,
) -> Result<(), AppError> {
    let TierGrant { tier, reason, document } = grant;
    let check = actor.clone();
    db.run(move |conn| {
        cycle_to_change(conn, &check, cycle_id)?;
        store::find_scholar(conn, cycle_id, scholar_id).map(|_| ())
    })
    .await?;
    let mut errors = FieldErrors::new();
    if !(0..=9).contains(&tier) {
        errors.insert("tier".into(), "error-tier-range".into());
    }
    if reason.trim().is_empty() {
        errors.insert("reason".into(), "error-required".into());
    }
    if document.as_ref().is_none_or(|d| d.is_empty()) {
        errors.insert("file".into(), "error-file-empty".into());
    }
    let Some(document) = document.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let stored = super::documents::store_file(files, document).await?;
    let key = stored.storage_key.clone();
    let actor = actor.clone();
    let saved = db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let cycle = cycle_to_change(conn, &actor, cycle_id)?;
                require_open(&cycle)?;
                let scholar = store::find_scholar(conn, cycle_id, scholar_id)?;
                let reason = reason.trim();
                store::set_tier(conn, &scholar, tier, reason, Some(&key))?;
                AuditEntry::new("grant_priority_tier", "placement_cycle", cycle_id)
                    .before(&serde_json::json!({"scholar": scholar_id, "tier": scholar.priority_tier, "reason": scholar.tier_reason}))
                    .after(&serde_json::json!({"scholar": scholar_id, "tier": tier, "reason": reason,
                        "document_type": stored.content_type, "document_bytes": stored.size}))
                    .record(conn, &actor.origin())?;
                Ok(scholar.tier_document_key)
            })
        })
        .await;
    match saved {
        Ok(replaced) => {
            // The old document is no longer referenced; losing this delete only leaves an orphan.
            if let Some(old) = replaced {
                let _ = files.delete(&object_store::path::Path::from(old.as_str())).await;
            }
            Ok(())
        }
        Err(e) => {
            let _ = files.delete(&object_store::path::Path::from(stored.storage_key.as_str())).await;
            Err(e)
        }
    }
}

/// The document behind a scholar's tier, for the funder's placement coordinators only; each download audited.
pub async fn tier_document(
    db: &Db,
    files: &Arc<dyn ObjectStore>,
    actor: &Actor,
    cycle_id: i64,
    scholar_id: i64,
) -> Result<(&'static str, Bytes), AppError> {
    let actor = actor.clone();
    let key = db
        .run(move |conn| {
            cycle_to_change(conn, &actor, cycle_id)?;
            let scholar = store::find_scholar(conn, cycle_id, scholar_id)?;
            let key = scholar.tier_document_key.ok_or(AppError::NotFound)?;
            AuditEntry::new("download_tier_document", "placement_cycle", cycle_id)
                .after(&serde_json::json!({"scholar": scholar_id}))
                .record(conn, &actor.origin())?;
            Ok(key)
        })
        .await?;
    super::documents::read_file(files, &key).await
}

/// Sets the floor: facilities with at least this need score should get at least this many placements.
pub fn set_floor(
    conn: &mut DbConn,
    actor: &Actor,
    cycle_id: i64,
    version: i32,
    need_score: Option<i32>,
    minimum: i32,
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        require_open(&cycle)?;
        let errors = rules::check_floor(need_score, minimum);
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        store::set_floor(conn, cycle_id, version, need_score, minimum)?;
        AuditEntry::new("set_cycle_floor", "placement_cycle", cycle_id)
            .before(
                &serde_json::json!({"floor_need_score": cycle.floor_need_score, "floor_minimum": cycle.floor_minimum}),
            )
            .after(&serde_json::json!({"floor_need_score": need_score, "floor_minimum": minimum}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// Sets (adds or changes) a county's cap; a coordinator limited to counties sets only theirs.
pub fn set_region_cap(conn: &mut DbConn, actor: &Actor, cycle_id: i64, county: &str, cap: i32) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        require_open(&cycle)?;
        let county = known_county(conn, actor, county)?;
        if cap < 0 {
            return Err(AppError::field("cap", "error-cap-negative"));
        }
        let before = store::put_region_cap(conn, cycle_id, &county, cap)?;
        AuditEntry::new("set_region_cap", "placement_cycle", cycle_id)
            .before(&serde_json::json!({"county": county, "cap": before}))
            .after(&serde_json::json!({"county": county, "cap": cap}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

pub fn remove_region_cap(conn: &mut DbConn, actor: &Actor, cycle_id: i64, county: &str) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let cycle = cycle_to_change(conn, actor, cycle_id)?;
        require_open(&cycle)?;
        let county = known_county(conn, actor, county)?;
        let before = store::delete_region_cap(conn, cycle_id, &county)?.ok_or(AppError::NotFound)?;
        AuditEntry::new("remove_region_cap", "placement_cycle", cycle_id)
            .before(&serde_json::json!({"county": county, "cap": before}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// A county of the registry, spelled as the registry spells it, within the actor's counties.
fn known_county(conn: &mut DbConn, actor: &Actor, typed: &str) -> Result<String, AppError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(AppError::field("county", "error-required"));
    }
    let county = crate::store::facilities::counties(conn)?
        .into_iter()
        .map(|(c, _)| c)
        .find(|c| c.eq_ignore_ascii_case(typed))
        .ok_or_else(|| AppError::field("county", "error-county-unknown"))?;
    let limits = super::access::placement_counties(conn, actor)?;
    if !rules::county_within(limits.as_deref(), &county) {
        return Err(AppError::field("county", "error-county-outside"));
    }
    Ok(county)
}

/// The counties of the registry (for the bond form and the caps form).
pub fn registry_counties(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    Ok(crate::store::facilities::counties(conn)?.into_iter().map(|(c, _)| c).collect())
}

/// Sets where a programme's scholars may serve: anywhere (None) or these counties of the registry. Programme
/// officers of the funder only; audited.
pub fn set_bond_counties(
    conn: &mut DbConn,
    actor: &Actor,
    programme_id: i64,
    anywhere: bool,
    counties: &[String],
) -> Result<(), AppError> {
    write_transaction(conn, |conn| {
        let programme = super::programmes::managed_programme(conn, actor, programme_id)?;
        let known = registry_counties(conn)?;
        let mut chosen: Vec<String> = Vec::new();
        for typed in counties {
            match known.iter().find(|k| k.eq_ignore_ascii_case(typed.trim())) {
                Some(k) if !chosen.contains(k) => chosen.push(k.clone()),
                Some(_) => {}
                None => return Err(AppError::field("counties", "error-county-unknown")),
            }
        }
        if !anywhere && chosen.is_empty() {
            return Err(AppError::field("counties", "error-bond-counties-none"));
        }
        chosen.sort();
        let json = if anywhere {
            None
        } else {
            Some(serde_json::to_string(&chosen).map_err(|e| AppError::Internal(e.to_string()))?)
        };
        store::set_bond_counties(conn, programme_id, json.as_deref())?;
        AuditEntry::new("set_bond_counties", "programme", programme_id)
            .before(&serde_json::json!({"bond_counties": counties_of(programme.bond_counties.as_deref())}))
            .after(&serde_json::json!({"bond_counties": if anywhere { None } else { Some(&chosen) }}))
            .record(conn, &actor.origin())?;
        Ok(())
    })
}

/// Is the cycle open for the scholars' choices now?
pub fn choices_open_now(cycle: &Cycle, now: NaiveDateTime) -> bool {
    rules::choices_open(cycle.choices_open_at, cycle.choices_close_at, cycle.status == "published", now)
}

/// Today's date in UTC, as the rules read it.
pub fn today() -> NaiveDate {
    super::now().date()
}
