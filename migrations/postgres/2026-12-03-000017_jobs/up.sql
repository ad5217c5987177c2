-- Time-driven work: each row is one thing to do at `due_at` (a kind and its JSON payload). A worker claims
-- it by setting `leased_until`; the row is deleted in the same transaction as the work it did, and a failure
-- keeps it with its error and the next try pushed back. Several workers share the table safely.
CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('lapse_offer', 'report_holds', 'report_holds_sweep')),
    payload TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    leased_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_due ON jobs (due_at);
-- The daily report-holds sweep re-enqueues itself; this is the first one, due at once.
INSERT INTO jobs (kind, payload, due_at, created_at)
VALUES ('report_holds_sweep', '{}', '2000-01-01 00:00:00', now() AT TIME ZONE 'UTC');
-- Offers already out lapse at their deadline like new ones.
INSERT INTO jobs (kind, payload, due_at, created_at)
SELECT 'lapse_offer', '{"award_id":' || id || '}', offer_deadline, now() AT TIME ZONE 'UTC'
FROM awards WHERE status = 'offered' AND offer_deadline IS NOT NULL;
