ALTER TABLE match_runs DROP COLUMN round;
ALTER TABLE programmes DROP COLUMN max_transfers;
DROP TABLE service_periods;
DROP TABLE placement_transfers;
DROP TABLE swap_wishes;
DROP TABLE placement_swaps;
DROP TABLE placement_appeals;
DROP TABLE compliance_flags;
DELETE FROM jobs WHERE kind IN ('placement_answer_due', 'service_start_due');
CREATE TABLE jobs_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lapse_offer', 'report_holds', 'report_holds_sweep', 'match_run')),
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

-- Only the run's own records go back into the one-per-scholar table.
CREATE TABLE placements_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id BIGINT NOT NULL REFERENCES match_runs (id),
    cycle_scholar_id BIGINT NOT NULL UNIQUE REFERENCES cycle_scholars (id),
    award_id BIGINT NOT NULL REFERENCES awards (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    choice_rank INTEGER NOT NULL CHECK (choice_rank >= 1),
    published_at TIMESTAMP NOT NULL
);
INSERT INTO placements_old SELECT id, run_id, cycle_scholar_id, award_id, facility_id, COALESCE(choice_rank, 1), published_at
    FROM placements WHERE run_id IS NOT NULL AND origin = 'run';
DROP TABLE placements;
ALTER TABLE placements_old RENAME TO placements;
CREATE INDEX placements_facility ON placements (facility_id);
CREATE INDEX placements_award ON placements (award_id);
