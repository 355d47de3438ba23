-- Webhooks: endpoints per business unit, the events queued for them in the action's own
-- transaction, one delivery per event and endpoint, and every attempt of it.
CREATE TABLE webhook_endpoints (
    id          TEXT PRIMARY KEY,
    bu_id       TEXT NOT NULL REFERENCES business_units(id),
    url         TEXT NOT NULL,
    description TEXT,
    -- JSON array of event names, or ["*"].
    events      TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX webhook_endpoints_bu ON webhook_endpoints (bu_id, active);

CREATE TABLE webhook_events (
    id         TEXT PRIMARY KEY,
    bu_id      TEXT NOT NULL,
    event      TEXT NOT NULL,
    -- The exact body sent (and signed).
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES webhook_events(id),
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id),
    bu_id           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- Due time of the next attempt while pending (also the lease of an attempt in flight).
    next_attempt_at TEXT,
    last_attempt_at TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_bu ON webhook_deliveries (bu_id, created_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, status);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempt     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL,
    response    TEXT,
    PRIMARY KEY (delivery_id, attempt)
) WITHOUT ROWID;
