-- FlexDesk foundation: desk identity, people, business units, keys, catalog, customers, orders,
-- assets and the timeline. Money columns are INTEGER minor units of the business unit's currency.
-- Instants are RFC 3339 UTC text with milliseconds (they sort in time order); dates are YYYY-MM-DD.

CREATE TABLE desk (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'warehouse', 'counter', 'accountant')),
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL
);

CREATE TABLE business_units (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    code        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    country     TEXT NOT NULL DEFAULT '',
    timezone    TEXT NOT NULL DEFAULT 'UTC',
    status      TEXT NOT NULL DEFAULT 'active',
    settings    TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    bu_id         TEXT NOT NULL REFERENCES business_units(id),
    name          TEXT NOT NULL,
    key_prefix    TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    last_used_at  TEXT,
    usage_count   INTEGER NOT NULL DEFAULT 0,
    revoked_at    TEXT
);
CREATE INDEX api_keys_bu ON api_keys (bu_id, created_at);

CREATE TABLE sequences (
    bu_id       TEXT NOT NULL,
    series      TEXT NOT NULL,
    next_value  INTEGER NOT NULL,
    PRIMARY KEY (bu_id, series)
) WITHOUT ROWID;

CREATE TABLE categories (
    id             TEXT PRIMARY KEY,
    bu_id          TEXT NOT NULL REFERENCES business_units(id),
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    sort_order     INTEGER NOT NULL DEFAULT 0,
    serial_format  TEXT NOT NULL DEFAULT 'any' CHECK (serial_format IN ('any', 'imei')),
    UNIQUE (bu_id, name)
);

CREATE TABLE products (
    id             TEXT PRIMARY KEY,
    bu_id          TEXT NOT NULL REFERENCES business_units(id),
    product_sku    TEXT NOT NULL,
    name           TEXT NOT NULL,
    specification  TEXT NOT NULL,
    category       TEXT NOT NULL,
    brand          TEXT NOT NULL,
    description    TEXT,
    images         TEXT NOT NULL DEFAULT '[]',
    status         TEXT NOT NULL CHECK (status IN ('active', 'discontinued')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (bu_id, product_sku)
);
CREATE INDEX products_page ON products (bu_id, created_at, id);
CREATE INDEX products_status ON products (bu_id, status, created_at, id);
CREATE INDEX products_category ON products (bu_id, category, created_at, id);
CREATE INDEX products_brand ON products (bu_id, brand, created_at, id);

CREATE TABLE variants (
    id                TEXT PRIMARY KEY,
    bu_id             TEXT NOT NULL REFERENCES business_units(id),
    product_id        TEXT NOT NULL REFERENCES products(id),
    variant_sku       TEXT NOT NULL,
    variant_name      TEXT NOT NULL,
    grade             TEXT NOT NULL,
    condition         TEXT,
    color_name        TEXT,
    images            TEXT NOT NULL DEFAULT '[]',
    list_price        INTEGER,
    acquisition_cost  INTEGER,
    status            TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (bu_id, variant_sku)
);
CREATE INDEX variants_product ON variants (product_id, variant_sku);
CREATE INDEX variants_page ON variants (bu_id, created_at, id);
CREATE INDEX variants_status ON variants (bu_id, status, created_at, id);
CREATE INDEX variants_grade ON variants (bu_id, grade, created_at, id);

CREATE TABLE pricing_tiers (
    variant_id       TEXT NOT NULL REFERENCES variants(id) ON DELETE CASCADE,
    contract_length  INTEGER NOT NULL CHECK (contract_length BETWEEN 1 AND 120),
    monthly_price    INTEGER NOT NULL CHECK (monthly_price >= 0),
    setup_fee        INTEGER,
    discount         TEXT,
    source           TEXT,
    preset_used      TEXT,
    calculated_at    TEXT,
    PRIMARY KEY (variant_id, contract_length)
) WITHOUT ROWID;

CREATE TABLE customers (
    id                   TEXT PRIMARY KEY,
    bu_id                TEXT NOT NULL REFERENCES business_units(id),
    email                TEXT NOT NULL,
    email_norm           TEXT NOT NULL,
    first_name           TEXT NOT NULL,
    last_name            TEXT NOT NULL,
    company              TEXT,
    phone                TEXT,
    customer_type        TEXT NOT NULL CHECK (customer_type IN ('individual', 'business')),
    status               TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    vat_id               TEXT,
    registration_number  TEXT,
    billing_address      TEXT,
    shipping_address     TEXT,
    custom_fields        TEXT,
    notes                TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    created_by           TEXT NOT NULL,
    UNIQUE (bu_id, email_norm)
);
CREATE INDEX customers_page ON customers (bu_id, created_at, id);
CREATE INDEX customers_status ON customers (bu_id, status, created_at, id);
CREATE INDEX customers_type ON customers (bu_id, customer_type, created_at, id);

-- Full-text search over name, email and company for the counter's customer search.
CREATE VIRTUAL TABLE customers_fts USING fts5 (
    customer_id UNINDEXED, bu_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (customer_id, bu_id, body)
    VALUES (new.id, new.bu_id, new.first_name || ' ' || new.last_name || ' ' || new.email || ' ' || coalesce(new.company, ''));
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF first_name, last_name, email, company ON customers BEGIN
    DELETE FROM customers_fts WHERE customer_id = old.id;
    INSERT INTO customers_fts (customer_id, bu_id, body)
    VALUES (new.id, new.bu_id, new.first_name || ' ' || new.last_name || ' ' || new.email || ' ' || coalesce(new.company, ''));
END;

CREATE TABLE orders (
    id                 TEXT PRIMARY KEY,
    bu_id              TEXT NOT NULL REFERENCES business_units(id),
    order_number       TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'partial', 'fulfilled', 'cancelled')),
    order_type         TEXT NOT NULL CHECK (order_type IN ('standard', 'extension', 'upgrade')),
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    customer           TEXT NOT NULL,
    billing_address    TEXT NOT NULL,
    shipping_address   TEXT NOT NULL,
    subtotal           INTEGER NOT NULL,
    tax_amount         INTEGER NOT NULL,
    total              INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    total_devices      INTEGER NOT NULL,
    rented_devices     INTEGER NOT NULL DEFAULT 0,
    notes              TEXT,
    custom_fields      TEXT,
    extension_details  TEXT,
    upgrade_details    TEXT,
    billing_group_id   TEXT,
    idem_key           TEXT NOT NULL,
    cancel_reason      TEXT,
    confirmed_at       TEXT,
    cancelled_at       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    UNIQUE (bu_id, order_number)
);
CREATE INDEX orders_page ON orders (bu_id, created_at, id);
CREATE INDEX orders_status ON orders (bu_id, status, created_at, id);
CREATE INDEX orders_customer ON orders (bu_id, customer_id, created_at, id);
CREATE INDEX orders_idem ON orders (bu_id, idem_key, created_at);

