-- proctrail schema, migration 012: spawn counts by parent key. A fork the event recorder counts
-- before any snapshot has seen its parent is filed under minus the parent's pid; when a snapshot then
-- records that parent, the store moves those counts to the parent's row (one spawn-rate line per
-- parent, not two). This index makes that lookup a probe, not a scan, on every new process.

-- spawn_counts by (host, parent key, minute): "the counts filed under -pid since this start minute".
CREATE INDEX spawn_counts_by_parent ON spawn_counts (host_id, parent_key, start_minute);
