//! The commands as an operator runs them: migrate, user add, import-facilities, demo (twice), backup.

// A test crate: an unwrap or expect that fails is the test failing, with its reason in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fresh_db.rs"]
mod fresh_db;

use fresh_db::FreshDb;

use std::process::Command;

fn ruralserve(dir: &std::path::Path, db_url: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ruralserve"));
    cmd.current_dir(dir)
        .env("RURALSERVE_DATABASE_URL", db_url)
        .env("RURALSERVE_DATA_DIR", dir.join("data"))
        .env_remove("RURALSERVE_NEW_PASSWORD");
    cmd
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn an_operator_migrates_and_creates_staff_from_the_shell() {
    let db = FreshDb::new();
    let dir = db.dir();
    let url = db.url.clone();
    let (code, out, _) = run(ruralserve(dir, &url).arg("migrate"));
    assert_eq!(code, 0);
    assert!(out.contains("migration(s) applied"));
    let (code, out, err) = run(ruralserve(dir, &url)
        .args(["user", "add", "--email", "Root@Example.org", "--name", "Root", "--role", "administrator"])
        .env("RURALSERVE_NEW_PASSWORD", "a long admin passphrase"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("root@example.org (administrator)"));
    let (code, _, err) = run(ruralserve(dir, &url).args([
        "user",
        "add",
        "--email",
        "root@example.org",
        "--name",
        "Root",
        "--role",
        "administrator",
        "--password",
        "another long passphrase",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("email: An account already uses this e-mail."), "{err}");
    let (code, _, err) = run(ruralserve(dir, &url).args([
        "user",
        "add",
        "--email",
        "o@example.org",
        "--name",
        "O",
        "--role",
        "programme_officer",
        "--organisation",
        "NOPE",
        "--password",
        "a long officer passphrase",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("no organisation with code \"NOPE\""), "{err}");
    let (code, _, err) = run(ruralserve(dir, &url).args([
        "user",
        "add",
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--role",
        "wizard",
        "--password",
        "a long wizard passphrase",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("unknown role"));
    let (code, _, err) = run(ruralserve(dir, "mysql://nope").arg("migrate"));
    assert_eq!(code, 2);
    assert!(err.contains("neither a postgres:// URL nor an SQLite path"), "{err}");
}

#[test]
fn the_facility_import_loads_good_rows_reports_bad_ones_by_line_and_runs_twice_safely() {
    let db = FreshDb::new();
    let dir = db.dir();
    let url = db.url.clone();
    let csv = "code,name,keph_level,facility_type,facility_category,owner_type,owner,county,sub_county,constituency,ward,beds,cots,latitude,longitude,open_whole_day,services\n\
        100,Lodwar County Referral,Level 4,Hospital,HOSPITAL,Ministry of Health,MoH,Turkana,Turkana Central,Turkana Central,Township,120,10,3.1191,35.5973,true,Maternity;Surgery\n\
        101,Kakuma Mission,Level 3,Health Centre,HC,Faith Based Organization,Other,Turkana,Turkana West,Turkana West,Kakuma,20,0,,,false,\n\
        100,Duplicate Code Dispensary,Level 2,Dispensary,DISP,Ministry of Health,MoH,Turkana,Loima,Loima,Lokiriama,0,0,2.9,35.1,false,\n\
        102,Bad Level,Level 9,Dispensary,DISP,Ministry of Health,MoH,Marsabit,Laisamis,Laisamis,Korr,0,0,1.9,37.1,false,\n\
        103,,Level 2,Dispensary,DISP,Ministry of Health,MoH,Marsabit,Laisamis,Laisamis,Korr,0,0,1.9,37.1,false,\n\
        ,No Code Clinic,Level 2,Dispensary,DISP,Private,Private,Wajir,Tarbaj,Tarbaj,Tarbaj,abc,0,1.9,40.1,false,\n\
        ,Another No Code,,Dispensary,DISP,Private,Private,Wajir,Tarbaj,Tarbaj,Tarbaj,2,0,1.9,99999,false,\n\
        ,Good No Code,,Dispensary,DISP,Private,Private,Wajir,Tarbaj,Tarbaj,Tarbaj,2,0,1.9,40.2,false,\n";
    let file = dir.join("facilities.csv");
    std::fs::write(&file, csv).expect("write");
    let (code, out, err) = run(ruralserve(dir, &url).args(["import-facilities", "--file"]).arg(&file));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("8 rows read, 3 facilities added, 0 already present, 5 rejected"), "{out}");
    assert!(err.contains("facilities.csv:4: code 100 appears twice"), "{err}");
    assert!(err.contains("facilities.csv:5: keph_level \"Level 9\""), "{err}");
    assert!(err.contains("facilities.csv:6: name is empty"), "{err}");
    assert!(err.contains("facilities.csv:7: beds \"abc\""), "{err}");
    assert!(err.contains("facilities.csv:8: longitude \"99999\""), "{err}");
    let (code, out, _) = run(ruralserve(dir, &url).args(["import-facilities", "--file"]).arg(&file));
    assert_eq!(code, 0);
    assert!(out.contains("0 facilities added, 3 already present"), "{out}");
    std::fs::write(&file, "name,county\nX,Y\n").expect("write");
    let (code, _, err) = run(ruralserve(dir, &url).args(["import-facilities", "--file"]).arg(&file));
    assert_eq!(code, 2);
    assert!(err.contains("line 1: missing columns: code, keph_level"), "{err}");
}

#[test]
fn the_demo_loads_the_real_facility_list_and_running_it_twice_adds_nothing() {
    let db = FreshDb::new();
    let dir = db.dir();
    let url = db.url.clone();
    let (code, out, err) = run(ruralserve(dir, &url).arg("demo"));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("12379 facilities in the registry (12379 added now, 0 rows rejected)"), "{out}");
    assert!(out.contains("officer@moh.demo.ruralserve.org"));
    let (code, out, _) = run(ruralserve(dir, &url).arg("demo"));
    assert_eq!(code, 0);
    assert!(out.contains("12379 facilities in the registry (0 added now"), "{out}");
    let mut conn = ruralserve::db::connect(&url).expect("connect");
    use diesel::prelude::*;
    let applications: i64 = ruralserve::schema::applications::table.count().get_result(&mut conn).expect("count");
    let users: i64 = ruralserve::schema::users::table.count().get_result(&mut conn).expect("count");
    let assignments: i64 = ruralserve::schema::review_assignments::table.count().get_result(&mut conn).expect("count");
    // 36 applications to the open calls; 241 scholars of the 2023 intakes (the demo applicant is one of them).
    assert_eq!((applications, users), (36 + 241, 15 + 36 + 240));
    use ruralserve::schema::{cycle_scholars, facility_supervisors, match_runs, placements, scholar_choices};
    let per_cycle: Vec<(i64, i64)> = cycle_scholars::table
        .group_by(cycle_scholars::cycle_id)
        .select((cycle_scholars::cycle_id, diesel::dsl::count_star()))
        .order(cycle_scholars::cycle_id)
        .load(&mut conn)
        .expect("scholars");
    assert_eq!(per_cycle, vec![(1, 201), (2, 40)], "about 200 ministry scholars, 40 midwives");
    let choices: i64 = scholar_choices::table.count().get_result(&mut conn).expect("choices");
    assert!(choices > 200 * 5, "the scholars have ranked their choices: {choices}");
    let runs: Vec<(i64, i32, String)> = match_runs::table
        .order(match_runs::id)
        .select((match_runs::cycle_id, match_runs::round, match_runs::status))
        .load(&mut conn)
        .expect("runs");
    let expected = vec![(2, 1, "published".to_string()), (2, 2, "proposed".to_string())];
    assert_eq!(runs, expected, "the foundation's published run and its proposed second round, once each");
    let placed: i64 = placements::table.count().get_result(&mut conn).expect("placements");
    assert!(placed > 0);
    let supervised: i64 = facility_supervisors::table.count().get_result(&mut conn).expect("supervisors");
    assert_eq!(supervised, 2);
    // One midwife's appeal waits for the foundation's coordinator, filed once however often the demo loads.
    let appeals: Vec<String> = ruralserve::schema::placement_appeals::table
        .select(ruralserve::schema::placement_appeals::status)
        .load(&mut conn)
        .expect("appeals");
    assert_eq!(appeals, vec!["pending".to_string()]);
    assert!(assignments > 0, "the ministry's call comes with reviews");
    assert_eq!(assignments % 2, 0, "two reviewers per application, not four after the second run");
}

#[test]
fn a_backup_holds_a_consistent_database_and_the_uploads() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let (code, _, err) = run(ruralserve(dir.path(), &url).arg("migrate"));
    assert_eq!(code, 0, "{err}");
    std::fs::create_dir_all(dir.path().join("data/uploads/documents")).expect("dir");
    std::fs::write(dir.path().join("data/uploads/documents/abc"), b"%PDF-1.4").expect("file");
    let (code, _, err) = run(ruralserve(dir.path(), &url).args([
        "user",
        "add",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--role",
        "administrator",
        "--password",
        "a long admin passphrase",
    ]));
    assert_eq!(code, 0, "{err}");
    let out_dir = dir.path().join("backup-1");
    let (code, out, err) = run(ruralserve(dir.path(), &url).args(["backup", "--output"]).arg(&out_dir));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 uploaded file(s) copied"), "{out}");
    // The copy is a working database with the account in it.
    let copy_url = format!("sqlite://{}", out_dir.join("ruralserve.db").display());
    let mut conn = ruralserve::db::connect(&copy_url).expect("open the copy");
    let user = ruralserve::store::users::find_by_email(&mut conn, "a@example.org").expect("query");
    assert!(user.is_some());
    assert_eq!(std::fs::read(out_dir.join("uploads/documents/abc")).expect("copied"), b"%PDF-1.4");
    // Never overwrite an earlier backup.
    let (code, _, err) = run(ruralserve(dir.path(), &url).args(["backup", "--output"]).arg(&out_dir));
    assert_eq!(code, 2);
    assert!(err.contains("already exists"));
}

#[test]
fn the_worker_runs_the_due_jobs_alone() {
    use diesel::prelude::*;
    use ruralserve::schema::jobs;
    let db = FreshDb::new();
    let dir = db.dir();
    let url = db.url.clone();
    let (code, _, err) = run(ruralserve(dir, &url).arg("migrate"));
    assert_eq!(code, 0, "{err}");
    let sweep_due = || -> chrono::NaiveDateTime {
        let mut conn = ruralserve::db::connect(&url).expect("connect");
        jobs::table
            .filter(jobs::kind.eq("report_holds_sweep"))
            .select(jobs::due_at)
            .first(&mut conn)
            .expect("the daily sweep is always queued")
    };
    // The migration queues the first daily sweep, due at once; the worker runs it and queues the next.
    assert!(sweep_due() < chrono::Utc::now().naive_utc());
    let mut worker = ruralserve(dir, &url).arg("worker").spawn().expect("worker starts");
    let started = std::time::Instant::now();
    while sweep_due() < chrono::Utc::now().naive_utc() && started.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let ran = sweep_due() > chrono::Utc::now().naive_utc();
    worker.kill().expect("stopped");
    let _ = worker.wait();
    assert!(ran, "the worker ran the sweep within 30 s");
}