CREATE TABLE order_items (
    order_id                        TEXT NOT NULL REFERENCES orders(id),
    idx                             INTEGER NOT NULL,
    product_id                      TEXT,
    variant_id                      TEXT REFERENCES variants(id),
    sku                             TEXT NOT NULL,
    product_name                    TEXT NOT NULL,
    product_image_url               TEXT,
    quantity                        INTEGER NOT NULL CHECK (quantity >= 1),
    unit_price                      INTEGER NOT NULL,
    contract_length                 INTEGER NOT NULL,
    list_price                      INTEGER,
    list_price_source               TEXT NOT NULL DEFAULT 'unknown',
    acquisition_cost                INTEGER,
    acquisition_cost_source         TEXT NOT NULL DEFAULT 'unknown',
    list_price_override             INTEGER,
    acquisition_cost_override       INTEGER,
    used_list_price_as_acquisition  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (order_id, idx)
) WITHOUT ROWID;
CREATE INDEX order_items_variant ON order_items (variant_id);

CREATE TABLE assets (
    id                INTEGER PRIMARY KEY,
    bu_id             TEXT NOT NULL REFERENCES business_units(id),
    serial_number     TEXT NOT NULL,
    sku               TEXT NOT NULL,
    variant_id        TEXT REFERENCES variants(id),
    product_id        TEXT,
    product_name      TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('available', 'rented_out', 'returned', 'sold', 'unavailable')),
    location          TEXT,
    condition         TEXT,
    customer_id       TEXT,
    rental_id         TEXT,
    notes             TEXT,
    acquisition_cost  INTEGER,
    acquisition_date  TEXT,
    deleted_at        TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    UNIQUE (bu_id, serial_number)
);
CREATE INDEX assets_page ON assets (bu_id, created_at, id);
CREATE INDEX assets_status ON assets (bu_id, status, created_at, id);
CREATE INDEX assets_sku ON assets (bu_id, sku, created_at, id);
CREATE INDEX assets_customer ON assets (bu_id, customer_id, created_at, id) WHERE customer_id IS NOT NULL;
CREATE INDEX assets_rental ON assets (bu_id, rental_id) WHERE rental_id IS NOT NULL;

CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    bu_id        TEXT,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    action       TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    at           TEXT NOT NULL,
    summary      TEXT NOT NULL,
    before       TEXT,
    after        TEXT
);
CREATE INDEX events_entity ON events (entity_type, entity_id, at);
CREATE INDEX events_bu ON events (bu_id, at);
