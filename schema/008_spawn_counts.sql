-- proctrail schema, migration 008: spawn counts per start minute, kept by the store as each process is
-- first seen, so spawn-rate over weeks of history adds up thousands of rows instead of millions. A
-- summary of the processes table (outside the hash chain: it can always be rebuilt from processes),
-- filled here from the rows already recorded.

-- New user processes per original parent, argv and start minute.
CREATE TABLE spawn_counts (
  host_id      INTEGER NOT NULL REFERENCES hosts(host_id), -- the boot
  start_minute INTEGER NOT NULL,  -- start_time_us / 60,000,000 (unix minutes)
  parent_key   INTEGER NOT NULL,  -- the original parent's processes row; minus its pid when that row was never recorded
  argv         TEXT NOT NULL,     -- argv when first seen ('' when empty)
  spawned      INTEGER NOT NULL,  -- processes started in that minute
  PRIMARY KEY (host_id, start_minute, parent_key, argv)
) WITHOUT ROWID;

INSERT INTO spawn_counts (host_id, start_minute, parent_key, argv, spawned)
SELECT host_id, start_time_us / 60000000, COALESCE(parent_process_id, -COALESCE(parent_pid, ppid)), COALESCE(argv, ''), count(*)
  FROM processes WHERE is_kernel_thread = 0
 GROUP BY 1, 2, 3, 4;
