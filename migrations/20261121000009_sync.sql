-- Sync: a business unit's remote (another FlexDesk acting as hub, or a FlexPortal account), the
-- outbox of operations written in each action's own transaction, the conflicts the remote
-- refused, the pull cursors, and the hub's change feed.
CREATE TABLE sync_remotes (
    bu_id          TEXT PRIMARY KEY REFERENCES business_units(id),
    base_url       TEXT NOT NULL,
    tenant_id      TEXT NOT NULL,
    -- Where the API key lives: 'keyring' (the OS keyring) or 'sealed' (encrypted, below).
    key_store      TEXT NOT NULL CHECK (key_store IN ('keyring', 'sealed')),
    -- The key encrypted with the desk's secret file (only when key_store = 'sealed'); never plain.
    key_sealed     TEXT,
    key_hint       TEXT NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 1,
    pull_every_s   INTEGER NOT NULL DEFAULT 60,
    -- What the last attempt found: online, offline, unauthorized.
    state          TEXT NOT NULL DEFAULT 'never',
    last_error     TEXT,
    last_sync_at   TEXT,
    last_pull_at   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- Every synced action as a v1 request. On a desk, ops of this desk wait here to be pushed
-- (status pending) and stay as a record once accepted. On a hub, the ops it applied for other
-- desks carry their Idempotency-Key as op_id (status applied), so a retry is recognised in the
-- same transaction that applied it.
CREATE TABLE sync_ops (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    op_id          TEXT NOT NULL UNIQUE,
    bu_id          TEXT NOT NULL,
    origin         TEXT NOT NULL,
    method         TEXT NOT NULL,
    path           TEXT NOT NULL,
    body           TEXT,
    -- JSON array of 'kind:key' strings naming the entities this op touches.
    refs           TEXT NOT NULL,
    summary        TEXT NOT NULL,
    at             TEXT NOT NULL,
    actor          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'done', 'conflict', 'discarded', 'applied')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_at    TEXT,
    last_error     TEXT,
    -- The remote's answer to a done op (its status and body).
    response       TEXT,
    done_at        TEXT
);
CREATE INDEX sync_ops_waiting ON sync_ops (bu_id, status, seq) WHERE status IN ('pending', 'conflict');

CREATE TABLE sync_conflicts (
    id             TEXT PRIMARY KEY,
    bu_id          TEXT NOT NULL,
    op_seq         INTEGER NOT NULL REFERENCES sync_ops(seq),
    code           TEXT NOT NULL,
    message        TEXT NOT NULL,
    -- What this desk did, what the remote holds now (JSON), for the inbox.
    ours           TEXT,
    theirs         TEXT,
    status         TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    resolution     TEXT,
    created_at     TEXT NOT NULL,
    resolved_at    TEXT,
    resolved_by    TEXT
);
CREATE INDEX sync_conflicts_open ON sync_conflicts (bu_id, status, created_at);

-- Pull progress per business unit and list: the remote's change token after the last complete
-- pass, and the cursor of a pass under way (so a long first pull resumes where it stopped).
CREATE TABLE sync_cursors (
    bu_id          TEXT NOT NULL,
    list           TEXT NOT NULL,
    token          TEXT,
    cursor         TEXT,
    pass_token     TEXT,
    pulled         INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (bu_id, list)
) WITHOUT ROWID;

-- The hub's change feed: which entity changed, in commit order. Written by triggers once a desk
-- has asked for changes (sync_feed.active), so a desk that is never a hub pays nothing.
CREATE TABLE sync_feed (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    active  INTEGER NOT NULL
);
INSERT INTO sync_feed (id, active) VALUES (1, 0);

CREATE TABLE sync_changes (
    rev        INTEGER PRIMARY KEY AUTOINCREMENT,
    bu_id      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    key        TEXT NOT NULL
);
CREATE INDEX sync_changes_kind ON sync_changes (bu_id, kind, rev);

CREATE TRIGGER sync_feed_customers_i AFTER INSERT ON customers WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'customer', new.id); END;
CREATE TRIGGER sync_feed_customers_u AFTER UPDATE ON customers WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'customer', new.id); END;
CREATE TRIGGER sync_feed_products_i AFTER INSERT ON products WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'product', new.id); END;
CREATE TRIGGER sync_feed_products_u AFTER UPDATE ON products WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'product', new.id); END;
CREATE TRIGGER sync_feed_variants_i AFTER INSERT ON variants WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'product', new.product_id); END;
CREATE TRIGGER sync_feed_variants_u AFTER UPDATE ON variants WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'product', new.product_id); END;
CREATE TRIGGER sync_feed_assets_i AFTER INSERT ON assets WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'asset', new.serial_number); END;
CREATE TRIGGER sync_feed_assets_u AFTER UPDATE ON assets WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'asset', new.serial_number); END;
CREATE TRIGGER sync_feed_orders_i AFTER INSERT ON orders WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'order', new.id); END;
CREATE TRIGGER sync_feed_orders_u AFTER UPDATE ON orders WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'order', new.id); END;
CREATE TRIGGER sync_feed_rentals_i AFTER INSERT ON subscriptions WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'rental', new.id); END;
CREATE TRIGGER sync_feed_rentals_u AFTER UPDATE ON subscriptions WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'rental', new.id); END;
CREATE TRIGGER sync_feed_payments_i AFTER INSERT ON payments WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'payment', new.id); END;
CREATE TRIGGER sync_feed_payments_u AFTER UPDATE ON payments WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'payment', new.id); END;
