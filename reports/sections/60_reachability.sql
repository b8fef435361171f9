-- title: Reachability: who holds the other end
-- command: proctrail query reachable --snapshot {{SNAPSHOT}} --match {{MATCH}}
SELECT r.pid, r.verdict, COALESCE(r.stdin, '') AS stdin, r.stdin_other_holders, COALESCE(r.stdout, '') AS stdout,
       r.stdout_other_holders, r.listening_sockets, i.argv
  FROM snapshot_reachability r
  JOIN snapshot_instances i ON i.snapshot_id = r.snapshot_id AND i.process_id = r.process_id
 WHERE r.snapshot_id = :snapshot
   AND r.process_id IN (SELECT i2.process_id FROM snapshot_leak_suspects s
                          JOIN snapshot_instances i2 ON i2.snapshot_id = s.snapshot_id AND i2.pid = s.pid AND i2.start_ticks = s.start_ticks
                         WHERE s.snapshot_id = :snapshot AND s.kind = 'process')
   AND (:match IS NULL OR i.argv REGEXP :match)
 ORDER BY r.verdict, r.pid
 LIMIT 200
