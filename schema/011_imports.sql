-- proctrail schema, migration 011: snapshots imported from `ps` and `lsof -F` output (`proctrail
-- import`). Each imported file is one snapshot (trigger 'import') of its own host row (boot_id
-- "import:" + the file's SHA-256), hash-chained like every other snapshot. An import lacks columns a
-- live read always has, so processes is rebuilt with those columns nullable (SQLite's 12-step table
-- rebuild: every value is copied unchanged, so the hashes of earlier snapshots still verify); the
-- store runs this migration with foreign keys off and checks them (foreign_key_check) before commit.

-- The views read processes; they are recreated from views.sql after this migration.
DROP VIEW IF EXISTS snapshot_processes;
DROP VIEW IF EXISTS process_latest;
DROP VIEW IF EXISTS snapshot_fds;
DROP VIEW IF EXISTS snapshot_socket_state;
DROP VIEW IF EXISTS snapshot_sockets;
DROP VIEW IF EXISTS snapshot_fd_far_ends;
DROP VIEW IF EXISTS snapshot_fd_peers;
DROP VIEW IF EXISTS snapshot_holders;
DROP VIEW IF EXISTS snapshot_reachability;
DROP VIEW IF EXISTS snapshot_containers;
DROP VIEW IF EXISTS container_overview;
DROP VIEW IF EXISTS process_spawns;
DROP VIEW IF EXISTS snapshot_instances;
DROP VIEW IF EXISTS snapshot_orphans;
DROP VIEW IF EXISTS process_timeline;
DROP VIEW IF EXISTS snapshot_list;
DROP VIEW IF EXISTS snapshot_leak_suspects;
DROP VIEW IF EXISTS process_events;

-- A process, written once when first seen (see 001_init.sql). Live snapshots fill every column a
-- /proc read gives; an imported process has NULL wherever its source printed nothing.
CREATE TABLE processes_new (
  process_id          INTEGER PRIMARY KEY,                        -- row id
  host_id             INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot it ran in (an import: the imported file)
  pid                 INTEGER NOT NULL, -- (1) pid
  start_ticks         INTEGER NOT NULL, -- (22) starttime: ticks after boot; with host_id and pid, the identity. Import: start unix seconds × 100 when known to the second, else 0 (the pid alone is the identity in one import)
  start_time_us       INTEGER,          -- wall-clock start: boot_time + start_ticks / clock_ticks; import: the start, or the start of the interval it lies in (see start_precision_s); NULL if the source had no start
  parent_pid          INTEGER,          -- original parent's pid when first seen; NULL if the parent was not seen or started later
  parent_start_ticks  INTEGER,          -- original parent's start_ticks (its identity with parent_pid)
  parent_process_id   INTEGER REFERENCES processes(process_id), -- original parent's row, when recorded
  ppid                INTEGER,          -- (4) ppid at first sight; reparenting in process_ppid_changes; NULL if the import had no PPID
  state               TEXT,             -- (3) state at first sight (R S D Z T t X I ...); import: the first letter of STAT; NULL if absent
  comm                TEXT,             -- (2) comm at first sight (may hold spaces, parentheses, newlines); import: COMM/UCOMM column or lsof's command; NULL if absent
  exe                 TEXT,             -- /proc/PID/exe target at first sight; NULL if unreadable, a kernel thread, or imported
  argv                TEXT,             -- /proc/PID/cmdline at first sight, shell-quoted (POSIX) so it reads like ps args and splits back exactly; NULL if empty. Import: ps's COMMAND/ARGS text verbatim (ps joins the arguments with spaces, so their boundaries are lost)
  cwd                 TEXT,             -- /proc/PID/cwd target when first seen (import: lsof's cwd); NULL if unreadable
  uid                 INTEGER,          -- real uid (status Uid:, first field); import: a numeric UID column or lsof's u; NULL if unreadable or printed as a name
  euid                INTEGER,          -- effective uid (status Uid:, second field); NULL if unreadable or imported
  pgid                INTEGER,          -- (5) pgrp: survives reparenting; NULL if the import had none
  sid                 INTEGER,          -- (6) session: survives reparenting; NULL if the import had none
  tty_nr              INTEGER,          -- (7) tty_nr: controlling terminal device number, 0 if none; NULL when imported (ps prints a name)
  threads             INTEGER,          -- (20) num_threads at first sight; NULL if the import had no NLWP/THCNT
  rss_kb              INTEGER,          -- (24) rss pages * page_size / 1024 at first sight; import: RSS (KiB); NULL if absent
  utime_ticks         INTEGER,          -- (14) utime at first sight; NULL when imported (ps prints user + system together: cpu_ticks)
  stime_ticks         INTEGER,          -- (15) stime at first sight; NULL when imported
  cgroup              TEXT,             -- /proc/PID/cgroup: the v2 path (0::), else the name=systemd or first v1 path; NULL if unreadable
  pid_ns              INTEGER,          -- inode of /proc/PID/ns/pid; NULL if unreadable
  is_kernel_thread    INTEGER NOT NULL, -- 1 when (9) flags has PF_KTHREAD; 0 when imported (ps does not say)
  first_seen          INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- snapshot that first saw it
  gone_by             INTEGER REFERENCES snapshots(snapshot_id),          -- first snapshot that no longer saw it; NULL while present
  container_id        TEXT,             -- runtime's container id (64 hex for OCI runtimes); NULL if none
  container_runtime   TEXT,             -- docker, podman, cri-containerd, crio, containerd, lxc, systemd-nspawn
  container_source    TEXT,             -- how it was told: cgroup (its cgroup path) or pid-ns (shares a container init's pid namespace)
  start_precision_s   INTEGER,          -- NULL: start_time_us is exact (a live read). Import: the width in seconds of the interval start_time_us begins (1 for lstart/etime, 60 for HH:MM, 3600, 86400 for a day, a year's seconds for a year)
  cpu_ticks           INTEGER,          -- import: ps TIME (user + system CPU) in 1/100 s; NULL for live reads (utime_ticks + stime_ticks)
  vsz_kb              INTEGER,          -- import: VSZ in KiB; NULL for live reads and when absent
  user_name           TEXT              -- import: the user name as ps or lsof printed it; NULL for live reads and when absent
);
INSERT INTO processes_new (process_id, host_id, pid, start_ticks, start_time_us, parent_pid, parent_start_ticks,
                           parent_process_id, ppid, state, comm, exe, argv, cwd, uid, euid, pgid, sid, tty_nr, threads,
                           rss_kb, utime_ticks, stime_ticks, cgroup, pid_ns, is_kernel_thread, first_seen, gone_by,
                           container_id, container_runtime, container_source)
SELECT process_id, host_id, pid, start_ticks, start_time_us, parent_pid, parent_start_ticks,
       parent_process_id, ppid, state, comm, exe, argv, cwd, uid, euid, pgid, sid, tty_nr, threads,
       rss_kb, utime_ticks, stime_ticks, cgroup, pid_ns, is_kernel_thread, first_seen, gone_by,
       container_id, container_runtime, container_source
  FROM processes;
DROP TABLE processes;
ALTER TABLE processes_new RENAME TO processes;
CREATE UNIQUE INDEX processes_identity ON processes(host_id, pid, start_ticks);
CREATE INDEX processes_open ON processes(host_id) WHERE gone_by IS NULL;
CREATE INDEX processes_first_seen ON processes(first_seen);
CREATE INDEX processes_gone_by ON processes(gone_by) WHERE gone_by IS NOT NULL;
CREATE INDEX processes_parent ON processes(parent_process_id) WHERE parent_process_id IS NOT NULL;
CREATE INDEX processes_container ON processes(container_id) WHERE container_id IS NOT NULL;
CREATE INDEX processes_started ON processes(start_time_us);
CREATE INDEX processes_alive ON processes(host_id, COALESCE(gone_by, 9223372036854775807));

-- One imported file: where the snapshot came from. Inside the hash chain (its snapshot's content).
CREATE TABLE imports (
  import_id       INTEGER PRIMARY KEY,                                    -- row id
  snapshot_id     INTEGER NOT NULL UNIQUE REFERENCES snapshots(snapshot_id), -- the snapshot the file became
  source          TEXT NOT NULL,     -- ps or lsof
  format          TEXT NOT NULL,     -- the layout recognised: "ps aux (procps)", "ps aux (macOS)", "ps -ef", "ps -eo pid,…", "lsof -F"
  file_name       TEXT NOT NULL,     -- the file's name as given on the command line ("-" for stdin)
  file_sha256     TEXT NOT NULL,     -- SHA-256 of the file's bytes, hex (also in the host's boot_id)
  file_bytes      INTEGER NOT NULL,  -- the file's size in bytes
  taken_at_us     INTEGER NOT NULL,  -- when the output was captured, unix µs (the snapshot's times)
  taken_at_source TEXT NOT NULL,     -- where taken_at_us came from: --taken-at or mtime (the file's modification time)
  lines_read      INTEGER NOT NULL,  -- data lines after the header (ps) or fields (lsof)
  lines_taken     INTEGER NOT NULL,  -- lines that became processes (or their fields)
  lines_skipped   INTEGER NOT NULL   -- malformed lines, not imported (listed in import_skipped_lines)
);

-- A line of an imported file that was not imported, and why.
CREATE TABLE import_skipped_lines (
  import_id   INTEGER NOT NULL REFERENCES imports(import_id), -- the import
  line_number INTEGER NOT NULL, -- 1-based line of the file
  reason      TEXT NOT NULL,    -- why it was skipped (not a number, too few fields, ...)
  text        TEXT NOT NULL,    -- the line, truncated to 200 bytes
  PRIMARY KEY (import_id, line_number, reason)
) WITHOUT ROWID;
