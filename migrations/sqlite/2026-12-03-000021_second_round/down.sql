DROP INDEX match_run_lines_scholar;
DROP INDEX match_runs_published_round;
ALTER TABLE placements DROP COLUMN answer_by;
ALTER TABLE match_runs DROP COLUMN answer_deadline;
