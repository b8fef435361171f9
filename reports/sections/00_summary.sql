-- title: Summary
-- command: proctrail query leaks --snapshot {{SNAPSHOT}}{{MATCH_OPTION}}
-- The headline: suspects now, the memory they hold, the oldest, and how the matching population grew
-- over the window (first snapshot in it against the one reported).
SELECT (SELECT count(*) FROM snapshot_leak_suspects
         WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match)) AS suspects,
       (SELECT round(COALESCE(sum(rss_kb), 0) / 1024.0, 1) FROM snapshot_leak_suspects
         WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match)) AS suspect_rss_mb,
       (SELECT max(age_s) / 3600 FROM snapshot_leak_suspects
         WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match)) AS oldest_suspect_h,
       (SELECT count(*) FROM snapshot_instances
         WHERE snapshot_id = :snapshot AND (:match IS NULL OR argv REGEXP :match)) AS instances_now,
       (SELECT count(*) FROM snapshot_instances
         WHERE snapshot_id = :first_snapshot AND (:match IS NULL OR argv REGEXP :match)) AS instances_at_start,
       (SELECT taken_at FROM snapshot_list WHERE snapshot_id = :first_snapshot) AS window_start,
       (SELECT taken_at FROM snapshot_list WHERE snapshot_id = :snapshot) AS reported_at
