ALTER TABLE match_runs DROP COLUMN round;
ALTER TABLE programmes DROP COLUMN max_transfers;
DROP TABLE service_periods;
DROP TABLE placement_transfers;
DROP TABLE swap_wishes;
DROP TABLE placement_swaps;
DROP TABLE placement_appeals;
DROP TABLE compliance_flags;
DELETE FROM jobs WHERE kind IN ('placement_answer_due', 'service_start_due');
ALTER TABLE jobs DROP COLUMN priority;
ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check
    CHECK (kind IN ('lapse_offer', 'report_holds', 'report_holds_sweep', 'match_run'));
-- Only the run's own records go back into the one-per-scholar table.
DELETE FROM placements WHERE run_id IS NULL OR origin <> 'run';
DROP INDEX placements_live;
DROP INDEX placements_facility;
CREATE INDEX placements_facility ON placements (facility_id);
ALTER TABLE placements DROP COLUMN origin, DROP COLUMN previous_id, DROP COLUMN status, DROP COLUMN answered_at,
    DROP COLUMN decline_reason, DROP COLUMN started_on, DROP COLUMN start_confirmed_by, DROP COLUMN start_late,
    DROP COLUMN ended_on, DROP COLUMN version;
ALTER TABLE placements ALTER COLUMN choice_rank SET DEFAULT 1;
UPDATE placements SET choice_rank = 1 WHERE choice_rank IS NULL;
ALTER TABLE placements ALTER COLUMN choice_rank DROP DEFAULT;
ALTER TABLE placements ALTER COLUMN choice_rank SET NOT NULL;
ALTER TABLE placements ALTER COLUMN run_id SET NOT NULL;
ALTER TABLE placements ADD CONSTRAINT placements_cycle_scholar_id_key UNIQUE (cycle_scholar_id);
