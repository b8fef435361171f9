-- title: Guard: memory freed over time (MiB per hour; per day when the window is longer than two days)
-- chart: line rule at freed_mb memory freed (MiB)
-- command: proctrail report --format md --since {{SINCE}} (its guard tables give each rule's targets and frees)
-- What the targets each rule ended (exited or killed) freed, summed per UTC hour or day: USS + swap
-- at the latest memory sample up to each target's evidence snapshot. Every bucket from the first to
-- the last is drawn, at 0 where a rule freed nothing.
WITH bucket AS (
  SELECT CASE WHEN :until_us - :sample_from_us <= 2 * 86400000000 THEN 3600 ELSE 86400 END AS seconds),
guard_runs AS MATERIALIZED (
  SELECT run_id, host_id,
         json_extract(CASE WHEN json_valid(selectors) THEN selectors END, '$.rule') AS rule
    FROM cleanup_runs
   WHERE started_at_us >= :since_us AND started_at_us < :until_us),
freed AS MATERIALIZED (
  SELECT r.rule, o.at_us / 1000000 / b.seconds * b.seconds AS at,
         (SELECT m.uss_kb + m.swap_kb FROM processes p
            JOIN process_memory_samples m ON m.process_id = p.process_id
           WHERE p.host_id = r.host_id AND p.pid = o.pid AND p.start_ticks = o.start_ticks
             AND m.snapshot_id <= o.evidence_snapshot_id
           ORDER BY m.snapshot_id DESC LIMIT 1) AS frees_kb
    FROM guard_runs r JOIN cleanup_outcomes o ON o.run_id = r.run_id CROSS JOIN bucket b
   WHERE r.rule IS NOT NULL AND o.outcome IN ('exited', 'killed')),
measured AS MATERIALIZED (SELECT rule, at, frees_kb FROM freed WHERE frees_kb IS NOT NULL),
-- every bucket from the first freeing to the last
span(at) AS (
  SELECT min(at) FROM measured
  UNION ALL
  SELECT at + (SELECT seconds FROM bucket) FROM span WHERE at < (SELECT max(at) FROM measured))
SELECT ru.rule,                                                 -- the policy rule
       s.at,                                                    -- the bucket's start, unix seconds
       round(COALESCE(sum(m.frees_kb), 0) / 1024.0, 1) AS freed_mb -- MiB its ended targets freed in the bucket
  FROM span s
 CROSS JOIN (SELECT DISTINCT rule FROM measured) ru
  LEFT JOIN measured m ON m.rule = ru.rule AND m.at = s.at
 WHERE s.at IS NOT NULL
 GROUP BY ru.rule, s.at
 ORDER BY s.at, ru.rule
