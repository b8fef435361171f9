-- proctrail schema, migration 014: the clock an imported ps file was read in. ps prints start times
-- (lstart, START/STIME) in the capturing machine's local time; `proctrail import ps` reads them at a
-- fixed offset from UTC (--utc-offset, by default this machine's zone at the capture time) and stores
-- UTC. Imports made before this migration read them as UTC and keep NULL here. The snapshot hash
-- covers this column only where it is set, so the hashes of earlier imports still verify.

ALTER TABLE imports ADD COLUMN utc_offset_s INTEGER; -- ps: seconds east of UTC its local times were read at (3600 for +01:00); NULL for lsof and for imports before migration 014 (read as UTC)
