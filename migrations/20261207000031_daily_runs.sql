-- Each business unit's last daily run on this desk: when, for which day, and why it failed if it
-- did (a failed unit no longer stops the others; the dashboard shows the reason).
CREATE TABLE daily_runs (
    bu_id        TEXT PRIMARY KEY REFERENCES business_units(id),
    ran_for      TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    error        TEXT
);
