-- proctrail schema, migration 001: hosts, snapshots, processes and the change rows of processes.
--
-- Identity: a process is (host_id, pid, start_ticks); host_id stands for one boot (boot_id).
-- Storage is proportional to change: an entity row is written once, when first seen, and closed
-- (gone_by) by the first snapshot that no longer sees it; a row with gone_by NULL is "still present
-- as of the latest snapshot". Mutable facts are change rows (entity, snapshot, value) holding the
-- value from that snapshot on; the value before the first change row is the one on the entity row.
-- Times: *_us are wall-clock unix microseconds (UTC); *_ticks are clock ticks since boot
-- (hosts.clock_ticks per second); *_boottime_ns is CLOCK_BOOTTIME.

-- One boot of one machine. A reboot makes a new row, so (host_id, pid, start_ticks) is unique.
CREATE TABLE hosts (
  host_id     INTEGER PRIMARY KEY,  -- row id, referenced by snapshots and processes
  boot_id     TEXT NOT NULL UNIQUE, -- /proc/sys/kernel/random/boot_id: different on every boot
  machine_id  TEXT,                 -- /etc/machine-id: the same machine across boots; NULL if unreadable
  hostname    TEXT NOT NULL,        -- /proc/sys/kernel/hostname when this boot was first recorded
  kernel      TEXT,                 -- /proc/sys/kernel/osrelease and version
  boot_time   INTEGER NOT NULL,     -- btime of /proc/stat: wall-clock boot time, unix seconds
  clock_ticks INTEGER NOT NULL,     -- sysconf(_SC_CLK_TCK): ticks per second of start_ticks, utime, stime
  page_size   INTEGER NOT NULL      -- sysconf(_SC_PAGESIZE) in bytes
);

-- One recorded moment. Snapshot ids increase in commit order, which is also collection order
-- (a snapshot collects while it holds the write lock).
CREATE TABLE snapshots (
  snapshot_id          INTEGER PRIMARY KEY,                        -- increases with every snapshot
  host_id              INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot that was recorded
  requested_at_us      INTEGER NOT NULL, -- wall clock when the snapshot was asked for
  started_at_us        INTEGER NOT NULL, -- wall clock when its collection began
  ended_at_us          INTEGER NOT NULL, -- wall clock when its collection ended (before commit)
  started_boottime_ns  INTEGER NOT NULL, -- CLOCK_BOOTTIME when collection began; comparable with start_ticks
  trigger              TEXT NOT NULL,    -- why it was taken: manual, hook, timer, event, exec-before, exec-after, cleanup-evidence, cleanup-after
  tag                  TEXT,             -- free text from --tag (a test run, a CI job), NULL if none
  hook_event           TEXT,             -- hook payload hook_event_name (e.g. SessionStart), NULL if none
  hook_session_id      TEXT,             -- hook payload session_id
  hook_cwd             TEXT,             -- hook payload cwd
  hook_transcript_path TEXT,             -- hook payload transcript_path
  hook_error           TEXT,             -- why a hook payload could not be used (not JSON, too large); NULL if fine or absent
  coalesced_with       INTEGER REFERENCES snapshots(snapshot_id), -- set when a collection that began after this request had just committed: this row shares that state and adds no change rows
  processes_seen       INTEGER NOT NULL, -- processes present in this snapshot
  processes_new        INTEGER NOT NULL, -- process rows first seen by this snapshot
  processes_gone       INTEGER NOT NULL, -- process rows closed by this snapshot
  processes_changed    INTEGER NOT NULL, -- change rows this snapshot wrote
  processes_vanished   INTEGER NOT NULL, -- listed in /proc but gone before their stat was read (skipped)
  parse_errors         INTEGER NOT NULL, -- processes skipped because a /proc file was malformed (kept open, not closed)
  collector_pid        INTEGER NOT NULL, -- pid of the recording process, which leaves itself out
  proctrail_version    TEXT NOT NULL,    -- version of the proctrail that wrote the row
  prev_hash            BLOB,             -- hash of the previous snapshot in the trail, NULL for the first
  hash                 BLOB NOT NULL     -- SHA-256 over prev_hash and this snapshot's canonical content (see recorder/store/digest.cpp)
);
CREATE INDEX snapshots_host ON snapshots(host_id, snapshot_id);
CREATE INDEX snapshots_tag ON snapshots(tag) WHERE tag IS NOT NULL;

