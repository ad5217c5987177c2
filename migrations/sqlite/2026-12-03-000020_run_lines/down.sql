DROP TABLE match_run_lines;
ALTER TABLE match_runs DROP COLUMN summary;
