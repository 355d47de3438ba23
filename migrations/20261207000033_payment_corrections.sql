-- Payments learn three corrections: a one-off charge of its own (kind `charge`, with its label:
-- a damage fee, the tier's setup fee), part payments received while a payment is open, and
-- refunds after it was paid. SQLite cannot widen a CHECK in place, so the table is made again
-- with its rows, indexes and triggers. Money collected and the open money by due date count
-- what was really received: a part payment is collected when it arrives (its net share, kept in
-- `net_received`), and only the rest when the payment is paid in full.

CREATE TABLE payments_new (
    id                  TEXT PRIMARY KEY,
    bu_id               TEXT NOT NULL REFERENCES business_units(id),
    customer_id         TEXT NOT NULL,
    rental_id           TEXT REFERENCES subscriptions(id),
    billing_group_id    TEXT,
    -- The asset in service during the period (cost recovery per asset).
    asset_id            INTEGER,
    payment_type        TEXT NOT NULL CHECK (payment_type IN ('individual', 'consolidated')),
    -- FlexDesk: what the payment is for.
    kind                TEXT NOT NULL CHECK (kind IN ('rent', 'prorated', 'buyout', 'early_return_fee', 'charge')),
    seq                 INTEGER NOT NULL,
    billing_period      TEXT NOT NULL,
    period_start        TEXT NOT NULL,
    period_end          TEXT NOT NULL,
    invoice_date        TEXT NOT NULL,
    due_date            TEXT NOT NULL,
    subtotal            INTEGER NOT NULL,
    tax_rate            TEXT NOT NULL,
    tax_amount          INTEGER NOT NULL,
    late_fee_amount     INTEGER NOT NULL DEFAULT 0,
    total               INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    line_items          TEXT,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'paid', 'failed', 'cancelled')),
    provider            TEXT,
    method              TEXT,
    transaction_id      TEXT,
    manually_marked     INTEGER NOT NULL DEFAULT 0,
    payment_reference   TEXT,
    marked_by           TEXT,
    capture_attempts    INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    failed_at           TEXT,
    cancel_reason       TEXT,
    idempotency_key     TEXT NOT NULL,
    notes               TEXT,
    paid_at             TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    consolidated_into   TEXT,
    invoice_id          TEXT,
    -- A one-off charge's label ("Damage fee", "Setup fee").
    charge_label        TEXT,
    -- Money received on it while open (part payments), and the net share of it already counted
    -- in cost recovery and money collected; money given back after it was paid.
    amount_received     INTEGER NOT NULL DEFAULT 0 CHECK (amount_received >= 0),
    net_received        INTEGER NOT NULL DEFAULT 0,
    amount_refunded     INTEGER NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0),
    UNIQUE (bu_id, idempotency_key)
);

INSERT INTO payments_new (id, bu_id, customer_id, rental_id, billing_group_id, asset_id, payment_type, kind, seq, billing_period, period_start, period_end, invoice_date, due_date, subtotal, tax_rate, tax_amount, late_fee_amount, total, currency, line_items, status, provider, method, transaction_id, manually_marked, payment_reference, marked_by, capture_attempts, last_error, failed_at, cancel_reason, idempotency_key, notes, paid_at, created_at, updated_at, consolidated_into, invoice_id) SELECT id, bu_id, customer_id, rental_id, billing_group_id, asset_id, payment_type, kind, seq, billing_period, period_start, period_end, invoice_date, due_date, subtotal, tax_rate, tax_amount, late_fee_amount, total, currency, line_items, status, provider, method, transaction_id, manually_marked, payment_reference, marked_by, capture_attempts, last_error, failed_at, cancel_reason, idempotency_key, notes, paid_at, created_at, updated_at, consolidated_into, invoice_id FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_due ON payments (bu_id, due_date);
CREATE INDEX payments_customer ON payments (bu_id, customer_id, due_date);
CREATE INDEX payments_rental ON payments (rental_id, due_date);
CREATE INDEX payments_group ON payments (bu_id, billing_group_id, due_date) WHERE billing_group_id IS NOT NULL;
CREATE INDEX payments_asset ON payments (asset_id, status) WHERE asset_id IS NOT NULL;
CREATE INDEX payments_status_due ON payments (bu_id, status, due_date)
    WHERE status IN ('paid', 'processing', 'failed', 'cancelled');
CREATE INDEX payments_members ON payments (consolidated_into) WHERE consolidated_into IS NOT NULL;
CREATE INDEX payments_uninvoiced ON payments (bu_id, rental_id, invoice_date)
    WHERE invoice_id IS NULL AND consolidated_into IS NULL AND status <> 'cancelled';
CREATE INDEX payments_open ON payments (bu_id, due_date, total)
    WHERE status IN ('pending', 'failed') AND consolidated_into IS NULL;
