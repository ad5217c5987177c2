-- After publication (issue 12): a scholar's placement changes over time (accepted, declined, reassigned after an
-- appeal or a swap, started, transferred), each move a new record; one record is live at a time.
CREATE TABLE placements_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id BIGINT REFERENCES match_runs (id),
    cycle_scholar_id BIGINT NOT NULL REFERENCES cycle_scholars (id),
    award_id BIGINT NOT NULL REFERENCES awards (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    -- The rank of the facility on the scholar's list; NULL when the facility was not on it (a reassignment).
    choice_rank INTEGER CHECK (choice_rank >= 1),
    published_at TIMESTAMP NOT NULL,
    -- Where the record came from: the run (`run_id`), or a later, audited move that replaces `previous_id`.
    origin TEXT NOT NULL DEFAULT 'run' CHECK (origin IN ('run', 'appeal', 'swap', 'second_round', 'transfer')),
    previous_id BIGINT REFERENCES placements_new (id),
    -- domain::placement_state: proposed → published → accepted / declined / lapsed → started → transferred / ended;
    -- `reassigned` when an appeal or a swap replaced it with a new record.
    status TEXT NOT NULL DEFAULT 'published' CHECK (status IN
        ('proposed', 'published', 'accepted', 'declined', 'lapsed', 'reassigned', 'started', 'transferred', 'ended')),
    answered_at TIMESTAMP,
    decline_reason TEXT,
    -- The first day of service the facility's supervisor confirmed; `start_late` when outside the cycle's window.
    started_on DATE,
    start_confirmed_by BIGINT REFERENCES users (id),
    start_late BOOLEAN NOT NULL DEFAULT FALSE,
    ended_on DATE,
    version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO placements_new (id, run_id, cycle_scholar_id, award_id, facility_id, choice_rank, published_at)
    SELECT id, run_id, cycle_scholar_id, award_id, facility_id, choice_rank, published_at FROM placements;
DROP TABLE placements;
ALTER TABLE placements_new RENAME TO placements;
CREATE INDEX placements_facility ON placements (facility_id, status);
CREATE INDEX placements_award ON placements (award_id);
CREATE UNIQUE INDEX placements_live ON placements (cycle_scholar_id)
    WHERE status IN ('proposed', 'published', 'accepted', 'started');

CREATE TABLE jobs_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lapse_offer', 'report_holds', 'report_holds_sweep', 'match_run',
        'placement_answer_due', 'service_start_due')),
    payload TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    leased_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    -- Higher first among due jobs: a run a coordinator is waiting for before a nightly batch.
    priority INTEGER NOT NULL DEFAULT 0
);
INSERT INTO jobs_new (id, kind, payload, due_at, attempts, leased_until, last_error, created_at)
    SELECT id, kind, payload, due_at, attempts, leased_until, last_error, created_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_due ON jobs (due_at);

-- Things a compliance coordinator must look at: a declined or unanswered placement, a service not started in
-- its window (each a possible service breach, which the service-tracking work declares or clears).
CREATE TABLE compliance_flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    award_id BIGINT NOT NULL REFERENCES awards (id),
    placement_id BIGINT REFERENCES placements (id),
    kind TEXT NOT NULL CHECK (kind IN ('placement_declined', 'placement_lapsed', 'service_not_started')),
    detail TEXT NOT NULL DEFAULT '',
    raised_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES users (id),
    resolution TEXT,
    UNIQUE (placement_id, kind)
);
CREATE INDEX compliance_flags_open ON compliance_flags (resolved_at, raised_at);
CREATE INDEX compliance_flags_award ON compliance_flags (award_id);

-- An appeal against a published placement, heard by a placement coordinator within the cycle's window.
CREATE TABLE placement_appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    placement_id BIGINT NOT NULL REFERENCES placements (id),
    reason_code TEXT NOT NULL,
    reason_text TEXT NOT NULL DEFAULT '',
    document_key TEXT,
    document_name TEXT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'upheld', 'rejected')),
    decision_reason TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    -- The placement record an upheld appeal's reassignment made.
    new_placement_id BIGINT REFERENCES placements (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX placement_appeals_one_pending ON placement_appeals (placement_id) WHERE status = 'pending';
CREATE INDEX placement_appeals_status ON placement_appeals (status, created_at);

-- Two scholars of one cycle agree to exchange placements: one proposes, the other agrees, a coordinator decides.
CREATE TABLE placement_swaps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cycle_id BIGINT NOT NULL REFERENCES placement_cycles (id),
    proposer_placement_id BIGINT NOT NULL REFERENCES placements (id),
    partner_placement_id BIGINT NOT NULL REFERENCES placements (id),
    status TEXT NOT NULL DEFAULT 'proposed'
        CHECK (status IN ('proposed', 'agreed', 'approved', 'refused', 'declined', 'withdrawn')),
    proposed_at TIMESTAMP NOT NULL,
    agreed_at TIMESTAMP,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    CHECK (proposer_placement_id <> partner_placement_id)
);
CREATE INDEX placement_swaps_cycle ON placement_swaps (cycle_id, status);

-- A scholar's wish to move to a facility they prefer to their own (rank 1 first): the input of the top trading
-- cycles a coordinator may ask for.
CREATE TABLE swap_wishes (
    placement_id BIGINT NOT NULL REFERENCES placements (id),
    rank INTEGER NOT NULL CHECK (rank >= 1),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (placement_id, rank),
    UNIQUE (placement_id, facility_id)
);

-- A transfer in service to another eligible facility: requested (by the scholar or a coordinator), approved
-- before it takes effect; the current period closes the day before `effective_on`.
CREATE TABLE placement_transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    placement_id BIGINT NOT NULL REFERENCES placements (id),
    to_facility_id BIGINT NOT NULL REFERENCES facilities (id),
    reason TEXT NOT NULL CHECK (reason <> ''),
    effective_on DATE NOT NULL,
    status TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'approved', 'refused', 'withdrawn')),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    new_placement_id BIGINT REFERENCES placements (id),
    version INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX placement_transfers_one_open ON placement_transfers (placement_id) WHERE status = 'requested';

-- Service at a facility, from its first day to the day it ends (open while `ends_on` is NULL). A confirmed start
-- opens the first; a transfer closes one and opens the next. The service-tracking work verifies them.
CREATE TABLE service_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    award_id BIGINT NOT NULL REFERENCES awards (id),
    placement_id BIGINT NOT NULL REFERENCES placements (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    starts_on DATE NOT NULL,
    ends_on DATE,
    created_at TIMESTAMP NOT NULL,
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE UNIQUE INDEX service_periods_one_open ON service_periods (award_id) WHERE ends_on IS NULL;
CREATE INDEX service_periods_placement ON service_periods (placement_id);

-- How many transfers in service a programme allows (NULL: no limit).
ALTER TABLE programmes ADD COLUMN max_transfers INTEGER CHECK (max_transfers >= 0);
-- 1 for the main run of a cycle, 2 for the second round over freed seats and unplaced scholars.
ALTER TABLE match_runs ADD COLUMN round INTEGER NOT NULL DEFAULT 1 CHECK (round IN (1, 2));
