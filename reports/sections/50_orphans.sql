-- title: Orphans and their original parents
-- command: proctrail query orphans --snapshot {{SNAPSHOT}}{{MATCH_OPTION}}
SELECT pid, start_time, age_s / 3600 AS age_h, round(rss_kb / 1024.0, 1) AS rss_mb, argv, ppid_now, how,
       COALESCE(original_parent_pid, 'unknown') AS original_parent_pid, COALESCE(original_parent_argv, '') AS original_parent_argv,
       COALESCE(parent_gone_by, '') AS parent_gone_by, COALESCE(family, '') AS family
  FROM snapshot_orphans
 WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match)
 ORDER BY start_time_us
 LIMIT 200
