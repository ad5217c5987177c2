DELETE FROM jobs WHERE kind = 'match_run';
CREATE TABLE jobs_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lapse_offer', 'report_holds', 'report_holds_sweep')),
    payload TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    leased_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO jobs_old SELECT id, kind, payload, due_at, attempts, leased_until, last_error, created_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_old RENAME TO jobs;
CREATE INDEX jobs_due ON jobs (due_at);
DROP TABLE placements;
DROP TABLE match_runs;
DROP TABLE vacancies;
DROP TABLE scholar_choices;
DROP TABLE cycle_scholars;
DROP TABLE cycle_region_caps;
DROP TABLE placement_cycle_programmes;
DROP TABLE placement_cycles;
DROP TABLE coordinator_counties;
DROP TABLE facility_supervisors;
DROP TABLE facility_need_scores;
ALTER TABLE programmes DROP COLUMN bond_counties;
DROP INDEX facilities_name;
DROP INDEX facilities_need;
ALTER TABLE facilities DROP COLUMN version;
ALTER TABLE facilities DROP COLUMN eligible_until;
ALTER TABLE facilities DROP COLUMN eligible;
ALTER TABLE facilities DROP COLUMN need_score_effective;
ALTER TABLE facilities DROP COLUMN need_score_source;
ALTER TABLE facilities DROP COLUMN need_score;
