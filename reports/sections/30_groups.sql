-- title: Instances grouped by start time
-- chart: bar-in-order started instances processes started in the hour, still running
-- command: proctrail query groups --snapshot {{SNAPSHOT}} --match '{{MATCH}}'
SELECT start_hour AS started, count(*) AS instances, round(sum(rss_kb) / 1024.0, 1) AS rss_mb,
       min(start_time) AS first_start, max(start_time) AS last_start
  FROM snapshot_instances
 WHERE snapshot_id = :snapshot AND argv REGEXP COALESCE(:match, '.')
 GROUP BY started
 ORDER BY started
