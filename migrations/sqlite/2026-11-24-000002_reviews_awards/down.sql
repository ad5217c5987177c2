DROP TABLE status_changes;
DROP TABLE progress_reports;
DROP TABLE payments;
DROP TABLE awards;
DROP TABLE review_assignments;
DROP TABLE rubrics;
ALTER TABLE applications DROP COLUMN disadvantaged_background;
ALTER TABLE applications DROP COLUMN continuing_scholar;
