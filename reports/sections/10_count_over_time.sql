-- title: Processes over time, per suspect command
-- chart: line argv at instances processes
-- command: proctrail report --format md --since {{SINCE}}{{MATCH_OPTION}} (its table gives each line's first, last and peak count)
-- Instances of each suspect argv at up to 120 snapshots spread evenly over the window, counted from
-- the processes rows (open at the snapshot) rather than the per-snapshot view, which would be built for
-- every snapshot of the trail.
WITH suspect_argv AS MATERIALIZED (
  SELECT DISTINCT argv FROM snapshot_leak_suspects
   WHERE snapshot_id = :snapshot AND kind = 'process' AND (:match IS NULL OR argv REGEXP :match)),
picked AS MATERIALIZED (
  SELECT min(snapshot_id) AS snapshot_id, min(started_at_us) AS started_at_us FROM snapshots
   WHERE started_at_us >= :sample_from_us AND started_at_us < :until_us AND coalesced_with IS NULL
   GROUP BY (started_at_us - :sample_from_us) * 120 / max(:until_us - :sample_from_us, 1)),
-- Every recorded process of those commands (argv at first sight) with the snapshots it was open in.
lives AS MATERIALIZED (
  SELECT p.argv, p.first_seen, COALESCE(p.gone_by, 9223372036854775807) AS gone_by
    FROM processes p
   WHERE p.host_id IN (SELECT host_id FROM hosts) AND p.argv IN (SELECT argv FROM suspect_argv) AND p.is_kernel_thread = 0)
-- every (command, snapshot) pair, so a command with no instance yet is drawn at 0, not left out
SELECT a.argv, k.started_at_us / 1000000 AS at, count(l.argv) AS instances
  FROM picked k
  CROSS JOIN suspect_argv a
  LEFT JOIN lives l ON l.argv = a.argv AND l.first_seen <= k.snapshot_id AND l.gone_by > k.snapshot_id
 GROUP BY a.argv, k.snapshot_id
 ORDER BY k.snapshot_id, a.argv
