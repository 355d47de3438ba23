-- Keyset lists order by (created_at, rowid). An index on (..., created_at) already ends with the
-- rowid, so it serves that order exactly; the earlier indexes ended in the text id, which made
-- SQLite sort ties. Customer search rows share the customer's rowid so a search can walk matches
-- newest first and stop after one page.

DROP INDEX products_page;
DROP INDEX products_status;
DROP INDEX products_category;
DROP INDEX products_brand;
CREATE INDEX products_page ON products (bu_id, created_at);
CREATE INDEX products_status ON products (bu_id, status, created_at);
CREATE INDEX products_category ON products (bu_id, category, created_at);
CREATE INDEX products_brand ON products (bu_id, brand, created_at);

DROP INDEX variants_page;
DROP INDEX variants_status;
DROP INDEX variants_grade;
CREATE INDEX variants_page ON variants (bu_id, created_at);
CREATE INDEX variants_status ON variants (bu_id, status, created_at);
CREATE INDEX variants_grade ON variants (bu_id, grade, created_at);

DROP INDEX customers_page;
DROP INDEX customers_status;
DROP INDEX customers_type;
CREATE INDEX customers_page ON customers (bu_id, created_at);
CREATE INDEX customers_status ON customers (bu_id, status, created_at);
CREATE INDEX customers_type ON customers (bu_id, customer_type, created_at);

DROP INDEX orders_page;
DROP INDEX orders_status;
DROP INDEX orders_customer;
CREATE INDEX orders_page ON orders (bu_id, created_at);
CREATE INDEX orders_status ON orders (bu_id, status, created_at);
CREATE INDEX orders_customer ON orders (bu_id, customer_id, created_at);

DROP TRIGGER customers_fts_insert;
DROP TRIGGER customers_fts_update;
DROP TABLE customers_fts;
CREATE VIRTUAL TABLE customers_fts USING fts5 (
    bu_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
);
INSERT INTO customers_fts (rowid, bu_id, body)
    SELECT rowid, bu_id, first_name || ' ' || last_name || ' ' || email || ' ' || coalesce(company, '') FROM customers;
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, bu_id, body)
    VALUES (new.rowid, new.bu_id, new.first_name || ' ' || new.last_name || ' ' || new.email || ' ' || coalesce(new.company, ''));
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF first_name, last_name, email, company ON customers BEGIN
    DELETE FROM customers_fts WHERE rowid = old.rowid;
    INSERT INTO customers_fts (rowid, bu_id, body)
    VALUES (new.rowid, new.bu_id, new.first_name || ' ' || new.last_name || ' ' || new.email || ' ' || coalesce(new.company, ''));
END;

-- The tax rule an order was placed under, so its totals read the same after the unit's settings change.
ALTER TABLE orders ADD COLUMN tax_rate TEXT NOT NULL DEFAULT '0';
ALTER TABLE orders ADD COLUMN tax_inclusive INTEGER NOT NULL DEFAULT 0;
