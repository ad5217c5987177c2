CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ministry', 'regional_government', 'ngo')),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'reviewer', 'programme_officer', 'placement_coordinator',
        'compliance_coordinator', 'facility_supervisor', 'administrator')),
    organisation_id INTEGER REFERENCES organisations (id),
    email_verified BOOLEAN NOT NULL,
    disabled BOOLEAN NOT NULL,
    language TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (role IN ('applicant', 'administrator') OR organisation_id IS NOT NULL)
);

CREATE TABLE sessions (
    session_key_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, attempted_at);
CREATE INDEX login_attempts_addr ON login_attempts (client_addr, attempted_at);

-- Requests counted against rate limits other than log-in (registration, password reset).
CREATE TABLE throttle_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_events_lookup ON throttle_events (action, subject, at);

CREATE TABLE user_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE programmes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    cadre TEXT NOT NULL,
    description TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE programme_terms (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES programmes (id),
    effective_from DATE NOT NULL,
    terms TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (programme_id, effective_from)
);

CREATE TABLE calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES programmes (id),
    title TEXT NOT NULL,
    intake_year INTEGER NOT NULL CHECK (intake_year BETWEEN 2000 AND 2100),
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    seats INTEGER NOT NULL CHECK (seats > 0),
    budget_minor BIGINT NOT NULL CHECK (budget_minor >= 0),
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    required_documents TEXT NOT NULL,
    eligibility_questions TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK (closes_at > opens_at)
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    call_id BIGINT NOT NULL REFERENCES calls (id),
    applicant_id BIGINT NOT NULL REFERENCES users (id),
    reference TEXT UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'withdrawn')),
    eligibility TEXT CHECK (eligibility IN ('eligible', 'ineligible')),
    eligibility_reasons TEXT NOT NULL,
    full_name TEXT NOT NULL,
    date_of_birth DATE,
    national_id TEXT NOT NULL,
    phone TEXT NOT NULL,
    institution TEXT NOT NULL,
    cadre TEXT NOT NULL,
    year_of_study INTEGER,
    expected_graduation DATE,
    annual_tuition_minor BIGINT CHECK (annual_tuition_minor >= 0),
    enrolled_full_time BOOLEAN,
    home_county TEXT NOT NULL,
    home_sub_county TEXT NOT NULL,
    essay_motivation TEXT NOT NULL,
    essay_rural_service TEXT NOT NULL,
    eligibility_answers TEXT NOT NULL,
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (call_id, applicant_id),
    CHECK (status = 'draft' OR reference IS NOT NULL)
);
CREATE INDEX applications_call_status ON applications (call_id, status, id);
CREATE INDEX applications_applicant ON applications (applicant_id);

CREATE TABLE application_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    kind TEXT NOT NULL,
    original_name TEXT NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
    storage_key TEXT NOT NULL UNIQUE,
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, kind)
);

CREATE TABLE application_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    actor_id INTEGER REFERENCES users (id),
    at TIMESTAMP NOT NULL
);
CREATE INDEX application_events_application ON application_events (application_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    actor_id BIGINT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_value TEXT,
    after_value TEXT,
    client_addr TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE facilities (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    registry_key TEXT NOT NULL UNIQUE,
    code TEXT,
    name TEXT NOT NULL,
    keph_level INTEGER,
    facility_type TEXT NOT NULL,
    owner_type TEXT NOT NULL,
    county TEXT NOT NULL,
    sub_county TEXT NOT NULL,
    ward TEXT NOT NULL,
    beds INTEGER NOT NULL,
    latitude_e6 BIGINT,
    longitude_e6 BIGINT,
    services TEXT NOT NULL
);
CREATE INDEX facilities_county ON facilities (county);
