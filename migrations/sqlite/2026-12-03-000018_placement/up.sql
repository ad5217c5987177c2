-- Placement (step 7 of DOMAIN.md): the facility registry gains need scores (with their history), eligibility
-- and supervisors; a placement cycle gathers the scholars about to graduate, the vacancies and the scholars'
-- ranked choices; match runs are drafts computed by the job runner, and one of them is published.

-- The current need score, its source and date are copied from the newest entry of `facility_need_scores`
-- so that the registry can be searched and paged by them; the history table is the record.
ALTER TABLE facilities ADD COLUMN need_score INTEGER CHECK (need_score BETWEEN 0 AND 26);
ALTER TABLE facilities ADD COLUMN need_score_source TEXT NOT NULL DEFAULT '';
ALTER TABLE facilities ADD COLUMN need_score_effective DATE;
ALTER TABLE facilities ADD COLUMN eligible BOOLEAN NOT NULL DEFAULT 0;
-- Eligibility for placement must be recertified by this date; past it the facility reads as not eligible.
ALTER TABLE facilities ADD COLUMN eligible_until DATE;
ALTER TABLE facilities ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX facilities_need ON facilities (need_score, id);
CREATE INDEX facilities_name ON facilities (name, id);

-- The counties a programme's bond allows its scholars to serve in (a JSON array of county names); NULL means
-- anywhere in the country. A county's own scheme binds to that county.
ALTER TABLE programmes ADD COLUMN bond_counties TEXT;

CREATE TABLE facility_need_scores (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    score INTEGER NOT NULL CHECK (score BETWEEN 0 AND 26),
    source TEXT NOT NULL CHECK (source <> ''),
    effective_from DATE NOT NULL,
    recorded_by BIGINT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX facility_need_scores_facility ON facility_need_scores (facility_id, effective_from);

-- A facility supervisor (the in-charge) answers for one or more facilities.
CREATE TABLE facility_supervisors (
    user_id BIGINT NOT NULL REFERENCES users (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    assigned_by BIGINT NOT NULL REFERENCES users (id),
    assigned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, facility_id)
);
CREATE INDEX facility_supervisors_facility ON facility_supervisors (facility_id);

-- A placement coordinator limited to some counties sees and edits only those; none listed means all.
CREATE TABLE coordinator_counties (
    user_id BIGINT NOT NULL REFERENCES users (id),
    county TEXT NOT NULL,
    PRIMARY KEY (user_id, county)
);

CREATE TABLE placement_cycles (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL CHECK (title <> ''),
    cadre TEXT NOT NULL,
    -- Scholars whose award's expected graduation falls in [graduation_from, graduation_until] belong to it.
    graduation_from DATE NOT NULL,
    graduation_until DATE NOT NULL,
    choices_open_at TIMESTAMP NOT NULL,
    choices_close_at TIMESTAMP NOT NULL,
    match_on DATE NOT NULL,
    publish_on DATE NOT NULL,
    acceptance_deadline TIMESTAMP NOT NULL,
    appeal_until DATE NOT NULL,
    service_start_from DATE NOT NULL,
    service_start_until DATE NOT NULL,
    max_choices INTEGER NOT NULL CHECK (max_choices BETWEEN 1 AND 50),
    -- Floors: facilities with a need score of at least `floor_need_score` should get `floor_minimum` placements.
    floor_need_score INTEGER CHECK (floor_need_score BETWEEN 0 AND 26),
    floor_minimum INTEGER NOT NULL DEFAULT 0 CHECK (floor_minimum >= 0),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'published')),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    CHECK (graduation_from <= graduation_until),
    CHECK (choices_open_at < choices_close_at),
    CHECK (service_start_from <= service_start_until)
);
CREATE INDEX placement_cycles_organisation ON placement_cycles (organisation_id);

CREATE TABLE placement_cycle_programmes (
    cycle_id BIGINT NOT NULL REFERENCES placement_cycles (id),
    programme_id BIGINT NOT NULL REFERENCES programmes (id),
    PRIMARY KEY (cycle_id, programme_id)
);

