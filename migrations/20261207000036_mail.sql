-- A business unit's outgoing mail account (SMTP), for reminder letters. The password is kept like
-- a sync key: in the OS keyring, or sealed (`password_sealed`), never in the clear.
CREATE TABLE smtp_accounts (
    bu_id              TEXT PRIMARY KEY REFERENCES business_units(id),
    host               TEXT NOT NULL,
    port               INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    -- starttls (587), tls (465), or none (a relay on this network, or a test server)
    security           TEXT NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    username           TEXT,
    password_store     TEXT,
    password_sealed    TEXT,
    from_address       TEXT NOT NULL,
    from_name          TEXT,
    enabled            INTEGER NOT NULL DEFAULT 1,
    -- An administrator allowed a host FlexDesk would not reach unasked (this computer, link-local,
    -- or a public host without encryption: net::guard).
    address_confirmed  INTEGER NOT NULL DEFAULT 0,
    updated_at         TEXT NOT NULL,
    updated_by         TEXT NOT NULL
) WITHOUT ROWID;

-- Mail waiting to go out, and what became of it (the delivery log). A reminder's letter is
-- printed again from its record when the mail is sent.
CREATE TABLE mail_queue (
    id            TEXT PRIMARY KEY,
    bu_id         TEXT NOT NULL REFERENCES business_units(id),
    reminder_id   TEXT,
    to_address    TEXT NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    next_try_at   TEXT NOT NULL,
    queued_at     TEXT NOT NULL,
    sent_at       TEXT
);
CREATE INDEX mail_queue_due ON mail_queue (status, next_try_at);
CREATE INDEX mail_queue_unit ON mail_queue (bu_id, queued_at);
