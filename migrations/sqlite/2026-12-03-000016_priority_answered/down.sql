ALTER TABLE applications DROP COLUMN priority_answered;
