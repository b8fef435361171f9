-- proctrail schema, migration 004: containers. Docker's containers are stored like processes (a row
-- at first sight, closed by gone_by; state changes as change rows); every process carries the
-- container its cgroup path (or its pid namespace) names, whatever the runtime.

-- The container a process belongs to, fixed at first sight (a process does not change containers).
ALTER TABLE processes ADD COLUMN container_id TEXT;       -- runtime's container id (64 hex for OCI runtimes); NULL if none
ALTER TABLE processes ADD COLUMN container_runtime TEXT;  -- docker, podman, cri-containerd, crio, containerd, lxc, systemd-nspawn
ALTER TABLE processes ADD COLUMN container_source TEXT;   -- how it was told: cgroup (its cgroup path) or pid-ns (shares a container init's pid namespace)
CREATE INDEX processes_container ON processes(container_id) WHERE container_id IS NOT NULL;

-- What a snapshot learnt from the container engine. One row per snapshot that asked.
CREATE TABLE container_collections (
  snapshot_id        INTEGER PRIMARY KEY REFERENCES snapshots(snapshot_id), -- the snapshot
  source             TEXT NOT NULL,  -- "docker unix:///path" when read; else "unavailable: " and why (no socket, permission denied, cannot connect, timeout, bad reply)
  containers_seen    INTEGER,        -- containers the engine listed; NULL when unavailable
  containers_new     INTEGER,        -- container rows first seen
  containers_gone    INTEGER,        -- container rows closed (removed from the engine)
  containers_changed INTEGER         -- container change rows written
);

-- A container as the engine reported it. Columns marked "at first sight" have later values in
-- container_changes.
CREATE TABLE containers (
  container_row     INTEGER PRIMARY KEY,                        -- row id
  host_id           INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot it was seen in
  engine            TEXT NOT NULL,     -- docker
  container_id      TEXT NOT NULL,     -- full 64-hex id
  name              TEXT NOT NULL,     -- first name, without the leading '/'
  image             TEXT NOT NULL,     -- image as asked for
  command           TEXT NOT NULL,     -- entrypoint and command as one string
  created_at_us     INTEGER NOT NULL,  -- creation time, unix µs
  labels            TEXT NOT NULL,     -- every label, a JSON object
  compose_project   TEXT,              -- label com.docker.compose.project
  compose_service   TEXT,              -- label com.docker.compose.service
  testcontainers_session TEXT,         -- label org.testcontainers.sessionId
  state             TEXT NOT NULL,     -- at first sight: created, running, paused, restarting, exited, dead
  status            TEXT NOT NULL,     -- at first sight: the engine's human text ("Up 5 minutes")
  started_at_us     INTEGER,           -- at first sight: last start, unix µs; NULL if never started
  finished_at_us    INTEGER,           -- at first sight: last exit, unix µs; NULL if never exited
  exit_code         INTEGER,           -- at first sight: last exit code
  init_pid          INTEGER,           -- at first sight: host pid of its init process; NULL when not running
  first_seen        INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- snapshot that first saw it
  gone_by           INTEGER REFERENCES snapshots(snapshot_id)           -- first snapshot whose engine no longer listed it; NULL while listed
);
CREATE INDEX containers_identity ON containers(host_id, container_id);
CREATE INDEX containers_open ON containers(host_id) WHERE gone_by IS NULL;
CREATE INDEX containers_first_seen ON containers(first_seen);
CREATE INDEX containers_gone_by ON containers(gone_by) WHERE gone_by IS NOT NULL;

-- A change of a container's run state (start, stop, restart, exit): the new values from this snapshot on.
CREATE TABLE container_changes (
  container_row  INTEGER NOT NULL REFERENCES containers(container_row), -- the container
  snapshot_id    INTEGER NOT NULL REFERENCES snapshots(snapshot_id),    -- first snapshot with these values
  state          TEXT NOT NULL,  -- new state
  started_at_us  INTEGER,        -- new last start
  finished_at_us INTEGER,        -- new last exit
  exit_code      INTEGER,        -- new exit code
  init_pid       INTEGER,        -- new init pid (NULL once stopped)
  PRIMARY KEY (container_row, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX container_changes_snapshot ON container_changes(snapshot_id);
