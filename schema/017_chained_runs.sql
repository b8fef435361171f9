-- proctrail schema, migration 017: cleanup runs join the chains. A run's who, what and why (its argv,
-- uid, selectors, evidence) are fixed when it begins and hashed then, each run linked to the run
-- before it; what becomes known later (live or dry run, its end, its counts, an interruption and its
-- recovery) is sealed by end_hash over the run's hash and those columns, rewritten in the same
-- transaction as each of them (recorder/store/digest.cpp). `proctrail verify` walks the runs as it
-- walks snapshots. Runs recorded before this migration are sealed by it, as they stand.
ALTER TABLE cleanup_runs ADD COLUMN prev_hash BLOB; -- hash of the run before it; NULL for the first
ALTER TABLE cleanup_runs ADD COLUMN hash BLOB;      -- SHA-256 over prev_hash and the columns fixed at its start (run_id, host_id, started_at_us, uid, pid, start_ticks, argv, selectors, evidence_snapshot_id); NULL only until the migration seals it
ALTER TABLE cleanup_runs ADD COLUMN end_hash BLOB;  -- SHA-256 over hash and the columns set later (dry_run, ended_at_us, after_snapshot_id, targets, survivors, interrupted, recovered_at_us), as they now stand