CREATE TABLE cycle_region_caps (
    cycle_id BIGINT NOT NULL REFERENCES placement_cycles (id),
    county TEXT NOT NULL,
    cap INTEGER NOT NULL CHECK (cap >= 0),
    PRIMARY KEY (cycle_id, county)
);

-- A scholar in a cycle: a binding award, with what the engine needs to order and restrict them.
CREATE TABLE cycle_scholars (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cycle_id BIGINT NOT NULL REFERENCES placement_cycles (id),
    award_id BIGINT NOT NULL REFERENCES awards (id),
    -- False when the coordinator took the scholar out (the reason is in `membership_note` and the audit).
    included BOOLEAN NOT NULL DEFAULT 1,
    membership_note TEXT NOT NULL DEFAULT '',
    -- Lower tiers are served first: 0 for special circumstances the coordinator granted (a disability, a
    -- dependent's care), with the reason and a document; 1 for everyone else.
    priority_tier INTEGER NOT NULL DEFAULT 1 CHECK (priority_tier >= 0),
    tier_reason TEXT NOT NULL DEFAULT '',
    tier_document_key TEXT,
    -- The review score (hundredths of a point) that orders scholars within a tier; none ranks last.
    score_hundredths INTEGER,
    -- JSON array of the counties the bond allows; NULL means any county.
    allowed_counties TEXT,
    -- Couples: each names the other; linked when both do.
    partner_request BIGINT REFERENCES cycle_scholars (id),
    version INTEGER NOT NULL DEFAULT 0,
    UNIQUE (cycle_id, award_id)
);
CREATE INDEX cycle_scholars_award ON cycle_scholars (award_id);

CREATE TABLE scholar_choices (
    cycle_scholar_id BIGINT NOT NULL REFERENCES cycle_scholars (id),
    rank INTEGER NOT NULL CHECK (rank >= 1),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    PRIMARY KEY (cycle_scholar_id, rank),
    UNIQUE (cycle_scholar_id, facility_id)
);

CREATE TABLE vacancies (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cycle_id BIGINT NOT NULL REFERENCES placement_cycles (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    seats INTEGER NOT NULL CHECK (seats >= 0),
    updated_by BIGINT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (cycle_id, facility_id)
);
CREATE INDEX vacancies_facility ON vacancies (facility_id);

-- A run is a draft until published. `input` is the engine's instance exactly as `ruralserve match --input`
-- reads it, frozen when the run is computed; `report` is the command's output for it.
CREATE TABLE match_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    cycle_id BIGINT NOT NULL REFERENCES placement_cycles (id),
    algorithm TEXT NOT NULL CHECK (algorithm IN ('deferred-acceptance', 'serial-dictatorship', 'lottery')),
    proposing TEXT NOT NULL CHECK (proposing IN ('applicants', 'facilities')),
    seed BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'proposed', 'published')),
    input TEXT,
    report TEXT,
    error TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    proposed_by BIGINT REFERENCES users (id),
    proposed_at TIMESTAMP,
    published_by BIGINT REFERENCES users (id),
    published_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 0,
    CHECK (published_by IS NULL OR published_by <> proposed_by)
);
CREATE INDEX match_runs_cycle ON match_runs (cycle_id);

-- The published placements: never changed; later moves are separate, audited reassignments.
CREATE TABLE placements (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    run_id BIGINT NOT NULL REFERENCES match_runs (id),
    cycle_scholar_id BIGINT NOT NULL UNIQUE REFERENCES cycle_scholars (id),
    award_id BIGINT NOT NULL REFERENCES awards (id),
    facility_id BIGINT NOT NULL REFERENCES facilities (id),
    choice_rank INTEGER NOT NULL CHECK (choice_rank >= 1),
    published_at TIMESTAMP NOT NULL
);
CREATE INDEX placements_facility ON placements (facility_id);
CREATE INDEX placements_award ON placements (award_id);

-- SQLite cannot alter a CHECK: the jobs table is rebuilt with the new kind.
CREATE TABLE jobs_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('lapse_offer', 'report_holds', 'report_holds_sweep', 'match_run')),
    payload TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    leased_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO jobs_new SELECT id, kind, payload, due_at, attempts, leased_until, last_error, created_at FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
CREATE INDEX jobs_due ON jobs (due_at);
