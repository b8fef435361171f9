-- proctrail schema, migration 009: process events from the kernel's proc connector (`watch --events`),
-- between snapshots. Events are written in batches, one transaction each; every batch is hash-chained
-- to the batch before it over its own row and its events' rows, so `proctrail verify` finds an edited,
-- inserted or deleted event. A process seen by a fork event and later by a snapshot is one process:
-- the snapshot takes its original parent from the fork and spawn_counts counts it once.

-- One batch of events as the recorder wrote it.
CREATE TABLE event_batches (
  batch_id       INTEGER PRIMARY KEY,                        -- row id, the chain's order
  host_id        INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot the events happened in
  written_at_us  INTEGER NOT NULL,  -- when the batch was written, unix µs
  events         INTEGER NOT NULL,  -- events rows in the batch (gaps included)
  gaps           INTEGER NOT NULL,  -- of which gap markers
  prev_hash      BLOB,              -- hash of the batch before it; NULL for the first
  hash           BLOB NOT NULL      -- SHA-256 over prev_hash, this row and its events (recorder/store/digest.cpp)
);

-- One process event: fork, exec, exit, a uid/sid/comm change, a core dump, or a gap in the stream.
CREATE TABLE events (
  event_id            INTEGER PRIMARY KEY,                                -- row id, arrival order
  batch_id            INTEGER NOT NULL REFERENCES event_batches(batch_id), -- the batch it was written in
  host_id             INTEGER NOT NULL REFERENCES hosts(host_id),         -- the boot
  at_us               INTEGER NOT NULL,  -- when the kernel reported it, unix µs (from the event's monotonic stamp)
  kind                TEXT NOT NULL,     -- fork, exec, exit, uid, sid, comm, coredump, gap
  pid                 INTEGER,           -- the process (thread-group id); the child for fork; NULL for gap
  start_ticks         INTEGER,           -- (22) starttime of pid: with pid, its identity; NULL if it was never readable
  start_estimated     INTEGER NOT NULL,  -- 1: start_ticks computed from the fork's timestamp (the child was gone before /proc/PID/stat could be read)
  ppid                INTEGER,           -- fork: the forking process; exit: the parent at exit; else the original parent when known
  parent_start_ticks  INTEGER,           -- ppid's starttime: with ppid, the parent's identity; NULL if unknown
  argv                TEXT,              -- exec: the new program's /proc/PID/cmdline, shell-quoted; fork: the child's (its parent's) argv; NULL if gone first
  comm                TEXT,              -- comm: the new name (at most 15 bytes)
  uid                 INTEGER,           -- uid: the new real uid
  euid                INTEGER,           -- uid: the new effective uid
  sid                 INTEGER,           -- sid: the new session id
  exit_code           INTEGER,           -- exit: the exit status when it exited normally, else NULL
  exit_signal         INTEGER,           -- exit: the signal that ended it, else NULL
  detail              TEXT               -- gap: what was lost and why
);
CREATE INDEX events_identity ON events(host_id, pid, start_ticks) WHERE pid IS NOT NULL;
CREATE INDEX events_batch ON events(batch_id);
CREATE INDEX events_at ON events(at_us);
