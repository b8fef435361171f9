-- title: Leak suspects, one verdict each, with the evidence
-- command: proctrail query leaks --snapshot {{SNAPSHOT}}{{MATCH_OPTION}}
-- The strongest verdict of each suspect (outlived-session, orphaned, abandoned, spinning, unreachable)
-- at the default thresholds, and what ending it frees (USS + swap, where smaps_rollup was read).
SELECT verdict, kind, pid, age_s / 3600 AS age_h, round(rss_kb / 1024.0, 1) AS rss_mb,
       COALESCE(CAST(round((uss_kb + COALESCE(swap_kb, 0)) / 1024.0, 1) AS TEXT), '') AS frees_mb, reasons AS evidence, argv
  FROM snapshot_leak_suspects
 WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match)
 ORDER BY score DESC, age_s DESC
 LIMIT 200
