-- When a pull last wrote something here: the desk's screens read their data again when it moves.
ALTER TABLE sync_remotes ADD COLUMN last_adopted_at TEXT;
