-- proctrail schema, migration 010: `proctrail exec` runs and what each left behind. A run's verdict
-- sits outside the hash chain; its evidence (the exec-before and exec-after snapshots, the events
-- and any cleanup actions) is inside it.

-- One `proctrail exec` run.
CREATE TABLE exec_runs (
  run_id              INTEGER PRIMARY KEY,                        -- row id
  host_id             INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot it ran in
  marker              TEXT NOT NULL,     -- the run id the command inherited in PROCTRAIL_RUN
  argv                TEXT NOT NULL,     -- the command, shell-quoted
  tag                 TEXT,              -- --tag, also on both snapshots
  started_at_us       INTEGER NOT NULL,  -- when the command was started, unix µs
  ended_at_us         INTEGER NOT NULL,  -- when the leak check finished, unix µs
  before_snapshot_id  INTEGER REFERENCES snapshots(snapshot_id), -- the exec-before snapshot
  after_snapshot_id   INTEGER REFERENCES snapshots(snapshot_id), -- the exec-after snapshot
  exit_code           INTEGER NOT NULL,  -- the command's exit status (128 + signal when a signal ended it)
  leaked_processes    INTEGER NOT NULL,  -- processes that outlived it
  leaked_containers   INTEGER NOT NULL,  -- containers created during it and still there
  events              TEXT NOT NULL      -- "recorded", or why the event stream was not available
);

-- One process or container a run left behind.
CREATE TABLE exec_leaks (
  run_id       INTEGER NOT NULL REFERENCES exec_runs(run_id), -- the run
  kind         TEXT NOT NULL,     -- process or container
  pid          INTEGER,           -- process: (1) pid
  start_ticks  INTEGER,           -- process: (22) starttime, with pid the identity
  container_id TEXT,              -- container: full id
  argv         TEXT,              -- process: argv, shell-quoted; container: its image
  escape_route TEXT,              -- process: how it got away (reparented, daemonized, new session, ...)
  found_by     TEXT NOT NULL,     -- tree, marker or events (process); label or time (container)
  age_ms       INTEGER            -- process: age when found, ms
);
CREATE INDEX exec_leaks_run ON exec_leaks(run_id);
