-- title: Cleanup actions taken
-- command: proctrail sql "SELECT * FROM cleanup_outcomes" && proctrail verify
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', at_us / 1000000, 'unixepoch') AS at, evidence_snapshot_id, target_kind,
       COALESCE(pid, '') AS pid, COALESCE(substr(container_id, 1, 12), '') AS container, COALESCE(argv, '') AS argv,
       signal, outcome
  FROM cleanup_outcomes
 WHERE at_us >= :since_us AND at_us < :until_us AND (:match IS NULL OR argv REGEXP :match)
 ORDER BY action_id
 LIMIT 500
