-- The funder's list: filters and counts answered from an index, ids in order within a call.
CREATE INDEX applications_call_status_eligibility ON applications (call_id, status, eligibility, id);
-- The county filter, and the county + name search, read one county's index entries, not the whole call.
CREATE INDEX applications_call_county ON applications (call_id, home_county, id, status, full_name, reference);
-- The newest change, which keys the cached totals so that they are never stale.
CREATE INDEX applications_updated_at ON applications (updated_at);
