-- Whether the applicant has answered the two priority questions (continuing scholar, background of need):
-- the form no longer pre-ticks "no", so an unanswered question blocks submission instead of reading as "no".
-- Submitted applications answered them on the earlier form; drafts are asked again.
ALTER TABLE applications ADD COLUMN priority_answered BOOLEAN NOT NULL DEFAULT 0;
UPDATE applications SET priority_answered = 1 WHERE status <> 'draft';