CREATE TRIGGER collected_insert AFTER INSERT ON payments
WHEN new.status = 'paid' AND new.paid_at IS NOT NULL AND new.consolidated_into IS NULL BEGIN
    INSERT INTO collected_by_month (bu_id, month, net) VALUES (new.bu_id, substr(new.paid_at, 1, 7), new.total - new.tax_amount - new.net_received)
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;
CREATE TRIGGER collected_update AFTER UPDATE OF status, paid_at, total, tax_amount, consolidated_into, net_received ON payments
WHEN (old.status = 'paid' AND old.paid_at IS NOT NULL AND old.consolidated_into IS NULL)
  OR (new.status = 'paid' AND new.paid_at IS NOT NULL AND new.consolidated_into IS NULL) BEGIN
    UPDATE collected_by_month SET net = net - (old.total - old.tax_amount - old.net_received)
    WHERE old.status = 'paid' AND old.paid_at IS NOT NULL AND old.consolidated_into IS NULL
      AND bu_id = old.bu_id AND month = substr(old.paid_at, 1, 7);
    INSERT INTO collected_by_month (bu_id, month, net)
    SELECT new.bu_id, substr(new.paid_at, 1, 7), new.total - new.tax_amount - new.net_received
    WHERE new.status = 'paid' AND new.paid_at IS NOT NULL AND new.consolidated_into IS NULL
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;
CREATE TRIGGER sync_feed_payments_i AFTER INSERT ON payments WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'payment', new.id); END;
CREATE TRIGGER sync_feed_payments_u AFTER UPDATE ON payments WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'payment', new.id); END;
CREATE TRIGGER revenue_insert AFTER INSERT ON payments
WHEN new.payment_type = 'individual' AND new.kind IN ('rent', 'prorated') AND new.status <> 'cancelled' BEGIN
    INSERT INTO revenue_by_month (bu_id, month, net) VALUES (new.bu_id, new.billing_period, new.subtotal)
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;
CREATE TRIGGER revenue_update AFTER UPDATE OF status, subtotal, kind, billing_period, payment_type ON payments
WHEN (old.payment_type = 'individual' AND old.kind IN ('rent', 'prorated') AND old.status <> 'cancelled')
  OR (new.payment_type = 'individual' AND new.kind IN ('rent', 'prorated') AND new.status <> 'cancelled') BEGIN
    UPDATE revenue_by_month SET net = net - old.subtotal
    WHERE old.payment_type = 'individual' AND old.kind IN ('rent', 'prorated') AND old.status <> 'cancelled'
      AND bu_id = old.bu_id AND month = old.billing_period;
    INSERT INTO revenue_by_month (bu_id, month, net)
    SELECT new.bu_id, new.billing_period, new.subtotal
    WHERE new.payment_type = 'individual' AND new.kind IN ('rent', 'prorated') AND new.status <> 'cancelled'
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;
CREATE TRIGGER revenue_delete AFTER DELETE ON payments
WHEN old.payment_type = 'individual' AND old.kind IN ('rent', 'prorated') AND old.status <> 'cancelled' BEGIN
    UPDATE revenue_by_month SET net = net - old.subtotal WHERE bu_id = old.bu_id AND month = old.billing_period;
END;
CREATE TRIGGER collected_delete AFTER DELETE ON payments
WHEN old.status = 'paid' AND old.paid_at IS NOT NULL AND old.consolidated_into IS NULL BEGIN
    UPDATE collected_by_month SET net = net - (old.total - old.tax_amount - old.net_received)
    WHERE bu_id = old.bu_id AND month = substr(old.paid_at, 1, 7);
END;
CREATE INDEX payments_amount ON payments (bu_id, total);
CREATE TRIGGER open_due_insert AFTER INSERT ON payments
WHEN new.status IN ('pending', 'failed') AND new.consolidated_into IS NULL BEGIN
    INSERT INTO open_by_due (bu_id, due_date, count, total) VALUES (new.bu_id, new.due_date, 1, new.total - new.amount_received)
    ON CONFLICT (bu_id, due_date) DO UPDATE SET count = count + 1, total = total + excluded.total;
END;
CREATE TRIGGER open_due_update AFTER UPDATE OF status, consolidated_into, total, due_date, bu_id, amount_received ON payments
WHEN (old.status IN ('pending', 'failed') AND old.consolidated_into IS NULL)
  OR (new.status IN ('pending', 'failed') AND new.consolidated_into IS NULL) BEGIN
    UPDATE open_by_due SET count = count - 1, total = total - (old.total - old.amount_received)
    WHERE old.status IN ('pending', 'failed') AND old.consolidated_into IS NULL
      AND bu_id = old.bu_id AND due_date = old.due_date;
    INSERT INTO open_by_due (bu_id, due_date, count, total)
    SELECT new.bu_id, new.due_date, 1, new.total - new.amount_received
    WHERE new.status IN ('pending', 'failed') AND new.consolidated_into IS NULL
    ON CONFLICT (bu_id, due_date) DO UPDATE SET count = count + 1, total = total + excluded.total;
END;
CREATE TRIGGER open_due_delete AFTER DELETE ON payments
WHEN old.status IN ('pending', 'failed') AND old.consolidated_into IS NULL BEGIN
    UPDATE open_by_due SET count = count - 1, total = total - (old.total - old.amount_received)
    WHERE bu_id = old.bu_id AND due_date = old.due_date;
END;

-- Each part payment and refund as what it was: amount, day, method, reference, who recorded it.
CREATE TABLE payment_receipts (
    id           TEXT PRIMARY KEY,
    bu_id        TEXT NOT NULL REFERENCES business_units(id),
    payment_id   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('part', 'refund')),
    amount       INTEGER NOT NULL CHECK (amount > 0),
    -- The net share (cost recovery and money collected move by it).
    net          INTEGER NOT NULL,
    received_on  TEXT NOT NULL,
    method       TEXT,
    reference    TEXT,
    notes        TEXT,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);
CREATE INDEX payment_receipts_payment ON payment_receipts (payment_id, created_at);

-- Money collected follows each receipt in its month: a part payment adds its net share, a
-- refund takes its share off.
CREATE TRIGGER collected_receipt AFTER INSERT ON payment_receipts BEGIN
    INSERT INTO collected_by_month (bu_id, month, net)
    VALUES (new.bu_id, substr(new.received_on, 1, 7), CASE new.kind WHEN 'refund' THEN -new.net ELSE new.net END)
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;
