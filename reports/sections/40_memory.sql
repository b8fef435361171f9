-- title: Memory held, per command
-- chart: bar argv rss_mb RSS (MiB)
-- command: proctrail query memory --by argv --snapshot {{SNAPSHOT}}{{MATCH_OPTION}}
SELECT argv, count(*) AS instances, round(sum(rss_kb) / 1024.0, 1) AS rss_mb, round(avg(rss_kb) / 1024.0, 1) AS avg_rss_mb
  FROM snapshot_instances
 WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match)
 GROUP BY argv
 ORDER BY sum(rss_kb) DESC
 LIMIT 100
