-- proctrail schema, migration 007: remembers which views.sql the trail's views came from, so a binary
-- whose views differ re-creates them on open even when no table changed.

-- The one row: the views' fingerprint.
CREATE TABLE schema_views (
  id   INTEGER PRIMARY KEY CHECK (id = 1), -- always 1
  hash TEXT NOT NULL                       -- FNV-1a 64 of views.sql as applied, hex
);
