-- A computed run's figures (the report's statistics, without its lines) and its outcome, one line per scholar,
-- so that a run's page reads a few rows by index instead of parsing the whole report (tens of megabytes for a
-- national cycle). The report itself stays, byte for byte, for `ruralserve match` and auditors.
ALTER TABLE match_runs ADD COLUMN summary TEXT;

CREATE TABLE match_run_lines (
    run_id BIGINT NOT NULL REFERENCES match_runs (id),
    -- Placed scholars first by reference, then the unplaced by reference, from 0.
    position INTEGER NOT NULL CHECK (position >= 0),
    cycle_scholar_id BIGINT NOT NULL REFERENCES cycle_scholars (id),
    reference TEXT NOT NULL,
    facility_id BIGINT REFERENCES facilities (id),
    choice_rank INTEGER,
    reason TEXT,
    PRIMARY KEY (run_id, position)
);

-- A run's frozen input and its report (tens of megabytes each for a national cycle) in their own table: stored
-- in the run's row they made every read of the row's later columns walk their overflow pages (30-50 ms a run
-- on SQLite, for the runs list and the run's page).
CREATE TABLE match_run_files (
    run_id BIGINT PRIMARY KEY NOT NULL REFERENCES match_runs (id),
    input TEXT NOT NULL,
    report TEXT
);
INSERT INTO match_run_files (run_id, input, report) SELECT id, COALESCE(input, ''), report FROM match_runs;
ALTER TABLE match_runs DROP COLUMN input;
ALTER TABLE match_runs DROP COLUMN report;

-- Who names a scholar as their partner (the choices page asks on every view).
CREATE INDEX cycle_scholars_partner ON cycle_scholars (partner_request);
