-- proctrail schema, migration 013: `proctrail prune`. A prune deletes closed entities (processes,
-- descriptors, sockets, containers) and their change rows from before a cut, and old event batches,
-- but never a snapshot row: the snapshot chain still links end to end. A snapshot whose content a
-- prune changed no longer hashes to its stored hash, so `proctrail verify` checks its link with the
-- stored hash (trusted) and what is left of its content against the hash the prune recorded here.
-- Each prune row is hash-chained to the prune before it (over its row, its pruned_snapshots and its
-- pruned_event_ranges), so editing the record to hide a range, or to excuse an edited snapshot,
-- breaks that chain. See recorder/store/prune.cpp.

-- One prune: who ran it, the cut, what it deleted, and the hashes that anchor it in the chains it cut.
CREATE TABLE prunes (
  prune_id                INTEGER PRIMARY KEY, -- row id, the chain's order
  at_us                   INTEGER NOT NULL,    -- when the prune ran, unix µs
  uid                     INTEGER NOT NULL,    -- who ran it: real uid
  pid                     INTEGER NOT NULL,    -- the pruning process
  cut_us                  INTEGER NOT NULL,    -- the cut, unix µs: content of snapshots started before it was old (per boot: up to that boot's last snapshot before it)
  keep_tagged             INTEGER NOT NULL,    -- 1: every tagged snapshot was protected (--keep-tagged)
  protected_snapshots     INTEGER NOT NULL,    -- snapshots before the cut whose entities were kept (evidence, exec, import, tagged)
  first_snapshot_id       INTEGER REFERENCES snapshots(snapshot_id), -- lowest snapshot whose content lost or changed rows; NULL if none did (events only)
  last_snapshot_id        INTEGER REFERENCES snapshots(snapshot_id), -- highest such snapshot
  first_snapshot_hash     BLOB,                -- first_snapshot_id's stored hash at the prune: verify checks it is unchanged
  last_snapshot_hash      BLOB,                -- last_snapshot_id's stored hash at the prune: verify checks it is unchanged
  snapshots_affected      INTEGER NOT NULL,    -- snapshots whose content lost or changed rows (each has a pruned_snapshots row)
  head_snapshot_id        INTEGER REFERENCES snapshots(snapshot_id), -- the newest snapshot when the prune ran; NULL in an empty trail
  head_snapshot_hash      BLOB,                -- its hash: anchors this prune in the snapshot chain
  processes               INTEGER NOT NULL,    -- processes rows deleted
  process_ppid_changes    INTEGER NOT NULL,    -- process_ppid_changes rows deleted
  process_state_changes   INTEGER NOT NULL,    -- process_state_changes rows deleted
  process_command_changes INTEGER NOT NULL,    -- process_command_changes rows deleted
  process_usage_changes   INTEGER NOT NULL,    -- process_usage_changes rows deleted
  fd_scan_state           INTEGER NOT NULL,    -- fd_scan_state rows deleted (the recorder's cache)
  fds                     INTEGER NOT NULL,    -- fds rows deleted
  sockets                 INTEGER NOT NULL,    -- sockets rows deleted
  socket_changes          INTEGER NOT NULL,    -- socket_changes rows deleted
  containers              INTEGER NOT NULL,    -- containers rows deleted
  container_changes       INTEGER NOT NULL,    -- container_changes rows deleted
  event_batches           INTEGER NOT NULL,    -- event_batches rows deleted
  events                  INTEGER NOT NULL,    -- events rows deleted
  processes_unparented    INTEGER NOT NULL,    -- kept processes whose parent_process_id was set NULL by early prunes; 0 since a prune keeps every ancestor of a kept process
  spawn_counts_rekeyed    INTEGER NOT NULL,    -- spawn_counts rows moved from a pruned parent's row to minus its pid (the counts are kept)
  prev_hash               BLOB,                -- hash of the prune before it; NULL for the first
  hash                    BLOB NOT NULL        -- SHA-256 over prev_hash, this row, its pruned_snapshots and pruned_event_ranges (recorder/store/digest.cpp)
);

-- A snapshot whose content a prune changed: from then on verify links it by its stored hash
-- (trusted: it no longer matches the content) and re-hashes what is left against content_hash.
CREATE TABLE pruned_snapshots (
  snapshot_id  INTEGER NOT NULL REFERENCES snapshots(snapshot_id), -- the snapshot
  prune_id     INTEGER NOT NULL REFERENCES prunes(prune_id),       -- a prune that changed its content
  content_hash BLOB NOT NULL,                                      -- its hash (recorder/store/digest.cpp, as snapshots.hash) over the content this prune left; the newest prune's is checked
  PRIMARY KEY (snapshot_id, prune_id)
) WITHOUT ROWID;
CREATE INDEX pruned_snapshots_prune ON pruned_snapshots(prune_id);

-- A run of consecutive event batches a prune deleted, with the hashes either side of it, so the
-- event chain still links across the hole.
CREATE TABLE pruned_event_ranges (
  prune_id        INTEGER NOT NULL REFERENCES prunes(prune_id), -- the prune
  first_batch_id  INTEGER NOT NULL, -- first deleted batch
  last_batch_id   INTEGER NOT NULL, -- last deleted batch (every batch between was deleted too)
  first_prev_hash BLOB,             -- first_batch_id's prev_hash: the hash of the batch before the hole; NULL at the chain's start
  last_hash       BLOB NOT NULL,    -- last_batch_id's hash: the prev_hash of the batch after the hole
  PRIMARY KEY (prune_id, first_batch_id)
) WITHOUT ROWID;
