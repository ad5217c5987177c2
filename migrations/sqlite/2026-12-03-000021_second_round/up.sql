-- The second round of a published cycle: a run over the scholars the main run left unplaced and the seats
-- freed since (declines, lapses, reassignments), with its own answer deadline, published with four eyes.
ALTER TABLE match_runs ADD COLUMN answer_deadline TIMESTAMP;
-- When the placement must be answered by; NULL: the cycle's acceptance deadline (the main run's placements).
ALTER TABLE placements ADD COLUMN answer_by TIMESTAMP;
-- At most one published run per round of a cycle: of two coordinators publishing at once, one wins.
CREATE UNIQUE INDEX match_runs_published_round ON match_runs (cycle_id, round) WHERE status = 'published';
-- Which published run holds a scholar (the scholar's result page reads the round that placed them).
CREATE INDEX match_run_lines_scholar ON match_run_lines (cycle_scholar_id);
