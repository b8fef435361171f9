-- proctrail schema, migration 002: open descriptors and sockets, stored like processes: a row is
-- written when first seen and closed (gone_by) by the first snapshot that no longer sees it.

-- What a snapshot's descriptor and socket collection saw. One row per snapshot that collected them.
CREATE TABLE snapshot_collections (
  snapshot_id     INTEGER PRIMARY KEY REFERENCES snapshots(snapshot_id), -- the snapshot
  fds_seen        INTEGER NOT NULL, -- descriptors present in readable processes
  fds_new         INTEGER NOT NULL, -- descriptor rows first seen
  fds_gone        INTEGER NOT NULL, -- descriptor rows closed
  fds_unreadable  INTEGER NOT NULL, -- user processes whose fd directory could not be read (their rows stay open)
  fds_carried     INTEGER NOT NULL, -- processes whose descriptors were not re-read: none of their threads had run since the last read
  sockets_seen    INTEGER,          -- sockets present; NULL when sockets were not collected
  sockets_new     INTEGER,          -- socket rows first seen
  sockets_gone    INTEGER,          -- socket rows closed
  sockets_changed INTEGER,          -- socket change rows written
  sockets_source  TEXT              -- sock_diag, proc-net (no unix peers), or why sockets are missing
);

-- An open descriptor of a process: /proc/PID/fd/N, fdinfo/N and, for paths, a stat.
CREATE TABLE fds (
  fd_id      INTEGER PRIMARY KEY,                                -- row id
  process_id INTEGER NOT NULL REFERENCES processes(process_id),   -- the process holding it
  fd         INTEGER NOT NULL,                                   -- descriptor number
  kind       TEXT NOT NULL,    -- pipe, fifo, socket, file, dir, chr, blk, anon (eventfd, epoll, ...), other
  inode      INTEGER,          -- pipe or socket inode from the link; for paths st_ino; NULL if unknown
  dev        INTEGER,          -- st_dev for paths; NULL otherwise
  mode       TEXT,             -- access mode r, w or rw (tells the ends of a pipe apart): the fd link's permission bits, or fdinfo flags
  flags      INTEGER,          -- fdinfo flags (open(2) flags: O_NONBLOCK, O_CLOEXEC, ...) when first seen; NULL unless the collector reads fdinfo (ProcfsOptions::read_fd_flags)
  target     TEXT,             -- link text for paths and anon inodes; NULL for pipes and sockets (see the view)
  first_seen INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- snapshot that first saw it
  gone_by    INTEGER REFERENCES snapshots(snapshot_id)           -- first snapshot that no longer saw it; NULL while open
);
CREATE INDEX fds_process ON fds(process_id, fd);
CREATE INDEX fds_open ON fds(process_id) WHERE gone_by IS NULL;
CREATE INDEX fds_inode ON fds(inode);
CREATE INDEX fds_first_seen ON fds(first_seen);
CREATE INDEX fds_gone_by ON fds(gone_by) WHERE gone_by IS NOT NULL;

-- The recorder's cache, not evidence (outside the hash chain): for each open process, a signature of
-- its threads' run counts when its descriptors were last read. A process whose threads have not run
-- since cannot have changed its descriptor table, so the next snapshot carries its rows over unread.
CREATE TABLE fd_scan_state (
  process_id    INTEGER PRIMARY KEY REFERENCES processes(process_id), -- the process
  run_signature INTEGER NOT NULL,  -- hash of its switch counts (status), or of each thread's (tid, run_ns, pcount) (task/*/schedstat), at that read
  read_at_us    INTEGER NOT NULL   -- wall clock of that read
);

-- A socket of the recorder's network namespace (sock_diag, else /proc/net/*). Columns marked
-- "at first sight" have later values in socket_changes.
CREATE TABLE sockets (
  socket_id      INTEGER PRIMARY KEY,                        -- row id
  host_id        INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot
  netns          INTEGER,           -- network namespace inode; NULL if unknown
  inode          INTEGER NOT NULL,  -- socket inode: what /proc/PID/fd/N names as socket:[inode]
  family         TEXT NOT NULL,     -- unix, inet or inet6
  protocol       TEXT NOT NULL,     -- tcp or udp (inet); stream, dgram or seqpacket (unix)
  local_address  TEXT,              -- inet: numeric local address
  local_port     INTEGER,           -- inet: local port
  path           TEXT,              -- unix: bound path; abstract names start with '@'
  uid            INTEGER,           -- inet: owner uid
  state          TEXT NOT NULL,     -- at first sight: LISTEN, ESTABLISHED, UNCONN, UNCONNECTED, ...
  remote_address TEXT,              -- at first sight: inet remote address
  remote_port    INTEGER,           -- at first sight: inet remote port
  peer_inode     INTEGER,           -- at first sight: unix peer socket's inode (sock_diag only)
  first_seen     INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- snapshot that first saw it
  gone_by        INTEGER REFERENCES snapshots(snapshot_id)           -- first snapshot that no longer saw it
);
CREATE INDEX sockets_identity ON sockets(host_id, inode);
CREATE INDEX sockets_open ON sockets(host_id) WHERE gone_by IS NULL;
CREATE INDEX sockets_local_port ON sockets(host_id, local_port) WHERE local_port IS NOT NULL;
CREATE INDEX sockets_path ON sockets(host_id, path) WHERE path IS NOT NULL;
CREATE INDEX sockets_first_seen ON sockets(first_seen);
CREATE INDEX sockets_gone_by ON sockets(gone_by) WHERE gone_by IS NOT NULL;

-- A socket's connection facts from snapshot_id on, written whole when any of them changed.
CREATE TABLE socket_changes (
  socket_id      INTEGER NOT NULL REFERENCES sockets(socket_id),     -- the socket
  snapshot_id    INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- first snapshot with these values
  state          TEXT NOT NULL,                                      -- state from then on
  remote_address TEXT,                                               -- inet remote address from then on
  remote_port    INTEGER,                                            -- inet remote port from then on
  peer_inode     INTEGER,                                            -- unix peer inode from then on
  PRIMARY KEY (socket_id, snapshot_id)
) WITHOUT ROWID;
CREATE INDEX socket_changes_snapshot ON socket_changes(snapshot_id);
