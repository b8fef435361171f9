-- title: Instances grouped by start time
-- chart: bar-in-order started instances processes started in the hour (or minute), still running
-- command: proctrail query groups --snapshot {{SNAPSHOT}} --match {{MATCH}}
-- Groups are start hours, or start minutes when every instance is younger than six hours (a leak
-- found the same afternoon shows its bursts). Zombies hold no memory and run nothing: not counted.
WITH live AS MATERIALIZED (
  SELECT start_time, start_hour, rss_kb, age_s FROM snapshot_instances
   WHERE snapshot_id = :snapshot AND argv REGEXP COALESCE(:match, '.') AND COALESCE(state, '') != 'Z'),
grain AS (SELECT COALESCE(max(age_s), 0) < 6 * 3600 AS by_minute FROM live)
SELECT CASE WHEN grain.by_minute THEN substr(start_time, 1, 16) || 'Z' ELSE start_hour END AS started,
       count(*) AS instances, round(sum(rss_kb) / 1024.0, 1) AS rss_mb,
       min(start_time) AS first_start, max(start_time) AS last_start
  FROM live, grain
 GROUP BY started
 ORDER BY started
