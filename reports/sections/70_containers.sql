-- title: Containers and their age
-- command: proctrail query containers --snapshot {{SNAPSHOT}}
SELECT substr(container_id, 1, 12) AS container, name, image, state, age_s / 3600 AS age_h, processes,
       round(COALESCE(rss_kb, 0) / 1024.0, 1) AS rss_mb, COALESCE(creator_argv, '') AS creator
  FROM container_overview
 WHERE snapshot_id = :snapshot
 ORDER BY age_s DESC
 LIMIT 200
