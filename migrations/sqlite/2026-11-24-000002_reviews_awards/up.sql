-- What the applicant declares for the priority tiers.
ALTER TABLE applications ADD COLUMN continuing_scholar BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE applications ADD COLUMN disadvantaged_background BOOLEAN NOT NULL DEFAULT FALSE;

-- One rubric per call: criteria (JSON), the minimum fundable score, and the priority rules (JSON).
CREATE TABLE rubrics (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    call_id INTEGER NOT NULL UNIQUE REFERENCES calls (id),
    criteria TEXT NOT NULL,
    minimum_fundable INTEGER NOT NULL CHECK (minimum_fundable BETWEEN 0 AND 100),
    priority_rules TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE review_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    reviewer_id INTEGER NOT NULL REFERENCES users (id),
    assigned_by INTEGER NOT NULL REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL,
    declaration TEXT CHECK (declaration IN ('none', 'conflict')),
    declared_at TIMESTAMP,
    scores TEXT,
    total_hundredths INTEGER CHECK (total_hundredths BETWEEN 0 AND 10000),
    comment TEXT NOT NULL,
    scored_at TIMESTAMP,
    UNIQUE (application_id, reviewer_id),
    CHECK (scores IS NULL OR declaration = 'none')
);
CREATE INDEX review_assignments_reviewer ON review_assignments (reviewer_id);

CREATE TABLE awards (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    application_id INTEGER NOT NULL UNIQUE REFERENCES applications (id),
    call_id INTEGER NOT NULL REFERENCES calls (id),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected', 'offered', 'accepted', 'declined', 'lapsed',
        'active', 'in_school_breach', 'support_ended')),
    support_years INTEGER NOT NULL CHECK (support_years > 0),
    annual_tuition_minor BIGINT NOT NULL CHECK (annual_tuition_minor >= 0),
    stipend_monthly_minor BIGINT NOT NULL CHECK (stipend_monthly_minor >= 0),
    lump_sum_yearly_minor BIGINT NOT NULL CHECK (lump_sum_yearly_minor >= 0),
    total_cost_minor BIGINT NOT NULL CHECK (total_cost_minor >= 0),
    currency TEXT NOT NULL,
    terms_effective_from DATE NOT NULL,
    proposed_by INTEGER NOT NULL REFERENCES users (id),
    proposed_at TIMESTAMP NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at TIMESTAMP,
    offer_deadline TIMESTAMP,
    accepted_name TEXT,
    accepted_at TIMESTAMP,
    accepted_from TEXT,
    countersigned_by INTEGER REFERENCES users (id),
    countersigned_at TIMESTAMP,
    breach_amount_minor BIGINT,
    version INTEGER NOT NULL,
    CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX awards_call ON awards (call_id, status);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    award_id INTEGER NOT NULL REFERENCES awards (id),
    kind TEXT NOT NULL CHECK (kind IN ('tuition', 'stipend', 'lump_sum')),
    payee TEXT NOT NULL CHECK (payee IN ('school', 'scholar')),
    due_on DATE NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    status TEXT NOT NULL CHECK (status IN ('scheduled', 'paid', 'held', 'returned', 'cancelled')),
    paid_on DATE,
    reference TEXT,
    note TEXT NOT NULL,
    version INTEGER NOT NULL,
    CHECK (status NOT IN ('paid', 'returned') OR (paid_on IS NOT NULL AND reference IS NOT NULL))
);
CREATE INDEX payments_award ON payments (award_id, due_on);

CREATE TABLE progress_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    award_id INTEGER NOT NULL REFERENCES awards (id),
    due_on DATE NOT NULL,
    received_at TIMESTAMP,
    enrolment_confirmed BOOLEAN NOT NULL,
    transcript_key TEXT,
    UNIQUE (award_id, due_on)
);

CREATE TABLE status_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    award_id INTEGER NOT NULL REFERENCES awards (id),
    kind TEXT NOT NULL CHECK (kind IN ('leave_of_absence', 'repeat_year', 'new_graduation_date', 'withdrawal', 'dismissal')),
    new_graduation_date DATE,
    note TEXT NOT NULL,
    reported_by INTEGER NOT NULL REFERENCES users (id),
    reported_at TIMESTAMP NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'refused')),
    decided_by INTEGER REFERENCES users (id),
    decided_at TIMESTAMP
);
