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
  CASE WHEN p.start_time_us IS NULL THEN NULL     -- an import without a start
       WHEN p.start_precision_s IS NULL THEN CAST(s.started_boottime_ns / 1000000000 - p.start_ticks / h.clock_ticks AS INTEGER)
       ELSE (s.started_at_us - p.start_time_us) / 1000000 END AS age_s, -- age at the snapshot, seconds (import: from the start of its start interval)
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
  p.gone_by,                                      -- first snapshot that no longer saw it, NULL if still present
  p.container_id,                                 -- its container's id (cgroup path or pid namespace); NULL if none
  p.container_runtime,                            -- docker, podman, cri-containerd, crio, containerd, lxc, systemd-nspawn
  p.container_source                              -- cgroup or pid-ns: how the container was told
FROM snapshots s
JOIN hosts h ON h.host_id = s.host_id
JOIN processes p ON p.host_id = s.host_id
               -- open at the snapshot, written so that index processes_alive reads only those rows.
               -- "+ 0" strips the column's INTEGER affinity: compared with the bare column, SQLite
               -- 3.40 does not use the expression index for a range (EXPLAIN QUERY PLAN shows it).
               AND COALESCE(p.gone_by, 9223372036854775807) > s.snapshot_id + 0
               AND p.first_seen <= s.snapshot_id;

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

-- Every descriptor open at each snapshot, with its holder's identity.
DROP VIEW IF EXISTS snapshot_fds;
CREATE VIEW snapshot_fds AS
SELECT
  s.snapshot_id,                                  -- the snapshot asked about
  p.process_id,                                   -- the holder's row
  p.host_id,                                      -- the boot
  p.pid,                                          -- the holder's pid
  p.start_ticks,                                  -- the holder's start_ticks (identity with pid)
  f.fd,                                           -- descriptor number
  f.kind,                                         -- pipe, fifo, socket, file, dir, chr, blk, anon, other
  f.inode,                                        -- pipe/socket inode, st_ino for paths
  f.dev,                                          -- st_dev for paths
  f.mode,                                         -- r, w or rw
  f.flags,                                        -- open(2) flags
  COALESCE(f.target, f.kind || ':[' || f.inode || ']') AS target, -- the /proc/PID/fd/N link text
  f.fd_id,                                        -- fds row
  f.first_seen,                                   -- snapshot that first saw it
  f.gone_by                                       -- first snapshot that no longer saw it
FROM snapshots s
JOIN processes p ON p.host_id = s.host_id
               AND p.first_seen <= s.snapshot_id
               AND (p.gone_by IS NULL OR p.gone_by > s.snapshot_id)
JOIN fds f ON f.process_id = p.process_id
          AND f.first_seen <= s.snapshot_id
          AND (f.gone_by IS NULL OR f.gone_by > s.snapshot_id);

-- Every socket present at each snapshot, with its connection facts as they were then.
DROP VIEW IF EXISTS snapshot_socket_state;
CREATE VIEW snapshot_socket_state AS
SELECT
  s.snapshot_id,                                  -- the snapshot asked about
  k.socket_id,                                    -- sockets row
  k.host_id,                                      -- the boot
  k.netns,                                        -- network namespace inode
  k.inode,                                        -- socket inode
  k.family,                                       -- unix, inet, inet6
  k.protocol,                                     -- tcp, udp, stream, dgram, seqpacket
  CASE WHEN c.socket_id IS NULL THEN k.state ELSE c.state END AS state,                         -- at the snapshot
  k.local_address,                                -- inet local address
  k.local_port,                                   -- inet local port
  CASE WHEN c.socket_id IS NULL THEN k.remote_address ELSE c.remote_address END AS remote_address, -- at the snapshot
  CASE WHEN c.socket_id IS NULL THEN k.remote_port ELSE c.remote_port END AS remote_port,          -- at the snapshot
  k.path,                                         -- unix bound path
  CASE WHEN c.socket_id IS NULL THEN k.peer_inode ELSE c.peer_inode END AS peer_inode,          -- unix peer at the snapshot
  k.uid,                                          -- inet owner uid
  k.first_seen,                                   -- snapshot that first saw it
  k.gone_by                                       -- first snapshot that no longer saw it
FROM snapshots s
JOIN sockets k ON k.host_id = s.host_id
              AND k.first_seen <= s.snapshot_id
              AND (k.gone_by IS NULL OR k.gone_by > s.snapshot_id)
