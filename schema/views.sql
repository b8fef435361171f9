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
  COALESCE((SELECT c.swap_kb FROM process_usage_changes c
             WHERE c.process_id = p.process_id AND c.snapshot_id <= s.snapshot_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.swap_kb) AS swap_kb, -- status VmSwap KiB, as last recorded; NULL if unreadable
  p.inherited_by,                                 -- first seen already inherited by this reaper pid: original parent unknown
  p.session_variable,                             -- the environment variable that marked its client session
  p.session_marker,                               -- its value (the session id)
  p.unreadable,                                   -- evidence that could not be read at first sight (environ, status)
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
  COALESCE((SELECT c.swap_kb FROM process_usage_changes c WHERE c.process_id = p.process_id
             ORDER BY c.snapshot_id DESC LIMIT 1), p.swap_kb) AS swap_kb, -- latest recorded VmSwap KiB
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
-- stdout), listening (no such peer, but it listens), detached (init, or stdin on /dev/null or closed:
-- a daemon, not a leak by that alone), unreachable (none of these), unknown (its descriptors were
-- not read: another user's without privilege, or not collected).
DROP VIEW IF EXISTS snapshot_reachability;
CREATE VIEW snapshot_reachability AS
SELECT r.*,
       CASE WHEN r.stdin_other_holders + r.stdout_other_holders > 0 THEN 'connected'
            WHEN r.listening_sockets > 0 THEN 'listening'
            WHEN r.pid = 1 THEN 'detached'
            WHEN r.descriptors = 0 THEN 'unknown'
            WHEN r.stdin IS NULL OR r.stdin = '/dev/null' THEN 'detached'
            ELSE 'unreachable' END AS verdict   -- connected, listening, detached, unreachable or unknown
  FROM (
    SELECT p.snapshot_id,                  -- the snapshot asked about
           p.process_id,                   -- the process's row
           p.host_id,                      -- the boot
           p.pid,                          -- pid
           p.start_ticks,                  -- start_ticks
           p.start_time,                   -- start, UTC
           p.ppid,                         -- ppid at the snapshot
           p.argv,                         -- command line at the snapshot
           (SELECT count(*) FROM fds f WHERE f.process_id = p.process_id AND f.first_seen <= p.snapshot_id
               AND (f.gone_by IS NULL OR f.gone_by > p.snapshot_id)) AS descriptors, -- descriptors recorded (0: not read)
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
  CASE WHEN p.inherited_by IS NOT NULL AND p.parent_process_id IS NULL THEN NULL
       ELSE COALESCE(p.parent_pid, p.ppid) END AS parent_pid, -- original parent's pid (first-sight ppid if not recorded); NULL when unknown (found inherited by a reaper)
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
       sp.swap_kb,                                -- VmSwap KiB as last recorded
       sp.argv,                                   -- argv at the snapshot
       sp.container_id,                           -- its container, if any
       sp.pgid,                                   -- (5) process group
       sp.sid,                                    -- (6) session
       sp.uid,                                    -- real uid
       sp.inherited_by,                           -- first seen already inherited by this reaper: original parent unknown
       sp.session_variable,                       -- its session marker's variable
       sp.session_marker,                         -- its session marker (the session id)
       sp.unreadable,                             -- evidence not readable at first sight
       sp.first_seen                              -- snapshot that first saw it
  FROM snapshot_processes sp
  LEFT JOIN processes pp ON pp.process_id = sp.parent_process_id
 WHERE sp.is_kernel_thread = 0;

-- Orphans at each snapshot: processes whose original parent is gone (seen to exit), that were
-- reparented since first seen, or that were first seen already inherited by init or a subreaper
-- (original parent unknown). Process group and session survive reparenting: a group or session whose
-- leader is gone names the family the orphan came from, and the orphans sharing it are one family.
DROP VIEW IF EXISTS snapshot_orphans;
CREATE VIEW snapshot_orphans AS
SELECT o.*,
       count(*) OVER (PARTITION BY o.snapshot_id, o.dead_leader_pid) AS family_size, -- orphans sharing its dead leader
       CASE WHEN o.dead_leader_pid IS NULL THEN NULL
            ELSE CASE WHEN o.pgid = o.dead_leader_pid THEN 'process group ' || o.pgid ELSE 'session ' || o.sid END
                 || CASE WHEN o.pgid = o.sid THEN ' / session ' || o.sid ELSE '' END || ', leader gone' END AS family -- e.g. "process group 7368 / session 7368, leader gone"
  FROM (
SELECT i.snapshot_id,                             -- the snapshot asked about
       i.process_id,                              -- processes row
       i.pid,                                     -- (1) pid
       i.start_ticks,                             -- (22) starttime
       i.start_time_us,                           -- start, unix µs
       i.start_time,                              -- start, UTC
       i.age_s,                                   -- age at the snapshot, seconds
       i.rss_kb,                                  -- RSS KiB
       i.swap_kb,                                 -- VmSwap KiB
       i.argv,                                    -- argv at the snapshot
       i.pgid,                                    -- (5) process group: survives reparenting
       i.sid,                                     -- (6) session: survives reparenting
       i.ppid AS ppid_now,                        -- who it is parented to now
       i.parent_pid AS original_parent_pid,       -- its original parent's pid; NULL when unknown (first seen already inherited)
       i.parent_argv AS original_parent_argv,     -- its original parent's argv; NULL if never recorded
       CASE WHEN i.inherited_by IS NOT NULL AND i.parent_process_id IS NULL THEN 'inherited before first seen'
            WHEN pp.gone_by IS NOT NULL AND pp.gone_by <= i.snapshot_id THEN 'parent exited'
            ELSE 'reparented' END AS how,         -- inherited before first seen (original parent unknown), parent exited, reparented
       (SELECT strftime('%Y-%m-%dT%H:%M:%SZ', g.started_at_us / 1000000, 'unixepoch') FROM snapshots g
         WHERE g.snapshot_id = pp.gone_by AND pp.gone_by <= i.snapshot_id) AS parent_gone_by, -- first snapshot without the parent
       CASE WHEN i.pgid > 0 AND i.pgid != i.pid AND NOT EXISTS (SELECT 1 FROM processes l WHERE l.host_id = i.host_id AND l.pid = i.pgid
                                                  AND l.first_seen <= i.snapshot_id AND COALESCE(l.gone_by, 9223372036854775807) > i.snapshot_id)
            THEN i.pgid
            WHEN i.sid > 0 AND i.sid != i.pid AND NOT EXISTS (SELECT 1 FROM processes l WHERE l.host_id = i.host_id AND l.pid = i.sid
                                                  AND l.first_seen <= i.snapshot_id AND COALESCE(l.gone_by, 9223372036854775807) > i.snapshot_id)
            THEN i.sid END AS dead_leader_pid,     -- the gone leader of its process group (else of its session); NULL if both are alive
       (SELECT r.verdict FROM snapshot_reachability r
         WHERE r.snapshot_id = i.snapshot_id AND r.process_id = i.process_id
           AND EXISTS (SELECT 1 FROM snapshot_collections k WHERE k.snapshot_id = i.snapshot_id)) AS reachable -- connected, listening, detached, unreachable, unknown; NULL if no descriptors recorded
  FROM snapshot_instances i
  JOIN processes p0 ON p0.process_id = i.process_id
  LEFT JOIN processes pp ON pp.process_id = i.parent_process_id
 WHERE i.pid != 1
   AND (i.ppid != p0.ppid                                            -- reparented since first seen
    OR (i.inherited_by IS NOT NULL AND i.parent_process_id IS NULL)  -- or first seen already inherited
    OR (pp.gone_by IS NOT NULL AND pp.gone_by <= i.snapshot_id))) o; -- or its original parent is gone

-- Every recorded event of one process's life, oldest first: first sight, ppid, state, argv and RSS
-- changes, activity changes (idle since, active, spinning), memory reads, descriptors opened and
-- closed, and the snapshot that no longer saw it. Filter on process_id.
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
       || COALESCE(', swap ' || c.swap_kb || ' KiB', '')
  FROM process_usage_changes c JOIN snapshots s ON s.snapshot_id = c.snapshot_id
UNION ALL
SELECT c.process_id, s.started_at_us, c.snapshot_id, 'activity',
       CASE c.activity WHEN 'idle' THEN 'idle since '
                            || strftime('%Y-%m-%dT%H:%M:%SZ', (s.started_at_us - CAST(c.interval_s * 1000000 AS INTEGER)) / 1000000, 'unixepoch')
                       WHEN 'spinning' THEN 'spinning: ' || CAST(round(c.cpu_percent) AS INTEGER) || ' % of a CPU with no read or write syscall'
                       ELSE 'active: ' || CAST(round(c.cpu_percent) AS INTEGER) || ' % of a CPU' END
       || ' (over ' || CAST(round(c.interval_s) AS INTEGER) || ' s)'
  FROM process_activity_changes c JOIN snapshots s ON s.snapshot_id = c.snapshot_id
UNION ALL
SELECT m.process_id, s.started_at_us, m.snapshot_id, 'memory',
       'uss ' || m.uss_kb || ' KiB, pss ' || m.pss_kb || ' KiB, rss ' || m.rss_kb || ' KiB, swap ' || m.swap_kb || ' KiB'
  FROM process_memory_samples m JOIN snapshots s ON s.snapshot_id = m.snapshot_id
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

-- Whether each user process runs, at each snapshot: its latest activity change at or before it.
-- A process without change rows has not been seen to run since first seen (idle since first seen,
-- perhaps longer); one seen by this snapshot only has no activity yet (NULL).
DROP VIEW IF EXISTS snapshot_activity;
CREATE VIEW snapshot_activity AS
SELECT p.snapshot_id,                             -- the snapshot asked about
       p.process_id,                              -- processes row
       CASE WHEN a.process_id IS NOT NULL THEN a.activity
            WHEN p.first_seen < p.snapshot_id THEN 'idle' END AS activity, -- idle, active, spinning; NULL: seen once, not known yet
       CASE WHEN a.process_id IS NOT NULL THEN sa.started_at_us - CAST(a.interval_s * 1000000 AS INTEGER)
            WHEN p.first_seen < p.snapshot_id THEN f.started_at_us END AS since_us, -- since when, unix µs: the sample before the change (first sight for idle without rows)
       CASE WHEN a.process_id IS NULL AND p.first_seen < p.snapshot_id THEN 1 ELSE 0 END AS since_first_seen, -- 1: idle at least since first seen, perhaps longer
       a.cpu_percent,                             -- CPU over the interval that changed it, percent of one CPU
       a.io_known                                 -- 1: read/write syscalls were known at both ends of that interval
  FROM (SELECT s.snapshot_id, p0.process_id, p0.first_seen
          FROM snapshots s
          JOIN processes p0 ON p0.host_id = s.host_id AND p0.is_kernel_thread = 0
                           AND COALESCE(p0.gone_by, 9223372036854775807) > s.snapshot_id + 0
                           AND p0.first_seen <= s.snapshot_id) p
  JOIN snapshots f ON f.snapshot_id = p.first_seen
  LEFT JOIN process_activity_changes a ON a.process_id = p.process_id
        AND a.snapshot_id = (SELECT max(c.snapshot_id) FROM process_activity_changes c
                              WHERE c.process_id = p.process_id AND c.snapshot_id <= p.snapshot_id)
  LEFT JOIN snapshots sa ON sa.snapshot_id = a.snapshot_id;

-- Which process belongs to which client session: the marker in its environment at first sight
-- (CLAUDE_CODE_SESSION_ID's value; for PROCTRAIL_RUN, the innermost run id, the last of its ids).
DROP VIEW IF EXISTS process_sessions;
CREATE VIEW process_sessions AS
SELECT p.process_id,                              -- processes row
       p.host_id,                                 -- the boot
       p.session_variable,                        -- the marking variable
       CASE WHEN p.session_variable = 'PROCTRAIL_RUN'
            THEN substr(p.session_marker, length(rtrim(p.session_marker, replace(p.session_marker, ':', ''))) + 1)
            ELSE p.session_marker END AS session_id -- the session it marks
  FROM processes p
 WHERE p.session_marker IS NOT NULL AND p.session_marker != '';

-- Client sessions: a client session id with its client process, start and end. Sources: hook
-- snapshots (session_id; SessionEnd ends it, except reason "clear", after which Claude Code keeps the
-- servers under a new id), process environments (the session markers), and `proctrail exec` runs.
-- A session without a SessionEnd ends when its client is seen gone (`kill -9` of a client fires no hook).
DROP VIEW IF EXISTS client_sessions;
CREATE VIEW client_sessions AS
WITH hooks AS (
  SELECT h.host_id, h.hook_session_id AS session_id, min(h.started_at_us) AS first_us,
         min(CASE WHEN h.hook_event = 'SessionEnd' AND COALESCE(h.hook_reason, '') != 'clear' THEN h.started_at_us END) AS end_us,
         (SELECT e.hook_reason FROM snapshots e WHERE e.host_id = h.host_id AND e.hook_session_id = h.hook_session_id
             AND e.hook_event = 'SessionEnd' AND COALESCE(e.hook_reason, '') != 'clear' ORDER BY e.snapshot_id LIMIT 1) AS end_reason,
         (SELECT c.process_id FROM snapshots e JOIN processes c ON c.host_id = e.host_id AND c.pid = e.hook_client_pid
                                                             AND c.start_ticks = e.hook_client_start_ticks
           WHERE e.host_id = h.host_id AND e.hook_session_id = h.hook_session_id ORDER BY e.snapshot_id LIMIT 1) AS client_process_id,
         (SELECT e.hook_client_pid FROM snapshots e WHERE e.host_id = h.host_id AND e.hook_session_id = h.hook_session_id
             AND e.hook_client_pid IS NOT NULL ORDER BY e.snapshot_id LIMIT 1) AS client_pid
    FROM snapshots h WHERE h.hook_session_id IS NOT NULL GROUP BY h.host_id, h.hook_session_id),
marked AS (
  SELECT m.host_id, m.session_id, min(m.session_variable) AS variable, count(*) AS processes,
         sum(p.gone_by IS NULL) AS alive, min(p.start_time_us) AS first_us,
         (SELECT p2.parent_process_id FROM process_sessions m2 JOIN processes p2 ON p2.process_id = m2.process_id
           WHERE m2.host_id = m.host_id AND m2.session_id = m.session_id
           ORDER BY p2.start_time_us, p2.process_id LIMIT 1) AS first_parent_process_id
    FROM process_sessions m JOIN processes p ON p.process_id = m.process_id
   GROUP BY m.host_id, m.session_id),
runs AS (SELECT host_id, marker AS session_id, min(started_at_us) AS first_us, max(ended_at_us) AS end_us
           FROM exec_runs GROUP BY host_id, marker),
ids AS (SELECT host_id, session_id FROM hooks UNION SELECT host_id, session_id FROM marked
        UNION SELECT host_id, session_id FROM runs)
SELECT x.*,
       CASE WHEN x.end_us IS NOT NULL THEN strftime('%Y-%m-%dT%H:%M:%SZ', x.end_us / 1000000, 'unixepoch') END AS ended, -- end, UTC; NULL while live
       strftime('%Y-%m-%dT%H:%M:%SZ', x.started_us / 1000000, 'unixepoch') AS started -- start, UTC
  FROM (
SELECT ids.host_id,                               -- the boot
       ids.session_id,                            -- the client's session id
       CASE WHEN h.session_id IS NOT NULL THEN 'hook' WHEN r.session_id IS NOT NULL THEN 'exec' ELSE 'environ' END AS source, -- what named it first: hook, exec or environ
       COALESCE(m.variable, CASE WHEN r.session_id IS NOT NULL THEN 'PROCTRAIL_RUN' END) AS variable, -- the environment variable its processes carry
       c.process_id AS client_process_id,         -- the client's processes row (hook: the hook's nearest non-shell ancestor; environ: the first marked process's parent)
       COALESCE(c.pid, h.client_pid) AS client_pid, -- the client's pid
       c.start_ticks AS client_start_ticks,       -- its (22) starttime
       c.argv AS client_argv,                     -- its argv when first seen
       min(COALESCE(h.first_us, 9223372036854775807), COALESCE(m.first_us, 9223372036854775807),
           COALESCE(r.first_us, 9223372036854775807)) AS started_us, -- the earliest evidence of it, unix µs
       COALESCE(h.end_us, r.end_us, cg.started_at_us) AS end_us, -- when it ended, unix µs; NULL while live
       CASE WHEN h.end_us IS NOT NULL THEN 'SessionEnd' || COALESCE(' (' || h.end_reason || ')', '')
            WHEN r.end_us IS NOT NULL THEN 'exec run ended'
            WHEN cg.snapshot_id IS NOT NULL THEN 'client exited' END AS end_reason, -- SessionEnd (reason), exec run ended, client exited
       COALESCE(m.processes, 0) AS processes,     -- processes that carry its marker
       COALESCE(m.alive, 0) AS alive              -- of those, still present at the latest snapshot
  FROM ids
  LEFT JOIN hooks h ON h.host_id = ids.host_id AND h.session_id = ids.session_id
  LEFT JOIN marked m ON m.host_id = ids.host_id AND m.session_id = ids.session_id
  LEFT JOIN runs r ON r.host_id = ids.host_id AND r.session_id = ids.session_id
  LEFT JOIN processes c ON c.process_id = COALESCE(h.client_process_id, m.first_parent_process_id)
  LEFT JOIN snapshots cg ON cg.snapshot_id = c.gone_by) x;

-- Generations at each snapshot: instances of one argv under one live parent (or one dead family),
-- numbered by start burst (an instance starting more than 0.5 s after the previous one opens a new
-- generation; a pool started together is one).
DROP VIEW IF EXISTS snapshot_generations;
CREATE VIEW snapshot_generations AS
SELECT g.*,
       max(g.generation) OVER (PARTITION BY g.snapshot_id, g.origin, g.argv) AS generations -- generations of this argv and origin
  FROM (
SELECT b.*,
       1 + sum(b.new_burst) OVER (PARTITION BY b.snapshot_id, b.origin, b.argv ORDER BY b.start_time_us, b.pid
                                  ROWS UNBOUNDED PRECEDING) AS generation -- 1 for the oldest burst
  FROM (
SELECT o.*,
       CASE WHEN o.start_time_us - lag(o.start_time_us) OVER (PARTITION BY o.snapshot_id, o.origin, o.argv
                                                               ORDER BY o.start_time_us, o.pid) > 500000
            THEN 1 ELSE 0 END AS new_burst
  FROM (
SELECT i.snapshot_id,                             -- the snapshot asked about
       i.process_id,                              -- processes row
       i.pid,                                     -- (1) pid
       i.start_time_us,                           -- start, unix µs
       i.argv,                                    -- the command
       CASE WHEN o.process_id IS NULL THEN 'parent ' || i.ppid
            ELSE 'family ' || COALESCE(o.dead_leader_pid, 'of pid ' || i.pid) END AS origin -- "parent PID" (live parent) or "family LEADER" (dead group or session leader)
  FROM snapshot_instances i
  LEFT JOIN snapshot_orphans o ON o.snapshot_id = i.snapshot_id AND o.process_id = i.process_id
 WHERE COALESCE(i.state, '') != 'Z' AND i.argv IS NOT NULL) o) b) g;

-- The evidence behind each live user process's leak verdict at each snapshot (DESIGN.md, "Verdicts"):
-- orphanhood and family, reachability, activity, generation, session and real memory. `query leaks`
-- picks the strongest verdict with its thresholds; snapshot_leak_suspects with the defaults.
DROP VIEW IF EXISTS snapshot_leak_evidence;
CREATE VIEW snapshot_leak_evidence AS
SELECT e.*,
       -- each verdict's test, the duration its threshold applies to, and its evidence as a sentence
       CASE WHEN e.session_end_us IS NOT NULL THEN (e.at_us - e.session_end_us) / 1000000 END AS session_ended_s, -- outlived-session: seconds since its session ended
       e.orphan AND COALESCE(e.reachable, '') != 'detached' AS orphaned, -- orphaned: 1 when an orphan that did not detach (a daemon)
       CASE WHEN e.activity = 'idle' AND e.generation < e.generations AND e.newer_in_use_us > e.activity_since_us
            THEN (e.at_us - e.activity_since_us) / 1000000 END AS abandoned_idle_s, -- abandoned: idle seconds while a newer generation was in use
       CASE WHEN e.activity = 'spinning' THEN (e.at_us - e.activity_since_us) / 1000000 END AS spinning_s, -- spinning: seconds since it began
       e.reachable = 'unreachable' AND (e.stdin LIKE 'pipe:%' OR e.stdin LIKE 'socket:%') AS unreachable, -- unreachable: its stdin is a pipe or socket nobody else holds, and it listens on nothing
       'carries ' || e.session_variable || '=' || e.session_id || ' of a session that ended '
         || strftime('%Y-%m-%dT%H:%M:%SZ', e.session_end_us / 1000000, 'unixepoch') || ' (' || e.session_end_reason || ')'
         AS outlived_evidence,
       CASE e.orphan_how
         WHEN 'inherited before first seen' THEN 'first seen already a child of pid ' || e.inherited_by || ', which did not start it: original parent unknown'
         WHEN 'parent exited' THEN 'original parent ' || e.original_parent_pid || COALESCE(' ' || e.original_parent_argv, '') || ' exited'
         ELSE 'reparented away from ' || COALESCE(e.original_parent_pid || COALESCE(' ' || e.original_parent_argv, ''), 'its parent') END
         || COALESCE('; ' || e.family || CASE WHEN e.family_size > 1 THEN ', a family of ' || e.family_size || ' orphans' ELSE '' END, '')
         || COALESCE('; reachable: ' || e.reachable, '')
         || CASE WHEN e.activity = 'spinning' THEN '; spinning since ' || strftime('%Y-%m-%dT%H:%M:%SZ', e.activity_since_us / 1000000, 'unixepoch')
                 WHEN e.activity = 'idle' THEN '; idle since ' || CASE WHEN e.since_first_seen THEN 'first seen ' ELSE '' END
                      || strftime('%Y-%m-%dT%H:%M:%SZ', e.activity_since_us / 1000000, 'unixepoch')
                 ELSE '' END AS orphaned_evidence,
       'generation ' || e.generation || ' of ' || e.generations || ' of this command under ' || e.origin
         || '; newest: pid ' || e.newest_generation || ', in use at '
         || strftime('%Y-%m-%dT%H:%M:%SZ', e.newer_in_use_us / 1000000, 'unixepoch')
         || '; this one idle since ' || CASE WHEN e.since_first_seen THEN 'first seen ' ELSE '' END
         || strftime('%Y-%m-%dT%H:%M:%SZ', e.activity_since_us / 1000000, 'unixepoch') AS abandoned_evidence,
       'spinning since ' || strftime('%Y-%m-%dT%H:%M:%SZ', e.activity_since_us / 1000000, 'unixepoch') || ': '
         || CAST(round(e.cpu_percent) AS INTEGER) || ' % of a CPU with no read or write syscall' AS spinning_evidence,
       'nothing else holds its stdin (' || e.stdin || ') or stdout, and it listens on nothing' AS unreachable_evidence,
       rtrim(CASE WHEN e.unreadable IS NOT NULL THEN 'not readable: ' || e.unreadable || '; ' ELSE '' END
             || CASE WHEN e.activity IS NULL THEN 'activity unknown (seen by one snapshot); ' ELSE '' END
             || CASE WHEN e.reachable IS NULL OR e.reachable = 'unknown' THEN 'descriptors not recorded; ' ELSE '' END, '; ')
         AS missing_evidence -- what could not be known, for the verdicts that would need it
  FROM (
SELECT i.snapshot_id,                             -- the snapshot asked about
       s.started_at_us AS at_us,                  -- its time, unix µs
       i.process_id, i.pid, i.start_ticks, i.start_time, i.age_s, i.argv, i.uid,
       i.rss_kb,                                  -- RSS KiB (status/stat, as last recorded)
       i.swap_kb,                                 -- VmSwap KiB (as last recorded)
       m.pss_kb,                                  -- Pss KiB from smaps_rollup (latest read); NULL if never read
       m.uss_kb,                                  -- Private_Clean + Private_Dirty KiB: what ending it frees; NULL if never read
       i.unreadable,                              -- evidence that could not be read at first sight
       o.process_id IS NOT NULL AS orphan,        -- 1: parent gone, reparented, or found inherited
       o.how AS orphan_how, o.original_parent_pid, o.original_parent_argv, o.family, o.family_size, o.dead_leader_pid,
       i.inherited_by,
       r.verdict AS reachable,                    -- connected, listening, detached, unreachable, unknown; NULL if descriptors were not recorded
       r.stdin,                                   -- its fd 0
       a.activity,                                -- idle, active, spinning; NULL if not known yet
       a.since_us AS activity_since_us,           -- since when
       a.since_first_seen,                        -- 1: idle since first seen, perhaps longer
       a.cpu_percent,
       g.generation, g.generations, g.origin,
       (SELECT max(CASE WHEN a2.activity IN ('active', 'spinning') THEN s.started_at_us
                        WHEN a2.since_first_seen = 0 THEN a2.since_us END)
          FROM snapshot_generations g2
          JOIN snapshot_activity a2 ON a2.snapshot_id = g2.snapshot_id AND a2.process_id = g2.process_id
         WHERE g2.snapshot_id = g.snapshot_id AND g2.origin = g.origin AND g2.argv = g.argv
           AND g2.generation > g.generation) AS newer_in_use_us, -- when a newer generation was last seen running
       (SELECT g2.pid || ' (generation ' || g2.generation || ', started ' || strftime('%Y-%m-%dT%H:%M:%SZ', g2.start_time_us / 1000000, 'unixepoch') || ')'
          FROM snapshot_generations g2
         WHERE g2.snapshot_id = g.snapshot_id AND g2.origin = g.origin AND g2.argv = g.argv
           AND g2.generation = g.generations ORDER BY g2.start_time_us DESC LIMIT 1) AS newest_generation, -- its newest instance
       ps.session_id,                             -- the client session its environment names
       i.session_variable,
       cs.end_us AS session_end_us,               -- when that session ended; NULL while live or unknown
       cs.end_reason AS session_end_reason
  FROM snapshot_instances i
  JOIN snapshots s ON s.snapshot_id = i.snapshot_id
  LEFT JOIN snapshot_orphans o ON o.snapshot_id = i.snapshot_id AND o.process_id = i.process_id
  LEFT JOIN snapshot_reachability r ON r.snapshot_id = i.snapshot_id AND r.process_id = i.process_id
        AND EXISTS (SELECT 1 FROM snapshot_collections k WHERE k.snapshot_id = i.snapshot_id)
  LEFT JOIN snapshot_activity a ON a.snapshot_id = i.snapshot_id AND a.process_id = i.process_id
  LEFT JOIN snapshot_generations g ON g.snapshot_id = i.snapshot_id AND g.process_id = i.process_id
  LEFT JOIN process_memory_samples m ON m.process_id = i.process_id
        AND m.snapshot_id = (SELECT max(m2.snapshot_id) FROM process_memory_samples m2
                              WHERE m2.process_id = i.process_id AND m2.snapshot_id <= i.snapshot_id)
  LEFT JOIN process_sessions ps ON ps.process_id = i.process_id
  LEFT JOIN client_sessions cs ON cs.host_id = i.host_id AND cs.session_id = ps.session_id
 WHERE COALESCE(i.state, '') != 'Z' AND i.pid != 1) e;

-- Leak suspects at each snapshot, one row per process with its one verdict (the strongest that
-- applies: outlived-session, orphaned, abandoned, spinning, unreachable) and the evidence in a
-- sentence, with the default thresholds of `query leaks` (a session ended 30 s ago or more; idle or
-- spinning for 10 minutes); plus running containers whose creator is gone. score orders them.
DROP VIEW IF EXISTS snapshot_leak_suspects;
CREATE VIEW snapshot_leak_suspects AS
SELECT v.snapshot_id, 'process' AS kind, v.pid, v.start_ticks, NULL AS container_id, v.argv, v.age_s, v.rss_kb,
       v.pss_kb, v.uss_kb, v.swap_kb, v.verdict,
       (CASE v.verdict WHEN 'outlived-session' THEN 90 WHEN 'orphaned' THEN 70 WHEN 'abandoned' THEN 60
                       WHEN 'spinning' THEN 50 ELSE 40 END)
       + min(COALESCE(v.uss_kb, v.rss_kb) / 1024, 1024) * 15 / 1024 AS score,
       CASE v.verdict WHEN 'outlived-session' THEN v.outlived_evidence WHEN 'orphaned' THEN v.orphaned_evidence
                      WHEN 'abandoned' THEN v.abandoned_evidence WHEN 'spinning' THEN v.spinning_evidence
                      ELSE v.unreachable_evidence END
       || CASE WHEN v.missing_evidence != '' THEN ' (' || v.missing_evidence || ')' ELSE '' END AS reasons
  FROM (SELECT e.*,
               CASE WHEN e.session_ended_s >= 30 THEN 'outlived-session'
                    WHEN e.orphaned THEN 'orphaned'
                    WHEN e.abandoned_idle_s >= 600 THEN 'abandoned'
                    WHEN e.spinning_s >= 600 THEN 'spinning'
                    WHEN e.unreachable THEN 'unreachable' END AS verdict
          FROM snapshot_leak_evidence e) v
 WHERE v.verdict IS NOT NULL
UNION ALL
SELECT c.snapshot_id, 'container', c.init_pid, NULL, c.container_id, c.image || ' ' || c.command, c.age_s, c.rss_kb,
       NULL, NULL, NULL, 'orphaned',
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

-- Each cleanup target's final outcome: one row per target of a run. A target a run signalled has two
-- rows in cleanup_actions: its intent (outcome 'signalling', committed before the signal) and its
-- outcome, whose intent_action_id names the intent; here the outcome stands for both, with the
-- intent's time. An intent no row resolves yet shows as it is ('signalling'): its run is still
-- waiting, or died and no writable open of the trail has resolved it yet. Rows written before
-- migration 016 have no intents and stand alone.
DROP VIEW IF EXISTS cleanup_outcomes;
CREATE VIEW cleanup_outcomes AS
SELECT
  a.action_id,             -- the row with the final outcome (an unresolved intent: the intent)
  a.run_id,                -- the run
  a.at_us,                 -- when the outcome was known, unix µs (an unresolved intent: when it was about to be signalled)
  COALESCE(i.at_us, CASE WHEN a.outcome = 'signalling' THEN a.at_us END) AS signalled_at_us, -- when the intent was committed, just before the first signal; NULL if never signalled
  a.uid,                   -- who ran the cleanup
  a.evidence_snapshot_id,  -- the evidence the target was chosen from
  a.target_kind,           -- process or container
  a.pid,                   -- process: pid (container: its init pid)
  a.start_ticks,           -- process: (22) starttime, with pid the identity
  a.container_id,          -- container: full id
  a.argv,                  -- process argv, or container image and command
  a.selector,              -- why it was selected
  a.signal,                -- what was sent: TERM, TERM+KILL, stop, stop+remove, or none
  a.outcome,               -- exited, killed, interrupted, protected, ..., or signalling (unresolved)
  a.detail,                -- more words on the outcome
  COALESCE(i.action_id, CASE WHEN a.outcome = 'signalling' THEN a.action_id END) AS intent_action_id -- the intent row; NULL if the target was never signalled
FROM cleanup_actions a
LEFT JOIN cleanup_actions i ON i.action_id = a.intent_action_id
WHERE a.outcome <> 'signalling'
   OR NOT EXISTS (SELECT 1 FROM cleanup_actions o WHERE o.intent_action_id = a.action_id);
