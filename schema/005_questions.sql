-- proctrail schema, migration 005: indexes for the leak-history questions of `proctrail query`
-- (spawn-rate, orphans, groups, memory, timeline, diff, leaks, snapshots); their views are in views.sql.
CREATE INDEX processes_started ON processes(start_time_us);
-- The processes open at a snapshot S are those with COALESCE(gone_by, max) > S: one index range, so
-- "what ran at the last snapshot" reads the open rows, not the whole history.
CREATE INDEX processes_alive ON processes(host_id, COALESCE(gone_by, 9223372036854775807));
CREATE INDEX snapshots_started ON snapshots(started_at_us);
