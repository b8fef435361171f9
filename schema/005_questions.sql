-- proctrail schema, migration 005: indexes for the leak-history questions of `proctrail query`
-- (spawn-rate, orphans, groups, memory, timeline, diff, leaks, snapshots); their views are in views.sql.
CREATE INDEX processes_started ON processes(start_time_us);
CREATE INDEX processes_gone_open ON processes(host_id, gone_by);
CREATE INDEX snapshots_started ON snapshots(started_at_us);
CREATE INDEX processes_argv ON processes(host_id, argv, gone_by);
