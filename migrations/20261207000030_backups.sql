-- Automatic backups: on unless the administrator turns them off, into backups/ beside the
-- database unless they pick a folder (a USB disk, a synced folder).
ALTER TABLE desk ADD COLUMN backups_on INTEGER NOT NULL DEFAULT 1 CHECK (backups_on IN (0, 1));
ALTER TABLE desk ADD COLUMN backup_folder TEXT;

-- Each backup this desk made or tried: the status bar's "last good backup" and the reason of a
-- failed one. The files themselves are the truth for the list (a folder can be emptied by hand).
CREATE TABLE backups (
    id             TEXT PRIMARY KEY,
    path           TEXT NOT NULL,
    reason         TEXT NOT NULL CHECK (reason IN ('manual', 'daily', 'before-update')),
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    bytes          INTEGER,
    error          TEXT
);
CREATE INDEX backups_started ON backups (started_at);
