-- proctrail views: recreated in the same transaction as every migration, so they always match the
-- tables. A view is a question in plain SQL: sqlite3 users get the same answers as `proctrail`.

-- Every process present at each snapshot, with its mutable facts as they were at that snapshot:
-- the latest change row at or before the snapshot, else the value at first sight.
DROP VIEW IF EXISTS snapshot_processes;
CREATE VIEW snapshot_processes AS
SELECT
  s.snapshot_id,                                  -- the snapshot asked about
  p.process_id,                                   -- processes row
  p.host_id,                                      -- the boot
  p.pid,                                          -- (1) pid
  p.start_ticks,                                  -- (22) starttime: with pid, the identity
  p.start_time_us,                                -- wall-clock start, unix µs
  strftime('%Y-%m-%dT%H:%M:%SZ', p.start_time_us / 1000000, 'unixepoch') AS start_time, -- wall-clock start, UTC
  CAST(s.started_boottime_ns / 1000000000 - p.start_ticks / h.clock_ticks AS INTEGER) AS age_s, -- age at the snapshot, seconds
  COALESCE((SELECT c.ppid FROM process_ppid_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.ppid) AS ppid, -- (4) ppid at the snapshot
  p.parent_pid,                                   -- original parent's pid
  p.parent_start_ticks,                           -- original parent's start_ticks
  p.parent_process_id,                            -- original parent's row
  COALESCE((SELECT c.state FROM process_state_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.state) AS state, -- (3) state at the snapshot
  COALESCE((SELECT c.comm FROM process_command_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.comm) AS comm, -- (2) comm at the snapshot
  COALESCE((SELECT c.exe FROM process_command_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.exe) AS exe,   -- exe at the snapshot
  COALESCE((SELECT c.argv FROM process_command_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.argv) AS argv, -- shell-quoted argv at the snapshot
  p.cwd,                                          -- cwd when first seen
  p.uid,                                          -- real uid
  p.euid,                                         -- effective uid
  p.pgid,                                         -- (5) process group
  p.sid,                                          -- (6) session
  p.tty_nr,                                       -- (7) controlling tty
  COALESCE((SELECT c.rss_kb FROM process_usage_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.rss_kb) AS rss_kb, -- (24) RSS KiB, as last recorded
  COALESCE((SELECT c.threads FROM process_usage_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.threads) AS threads, -- (20) threads, as last recorded
  p.cgroup,                                       -- cgroup path
  p.pid_ns,                                       -- pid namespace inode
  p.is_kernel_thread,                             -- 1 for kernel threads
  p.first_seen,                                   -- snapshot that first saw it
  p.gone_by                                       -- first snapshot that no longer saw it, NULL if still present
FROM snapshots s
JOIN hosts h ON h.host_id = s.host_id
JOIN processes p ON p.host_id = s.host_id
               AND p.first_seen <= s.snapshot_id
               AND (p.gone_by IS NULL OR p.gone_by > s.snapshot_id);

-- The latest known facts of every process (for open ones: as of the latest snapshot). The recorder
-- diffs each new collection against this view's open rows.
DROP VIEW IF EXISTS process_latest;
CREATE VIEW process_latest AS
SELECT
  p.process_id,                                   -- processes row
  p.host_id,                                      -- the boot
  p.pid,                                          -- (1) pid
  p.start_ticks,                                  -- (22) starttime
  COALESCE((SELECT c.ppid FROM process_ppid_changes c WHERE c.process_id = p.process_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.ppid) AS ppid,   -- latest ppid
  COALESCE((SELECT c.state FROM process_state_changes c WHERE c.process_id = p.process_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.state) AS state, -- latest state
  COALESCE(cmd.comm, p.comm) AS comm,             -- latest comm
  COALESCE(cmd.exe, p.exe) AS exe,                -- latest exe
  COALESCE(cmd.argv, p.argv) AS argv,             -- latest argv
  COALESCE((SELECT c.rss_kb FROM process_usage_changes c WHERE c.process_id = p.process_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.rss_kb) AS rss_kb, -- latest recorded RSS KiB
  p.first_seen,                                   -- snapshot that first saw it
  p.gone_by                                       -- NULL while present
FROM processes p
LEFT JOIN process_command_changes cmd
       ON cmd.process_id = p.process_id
      AND cmd.snapshot_id = (SELECT max(c2.snapshot_id) FROM process_command_changes c2
                              WHERE c2.process_id = p.process_id);
