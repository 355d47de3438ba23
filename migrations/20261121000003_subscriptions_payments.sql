-- Subscriptions (rentals), their payment schedules, and which asset was with which subscription
-- when. Money is INTEGER minor units; dates are YYYY-MM-DD; instants RFC 3339 UTC.

CREATE TABLE subscriptions (
    id                            TEXT PRIMARY KEY,
    bu_id                         TEXT NOT NULL REFERENCES business_units(id),
    order_id                      TEXT NOT NULL REFERENCES orders(id),
    -- The order item this unit fulfils; NULL for a subscription started by an upgrade.
    item_idx                      INTEGER,
    customer_id                   TEXT NOT NULL REFERENCES customers(id),
    customer_email                TEXT NOT NULL,
    customer_name                 TEXT NOT NULL,
    asset_id                      INTEGER NOT NULL REFERENCES assets(id),
    serial_number                 TEXT NOT NULL,
    product_id                    TEXT,
    variant_id                    TEXT,
    sku                           TEXT NOT NULL,
    product_name                  TEXT NOT NULL,
    product_image_url             TEXT,
    monthly_amount                INTEGER NOT NULL CHECK (monthly_amount >= 0),
    currency                      TEXT NOT NULL,
    status                        TEXT NOT NULL CHECK (status IN ('active', 'cancelled', 'ended_completed', 'ended_buyout', 'ended_upgrade', 'ended_early_return')),
    billing_group_id              TEXT,
    original_contract_length      INTEGER NOT NULL,
    contract_length               INTEGER NOT NULL,
    start_date                    TEXT NOT NULL,
    end_date                      TEXT NOT NULL,
    ended_on                      TEXT,
    -- The schedule's rules, fixed at activation so later settings changes do not move it.
    billing_start                 TEXT NOT NULL,
    payment_terms_days            INTEGER NOT NULL,
    tax_rate                      TEXT NOT NULL,
    tax_inclusive                 INTEGER NOT NULL,
    list_price                    INTEGER,
    list_price_source             TEXT NOT NULL,
    acquisition_cost              INTEGER,
    acquisition_cost_source       TEXT NOT NULL,
    captured_at                   TEXT NOT NULL,
    -- Net amount of paid payments (kept with every mark-paid, in the same transaction).
    total_collected               INTEGER NOT NULL DEFAULT 0,
    extension_history             TEXT NOT NULL DEFAULT '[]',
    replacement_history           TEXT NOT NULL DEFAULT '[]',
    buyout_details                TEXT,
    early_return_details          TEXT,
    cancellation_details          TEXT,
    upgrade_from_rental_id        TEXT,
    upgraded_to_rental_id         TEXT,
    custom_fields                 TEXT,
    notes                         TEXT,
    created_at                    TEXT NOT NULL,
    updated_at                    TEXT NOT NULL,
    created_by                    TEXT NOT NULL
);
CREATE INDEX subscriptions_page ON subscriptions (bu_id, created_at);
CREATE INDEX subscriptions_status ON subscriptions (bu_id, status, created_at);
CREATE INDEX subscriptions_customer ON subscriptions (bu_id, customer_id, created_at);
CREATE INDEX subscriptions_order ON subscriptions (order_id, item_idx);
CREATE INDEX subscriptions_serial ON subscriptions (bu_id, serial_number, created_at);
CREATE INDEX subscriptions_ending ON subscriptions (bu_id, status, end_date);
-- Dashboard sums (MRR, recovery by product) read these columns from the index alone.
CREATE INDEX subscriptions_figures ON subscriptions (bu_id, status, product_id, monthly_amount, total_collected, acquisition_cost);

CREATE TABLE payments (
    id                  TEXT PRIMARY KEY,
    bu_id               TEXT NOT NULL REFERENCES business_units(id),
    customer_id         TEXT NOT NULL,
    rental_id           TEXT REFERENCES subscriptions(id),
    billing_group_id    TEXT,
    -- The asset in service during the period (cost recovery per asset).
    asset_id            INTEGER,
    payment_type        TEXT NOT NULL CHECK (payment_type IN ('individual', 'consolidated')),
    -- FlexDesk: what the payment is for.
    kind                TEXT NOT NULL CHECK (kind IN ('rent', 'prorated', 'buyout', 'early_return_fee')),
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
    UNIQUE (bu_id, idempotency_key)
);
-- Payment lists run in due-date order.
CREATE INDEX payments_due ON payments (bu_id, due_date);
CREATE INDEX payments_status_due ON payments (bu_id, status, due_date);
CREATE INDEX payments_customer ON payments (bu_id, customer_id, due_date);
CREATE INDEX payments_rental ON payments (rental_id, due_date);
CREATE INDEX payments_group ON payments (bu_id, billing_group_id, due_date) WHERE billing_group_id IS NOT NULL;
CREATE INDEX payments_asset ON payments (asset_id, status) WHERE asset_id IS NOT NULL;

CREATE TABLE asset_assignments (
    asset_id      INTEGER NOT NULL REFERENCES assets(id),
    rental_id     TEXT NOT NULL REFERENCES subscriptions(id),
    customer_id   TEXT NOT NULL,
    started_on    TEXT NOT NULL,
    ended_on      TEXT,
    -- activated, replacement, upgrade; then returned, replaced, bought_out, ...
    start_reason  TEXT NOT NULL,
    end_reason    TEXT,
    PRIMARY KEY (asset_id, rental_id, started_on)
) WITHOUT ROWID;
CREATE INDEX asset_assignments_rental ON asset_assignments (rental_id);