LEFT JOIN socket_changes c
       ON c.socket_id = k.socket_id
      AND c.snapshot_id = (SELECT max(c2.snapshot_id) FROM socket_changes c2
                            WHERE c2.socket_id = k.socket_id AND c2.snapshot_id <= s.snapshot_id);

-- snapshot_socket_state with the holders: one row per (socket, holder pid and fd); a socket no
-- descriptor was seen for has one row with NULL holder columns.
DROP VIEW IF EXISTS snapshot_sockets;
CREATE VIEW snapshot_sockets AS
SELECT k.*,
       h.process_id AS holder_process_id,         -- holder's row (NULL if no holder was seen)
       h.pid,                                     -- holder's pid
       h.start_ticks,                             -- holder's start_ticks
       h.fd                                       -- holder's descriptor number
  FROM snapshot_socket_state k
  LEFT JOIN snapshot_fds h ON h.snapshot_id = k.snapshot_id AND h.kind = 'socket' AND h.inode = k.inode;

-- For each pipe and socket descriptor at each snapshot, the inode its other end is held through:
-- a pipe's own inode (held for the opposite access); a unix socket's peer inode as of the snapshot;
-- an established TCP socket's mirror (a socket of this host and network namespace whose endpoints
-- are swapped; first-sight endpoints, which a TCP connection keeps). Every lookup is an index search,
-- so asking about all processes of a snapshot stays proportional to its descriptors.
DROP VIEW IF EXISTS snapshot_fd_far_ends;
CREATE VIEW snapshot_fd_far_ends AS
SELECT a.*,
       CASE WHEN a.kind IN ('pipe', 'fifo') THEN 'pipe'
            WHEN k.family = 'unix' THEN 'unix-peer'
            WHEN k.protocol = 'tcp' THEN 'tcp-endpoint' END AS via,   -- how the other end is found
       CASE WHEN a.kind IN ('pipe', 'fifo') THEN a.inode
            WHEN k.family = 'unix' THEN
              IFNULL((SELECT c.peer_inode FROM socket_changes c
                       WHERE c.socket_id = k.socket_id AND c.snapshot_id <= a.snapshot_id
                       ORDER BY c.snapshot_id DESC LIMIT 1),
                     CASE WHEN EXISTS (SELECT 1 FROM socket_changes c WHERE c.socket_id = k.socket_id
                                          AND c.snapshot_id <= a.snapshot_id)
                          THEN NULL ELSE k.peer_inode END)
            WHEN k.protocol = 'tcp' THEN
              (SELECT m.inode FROM sockets m
                WHERE m.host_id = k.host_id AND m.local_port = k.remote_port AND m.protocol = 'tcp'
                  AND m.netns IS k.netns AND m.remote_port = k.local_port
                  AND m.local_address = k.remote_address AND m.remote_address = k.local_address
                  AND m.first_seen <= a.snapshot_id AND (m.gone_by IS NULL OR m.gone_by > a.snapshot_id)
                LIMIT 1) END AS far_inode             -- inode of the other end
  FROM snapshot_fds a
  LEFT JOIN sockets k ON a.kind = 'socket' AND k.host_id = a.host_id AND k.inode = a.inode
                     AND k.first_seen <= a.snapshot_id AND (k.gone_by IS NULL OR k.gone_by > a.snapshot_id)
 WHERE a.kind IN ('pipe', 'fifo', 'socket');

-- Who holds the other end of each pipe and socket descriptor, at each snapshot. One row per
-- (descriptor, peer holder); a process may be its own peer (both ends of one pipe).
DROP VIEW IF EXISTS snapshot_fd_peers;
CREATE VIEW snapshot_fd_peers AS
SELECT a.snapshot_id,                               -- the snapshot asked about
       a.process_id, a.pid, a.start_ticks,          -- the holder of this end
       a.fd, a.kind, a.inode, a.mode,               -- this end
       a.via,                                       -- pipe, unix-peer or tcp-endpoint
       b.process_id AS peer_process_id,             -- the holder of the other end
       b.pid AS peer_pid,
       b.start_ticks AS peer_start_ticks,
       b.fd AS peer_fd,                             -- its descriptor
       b.mode AS peer_mode,                         -- its access mode
       b.inode AS peer_inode                        -- the other end's inode
  FROM snapshot_fd_far_ends a
  JOIN snapshot_fds b ON b.snapshot_id = a.snapshot_id AND b.host_id = a.host_id AND b.inode = a.far_inode
                     AND b.kind = CASE WHEN a.via = 'pipe' THEN a.kind ELSE 'socket' END
                     AND NOT (b.process_id = a.process_id AND b.fd = a.fd)
                     AND (a.via != 'pipe' OR a.mode = 'rw' OR b.mode = 'rw' OR a.mode != b.mode);

