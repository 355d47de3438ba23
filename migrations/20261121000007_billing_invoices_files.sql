-- Billing groups, invoices and credit notes, and the local file store.

-- A business customer's subscriptions billed together: from `consolidate_from` on, the members'
-- monthly payments are gathered into one consolidated payment per billing day.
CREATE TABLE billing_groups (
    id                TEXT PRIMARY KEY,
    bu_id             TEXT NOT NULL REFERENCES business_units(id),
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    name              TEXT NOT NULL,
    billing_day       INTEGER NOT NULL CHECK (billing_day BETWEEN 1 AND 28),
    status            TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    consolidate_from  TEXT NOT NULL,
    notes             TEXT,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX billing_groups_page ON billing_groups (bu_id, created_at);
CREATE INDEX billing_groups_customer ON billing_groups (bu_id, customer_id, created_at);
CREATE INDEX subscriptions_group ON subscriptions (billing_group_id) WHERE billing_group_id IS NOT NULL;

-- A member's monthly payment gathered into a consolidated payment points at it; it is then a
-- line of that payment, not a payment of its own (lists, totals and late fees leave it out).
ALTER TABLE payments ADD COLUMN consolidated_into TEXT;
-- The invoice that bills this payment.
ALTER TABLE payments ADD COLUMN invoice_id TEXT;
CREATE INDEX payments_members ON payments (consolidated_into) WHERE consolidated_into IS NOT NULL;
-- Payments still to invoice, clustered by subscription so a new schedule touches one page.
CREATE INDEX payments_uninvoiced ON payments (bu_id, rental_id, invoice_date)
    WHERE invoice_id IS NULL AND consolidated_into IS NULL AND status <> 'cancelled';

-- Open payments: members of a consolidated payment are not payments of their own.
DROP INDEX payments_open;
CREATE INDEX payments_open ON payments (bu_id, due_date, total)
    WHERE status IN ('pending', 'failed') AND consolidated_into IS NULL;

-- Money collected counts the consolidated payment once, not its members as well.
DROP TRIGGER collected_insert;
DROP TRIGGER collected_update;
CREATE TRIGGER collected_insert AFTER INSERT ON payments
WHEN new.status = 'paid' AND new.paid_at IS NOT NULL AND new.consolidated_into IS NULL BEGIN
    INSERT INTO collected_by_month (bu_id, month, net) VALUES (new.bu_id, substr(new.paid_at, 1, 7), new.total - new.tax_amount)
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;
CREATE TRIGGER collected_update AFTER UPDATE OF status, paid_at, total, tax_amount, consolidated_into ON payments
WHEN (old.status = 'paid' AND old.paid_at IS NOT NULL AND old.consolidated_into IS NULL)
  OR (new.status = 'paid' AND new.paid_at IS NOT NULL AND new.consolidated_into IS NULL) BEGIN
    UPDATE collected_by_month SET net = net - (old.total - old.tax_amount)
    WHERE old.status = 'paid' AND old.paid_at IS NOT NULL AND old.consolidated_into IS NULL
      AND bu_id = old.bu_id AND month = substr(old.paid_at, 1, 7);
    INSERT INTO collected_by_month (bu_id, month, net)
    SELECT new.bu_id, substr(new.paid_at, 1, 7), new.total - new.tax_amount
    WHERE new.status = 'paid' AND new.paid_at IS NOT NULL AND new.consolidated_into IS NULL
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;

-- Invoices and credit notes. Numbers are gap-free per series; a series belongs to one business
-- unit and one desk (e.g. NL-D1-2026), so desks number offline without colliding. What was
-- printed is kept as issued (parties, lines, totals), and the database refuses any change.
CREATE TABLE invoices (
    id                TEXT PRIMARY KEY,
    bu_id             TEXT NOT NULL REFERENCES business_units(id),
    kind              TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    series            TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    number            TEXT NOT NULL,
    payment_id        TEXT,
    corrects_id       TEXT REFERENCES invoices(id),
    customer_id       TEXT NOT NULL,
    billing_group_id  TEXT,
    issue_date        TEXT NOT NULL,
    due_date          TEXT,
    period_start      TEXT,
    period_end        TEXT,
    currency          TEXT NOT NULL,
    net               INTEGER NOT NULL,
    tax               INTEGER NOT NULL,
    gross             INTEGER NOT NULL,
    reverse_charge    INTEGER NOT NULL DEFAULT 0,
    seller            TEXT NOT NULL,
    buyer             TEXT NOT NULL,
    lines             TEXT NOT NULL,
    rate_totals       TEXT NOT NULL,
    reason            TEXT,
    desk_id           TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (bu_id, series, seq),
    UNIQUE (bu_id, number)
);
CREATE UNIQUE INDEX invoices_payment ON invoices (payment_id) WHERE kind = 'invoice';
CREATE UNIQUE INDEX invoices_credit ON invoices (corrects_id) WHERE kind = 'credit_note';
CREATE INDEX invoices_page ON invoices (bu_id, issue_date, created_at);
CREATE INDEX invoices_customer ON invoices (bu_id, customer_id, issue_date);
CREATE INDEX invoices_group ON invoices (bu_id, billing_group_id, issue_date) WHERE billing_group_id IS NOT NULL;
CREATE TRIGGER invoices_never_change BEFORE UPDATE ON invoices BEGIN
    SELECT RAISE(ABORT, 'An issued invoice is never changed; correct it with a credit note.');
END;
CREATE TRIGGER invoices_never_deleted BEFORE DELETE ON invoices BEGIN
    SELECT RAISE(ABORT, 'An issued invoice is never deleted; correct it with a credit note.');
END;

-- Files: generated contracts and documents, kept under the data folder (files/<unit>/<id>).
CREATE TABLE files (
    id                 TEXT PRIMARY KEY,
    bu_id              TEXT NOT NULL REFERENCES business_units(id),
    order_id           TEXT,
    customer_id        TEXT,
    type               TEXT NOT NULL,
    category           TEXT NOT NULL CHECK (category IN ('generated', 'uploaded')),
    filename           TEXT NOT NULL,
    original_filename  TEXT,
    content_type       TEXT NOT NULL,
    file_size          INTEGER NOT NULL,
    storage_path       TEXT NOT NULL,
    sha256             TEXT NOT NULL,
    uploaded_by        TEXT NOT NULL,
    metadata           TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX files_page ON files (bu_id, created_at);
CREATE INDEX files_order ON files (bu_id, order_id, created_at);
