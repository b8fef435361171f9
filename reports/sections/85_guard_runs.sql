-- title: Guard: runs that acted
-- empty: No guard runs in this window: proctrail guard has not acted on anything here.
-- command: proctrail sql "SELECT run_id, json_extract(selectors, '$.rule') AS rule, * FROM cleanup_runs WHERE json_extract(selectors, '$.rule') IS NOT NULL"
-- A guard run is a cleanup run whose selectors name the policy rule that acted ("rule"); the newest
-- 200 in the window, newest first, each with its targets' outcomes.
WITH guard_runs AS MATERIALIZED (
  SELECT run_id, started_at_us, dry_run, evidence_snapshot_id,
         json_extract(CASE WHEN json_valid(selectors) THEN selectors END, '$.rule') AS rule
    FROM cleanup_runs
   WHERE started_at_us >= :since_us AND started_at_us < :until_us),
-- outcome counts per run: "exited 2, killed 1"
run_outcomes AS (
  SELECT run_id, group_concat(outcome || ' ' || n, ', ') AS outcomes,
         sum(CASE WHEN outcome <> 'protected' THEN n ELSE 0 END) AS targets
    FROM (SELECT run_id, outcome, count(*) AS n FROM cleanup_outcomes
           WHERE run_id IN (SELECT run_id FROM guard_runs WHERE rule IS NOT NULL)
           GROUP BY run_id, outcome ORDER BY run_id, outcome)
   GROUP BY run_id)
SELECT r.run_id,                                                               -- the cleanup run
       strftime('%Y-%m-%dT%H:%M:%SZ', r.started_at_us / 1000000, 'unixepoch') AS at, -- when it began (UTC)
       r.rule,                                                                 -- the policy rule that acted
       CASE r.dry_run WHEN 1 THEN 'dry run' ELSE 'live' END AS mode,            -- a dry run signals nothing
       COALESCE(r.evidence_snapshot_id, '') AS evidence_snapshot_id,           -- the snapshot its targets were chosen from
       COALESCE(o.targets, 0) AS targets,                                      -- targets acted on (not protected)
       COALESCE(o.outcomes, '') AS outcomes                                    -- each outcome and how many
  FROM guard_runs r
  LEFT JOIN run_outcomes o ON o.run_id = r.run_id
 WHERE r.rule IS NOT NULL
 ORDER BY r.run_id DESC
 LIMIT 200