-- Holders of pipes, fifos and sockets at each snapshot, with the holder's command line.
DROP VIEW IF EXISTS snapshot_holders;
CREATE VIEW snapshot_holders AS
SELECT f.snapshot_id,                 -- the snapshot asked about
       f.inode,                       -- pipe, fifo or socket inode
       f.kind,                        -- pipe, fifo or socket
       f.pid,                         -- holder's pid
       f.start_ticks,                 -- holder's start_ticks
       p.start_time,                  -- holder's start, UTC
       f.fd,                          -- holder's descriptor number
       f.mode,                        -- r, w or rw: which end of a pipe
       p.argv,                        -- holder's command line at the snapshot
       f.process_id                   -- holder's row
  FROM snapshot_fds f
  JOIN snapshot_processes p ON p.snapshot_id = f.snapshot_id AND p.process_id = f.process_id
 WHERE f.kind IN ('pipe', 'fifo', 'socket');

-- Is each process still reachable at each snapshot? Whether anything other than itself holds the
-- other end of its stdin (fd 0) and stdout (fd 1), and for its listening sockets how many
-- established connections they have. verdict: connected (someone else holds the far end of stdin or
-- stdout), listening (no such peer, but it listens), orphaned (neither).
DROP VIEW IF EXISTS snapshot_reachability;
CREATE VIEW snapshot_reachability AS
SELECT r.*,
       CASE WHEN r.stdin_other_holders + r.stdout_other_holders > 0 THEN 'connected'
            WHEN r.listening_sockets > 0 THEN 'listening'
            ELSE 'orphaned' END AS verdict   -- connected, listening or orphaned
  FROM (
    SELECT p.snapshot_id,                  -- the snapshot asked about
           p.process_id,                   -- the process's row
           p.host_id,                      -- the boot
           p.pid,                          -- pid
           p.start_ticks,                  -- start_ticks
           p.start_time,                   -- start, UTC
           p.ppid,                         -- ppid at the snapshot
           p.argv,                         -- command line at the snapshot
           (SELECT f.target FROM snapshot_fds f
             WHERE f.snapshot_id = p.snapshot_id AND f.process_id = p.process_id AND f.fd = 0) AS stdin,  -- fd 0 link
           (SELECT count(DISTINCT x.peer_process_id) FROM snapshot_fd_peers x
             WHERE x.snapshot_id = p.snapshot_id AND x.process_id = p.process_id AND x.fd = 0
               AND x.peer_process_id != p.process_id) AS stdin_other_holders,   -- other processes at the far end of stdin
           (SELECT f.target FROM snapshot_fds f
             WHERE f.snapshot_id = p.snapshot_id AND f.process_id = p.process_id AND f.fd = 1) AS stdout, -- fd 1 link
           (SELECT count(DISTINCT x.peer_process_id) FROM snapshot_fd_peers x
             WHERE x.snapshot_id = p.snapshot_id AND x.process_id = p.process_id AND x.fd = 1
               AND x.peer_process_id != p.process_id) AS stdout_other_holders,  -- other processes at the far end of stdout
           (SELECT count(*) FROM fds f JOIN sockets k ON k.host_id = p.host_id AND k.inode = f.inode
                                                  AND k.first_seen <= p.snapshot_id
                                                  AND (k.gone_by IS NULL OR k.gone_by > p.snapshot_id)
             WHERE f.process_id = p.process_id AND f.kind = 'socket'
               AND f.first_seen <= p.snapshot_id AND (f.gone_by IS NULL OR f.gone_by > p.snapshot_id)
               AND COALESCE((SELECT c.state FROM socket_changes c WHERE c.socket_id = k.socket_id
                              AND c.snapshot_id <= p.snapshot_id ORDER BY c.snapshot_id DESC LIMIT 1),
                            k.state) = 'LISTEN') AS listening_sockets,
           (SELECT count(DISTINCT e.inode)
              FROM fds f
              JOIN sockets l ON l.host_id = p.host_id AND l.inode = f.inode AND l.protocol = 'tcp'
                            AND l.first_seen <= p.snapshot_id AND (l.gone_by IS NULL OR l.gone_by > p.snapshot_id)
              JOIN sockets e ON e.host_id = l.host_id AND e.local_port = l.local_port AND e.protocol = 'tcp' AND e.inode != l.inode AND e.netns IS l.netns
                            AND e.first_seen <= p.snapshot_id AND (e.gone_by IS NULL OR e.gone_by > p.snapshot_id)
             WHERE f.process_id = p.process_id AND f.kind = 'socket'
               AND f.first_seen <= p.snapshot_id AND (f.gone_by IS NULL OR f.gone_by > p.snapshot_id)
               AND COALESCE((SELECT c.state FROM socket_changes c WHERE c.socket_id = l.socket_id
                              AND c.snapshot_id <= p.snapshot_id ORDER BY c.snapshot_id DESC LIMIT 1),
                            l.state) = 'LISTEN'
               AND COALESCE((SELECT c.state FROM socket_changes c WHERE c.socket_id = e.socket_id
                              AND c.snapshot_id <= p.snapshot_id ORDER BY c.snapshot_id DESC LIMIT 1),
                            e.state) = 'ESTABLISHED')
         + (SELECT count(DISTINCT e.inode)
              FROM fds f
              JOIN sockets l ON l.host_id = p.host_id AND l.inode = f.inode AND l.family = 'unix'
                            AND l.first_seen <= p.snapshot_id AND (l.gone_by IS NULL OR l.gone_by > p.snapshot_id)
              JOIN sockets e ON e.host_id = l.host_id AND e.path = l.path AND e.family = 'unix' AND e.inode != l.inode AND e.netns IS l.netns
                            AND e.first_seen <= p.snapshot_id AND (e.gone_by IS NULL OR e.gone_by > p.snapshot_id)
             WHERE f.process_id = p.process_id AND f.kind = 'socket'
               AND f.first_seen <= p.snapshot_id AND (f.gone_by IS NULL OR f.gone_by > p.snapshot_id)
               AND COALESCE((SELECT c.state FROM socket_changes c WHERE c.socket_id = l.socket_id
                              AND c.snapshot_id <= p.snapshot_id ORDER BY c.snapshot_id DESC LIMIT 1),
                            l.state) = 'LISTEN'
               AND COALESCE((SELECT c.state FROM socket_changes c WHERE c.socket_id = e.socket_id
                              AND c.snapshot_id <= p.snapshot_id ORDER BY c.snapshot_id DESC LIMIT 1),
                            e.state) = 'ESTABLISHED') AS connections
                                           -- established connections accepted on its listening sockets
      FROM snapshot_processes p
     WHERE p.is_kernel_thread = 0) r;

