-- proctrail schema, migration 006: evidence-first cleanup and its audit trail. Every action row is
-- hash-chained to the action before it (as snapshots are to theirs), so `proctrail verify` finds an
-- edited, inserted or deleted action.

-- One `proctrail cleanup` run.
CREATE TABLE cleanup_runs (
  run_id               INTEGER PRIMARY KEY,                        -- row id
  host_id              INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot it ran in
  started_at_us        INTEGER NOT NULL,  -- when the cleanup began, unix µs
  ended_at_us          INTEGER,           -- when it finished; NULL if it did not
  uid                  INTEGER NOT NULL,  -- who ran it: real uid
  pid                  INTEGER NOT NULL,  -- the cleanup process
  argv                 TEXT NOT NULL,     -- its command line, shell-quoted
  selectors            TEXT NOT NULL,     -- the selectors as given, a JSON object
  dry_run              INTEGER NOT NULL,  -- 1: planned only, nothing signalled
  evidence_snapshot_id INTEGER REFERENCES snapshots(snapshot_id), -- the cleanup-evidence snapshot every target was chosen from
  after_snapshot_id    INTEGER REFERENCES snapshots(snapshot_id), -- the cleanup-after snapshot
  targets              INTEGER,           -- targets acted on (not protected)
  survivors            INTEGER            -- targets still running afterwards
);

-- One action on one target, in the order taken; hash-chained.
CREATE TABLE cleanup_actions (
  action_id            INTEGER PRIMARY KEY,                                 -- row id, the chain's order
  run_id               INTEGER NOT NULL REFERENCES cleanup_runs(run_id),   -- the run
  at_us                INTEGER NOT NULL,  -- when the outcome was known, unix µs
  uid                  INTEGER NOT NULL,  -- who ran the cleanup
  evidence_snapshot_id INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- the evidence the target was chosen from
  target_kind          TEXT NOT NULL,     -- process or container
  pid                  INTEGER,           -- process: pid (container: its init pid, if running)
  start_ticks          INTEGER,           -- process: (22) starttime, with pid the identity
  container_id         TEXT,              -- container: full id
  argv                 TEXT,              -- process argv, or container image and command
  selector             TEXT NOT NULL,     -- why it was selected
  signal               TEXT NOT NULL,     -- what was sent: TERM, TERM+KILL, stop, stop+remove, or none
  outcome              TEXT NOT NULL,     -- exited, killed, identity-mismatch, permission-denied, still-running, zombie, gone, stopped, removed, failed, protected
  detail               TEXT,              -- more words on the outcome (the zombie's parent, an error)
  prev_hash            BLOB,              -- hash of the action before it; NULL for the first
  hash                 BLOB NOT NULL      -- SHA-256 over prev_hash and this row's content
);
CREATE INDEX cleanup_actions_run ON cleanup_actions(run_id);
