-- title: Summary
-- command: proctrail query leaks --snapshot {{SNAPSHOT}}{{MATCH_OPTION}}
-- The headline: suspects now, the memory they hold, the oldest, and how the matching population grew
-- over the window (first snapshot in it against the one reported).
WITH suspects AS MATERIALIZED (
  SELECT age_s, rss_kb, uss_kb, swap_kb, verdict FROM snapshot_leak_suspects
   WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match))
SELECT (SELECT count(*) FROM suspects) AS suspects,
       (SELECT group_concat(verdict || ' ' || n, ', ') FROM (SELECT verdict, count(*) AS n FROM suspects GROUP BY verdict
         ORDER BY n DESC)) AS by_verdict,
       (SELECT round(COALESCE(sum(rss_kb), 0) / 1024.0, 1) FROM suspects) AS suspect_rss_mb,
       -- what ending them frees: USS + swap where smaps_rollup was read (RSS counts shared pages again per process)
       (SELECT round(COALESCE(sum(uss_kb + COALESCE(swap_kb, 0)), 0) / 1024.0, 1) FROM suspects) AS suspect_frees_mb,
       (SELECT count(uss_kb) FROM suspects) AS suspects_measured,
       (SELECT max(age_s) / 3600 FROM suspects) AS oldest_suspect_h,
       (SELECT count(*) FROM snapshot_instances  -- zombies run nothing and hold no memory: not live
         WHERE snapshot_id = :snapshot AND COALESCE(state, '') != 'Z' AND (:match IS NULL OR argv REGEXP :match)) AS instances_now,
       -- the processes open at the window's first snapshot, read through processes_first_seen ("+ 0" keeps
       -- the planner off processes_alive, which for an old snapshot would scan nearly every row)
       (SELECT count(*) FROM processes p
         WHERE p.host_id IN (SELECT host_id FROM hosts) AND p.first_seen <= :first_snapshot
           AND COALESCE(p.gone_by, 9223372036854775807) + 0 > :first_snapshot AND p.is_kernel_thread = 0
           AND (:match IS NULL OR p.argv REGEXP :match)) AS instances_at_start,
       (SELECT taken_at FROM snapshot_list WHERE snapshot_id = :first_snapshot) AS window_start,
       (SELECT taken_at FROM snapshot_list WHERE snapshot_id = :snapshot) AS reported_at