-- Every container as of each snapshot: the engine's facts at first sight with the run state as last
-- changed at or before the snapshot. A snapshot whose engine could not be asked shows the containers
-- as last known (see container_collections.source).
DROP VIEW IF EXISTS snapshot_containers;
CREATE VIEW snapshot_containers AS
SELECT
  s.snapshot_id,                                  -- the snapshot asked about
  k.container_row,                                -- containers row
  k.host_id,                                      -- the boot
  k.engine,                                       -- docker
  k.container_id,                                 -- full 64-hex id
  substr(k.container_id, 1, 12) AS short_id,      -- the 12-digit id docker ps prints
  k.name,                                         -- first name
  k.image,                                        -- image as asked for
  k.command,                                      -- entrypoint and command
  k.created_at_us,                                -- creation time, unix µs
  strftime('%Y-%m-%dT%H:%M:%SZ', k.created_at_us / 1000000, 'unixepoch') AS created_at, -- creation time, UTC
  (s.started_at_us - k.created_at_us) / 1000000 AS age_s, -- age at the snapshot, seconds
  CASE WHEN c.container_row IS NULL THEN k.state ELSE c.state END AS state,                   -- run state at the snapshot
  CASE WHEN c.container_row IS NULL THEN k.started_at_us ELSE c.started_at_us END AS started_at_us,   -- last start, unix µs
  CASE WHEN c.container_row IS NULL THEN k.finished_at_us ELSE c.finished_at_us END AS finished_at_us, -- last exit, unix µs
  CASE WHEN c.container_row IS NULL THEN k.exit_code ELSE c.exit_code END AS exit_code,       -- last exit code
  CASE WHEN c.container_row IS NULL THEN k.init_pid ELSE c.init_pid END AS init_pid,          -- host pid of its init; NULL when not running
  k.labels,                                       -- every label, JSON
  k.compose_project,                              -- com.docker.compose.project
  k.compose_service,                              -- com.docker.compose.service
  k.testcontainers_session,                       -- org.testcontainers.sessionId
  k.first_seen,                                   -- snapshot that first saw it
  k.gone_by                                       -- first snapshot whose engine no longer listed it
FROM snapshots s
JOIN containers k ON k.host_id = s.host_id
                 AND k.first_seen <= s.snapshot_id
                 AND (k.gone_by IS NULL OR k.gone_by > s.snapshot_id)
