-- title: Who spawns them: processes started per parent (top 30 parents)
-- chart: bar parent spawned processes started in the window
-- command: proctrail query spawn-rate --by parent --since {{SINCE}}{{MATCH_OPTION}}
SELECT COALESCE(pp.argv, '(pid ' || (-g.parent_key) || ', not recorded)') || CASE WHEN pp.pid IS NOT NULL THEN ' [' || pp.pid || ']' ELSE '' END AS parent,
       g.spawned, g.distinct_argv, g.example_argv
  FROM (SELECT parent_key, sum(spawned) AS spawned, count(DISTINCT argv) AS distinct_argv, max(argv) AS example_argv
          FROM spawn_counts
         WHERE host_id IN (SELECT host_id FROM hosts) AND start_minute >= :since_us / 60000000
           AND start_minute < :until_us / 60000000 AND (:match IS NULL OR argv REGEXP :match)
         GROUP BY parent_key) g
  LEFT JOIN processes pp ON g.parent_key > 0 AND pp.process_id = g.parent_key
 ORDER BY g.spawned DESC
 LIMIT 30
