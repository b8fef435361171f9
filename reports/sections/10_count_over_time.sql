-- title: Processes over time, per suspect command
-- chart: line argv at instances processes
-- command: proctrail sql "SELECT snapshot_id, argv, count(*) FROM snapshot_instances WHERE snapshot_id IN (…) GROUP BY 1, 2"
-- Instances of each suspect argv at up to 120 snapshots spread evenly over the window.
WITH suspect_argv AS (
  SELECT DISTINCT argv FROM snapshot_leak_suspects
   WHERE snapshot_id = :snapshot AND kind = 'process' AND (:match IS NULL OR argv REGEXP :match)),
picked AS (
  SELECT min(snapshot_id) AS snapshot_id FROM snapshots
   WHERE started_at_us >= :since_us AND started_at_us < :until_us AND coalesced_with IS NULL
   GROUP BY (started_at_us - :since_us) * 120 / max(:until_us - :since_us, 1))
SELECT i.argv, s.started_at_us / 1000000 AS at, count(*) AS instances
  FROM picked k
  JOIN snapshots s ON s.snapshot_id = k.snapshot_id
  JOIN snapshot_instances i ON i.snapshot_id = k.snapshot_id
 WHERE i.argv IN (SELECT argv FROM suspect_argv)
 GROUP BY i.argv, s.snapshot_id
 ORDER BY s.snapshot_id, i.argv
