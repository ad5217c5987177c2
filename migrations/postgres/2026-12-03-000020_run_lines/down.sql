DROP INDEX cycle_scholars_partner;
ALTER TABLE match_runs ADD COLUMN input TEXT;
ALTER TABLE match_runs ADD COLUMN report TEXT;
UPDATE match_runs SET input = (SELECT f.input FROM match_run_files f WHERE f.run_id = match_runs.id),
    report = (SELECT f.report FROM match_run_files f WHERE f.run_id = match_runs.id);
DROP TABLE match_run_files;
DROP TABLE match_run_lines;
ALTER TABLE match_runs DROP COLUMN summary;
