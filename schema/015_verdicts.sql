-- proctrail schema, migration 015: the evidence behind leak verdicts (DESIGN.md, "Verdicts"): how a
-- process was found (inherited by a reaper before proctrail saw it), which client session marked it,
-- whether it runs, and what memory ending it would free. Every new column of processes is written at
-- first sight only; the snapshot hash covers them where they are set (recorder/store/digest.cpp), so
-- the hashes of earlier snapshots stand.

ALTER TABLE processes ADD COLUMN inherited_by INTEGER;       -- first seen already a child of init or a subreaper (this pid) that did not start it (not a session leader itself): its original parent is unknown; NULL otherwise
ALTER TABLE processes ADD COLUMN session_variable TEXT;      -- the environment variable that marked its client session at first sight (CLAUDE_CODE_SESSION_ID, PROCTRAIL_RUN, ...); NULL if none or unreadable
ALTER TABLE processes ADD COLUMN session_marker TEXT;        -- that variable's value (at most 256 bytes); NULL if none or unreadable
ALTER TABLE processes ADD COLUMN context_switches INTEGER;   -- status voluntary + nonvoluntary_ctxt_switches at first sight; NULL if unreadable
ALTER TABLE processes ADD COLUMN swap_kb INTEGER;            -- status VmSwap at first sight, KiB; NULL if unreadable (kernel threads, zombies, another user's without privilege)
ALTER TABLE processes ADD COLUMN unreadable TEXT;            -- evidence that could not be read at first sight, comma-separated (environ, status); NULL if all of it was read

ALTER TABLE process_usage_changes ADD COLUMN swap_kb INTEGER; -- status VmSwap, KiB, from this snapshot on; NULL if unreadable. A change row is written when RSS or swap moved past the threshold

-- spawn_counts.parent_key is 0 for a process first seen already inherited (inherited_by set): its
-- original parent is unknown, and init or the subreaper is not credited with spawning it.

-- Whether a process runs: a row when its activity changed (so an idle process costs nothing). A
-- process without rows has not been seen to run since it was first seen ("idle since first seen");
-- a process seen once has no activity yet. Activity is judged per interval between two snapshots
-- that both saw it, from (14)+(15) utime+stime, the status context switches and, where readable,
-- /proc/PID/io syscr+syscw.
CREATE TABLE process_activity_changes (
  process_id   INTEGER NOT NULL REFERENCES processes(process_id),  -- the process
  snapshot_id  INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- first snapshot with the new activity
  activity     TEXT NOT NULL,    -- idle (did not run), active (ran), spinning (ran at least half of one CPU and made no read or write syscall)
  cpu_percent  REAL NOT NULL,    -- CPU used over the interval that ended at this snapshot, percent of one CPU
  interval_s   REAL NOT NULL,    -- that interval, seconds
  io_known     INTEGER NOT NULL, -- 1 when /proc/PID/io was read at both ends of the interval (spinning needs it); 0 when it could not be
  PRIMARY KEY (process_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX process_activity_changes_snapshot ON process_activity_changes(snapshot_id);

-- The recorder's cache, not evidence (outside the hash chain): each process's activity counters as
-- last sampled. A row is written when the process has run since its last row (its counters moved),
-- so an idle process costs no write; without a row, the baseline is the processes row.
CREATE TABLE activity_scan_state (
  process_id       INTEGER PRIMARY KEY REFERENCES processes(process_id), -- the process
  sampled_at_us    INTEGER NOT NULL, -- wall clock of the snapshot that sampled them
  cpu_ticks        INTEGER NOT NULL, -- (14) utime + (15) stime
  context_switches INTEGER,          -- status voluntary + nonvoluntary_ctxt_switches; NULL if unreadable
  io_syscalls      INTEGER           -- /proc/PID/io syscr + syscw; NULL if not read (it is read only for processes that ran) or unreadable
);

-- What a process's memory really is, from /proc/PID/smaps_rollup, read at snapshot time for the
-- processes a verdict or a cleanup needs (orphans, session-marked processes, repeated instances,
-- cleanup targets) within a per-snapshot budget, and again when their RSS moved.
CREATE TABLE process_memory_samples (
  process_id  INTEGER NOT NULL REFERENCES processes(process_id),  -- the process
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- the snapshot that read it
  rss_kb      INTEGER NOT NULL, -- Rss: KiB resident
  pss_kb      INTEGER NOT NULL, -- Pss: resident, shared pages divided among their sharers
  uss_kb      INTEGER NOT NULL, -- Private_Clean + Private_Dirty: resident and not shared (what ending it frees)
  swap_kb     INTEGER NOT NULL, -- Swap: swapped out (also freed when it ends)
  PRIMARY KEY (process_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX process_memory_samples_snapshot ON process_memory_samples(snapshot_id);

-- The hook's reason (SessionStart source, SessionEnd reason) and the client that ran the hook: the
-- hook process's nearest ancestor that is not a shell, read before the hook detached.
ALTER TABLE snapshots ADD COLUMN hook_reason TEXT;               -- payload source (SessionStart) or reason (SessionEnd: clear, logout, prompt_input_exit, other); NULL if none
ALTER TABLE snapshots ADD COLUMN hook_client_pid INTEGER;        -- the client's pid; NULL if not a hook or not found
ALTER TABLE snapshots ADD COLUMN hook_client_start_ticks INTEGER; -- the client's (22) starttime: with the pid, its identity

-- prune deletes the new tables' rows of the processes it deletes
ALTER TABLE prunes ADD COLUMN process_activity_changes INTEGER NOT NULL DEFAULT 0; -- process_activity_changes rows deleted
ALTER TABLE prunes ADD COLUMN activity_scan_state INTEGER NOT NULL DEFAULT 0;      -- activity_scan_state rows deleted (the recorder's cache)
ALTER TABLE prunes ADD COLUMN process_memory_samples INTEGER NOT NULL DEFAULT 0;   -- process_memory_samples rows deleted
