-- proctrail schema, migration 003: no tables. The questions of `proctrail query` (snapshot_holders,
-- snapshot_fd_peers, snapshot_reachability) were added to views.sql; this version number makes
-- databases of version 2 recreate their views.
SELECT 1;
