-- title: Guard: rules that fired
-- command: proctrail sql "SELECT json_extract(r.selectors, '$.rule') AS rule, o.* FROM cleanup_outcomes o JOIN cleanup_runs r USING (run_id) WHERE json_extract(r.selectors, '$.rule') IS NOT NULL"
-- Per policy rule over the window: its runs, the targets it acted on, their outcomes and what ending
-- them freed (USS + swap at the latest memory sample up to each target's evidence snapshot, for the
-- targets that exited or were killed and whose memory was read).
WITH guard_runs AS MATERIALIZED (
  SELECT run_id, host_id,
         json_extract(CASE WHEN json_valid(selectors) THEN selectors END, '$.rule') AS rule
    FROM cleanup_runs
   WHERE started_at_us >= :since_us AND started_at_us < :until_us),
targets AS MATERIALIZED (
  SELECT r.rule, o.outcome,
         CASE WHEN o.outcome IN ('exited', 'killed') THEN
           (SELECT m.uss_kb + m.swap_kb FROM processes p
              JOIN process_memory_samples m ON m.process_id = p.process_id
             WHERE p.host_id = r.host_id AND p.pid = o.pid AND p.start_ticks = o.start_ticks
               AND m.snapshot_id <= o.evidence_snapshot_id
             ORDER BY m.snapshot_id DESC LIMIT 1) END AS frees_kb
    FROM guard_runs r JOIN cleanup_outcomes o ON o.run_id = r.run_id
   WHERE r.rule IS NOT NULL),
-- outcome counts per rule: "exited 2, killed 1"
rule_outcomes AS (
  SELECT rule, group_concat(outcome || ' ' || n, ', ') AS outcomes
    FROM (SELECT rule, outcome, count(*) AS n FROM targets GROUP BY rule, outcome ORDER BY rule, outcome)
   GROUP BY rule)
SELECT r.rule,                                                                 -- the policy rule
       count(DISTINCT r.run_id) AS runs,                                       -- runs it acted in
       (SELECT count(*) FROM targets t WHERE t.rule = r.rule AND t.outcome <> 'protected') AS targets, -- targets acted on
       COALESCE(o.outcomes, '') AS outcomes,                                   -- each outcome and how many
       COALESCE(round((SELECT sum(t.frees_kb) FROM targets t WHERE t.rule = r.rule) / 1024.0, 1), '') AS freed_mb -- MiB freed (measured targets)
  FROM guard_runs r
  LEFT JOIN rule_outcomes o ON o.rule = r.rule
 WHERE r.rule IS NOT NULL
 GROUP BY r.rule
 ORDER BY runs DESC, r.rule
 LIMIT 100
