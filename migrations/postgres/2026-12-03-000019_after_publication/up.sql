-- After publication (issue 12): a scholar's placement changes over time (accepted, declined, reassigned after an
-- appeal or a swap, started, transferred), each move a new record; one record is live at a time.
ALTER TABLE placements DROP CONSTRAINT placements_cycle_scholar_id_key;
ALTER TABLE placements ALTER COLUMN run_id DROP NOT NULL;
-- The rank of the facility on the scholar's list; NULL when the facility was not on it (a reassignment).
ALTER TABLE placements ALTER COLUMN choice_rank DROP NOT NULL;
-- Where the record came from: the run (`run_id`), or a later, audited move that replaces `previous_id`.
ALTER TABLE placements ADD COLUMN origin TEXT NOT NULL DEFAULT 'run' CHECK (origin IN ('run', 'appeal', 'swap', 'second_round', 'transfer'));
ALTER TABLE placements ADD COLUMN previous_id BIGINT REFERENCES placements (id);
-- domain::placement_state: proposed → published → accepted / declined / lapsed → started → transferred / ended;
-- `reassigned` when an appeal or a swap replaced it with a new record.
ALTER TABLE placements ADD COLUMN status TEXT NOT NULL DEFAULT 'published' CHECK (status IN
    ('proposed', 'published', 'accepted', 'declined', 'lapsed', 'reassigned', 'started', 'transferred', 'ended'));
ALTER TABLE placements ADD COLUMN answered_at TIMESTAMP;
ALTER TABLE placements ADD COLUMN decline_reason TEXT;
-- The first day of service the facility's supervisor confirmed; `start_late` when outside the cycle's window.
ALTER TABLE placements ADD COLUMN started_on DATE;
ALTER TABLE placements ADD COLUMN start_confirmed_by BIGINT REFERENCES users (id);
ALTER TABLE placements ADD COLUMN start_late BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE placements ADD COLUMN ended_on DATE;
ALTER TABLE placements ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
DROP INDEX placements_facility;
CREATE INDEX placements_facility ON placements (facility_id, status);
CREATE UNIQUE INDEX placements_live ON placements (cycle_scholar_id)
    WHERE status IN ('proposed', 'published', 'accepted', 'started');

ALTER TABLE jobs DROP CONSTRAINT jobs_kind_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_kind_check CHECK (kind IN ('lapse_offer', 'report_holds', 'report_holds_sweep',
    'match_run', 'placement_answer_due', 'service_start_due'));
-- Higher first among due jobs: a run a coordinator is waiting for before a nightly batch.
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;

-- Things a compliance coordinator must look at: a declined or unanswered placement, a service not started in
-- its window (each a possible service breach, which the service-tracking work declares or clears).
CREATE TABLE compliance_flags (
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
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
    id BIGSERIAL PRIMARY KEY,
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