-- A process, written once when first seen. Columns marked "at first sight" have later values in
-- the change tables below; the others do not change for the life of the process (or are not tracked).
CREATE TABLE processes (
  process_id          INTEGER PRIMARY KEY,                        -- row id
  host_id             INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot it ran in
  pid                 INTEGER NOT NULL, -- (1) pid
  start_ticks         INTEGER NOT NULL, -- (22) starttime: ticks after boot; with host_id and pid, the identity
  start_time_us       INTEGER NOT NULL, -- wall-clock start: boot_time + start_ticks / clock_ticks
  parent_pid          INTEGER,          -- original parent's pid when first seen; NULL if the parent was not seen or started later
  parent_start_ticks  INTEGER,          -- original parent's start_ticks (its identity with parent_pid)
  parent_process_id   INTEGER REFERENCES processes(process_id), -- original parent's row, when recorded
  ppid                INTEGER NOT NULL, -- (4) ppid at first sight; reparenting in process_ppid_changes
  state               TEXT NOT NULL,    -- (3) state at first sight (R S D Z T t X I ...)
  comm                TEXT NOT NULL,    -- (2) comm at first sight (may hold spaces, parentheses, newlines)
  exe                 TEXT,             -- /proc/PID/exe target at first sight; NULL if unreadable or a kernel thread
  argv                TEXT,             -- /proc/PID/cmdline at first sight, shell-quoted (POSIX) so it reads like ps args and splits back exactly; NULL if empty
  cwd                 TEXT,             -- /proc/PID/cwd target when first seen; NULL if unreadable
  uid                 INTEGER,          -- real uid (status Uid:, first field); NULL if unreadable
  euid                INTEGER,          -- effective uid (status Uid:, second field); NULL if unreadable
  pgid                INTEGER NOT NULL, -- (5) pgrp: survives reparenting
  sid                 INTEGER NOT NULL, -- (6) session: survives reparenting
  tty_nr              INTEGER NOT NULL, -- (7) tty_nr: controlling terminal device number, 0 if none
  threads             INTEGER NOT NULL, -- (20) num_threads at first sight
  rss_kb              INTEGER NOT NULL, -- (24) rss pages * page_size / 1024 at first sight
  utime_ticks         INTEGER NOT NULL, -- (14) utime at first sight
  stime_ticks         INTEGER NOT NULL, -- (15) stime at first sight
  cgroup              TEXT,             -- /proc/PID/cgroup: the v2 path (0::), else the name=systemd or first v1 path; NULL if unreadable
  pid_ns              INTEGER,          -- inode of /proc/PID/ns/pid; NULL if unreadable
  is_kernel_thread    INTEGER NOT NULL, -- 1 when (9) flags has PF_KTHREAD
  first_seen          INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- snapshot that first saw it
  gone_by             INTEGER REFERENCES snapshots(snapshot_id)           -- first snapshot that no longer saw it; NULL while present
);
CREATE UNIQUE INDEX processes_identity ON processes(host_id, pid, start_ticks);
CREATE INDEX processes_open ON processes(host_id) WHERE gone_by IS NULL;
CREATE INDEX processes_first_seen ON processes(first_seen);
CREATE INDEX processes_gone_by ON processes(gone_by) WHERE gone_by IS NOT NULL;
CREATE INDEX processes_parent ON processes(parent_process_id) WHERE parent_process_id IS NOT NULL;

-- Reparenting: the ppid from snapshot_id on (the original parent stays on the process row).
CREATE TABLE process_ppid_changes (
  process_id  INTEGER NOT NULL REFERENCES processes(process_id), -- the process
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- first snapshot with the new value
  ppid        INTEGER NOT NULL,                                    -- (4) ppid from then on
  PRIMARY KEY (process_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX process_ppid_changes_snapshot ON process_ppid_changes(snapshot_id);

-- Scheduler state: the state from snapshot_id on.
CREATE TABLE process_state_changes (
  process_id  INTEGER NOT NULL REFERENCES processes(process_id), -- the process
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- first snapshot with the new value
  state       TEXT NOT NULL,                                       -- (3) state from then on
  PRIMARY KEY (process_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX process_state_changes_snapshot ON process_state_changes(snapshot_id);

-- What the process runs: written when comm, exe or argv changed (an exec, a setproctitle or a
-- prctl rename), with all three as they are from snapshot_id on. An exec is a change, not a new process.
-- An exe or argv that could not be read (a zombie, an exiting process) is not a change: the previous
-- value is carried forward, so a NULL here means it was never known.
CREATE TABLE process_command_changes (
  process_id  INTEGER NOT NULL REFERENCES processes(process_id), -- the process
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- first snapshot with the new values
  comm        TEXT NOT NULL,                                       -- (2) comm from then on
  exe         TEXT,                                                -- exe target from then on
  argv        TEXT,                                                -- shell-quoted cmdline from then on
  PRIMARY KEY (process_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX process_command_changes_snapshot ON process_command_changes(snapshot_id);

-- Resource use: written when RSS moved by more than the recorder's threshold since the last
-- recorded value (default: 1 MiB and 10 %), with the other counters as they were then.
CREATE TABLE process_usage_changes (
  process_id  INTEGER NOT NULL REFERENCES processes(process_id), -- the process
  snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- snapshot that measured it
  rss_kb      INTEGER NOT NULL,                                    -- (24) rss in KiB
  threads     INTEGER NOT NULL,                                    -- (20) num_threads
  utime_ticks INTEGER NOT NULL,                                    -- (14) utime
  stime_ticks INTEGER NOT NULL,                                    -- (15) stime
  PRIMARY KEY (process_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX process_usage_changes_snapshot ON process_usage_changes(snapshot_id);
