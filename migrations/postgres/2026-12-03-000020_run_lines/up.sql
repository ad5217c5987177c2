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