LEFT JOIN container_changes c
       ON c.container_row = k.container_row
      AND c.snapshot_id = (SELECT max(x.snapshot_id) FROM container_changes x
                            WHERE x.container_row = k.container_row AND x.snapshot_id <= s.snapshot_id);

-- Each container at each snapshot with what it costs and where it came from: its processes (count and
-- RSS, by cgroup or pid namespace) and its likely creator: a process alive when the container was
-- created (started no later, not closed before) whose argv runs a container client (docker, podman,
-- nerdctl, compose) or test runner (testcontainers), not the engine's own daemons and shims; one whose
-- argv names the container ranks first, then one naming its image, then the one started last before
-- the creation.
DROP VIEW IF EXISTS container_overview;
CREATE VIEW container_overview AS
SELECT o.*,
       cr.pid AS creator_pid,                 -- likely creator's pid; NULL if no snapshot saw one
       cr.start_ticks AS creator_start_ticks, -- its start_ticks
       cr.argv AS creator_argv                -- its argv when first seen
  FROM (
    SELECT c.*,
           (SELECT count(*) FROM snapshot_processes p
             WHERE p.snapshot_id = c.snapshot_id AND p.container_id = c.container_id) AS processes, -- its processes at the snapshot
           (SELECT COALESCE(sum(p.rss_kb), 0) FROM snapshot_processes p
             WHERE p.snapshot_id = c.snapshot_id AND p.container_id = c.container_id) AS rss_kb,   -- their RSS KiB
           (SELECT p.process_id FROM (
                SELECT p.process_id, p.start_time_us,
                       instr(p.argv, c.name) > 0 AS names_it,          -- the name is unique to this container
                       instr(p.argv, c.image) > 0 AS names_its_image   -- the image is shared with others
                  FROM processes p
                  LEFT JOIN snapshots g ON g.snapshot_id = p.gone_by
                 WHERE p.host_id = c.host_id
                   AND p.first_seen <= c.snapshot_id
                   AND p.start_time_us <= c.created_at_us + 20000  -- 20 ms: process starts are in 10 ms ticks
                   AND (p.gone_by IS NULL OR g.started_at_us >= c.created_at_us)
                   AND p.container_id IS NOT c.container_id
                   AND p.comm NOT IN ('dockerd', 'containerd', 'containerd-shim', 'docker-proxy', 'runc',
                                      'docker-init', 'conmon')  -- the engine itself, not a client
                   AND (p.argv LIKE '%docker%' OR p.argv LIKE '%podman%' OR p.argv LIKE '%nerdctl%'
                        OR p.argv LIKE '%compose%' OR p.argv LIKE '%testcontainers%')) p
             ORDER BY p.names_it DESC, p.names_its_image DESC, p.start_time_us DESC
             LIMIT 1) AS creator_process_id   -- likely creator's processes row
      FROM snapshot_containers c) o
  LEFT JOIN processes cr ON cr.process_id = o.creator_process_id;

