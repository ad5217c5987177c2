-- When support starts and how many school terms a year it pays tuition for: set per call, copied onto each
-- award so that a later change to the call does not move an existing contract's schedule.
ALTER TABLE calls ADD COLUMN support_starts_on DATE;
ALTER TABLE calls ADD COLUMN school_terms_per_year INTEGER NOT NULL DEFAULT 2 CHECK (school_terms_per_year BETWEEN 1 AND 12);

ALTER TABLE awards ADD COLUMN support_starts_on DATE;
ALTER TABLE awards ADD COLUMN school_terms_per_year INTEGER NOT NULL DEFAULT 2 CHECK (school_terms_per_year BETWEEN 1 AND 12);
-- School years confirmed so far (the first at countersignature, one more at each continuation): the
-- obligation the contract states grows with it.
ALTER TABLE awards ADD COLUMN years_confirmed INTEGER NOT NULL DEFAULT 1 CHECK (years_confirmed >= 1);
-- The scholar's expected graduation, copied from the application and moved by approved status changes.
ALTER TABLE awards ADD COLUMN expected_graduation DATE;
ALTER TABLE awards ADD COLUMN breach_on DATE;

ALTER TABLE payments ADD COLUMN support_year INTEGER NOT NULL DEFAULT 1 CHECK (support_year >= 1);
-- Why a held payment is held: 'officer', 'report_overdue' or 'leave_of_absence'. Holds the system made
-- are released by the system; an officer's hold only by an officer.
ALTER TABLE payments ADD COLUMN held_for TEXT CHECK (held_for IN ('officer', 'report_overdue', 'leave_of_absence'));
