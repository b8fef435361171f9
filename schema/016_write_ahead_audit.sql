-- proctrail schema, migration 016: the cleanup audit is written ahead. Before a target is signalled,
-- its intent row (outcome 'signalling') is committed in the cleanup_actions chain; its outcome follows
-- as a second chained row naming the intent (intent_action_id), so rows stay append-only. A run
-- stopped by SIGINT or SIGTERM records what it knows and ends; a run whose process died (SIGKILL, a
-- crash, a reboot) is closed by the next writable open of the trail: each intent it left without an
-- outcome gets a chained 'interrupted' row, and the run is marked. The action hash covers the new
-- column only where it is set (recorder/store/digest.cpp), so the hashes of earlier actions stand.
-- View cleanup_outcomes (schema/views.sql) pairs each intent with its outcome: one row per target.

ALTER TABLE cleanup_actions ADD COLUMN intent_action_id INTEGER REFERENCES cleanup_actions(action_id); -- an outcome row of a signalled target: the action_id of its intent row (outcome 'signalling', committed before the first signal); NULL for intent rows, for targets never signalled (protected, gone, identity-mismatch, zombie) and for rows written before migration 016
CREATE INDEX cleanup_actions_intent ON cleanup_actions(intent_action_id) WHERE intent_action_id IS NOT NULL;
-- cleanup_actions.outcome gains two values: 'signalling' (an intent row: at_us is when the target was
-- about to be signalled, signal what was about to be sent) and 'interrupted' (the run stopped before
-- the outcome was known: SIGINT or SIGTERM during the grace, SIGKILL was not sent; or the cleanup
-- died and a later open of the trail resolved its intent, detail says which).

ALTER TABLE cleanup_runs ADD COLUMN start_ticks INTEGER;     -- the cleanup process's (22) starttime: with pid and host, its identity, checked before a later open closes the run; NULL for runs recorded before migration 016
ALTER TABLE cleanup_runs ADD COLUMN interrupted TEXT;        -- why the run stopped before its end: SIGINT or SIGTERM (it stopped signalling, recorded each outcome it knew and set ended_at_us), or died (its process ended without finishing the run: SIGKILL, a crash, a reboot, an audit row it could not write; see recovered_at_us); NULL when it ran to its end or is still running
ALTER TABLE cleanup_runs ADD COLUMN recovered_at_us INTEGER; -- died: when a later writable open of the trail found the run's process gone and resolved its intents as interrupted, unix µs (ended_at_us, targets and survivors stay NULL: they are not known); NULL otherwise