-- Every process ever recorded with when it started and who started it (its original parent, and
-- that parent's argv when first seen), bucketed for spawn-rate questions. Kernel threads left out.
DROP VIEW IF EXISTS process_spawns;
CREATE VIEW process_spawns AS
SELECT
  p.process_id,                                   -- processes row
  p.host_id,                                      -- the boot
  p.pid,                                          -- (1) pid
  p.start_ticks,                                  -- (22) starttime
  p.start_time_us,                                -- wall-clock start, unix µs
  strftime('%Y-%m-%dT%H:%M:%SZ', p.start_time_us / 1000000, 'unixepoch') AS start_time, -- start, UTC
  strftime('%Y-%m-%dT%H:%MZ', p.start_time_us / 1000000, 'unixepoch') AS start_minute,  -- start minute, UTC
  strftime('%Y-%m-%dT%H:00Z', p.start_time_us / 1000000, 'unixepoch') AS start_hour,    -- start hour, UTC
  strftime('%Y-%m-%d', p.start_time_us / 1000000, 'unixepoch') AS start_day,            -- start day, UTC
  p.argv,                                         -- argv when first seen
  p.comm,                                         -- comm when first seen
  p.parent_process_id,                            -- original parent's row; NULL if never recorded
  COALESCE(p.parent_pid, p.ppid) AS parent_pid,   -- original parent's pid (first-sight ppid if not recorded)
  p.parent_start_ticks,                           -- original parent's start_ticks
  pp.argv AS parent_argv,                         -- original parent's argv when first seen
  p.container_id,                                 -- its container, if any
  p.first_seen,                                   -- snapshot that first saw it
  p.gone_by                                       -- first snapshot that no longer saw it
FROM processes p
LEFT JOIN processes pp ON pp.process_id = p.parent_process_id
WHERE p.is_kernel_thread = 0;

-- The user processes alive at each snapshot, with their start buckets and original parent's argv:
-- what the groups and memory questions aggregate.
DROP VIEW IF EXISTS snapshot_instances;
CREATE VIEW snapshot_instances AS
SELECT sp.snapshot_id,                            -- the snapshot asked about
       sp.process_id,                             -- processes row
       sp.host_id,                                -- the boot
       sp.pid,                                    -- (1) pid
       sp.start_ticks,                            -- (22) starttime
       sp.start_time_us,                          -- start, unix µs
       sp.start_time,                             -- start, UTC
       substr(sp.start_time, 1, 13) || ':00Z' AS start_hour, -- start hour, UTC
       substr(sp.start_time, 1, 10) AS start_day, -- start day, UTC
       sp.age_s,                                  -- age at the snapshot, seconds
       sp.ppid,                                   -- ppid at the snapshot
       sp.parent_process_id,                      -- original parent's row
       sp.parent_pid,                             -- original parent's pid
       pp.argv AS parent_argv,                    -- original parent's argv when first seen
       sp.state,                                  -- state at the snapshot
       sp.rss_kb,                                 -- RSS KiB as last recorded
       sp.argv,                                   -- argv at the snapshot
       sp.container_id                            -- its container, if any
  FROM snapshot_processes sp
  LEFT JOIN processes pp ON pp.process_id = sp.parent_process_id
 WHERE sp.is_kernel_thread = 0;

-- Orphans at each snapshot: processes whose original parent is gone, or that were reparented (to init
-- or to any subreaper), with the original parent's pid and argv and, when descriptors were recorded at
-- that snapshot, whether anything still talks to them.
DROP VIEW IF EXISTS snapshot_orphans;
CREATE VIEW snapshot_orphans AS
SELECT i.snapshot_id,                             -- the snapshot asked about
       i.process_id,                              -- processes row
       i.pid,                                     -- (1) pid
       i.start_ticks,                             -- (22) starttime
       i.start_time_us,                           -- start, unix µs
       i.start_time,                              -- start, UTC
       i.age_s,                                   -- age at the snapshot, seconds
       i.rss_kb,                                  -- RSS KiB
       i.argv,                                    -- argv at the snapshot
       i.ppid AS ppid_now,                        -- who it is parented to now
       i.parent_pid AS original_parent_pid,       -- its original parent's pid (first-sight ppid if that parent was never recorded)
       i.parent_argv AS original_parent_argv,     -- its original parent's argv; NULL if never recorded
       (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', g.started_at_us / 1000000, 'unixepoch') FROM snapshots g
         WHERE g.snapshot_id = pp.gone_by AND pp.gone_by <= i.snapshot_id) AS parent_gone_by, -- first snapshot without the parent
       (SELECT r.verdict FROM snapshot_reachability r
         WHERE r.snapshot_id = i.snapshot_id AND r.process_id = i.process_id
           AND EXISTS (SELECT 1 FROM snapshot_collections k WHERE k.snapshot_id = i.snapshot_id)) AS reachable -- connected, listening, orphaned; NULL if no descriptors recorded
  FROM snapshot_instances i
  JOIN processes p0 ON p0.process_id = i.process_id
  LEFT JOIN processes pp ON pp.process_id = i.parent_process_id
 WHERE i.ppid != p0.ppid                                            -- reparented since first seen
    OR (pp.gone_by IS NOT NULL AND pp.gone_by <= i.snapshot_id);    -- or its original parent is gone

-- Every recorded event of one process's life, oldest first: first sight, ppid, state, argv and RSS
-- changes, descriptors opened and closed, and the snapshot that no longer saw it. Filter on process_id.
DROP VIEW IF EXISTS process_timeline;
CREATE VIEW process_timeline AS
SELECT p.process_id, s.started_at_us AS at_us, p.first_seen AS snapshot_id, 'first seen' AS event,
       'ppid ' || COALESCE(p.ppid, '?') || ', state ' || COALESCE(p.state, '?') || ', ' || COALESCE(p.argv, '[' || p.comm || ']', '?')
       || COALESCE(', container ' || substr(p.container_id, 1, 12) || ' (' || p.container_runtime || ')', '') AS detail
  FROM processes p JOIN snapshots s ON s.snapshot_id = p.first_seen
UNION ALL
SELECT c.process_id, s.started_at_us, c.snapshot_id, 'ppid', 'reparented to ' || c.ppid
  FROM process_ppid_changes c JOIN snapshots s ON s.snapshot_id = c.snapshot_id
UNION ALL
SELECT c.process_id, s.started_at_us, c.snapshot_id, 'state', 'state ' || c.state
  FROM process_state_changes c JOIN snapshots s ON s.snapshot_id = c.snapshot_id
UNION ALL
SELECT c.process_id, s.started_at_us, c.snapshot_id, 'exec', COALESCE(c.argv, '[' || c.comm || ']')
  FROM process_command_changes c JOIN snapshots s ON s.snapshot_id = c.snapshot_id
UNION ALL
SELECT c.process_id, s.started_at_us, c.snapshot_id, 'rss', c.rss_kb || ' KiB, ' || c.threads || ' threads'
  FROM process_usage_changes c JOIN snapshots s ON s.snapshot_id = c.snapshot_id
UNION ALL
SELECT f.process_id, s.started_at_us, f.first_seen, 'fd open',
       'fd ' || f.fd || ' ' || f.kind || COALESCE(':[' || f.inode || ']', '') || COALESCE(' ' || f.mode, '')
       || COALESCE(' ' || f.target, '')
  FROM fds f JOIN snapshots s ON s.snapshot_id = f.first_seen
UNION ALL
SELECT f.process_id, s.started_at_us, f.gone_by, 'fd closed', 'fd ' || f.fd || ' ' || f.kind || COALESCE(':[' || f.inode || ']', '')
  FROM fds f JOIN snapshots s ON s.snapshot_id = f.gone_by
UNION ALL
SELECT p.process_id, s.started_at_us, p.gone_by, 'gone', 'no longer seen'
  FROM processes p JOIN snapshots s ON s.snapshot_id = p.gone_by;

-- Snapshots with what each saw: the answer to "when did we record, why, and what changed".
DROP VIEW IF EXISTS snapshot_list;
CREATE VIEW snapshot_list AS
SELECT s.snapshot_id,                             -- the snapshot
       s.host_id,                                 -- the boot
       s.started_at_us,                           -- collection start, unix µs
       strftime('%Y-%m-%dT%H:%M:%SZ', s.started_at_us / 1000000, 'unixepoch') AS taken_at, -- collection start, UTC
       s.trigger,                                 -- manual, hook, timer, cleanup-evidence, ...
       s.tag,                                     -- --tag
       s.hook_event,                              -- hook event name
       s.hook_session_id,                         -- hook session id
       s.coalesced_with,                          -- the snapshot whose state it shares, if coalesced
       s.processes_seen,                          -- processes present
       s.processes_new,                           -- process rows first seen
       s.processes_gone,                          -- process rows closed
       s.processes_changed,                       -- process change rows
       c.fds_seen,                                -- descriptors present; NULL if not recorded
       c.sockets_seen,                            -- sockets present; NULL if not recorded
       k.containers_seen,                         -- containers listed; NULL if not asked or unavailable
       (s.ended_at_us - s.started_at_us) / 1000 AS collect_ms -- collection time
  FROM snapshots s
  LEFT JOIN snapshot_collections c ON c.snapshot_id = s.snapshot_id
  LEFT JOIN container_collections k ON k.snapshot_id = s.snapshot_id;

-- Ranked leak suspects at each snapshot, one row per process (score and every reason it ranks)
-- plus running containers whose creator is gone. A process ranks for being a long-lived orphan (an
-- hour or more), for being unreachable (nothing holds its stdin/stdout and it listens on nothing), and
-- for having 3 or more live instances of the same argv whose original parents ran the same argv (one
-- client, or one client restarted again and again), started over an hour or more apart (a worker pool
-- starts together; a leak accumulates); RSS adds weight.
DROP VIEW IF EXISTS snapshot_leak_suspects;
CREATE VIEW snapshot_leak_suspects AS
SELECT snapshot_id, kind, pid, start_ticks, container_id, argv, age_s, rss_kb, score, reasons FROM (
  SELECT x.snapshot_id,
         'process' AS kind,
         x.pid,
         x.start_ticks,
         x.container_id,
         x.argv,
         x.age_s,
         x.rss_kb,
         (CASE WHEN x.orphan AND x.age_s >= 3600 THEN 40 + min(x.age_s / 3600, 168) * 20 / 168 ELSE 0 END
          + CASE WHEN x.reachable = 'orphaned' THEN 25 ELSE 0 END
          + CASE WHEN x.siblings >= 3 AND x.siblings_spread_s >= 3600 THEN 10 + min(x.siblings, 50) ELSE 0 END
          + min(x.rss_kb / 1024, 1024) * 15 / 1024) AS score,
         rtrim(CASE WHEN x.orphan AND x.age_s >= 3600
                    THEN 'orphan for ' || (x.age_s / 3600) || ' h (original parent ' || COALESCE(x.parent_pid, '?') || ' '
                         || COALESCE(x.parent_argv, '') || ' gone or reparented away); ' ELSE '' END
               || CASE WHEN x.reachable = 'orphaned' THEN 'unreachable: nothing else holds its stdin/stdout, no listener; ' ELSE '' END
               || CASE WHEN x.siblings >= 3 AND x.siblings_spread_s >= 3600 THEN x.siblings || ' live instances of this argv, started over ' || (x.siblings_spread_s / 3600) || ' h by ' || COALESCE(x.parent_argv, 'the same parent') || '; ' ELSE '' END,
               '; ') AS reasons,
         (x.orphan AND x.age_s >= 3600) OR x.reachable = 'orphaned' OR (x.siblings >= 3 AND x.siblings_spread_s >= 3600) AS suspect
    FROM (
      SELECT w.*,
             EXISTS (SELECT 1 FROM snapshot_orphans o WHERE o.snapshot_id = w.snapshot_id AND o.process_id = w.process_id) AS orphan,
             (SELECT o.reachable FROM snapshot_orphans o WHERE o.snapshot_id = w.snapshot_id AND o.process_id = w.process_id) AS reachable
        FROM (
          -- siblings as window aggregates partitioned by snapshot, so a filter on snapshot_id reaches them
          SELECT i.*,
                 count(*) OVER same_origin AS siblings,
                 (max(p0.start_time_us) OVER same_origin - min(p0.start_time_us) OVER same_origin) / 1000000 AS siblings_spread_s
            FROM snapshot_instances i
            JOIN processes p0 ON p0.process_id = i.process_id
          WINDOW same_origin AS (PARTITION BY i.snapshot_id, p0.argv, i.parent_argv)) w) x)
 WHERE suspect
UNION ALL
SELECT c.snapshot_id, 'container', c.init_pid, NULL, c.container_id, c.image || ' ' || c.command, c.age_s, c.rss_kb,
       30 + min(c.age_s / 3600, 168) * 20 / 168 + min(c.rss_kb / 1024, 1024) * 15 / 1024,
       'running container ' || c.name || ' outlived its creator ' || c.creator_pid || ' ' || COALESCE(c.creator_argv, '')
  FROM container_overview c
  JOIN processes cp ON cp.pid = c.creator_pid AND cp.start_ticks = c.creator_start_ticks AND cp.host_id = c.host_id
 WHERE c.state = 'running' AND cp.gone_by IS NOT NULL AND cp.gone_by <= c.snapshot_id;

-- Every recorded process event, with the processes row of its process when a snapshot saw it too.
DROP VIEW IF EXISTS process_events;
CREATE VIEW process_events AS
SELECT
  strftime('%Y-%m-%dT%H:%M:%fZ', e.at_us / 1000000.0, 'unixepoch') AS at, -- when the kernel reported it, UTC (ms)
  e.kind,                 -- fork, exec, exit, uid, sid, comm, coredump, gap
  e.pid,                  -- the process (the child for fork); NULL for gap
  e.start_ticks,          -- (22) starttime: with pid, the identity
  e.ppid,                 -- fork: the forking parent; exit: the parent at exit
  e.parent_start_ticks,   -- the parent's starttime: with ppid, its identity
  e.argv,                 -- exec: the new program's argv, shell-quoted
  e.exit_code,            -- exit: the exit status when it exited normally
  e.exit_signal,          -- exit: the signal that ended it
  e.comm,                 -- comm: the new name
  e.uid,                  -- uid: the new real uid
  e.euid,                 -- uid: the new effective uid
  e.sid,                  -- sid: the new session
  e.start_estimated,      -- 1: start_ticks from the fork's timestamp (gone before /proc could be read)
  e.detail,               -- gap: what was lost
  e.at_us,                -- when, unix µs
  e.event_id,             -- events row, arrival order
  e.batch_id,             -- the batch it was written in
  e.host_id,              -- the boot
  p.process_id            -- the processes row of the same identity, when a snapshot saw it
FROM events e
LEFT JOIN processes p ON p.host_id = e.host_id AND p.pid = e.pid AND p.start_ticks = e.start_ticks;
