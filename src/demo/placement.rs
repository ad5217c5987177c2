//! The demo's placement season. The ministry runs a cycle for about 200 nursing scholars who graduate in a few
//! months: a national programme and a bonded one (Turkana and its neighbours), ranked choices over real Kenyan
//! facilities, vacancies, floors and a regional cap, a couple and one scholar with special circumstances; the
//! cycle is ready to run. The foundation's midwives graduated last month; their cycle's choices are closed.
//!
//! The scholars, their scores and their choices are made up, drawn by a seeded generator so that every load
//! gives the same demo; the facilities, their counties and levels are the real registry's.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::{ensure_programme_and_call, ensure_user, DemoProgramme, FIRST, LAST};
use crate::db::DbConn;
use crate::domain::application::reference_number;
use crate::domain::matching::prng::SplitMix64;
use crate::domain::programme::ProgrammeTerms;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::schema::{
    cycle_region_caps, cycle_scholars, facilities, placement_cycle_programmes, placement_cycles, programmes,
    scholar_choices, vacancies,
};
use crate::store::applications::{self as apps, Submission};
use crate::store::awards::{self, AwardChange, NewAward};
use crate::store::{now, programmes as programme_store, users};

/// The counties the bonded programmes allow.
const NORTH_WEST: [&str; 4] = ["Turkana", "West Pokot", "Samburu", "Marsabit"];
const ARID_NORTH: [&str; 7] = ["Turkana", "Marsabit", "Mandera", "Wajir", "Garissa", "Isiolo", "Samburu"];

/// More family names than the applications use, so that the scholars' names differ.
const MORE_LAST: [&str; 14] = [
    "Odhiambo",
    "Njoroge",
    "Hussein",
    "Chepkoech",
    "Ekai",
    "Wambui",
    "Omondi",
    "Koech",
    "Ali",
    "Nyambura",
    "Lotukoi",
    "Mutua",
    "Adan",
    "Akinyi",
];

/// The cycles the demo made.
#[derive(Debug, Clone, Copy)]
pub struct DemoCycles {
    /// The ministry's nursing cycle: choices open, ready to run.
    pub ministry: i64,
    /// The foundation's midwifery cycle: choices closed.
    pub foundation: i64,
}

struct Intake<'a> {
    organisation_code: &'a str,
    programme: DemoProgramme<'a>,
    bond: Option<&'a [&'a str]>,
    scholars: usize,
    graduation: NaiveDate,
    first_number: usize,
}

