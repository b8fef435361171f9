-- title: Guard: targets acted on, with their evidence
-- command: proctrail sql "SELECT o.* FROM cleanup_outcomes o JOIN cleanup_runs r USING (run_id) WHERE json_extract(r.selectors, '$.rule') IS NOT NULL" && proctrail verify
-- Every target a guard rule acted on (protected ones are left out), newest 500, with the snapshot
-- that was its evidence and what ending it freed.
WITH guard_runs AS MATERIALIZED (
  SELECT run_id, host_id,
         json_extract(CASE WHEN json_valid(selectors) THEN selectors END, '$.rule') AS rule
    FROM cleanup_runs
   WHERE started_at_us >= :since_us AND started_at_us < :until_us)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', o.at_us / 1000000, 'unixepoch') AS at, -- when the outcome was known (UTC)
       r.rule,                                                                 -- the policy rule that acted
       o.evidence_snapshot_id,                                                 -- the snapshot it was chosen from
       COALESCE(o.pid, '') AS pid,                                             -- process id (container: its init pid)
       COALESCE(o.argv, '') AS argv,                                           -- process argv, or container image and command
       o.outcome,                                                              -- exited, killed, gone, ...
       COALESCE(round((SELECT m.uss_kb + m.swap_kb FROM processes p
                         JOIN process_memory_samples m ON m.process_id = p.process_id
                        WHERE p.host_id = r.host_id AND p.pid = o.pid AND p.start_ticks = o.start_ticks
                          AND m.snapshot_id <= o.evidence_snapshot_id
                        ORDER BY m.snapshot_id DESC LIMIT 1) / 1024.0, 1), '') AS frees_mb -- USS + swap at the evidence, MiB
  FROM guard_runs r JOIN cleanup_outcomes o ON o.run_id = r.run_id
 WHERE r.rule IS NOT NULL AND o.outcome <> 'protected'
 ORDER BY o.action_id DESC
 LIMIT 500
