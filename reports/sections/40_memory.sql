-- title: Memory held, per command
-- chart: bar argv rss_mb RSS (MiB)
-- command: proctrail query memory --by argv --snapshot {{SNAPSHOT}}{{MATCH_OPTION}}
-- RSS counts shared pages once per process; frees_mb is what ending them frees (USS + swap from
-- smaps_rollup, for the `measured` instances the recorder read it for).
SELECT i.argv, count(*) AS instances, round(sum(i.rss_kb) / 1024.0, 1) AS rss_mb,
       round((sum(m.uss_kb) + sum(CASE WHEN m.uss_kb IS NOT NULL THEN COALESCE(i.swap_kb, 0) END)) / 1024.0, 1) AS frees_mb,
       count(m.uss_kb) AS measured
  FROM snapshot_instances i
  LEFT JOIN process_memory_samples m ON m.process_id = i.process_id AND m.snapshot_id =
       (SELECT max(m2.snapshot_id) FROM process_memory_samples m2 WHERE m2.process_id = i.process_id AND m2.snapshot_id <= i.snapshot_id)
 WHERE i.snapshot_id = :snapshot AND COALESCE(i.state, '') != 'Z' AND (:match IS NULL OR i.argv REGEXP :match)
 GROUP BY i.argv
 ORDER BY sum(i.rss_kb) DESC
 LIMIT 100