/// A scholar of the demo: their award, reference and home county.
struct Scholar {
    award_id: i64,
    home_county: String,
    bond: Option<Vec<String>>,
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn at_noon(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_opt(12, 0, 0).unwrap_or_default()
}

/// Loads the placement season once; a second load finds the cycles and adds nothing. Needs the facility
/// registry with its need scores, and the funders of [`super::load_funders`].
pub fn load(conn: &mut DbConn, password_hash: &str) -> Result<DemoCycles, AppError> {
    let ministry_org = organisation(conn, "MOH")?;
    let foundation_org = organisation(conn, "RHSF")?;
    if let (Some(ministry), Some(foundation)) =
        (find_cycle(conn, ministry_org, MINISTRY_CYCLE)?, find_cycle(conn, foundation_org, FOUNDATION_CYCLE)?)
    {
        return Ok(DemoCycles { ministry, foundation });
    }
    let today = now().date();
    let in_months = |days: i64| today + Duration::days(days);
    let ministry_graduation = in_months(180);
    let foundation_graduation = today - Duration::days(30);
    let typical = ProgrammeTerms::typical;
    let intakes = [
        Intake {
            organisation_code: "MOH",
            programme: DemoProgramme {
                organisation_id: ministry_org,
                name: "Rural Nursing Scholarship",
                cadre: "nursing",
                description: "",
                terms: typical(),
                call_title: "Rural Nursing Scholarship intake 2023",
                seats: 200,
                budget_minor: 30_000_000_000,
            },
            bond: None,
            scholars: 171,
            graduation: ministry_graduation,
            first_number: 1,
        },
        Intake {
            organisation_code: "MOH",
            programme: DemoProgramme {
                organisation_id: ministry_org,
                name: "North-West Nursing Bond",
                cadre: "nursing",
                description: "Nursing students from Turkana, West Pokot, Samburu and Marsabit, bonded to serve there.",
                terms: ProgrammeTerms { min_service_years: 3.0, ..typical() },
                call_title: "North-West Nursing Bond intake 2023",
                seats: 30,
                budget_minor: 4_500_000_000,
            },
            bond: Some(&NORTH_WEST),
            scholars: 30,
            graduation: ministry_graduation + Duration::days(14),
            first_number: 172,
        },
        Intake {
            organisation_code: "RHSF",
            programme: DemoProgramme {
                organisation_id: foundation_org,
                name: "Midwives for the North",
                cadre: "midwifery",
                description: "",
                terms: typical(),
                call_title: "Midwives for the North intake 2023",
                seats: 40,
                budget_minor: 4_800_000_000,
            },
            bond: Some(&ARID_NORTH),
            scholars: 40,
            graduation: foundation_graduation,
            first_number: 1,
        },
    ];
    // Two officers each: one proposed the award, the other approved it (the database checks they differ).
    let ministry_officers =
        (staff(conn, "officer@moh.demo.ruralserve.org")?, staff(conn, "approver@moh.demo.ruralserve.org")?);
    let foundation_officers =
        (staff(conn, "officer@rhsf.demo.ruralserve.org")?, staff(conn, "approver@rhsf.demo.ruralserve.org")?);
    let mut ministry_scholars = Vec::new();
    let mut foundation_scholars = Vec::new();
    let mut programme_ids = Vec::new();
    for intake in &intakes {
        let call_id = ensure_programme_and_call(conn, &intake.programme)?;
        let programme_id = programme_store::find_call(conn, call_id)?.programme_id;
        let bond = intake.bond.map(|counties| counties.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        let bond_json = bond.as_ref().map(serde_json::to_string).transpose().map_err(internal)?;
        diesel::update(programmes::table.find(programme_id))
            .set(programmes::bond_counties.eq(bond_json))
            .execute(conn)?;
        close_as_past_intake(conn, call_id)?;
        let by = if intake.organisation_code == "MOH" { ministry_officers } else { foundation_officers };
        let scholars = seed_scholars(conn, password_hash, intake, call_id, by, bond.as_deref())?;
        if intake.organisation_code == "MOH" {
            programme_ids.push(programme_id);
            ministry_scholars.extend(scholars);
        } else {
            foundation_scholars.extend(scholars);
        }
    }
    let coordinator = staff(conn, "placement@moh.demo.ruralserve.org")?;
    let ministry = insert_cycle(
        conn,
        &CycleSeed {
            organisation_id: ministry_org,
            title: MINISTRY_CYCLE,
            cadre: "nursing",
            programmes: &programme_ids,
            graduation: (ministry_graduation - Duration::days(60), ministry_graduation + Duration::days(60)),
            choices: (at_noon(today - Duration::days(14)), at_noon(today + Duration::days(30))),
            match_on: today + Duration::days(35),
            max_choices: 10,
            floor: Some((25, 1)),
            created_by: coordinator,
        },
    )?;
    diesel::insert_into(cycle_region_caps::table)
        .values((
            cycle_region_caps::cycle_id.eq(ministry),
            cycle_region_caps::county.eq("Nairobi"),
            cycle_region_caps::cap.eq(4),
        ))
        .execute(conn)?;
    let ministry_facilities = offer_vacancies(conn, ministry, coordinator, None, 3)?;
    let applicant = staff(conn, "applicant@demo.ruralserve.org")?;
    seed_cycle_scholars(conn, ministry, &ministry_scholars, &ministry_facilities, 10, Some(applicant))?;

    let foundation_coordinator = staff(conn, "placement@rhsf.demo.ruralserve.org")?;
    let foundation_programme = programme_store::find_programme_by_name(conn, foundation_org, "Midwives for the North")?
        .ok_or(AppError::NotFound)?;
    let foundation = insert_cycle(
        conn,
        &CycleSeed {
            organisation_id: foundation_org,
            title: FOUNDATION_CYCLE,
            cadre: "midwifery",
            programmes: &[foundation_programme.id],
            graduation: (foundation_graduation - Duration::days(45), foundation_graduation + Duration::days(15)),
            choices: (at_noon(today - Duration::days(45)), at_noon(today - Duration::days(10))),
            match_on: today - Duration::days(5),
            max_choices: 5,
            floor: None,
            created_by: foundation_coordinator,
        },
    )?;
    let foundation_facilities = offer_vacancies(conn, foundation, foundation_coordinator, Some(&ARID_NORTH), 7)?;
    seed_cycle_scholars(conn, foundation, &foundation_scholars, &foundation_facilities, 5, None)?;
    Ok(DemoCycles { ministry, foundation })
}

const MINISTRY_CYCLE: &str = "Nursing placement: graduates of the coming half-year";
const FOUNDATION_CYCLE: &str = "Midwives for the North: this year's graduates";

fn internal(e: serde_json::Error) -> AppError {
    AppError::Internal(e.to_string())
}

fn organisation(conn: &mut DbConn, code: &str) -> Result<i64, AppError> {
    crate::store::organisations::find_by_code(conn, code)?.map(|o| o.id).ok_or(AppError::NotFound)
}

fn staff(conn: &mut DbConn, email: &str) -> Result<i64, AppError> {
    users::find_by_email(conn, email)?.map(|u| u.id).ok_or(AppError::NotFound)
}

fn find_cycle(conn: &mut DbConn, organisation_id: i64, title: &str) -> Result<Option<i64>, AppError> {
    Ok(placement_cycles::table
        .filter(placement_cycles::organisation_id.eq(organisation_id))
        .filter(placement_cycles::title.eq(title))
        .select(placement_cycles::id)
        .first(conn)
        .optional()?)
}

/// The 2023 intake's call closed long ago.
fn close_as_past_intake(conn: &mut DbConn, call_id: i64) -> Result<(), AppError> {
    use crate::schema::calls;
    diesel::update(calls::table.find(call_id))
        .set((
            calls::intake_year.eq(2023),
            calls::opens_at.eq(at_noon(date(2023, 1, 9))),
            calls::closes_at.eq(at_noon(date(2023, 3, 31))),
            calls::support_starts_on.eq(Some(date(2023, 9, 1))),
        ))
        .execute(conn)?;
    Ok(())
}

/// Scholars of a past intake: an account, a submitted application and a binding (countersigned) award each.
fn seed_scholars(
    conn: &mut DbConn,
    hash: &str,
    intake: &Intake,
    call_id: i64,
    (officer, approver): (i64, i64),
    bond: Option<&[String]>,
) -> Result<Vec<Scholar>, AppError> {
    let org = intake.organisation_code;
    let counties = intake.bond.map(|b| b.to_vec()).unwrap_or_else(|| super::COUNTIES.iter().map(|(c, _)| *c).collect());
    let mut scholars = Vec::new();
    for i in 0..intake.scholars {
        let number = intake.first_number + i;
        // The demo's applicant is the ministry's first scholar, so that "My placement" has something to show.
        let (email, name) = if org == "MOH" && number == 1 {
            ("applicant@demo.ruralserve.org".to_string(), "Achieng Applicant".to_string())
        } else {
            // 12 first names × 20 family names: no two of the 241 scholars of an intake share a whole name.
            let first = FIRST[number % FIRST.len()];
            let family = (number / FIRST.len()) % (LAST.len() + MORE_LAST.len());
            let last = if family < LAST.len() { LAST[family] } else { MORE_LAST[family - LAST.len()] };
            (format!("scholar{number:03}.{}@demo.ruralserve.org", org.to_lowercase()), format!("{first} {last}"))
        };
        let user_id = ensure_user(conn, hash, &email, &name, Role::Applicant, None)?;
        let application_id = apps::insert_draft(conn, call_id, user_id, &name)?;
        let home_county = counties[i % counties.len()].to_string();
        let answers = crate::domain::application::ApplicationAnswers {
            full_name: name.clone(),
            date_of_birth: Some(date(2001 + (i as i32 % 4), 1 + (i as u32 % 12), 1 + (i as u32 % 27))),
            national_id: format!("2{:07}", 3_000_000 + number * 7919 + org.len()),
            phone: format!("+2547{:08}", 20_000_000 + number * 4111 + org.len()),
            institution: "Kenya Medical Training College".into(),
            cadre: intake.programme.cadre.into(),
            year_of_study: Some(3),
            expected_graduation: Some(intake.graduation),
            annual_tuition_minor: Some(8_500_000),
            enrolled_full_time: Some(true),
            home_county: home_county.clone(),
            home_sub_county: String::new(),
            essay_motivation: "I want to serve where I grew up.".into(),
            essay_rural_service: format!("I will serve in {home_county}."),
            continuing_scholar: false,
            disadvantaged_background: i % 3 == 1,
            priority_answered: true,
        };
        apps::save_answers(conn, application_id, 1, &answers, "{}")?;
        let reference = reference_number(org, 2023, application_id);
        let submitted = at_noon(date(2023, 3, 1));
        apps::mark_submitted(
            conn,
            application_id,
            2,
            &Submission { reference: &reference, eligible: true, reasons: &[], at: submitted },
        )?;
        apps::add_event(conn, application_id, "submitted", &reference, Some(user_id))?;
        let award_id = awards::insert(
            conn,
            &NewAward {
                application_id,
                call_id,
                support_years: 3,
                annual_tuition_minor: 8_500_000,
                stipend_monthly_minor: 1_000_000,
                lump_sum_yearly_minor: 2_500_000,
                total_cost_minor: 3 * (8_500_000 + 12 * 1_000_000 + 2_500_000),
                currency: "KES",
                terms_effective_from: date(2023, 1, 1),
                proposed_by: officer,
                support_starts_on: date(2023, 9, 1),
                school_terms_per_year: 3,
                expected_graduation: Some(intake.graduation),
            },
        )?;
        awards::set_status(
            conn,
            award_id,
            1,
            "active",
            &AwardChange {
                decided_by: Some(approver),
                accepted: Some((name.clone(), "demo".into())),
                countersigned_by: Some(officer),
                ..AwardChange::default()
            },
        )?;
        scholars.push(Scholar { award_id, home_county, bond: bond.map(<[String]>::to_vec) });
    }
    Ok(scholars)
}

struct CycleSeed<'a> {
    organisation_id: i64,
    title: &'a str,
    cadre: &'a str,
    programmes: &'a [i64],
    graduation: (NaiveDate, NaiveDate),
    choices: (NaiveDateTime, NaiveDateTime),
    match_on: NaiveDate,
    max_choices: i32,
    /// Need score and minimum placements of the floor.
    floor: Option<(i32, i32)>,
    created_by: i64,
}

fn insert_cycle(conn: &mut DbConn, c: &CycleSeed) -> Result<i64, AppError> {
    let id: i64 = diesel::insert_into(placement_cycles::table)
        .values((
            placement_cycles::organisation_id.eq(c.organisation_id),
            placement_cycles::title.eq(c.title),
            placement_cycles::cadre.eq(c.cadre),
            placement_cycles::graduation_from.eq(c.graduation.0),
            placement_cycles::graduation_until.eq(c.graduation.1),
            placement_cycles::choices_open_at.eq(c.choices.0),
            placement_cycles::choices_close_at.eq(c.choices.1),
            placement_cycles::match_on.eq(c.match_on),
            placement_cycles::publish_on.eq(c.match_on + Duration::days(7)),
            placement_cycles::acceptance_deadline.eq(at_noon(c.match_on + Duration::days(21))),
            placement_cycles::appeal_until.eq(c.match_on + Duration::days(28)),
            placement_cycles::service_start_from.eq(c.graduation.1 + Duration::days(30)),
            placement_cycles::service_start_until.eq(c.graduation.1 + Duration::days(120)),
            placement_cycles::max_choices.eq(c.max_choices),
            placement_cycles::floor_need_score.eq(c.floor.map(|f| f.0)),
            placement_cycles::floor_minimum.eq(c.floor.map_or(0, |f| f.1)),
            placement_cycles::created_by.eq(c.created_by),
            placement_cycles::created_at.eq(now()),
        ))
        .returning(placement_cycles::id)
        .get_result(conn)?;
    for programme_id in c.programmes {
        diesel::insert_into(placement_cycle_programmes::table)
            .values((
                placement_cycle_programmes::cycle_id.eq(id),
                placement_cycle_programmes::programme_id.eq(programme_id),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

/// A facility offered in a cycle, with its county for the scholars' choices.
struct Offered {
    id: i64,
    county: String,
}

/// Vacancies at eligible dispensaries, health centres and sub-county hospitals (KEPH levels 2 to 4):
/// `per_county` facilities in each county (or in the given ones), one or two seats each, taken from different
/// need-score bands (the neediest first) so that the run's fill by need band has something to compare.
fn offer_vacancies(
    conn: &mut DbConn,
    cycle_id: i64,
    by: i64,
    counties: Option<&[&str]>,
    per_county: usize,
) -> Result<Vec<Offered>, AppError> {
    let rows: Vec<(i64, String, Option<i32>)> = facilities::table
        .filter(facilities::eligible.eq(true))
        .filter(facilities::keph_level.between(2, 4))
        .order((facilities::county, facilities::need_score.desc(), facilities::keph_level.desc(), facilities::id))
        .select((facilities::id, facilities::county, facilities::need_score))
        .load(conn)?;
    let mut offered: Vec<Offered> = Vec::new();
    let mut bands_taken: Vec<(String, i32)> = Vec::new();
    for (id, county, need) in rows {
        if counties.is_some_and(|list| !list.contains(&county.as_str())) {
            continue;
        }
        if offered.iter().filter(|o| o.county == county).count() >= per_county {
            continue;
        }
        // Need bands five points wide, as the run's figures count them.
        let band = need.unwrap_or(0) / 5;
        if bands_taken.contains(&(county.clone(), band)) {
            continue;
        }
        bands_taken.push((county.clone(), band));
        let seats = 1 + (id % 2) as i32;
        diesel::insert_into(vacancies::table)
            .values((
                vacancies::cycle_id.eq(cycle_id),
                vacancies::facility_id.eq(id),
                vacancies::seats.eq(seats),
                vacancies::updated_by.eq(by),
                vacancies::updated_at.eq(now()),
            ))
            .execute(conn)?;
        offered.push(Offered { id, county });
    }
    if offered.is_empty() {
        return Err(AppError::Internal("the demo found no eligible facility to offer vacancies at".into()));
    }
    Ok(offered)
}

/// Every scholar joins the cycle with a score and ranks `choices` facilities inside their bond, most of them
/// near home; the second and third scholars link as partners, and the fourth has special
/// circumstances (priority tier 0). `partial` is a scholar who has ranked only three so far.
fn seed_cycle_scholars(
    conn: &mut DbConn,
    cycle_id: i64,
    scholars: &[Scholar],
    offered: &[Offered],
    choices: usize,
    partial: Option<i64>,
) -> Result<(), AppError> {
    let mut random = SplitMix64::new(cycle_id as u64 * 7_919);
    let mut ids = Vec::with_capacity(scholars.len());
    for (n, scholar) in scholars.iter().enumerate() {
        let special = n == 3;
        let id: i64 = diesel::insert_into(cycle_scholars::table)
            .values((
                cycle_scholars::cycle_id.eq(cycle_id),
                cycle_scholars::award_id.eq(scholar.award_id),
                cycle_scholars::priority_tier.eq(if special { 0 } else { 1 }),
                cycle_scholars::tier_reason.eq(if special {
                    "Special circumstances: cares for a disabled parent (demo: certificate seen on paper)"
                } else {
                    ""
                }),
                cycle_scholars::score_hundredths.eq(Some(5_000 + random.below(4_800) as i32)),
                cycle_scholars::allowed_counties.eq(scholar
                    .bond
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(internal)?),
            ))
            .returning(cycle_scholars::id)
            .get_result(conn)?;
        ids.push(id);
        let inside: Vec<&Offered> =
            offered.iter().filter(|o| scholar.bond.as_ref().is_none_or(|b| b.contains(&o.county))).collect();
        let owner = award_owner(conn, scholar.award_id)?;
        let wanted = if Some(owner) == partial { 3 } else { choices.min(inside.len()) };
        let mut picked: Vec<i64> = Vec::new();
        // Home first (up to half the list), then anywhere inside the bond, the first offered more often.
        let home: Vec<&&Offered> = inside.iter().filter(|o| o.county == scholar.home_county).collect();
        while picked.len() < wanted / 2 && picked.len() < home.len() {
            let f = home[random.below(home.len() as u64) as usize].id;
            if !picked.contains(&f) {
                picked.push(f);
            }
        }
        while picked.len() < wanted {
            let a = random.below(inside.len() as u64);
            let b = random.below(inside.len() as u64);
            let f = inside[a.min(b) as usize].id;
            if !picked.contains(&f) {
                picked.push(f);
            }
        }
        for (rank, facility_id) in picked.iter().enumerate() {
            diesel::insert_into(scholar_choices::table)
                .values((
                    scholar_choices::cycle_scholar_id.eq(id),
                    scholar_choices::rank.eq(rank as i32 + 1),
                    scholar_choices::facility_id.eq(facility_id),
                ))
                .execute(conn)?;
        }
    }
    if let [_, first, second, ..] = ids[..] {
        for (from, to) in [(first, second), (second, first)] {
            diesel::update(cycle_scholars::table.find(from))
                .set(cycle_scholars::partner_request.eq(Some(to)))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn award_owner(conn: &mut DbConn, award_id: i64) -> Result<i64, AppError> {
    let award = awards::find(conn, award_id)?;
    Ok(apps::find(conn, award.application_id)?.applicant_id)
}

/// After publication, some scholars answer through the scholar's own use case, so that every role has work
/// waiting: by e-mail order, the first placed scholar is left to answer (log in as them to accept or
/// decline), the second declines (a flag for the foundation's compliance coordinator), the next five accept.
fn answer_some_placements(
    conn: &mut DbConn,
    i18n: &crate::i18n::I18n,
    public_url: &str,
    run_id: i64,
) -> Result<(), AppError> {
    use crate::schema::{applications, placements, users as users_table};
    use crate::service::placement_answers::{answer, Answer};
    use crate::service::Actor;
    let placed: Vec<(i64, i64, i32)> = placements::table
        .inner_join(crate::schema::awards::table.inner_join(applications::table.inner_join(users_table::table)))
        .filter(placements::run_id.eq(run_id))
        .order(users_table::email.asc())
        .select((users_table::id, placements::cycle_scholar_id, placements::version))
        .load(conn)?;
    let cycle_id: i64 =
        cycle_scholars::table.find(placed.first().map_or(0, |p| p.1)).select(cycle_scholars::cycle_id).first(conn)?;
    for (i, (user_id, _, version)) in placed.into_iter().enumerate().skip(1).take(6) {
        let user = users::find(conn, user_id)?;
        let scholar = Actor::from_user(&user, "demo")?;
        let reply = if i == 1 {
            Answer::Decline {
                reason: "further_studies".into(),
                text: "I was admitted to a specialist midwifery course starting this year.".into(),
            }
        } else {
            Answer::Accept
        };
        answer(conn, i18n, public_url, &scholar, cycle_id, version, reply)?;
    }
    Ok(())
}

/// The foundation's cycle gets its match run, proposed by one coordinator and published by the other, exactly
/// as on the pages (the e-mails go to the outbox); the demo's facility supervisor is attached to the two
/// facilities that received the most of its midwives. Left alone once the cycle is published.
pub fn publish_foundation_run(conn: &mut DbConn, cycle_id: i64, public_url: &str) -> Result<(), AppError> {
    use crate::service::{match_runs, supervision, Actor};
    let status: String = placement_cycles::table.find(cycle_id).select(placement_cycles::status).first(conn)?;
    if status == "published" {
        return Ok(());
    }
    let actor = |conn: &mut DbConn, email: &str| -> Result<Actor, AppError> {
        let user = users::find_by_email(conn, email)?.ok_or(AppError::NotFound)?;
        Actor::from_user(&user, "demo")
    };
    let proposer = actor(conn, "placement@rhsf.demo.ruralserve.org")?;
    let publisher = actor(conn, "placement2@rhsf.demo.ruralserve.org")?;
    // Resumable: a load stopped half-way left a run queued, done or proposed, which is taken up again.
    let existing = match_runs::runs_of_cycle(conn, &proposer, cycle_id)?.1.into_iter().max_by_key(|r| r.id);
    let run_id = match existing {
        Some(run) => run.id,
        None => {
            let rules = match_runs::RunRules::parse("deferred-acceptance", 0).ok_or(AppError::NotFound)?;
            match_runs::create_run(conn, &proposer, cycle_id, rules, None)?
        }
    };
    // What the job runner does, done here so that the demo is complete before the server starts.
    let outcome = match_runs::compute(conn, run_id)?;
    crate::db::write_transaction(conn, |conn| match_runs::store_outcome(conn, run_id, outcome, now()))?;
    let (run, _) = match_runs::readable_run(conn, &proposer, run_id)?;
    if run.status == "done" {
        match_runs::propose(conn, &proposer, run_id, run.version)?;
    }
    let (run, _) = match_runs::readable_run(conn, &publisher, run_id)?;
    let i18n = crate::i18n::I18n::new().map_err(AppError::Config)?;
    match_runs::publish(conn, &i18n, public_url, &publisher, run_id, run.version)?;
    answer_some_placements(conn, &i18n, public_url, run_id)?;

    use crate::schema::placements;
    let busiest: Vec<String> = placements::table
        .inner_join(facilities::table)
        .filter(placements::run_id.eq(run_id))
        .group_by(facilities::registry_key)
        .select(facilities::registry_key)
        .order((diesel::dsl::count_star().desc(), facilities::registry_key))
        .limit(2)
        .load(conn)?;
    let administrator = actor(conn, "admin@demo.ruralserve.org")?;
    let supervisor = users::find_by_email(conn, "supervisor@moh.demo.ruralserve.org")?.ok_or(AppError::NotFound)?;
    for code in busiest {
        supervision::attach_supervisor(conn, &administrator, Some(supervisor.id), &code)?;
    }
    seed_swaps(conn, cycle_id, public_url)
}

/// After publication the foundation's coordinators find work waiting: one pairwise swap two midwives agreed
/// on, and the swap wishes of three others that form a cycle (each wants the next one's facility). Made through
/// the scholars' own use cases, as their pages would.
fn seed_swaps(conn: &mut DbConn, cycle_id: i64, public_url: &str) -> Result<(), AppError> {
    use crate::domain::swaps::SwapEvent;
    use crate::service::swaps::{self, Links};
    use crate::service::Actor;
    // Five midwives at five different facilities, the lowest placements first (the same on every load).
    let mut chosen: Vec<crate::store::swaps::Seat> = Vec::new();
    for seat in crate::store::swaps::swappable_seats(conn, cycle_id)? {
        if chosen.len() < 5 && chosen.iter().all(|c| c.facility_id != seat.facility_id) {
            chosen.push(seat);
        }
    }
    let [a, b, c, d, e] =
        <[_; 5]>::try_from(chosen).map_err(|_| AppError::Internal("too few placed midwives".into()))?;
    let scholar = |conn: &mut DbConn, seat: &crate::store::swaps::Seat| -> Result<Actor, AppError> {
        Actor::from_user(&users::find(conn, seat.user_id)?, "demo")
    };
    let i18n = crate::i18n::I18n::new().map_err(AppError::Config)?;
    let links = Links { i18n: &i18n, public_url };
    let proposer = scholar(conn, &a)?;
    let swap = swaps::propose(conn, &links, &proposer, cycle_id, b.reference.as_deref().unwrap_or_default())?;
    let partner = scholar(conn, &b)?;
    swaps::scholar_move(conn, &links, &partner, cycle_id, swap, 0, SwapEvent::Agree)?;
    for (who, wants) in [(&c, &d), (&d, &e), (&e, &c)] {
        let actor = scholar(conn, who)?;
        swaps::save_wishes(conn, &actor, cycle_id, &[wants.facility_id])?;
    }
    Ok(())
}

/// Work waiting after publication for the supervisor and the foundation's coordinator: three midwives placed at
/// supervisor@moh's facilities have accepted (the supervisor confirms their arrival), and one of them started
/// today and asks for a transfer to another facility of the bond, waiting for the coordinator. Statuses move
/// through the guarded store moves, as the pages would move them. Left alone once any service period exists.
pub fn start_foundation_service(conn: &mut DbConn, cycle_id: i64) -> Result<(), AppError> {
    use crate::domain::placement_state::PlacementEvent;
    use crate::schema::{facility_supervisors, placements, service_periods};
    use crate::store::placements::{self as placement_store, PlacementFacts};
    use crate::store::{service_periods as periods, transfers};
    crate::db::write_transaction(conn, |conn| {
        let started: i64 = service_periods::table.count().get_result(conn)?;
        if started > 0 {
            return Ok(());
        }
        let supervisor = users::find_by_email(conn, "supervisor@moh.demo.ruralserve.org")?.ok_or(AppError::NotFound)?;
        let supervised: Vec<i64> = facility_supervisors::table
            .filter(facility_supervisors::user_id.eq(supervisor.id))
            .select(facility_supervisors::facility_id)
            .load(conn)?;
        let waiting: Vec<i64> = placements::table
            .inner_join(cycle_scholars::table)
            .filter(cycle_scholars::cycle_id.eq(cycle_id))
            .filter(placements::facility_id.eq_any(&supervised))
            .filter(placements::status.eq("published"))
            .select(placements::id)
            .order(placements::id.asc())
            .limit(3)
            .load(conn)?;
        let at = now();
        for id in &waiting {
            let placement = placement_store::find(conn, *id)?;
            let facts = PlacementFacts { answered_at: Some(at), ..PlacementFacts::default() };
            placement_store::apply(conn, &placement, PlacementEvent::Accept, &facts)?;
        }
        let Some(first) = waiting.first() else { return Ok(()) };
        let placement = placement_store::find(conn, *first)?;
        let today = at.date();
        let facts = PlacementFacts {
            started_on: Some(today),
            start_confirmed_by: Some(supervisor.id),
            // Before the cycle's window (the demo's midwives graduated a month ago): a real early start.
            start_late: Some(true),
            ..PlacementFacts::default()
        };
        placement_store::apply(conn, &placement, PlacementEvent::Start, &facts)?;
        periods::open(conn, placement.award_id, placement.id, placement.facility_id, today, at)?;
        let holder = periods::holder(conn, placement.cycle_scholar_id)?;
        let scholar = crate::store::placement_cycles::find_scholar(conn, cycle_id, placement.cycle_scholar_id)?;
        let bond = crate::domain::choices::parse_bond(scholar.allowed_counties.as_deref());
        let to = transfers::offered_in_cycle(conn, cycle_id)?.into_iter().find(|f| {
            f.id != placement.facility_id
                && !supervised.contains(&f.id)
                && crate::domain::choices::within_bond(bond.as_deref(), &f.county)
                && crate::domain::placement::facility_eligible(f.eligible, f.eligible_until, today)
        });
        if let Some(to) = to {
            transfers::insert(
                conn,
                &transfers::NewTransfer {
                    placement_id: placement.id,
                    to_facility_id: to.id,
                    reason: "My mother is ill and lives near this facility; I would care for her while serving.",
                    effective_on: today + Duration::days(30),
                    requested_by: holder.user_id,
                },
                at,
            )?;
        }
        Ok(())
    })
}

/// One midwife of the foundation's published cycle appeals against her placement (family care), filed through
/// the scholars' own use case, so that the foundation's placement coordinator has an appeal waiting. Left alone
/// once the cycle has an appeal.
pub fn file_demo_appeal(conn: &mut DbConn, cycle_id: i64, public_url: &str) -> Result<(), AppError> {
    use crate::schema::{placement_appeals, placements};
    use crate::service::{appeals, Actor};
    let existing: i64 = placement_appeals::table
        .inner_join(placements::table.on(placements::id.eq(placement_appeals::placement_id)))
        .inner_join(cycle_scholars::table.on(cycle_scholars::id.eq(placements::cycle_scholar_id)))
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Ok(());
    }
    let Some(cycle_scholar) = placements::table
        .inner_join(cycle_scholars::table)
        .filter(cycle_scholars::cycle_id.eq(cycle_id))
        .filter(placements::status.eq("published"))
        .order(placements::id.asc())
        .select(placements::cycle_scholar_id)
        .first::<i64>(conn)
        .optional()?
    else {
        return Ok(());
    };
    // A seat freed up after publication at another facility of the bond, so that upholding the appeal has
    // somewhere to move her (every seat the run could fill is taken).
    let her_facility: i64 = placements::table
        .filter(placements::cycle_scholar_id.eq(cycle_scholar))
        .filter(placements::status.eq("published"))
        .select(placements::facility_id)
        .first(conn)?;
    let spare: Option<i64> = vacancies::table
        .filter(vacancies::cycle_id.eq(cycle_id))
        .filter(vacancies::facility_id.ne(her_facility))
        .order(vacancies::id.asc())
        .select(vacancies::id)
        .first(conn)
        .optional()?;
    if let Some(id) = spare {
        diesel::update(vacancies::table.find(id)).set(vacancies::seats.eq(vacancies::seats + 1)).execute(conn)?;
    }
    let contact = crate::store::appeals::scholar_contact(conn, cycle_scholar)?;
    let user = users::find(conn, contact.user_id)?;
    let scholar = Actor::from_user(&user, "demo")?;
    let i18n = crate::i18n::I18n::new().map_err(AppError::Config)?;
    let filing = appeals::Filing {
        reason_code: "family_care",
        reason_text: "I care for my mother, who lives far from the facility I was placed at.",
        document: None,
    };
    appeals::file_now(conn, &i18n, public_url, &scholar, cycle_id, &filing, now().date())?;
    Ok(())
}

/// After the foundation's publication, its coordinators find a second round waiting: placement@rhsf queued it
/// (over the midwives the main run left unplaced and the seats freed since by the decline and the seat added
/// for the appeal), it is computed and proposed, and placement2@rhsf publishes it from the run's page. Its
/// answer deadline is a week after the cycle's. Left alone once the cycle has a second-round run, and skipped
/// when there is no one or nothing to offer.
pub fn queue_demo_second_round(conn: &mut DbConn, cycle_id: i64) -> Result<(), AppError> {
    use crate::service::{match_runs, Actor};
    let queued: i64 = crate::schema::match_runs::table
        .filter(crate::schema::match_runs::cycle_id.eq(cycle_id))
        .filter(crate::schema::match_runs::round.eq(2))
        .count()
        .get_result(conn)?;
    if queued > 0 {
        return Ok(());
    }
    let user = users::find_by_email(conn, "placement@rhsf.demo.ruralserve.org")?.ok_or(AppError::NotFound)?;
    let proposer = Actor::from_user(&user, "demo")?;
    let deadline: NaiveDateTime = placement_cycles::table
        .find(cycle_id)
        .select(placement_cycles::acceptance_deadline)
        .first::<NaiveDateTime>(conn)?
        + Duration::days(7);
    let rules = match_runs::RunRules::parse("deferred-acceptance", 0).ok_or(AppError::NotFound)?;
    let run_id = match match_runs::create_run(conn, &proposer, cycle_id, rules, Some(deadline)) {
        Ok(id) => id,
        Err(AppError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    // What the job runner does, done here so that the demo is complete before the server starts.
    let outcome = match_runs::compute(conn, run_id)?;
    crate::db::write_transaction(conn, |conn| match_runs::store_outcome(conn, run_id, outcome, now()))?;
    let (run, _) = match_runs::readable_run(conn, &proposer, run_id)?;
    if run.status == "done" {
        match_runs::propose(conn, &proposer, run_id, run.version)?;
    }
    Ok(())
}
