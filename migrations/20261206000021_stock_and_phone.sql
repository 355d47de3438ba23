-- Units in stock per SKU (the counter's search shows them): a count over one index range.
CREATE INDEX assets_stock ON assets (bu_id, sku, status);

-- Customer search finds phone numbers too: the number as written ("+31 20 555 0182": each group
-- a word) and as digits only ("31205550182"), so a search for "555 0182" or "31205550182" finds
-- it; a number given in full with another prefix ("020 555 0182") is matched on its last nine
-- digits (customers_phone).
DROP TRIGGER customers_fts_insert;
DROP TRIGGER customers_fts_update;
DELETE FROM customers_fts;
INSERT INTO customers_fts (rowid, bu_id, body)
    SELECT rowid, bu_id, first_name || ' ' || last_name || ' ' || email || ' ' || coalesce(company, '') || ' '
        || coalesce(phone, '') || ' ' || coalesce(phone_digits, '') FROM (
        SELECT rowid, bu_id, first_name, last_name, email, company, phone,
               replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''), '.', ''), '/', '') AS phone_digits
        FROM customers);
CREATE TRIGGER customers_fts_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_fts (rowid, bu_id, body)
    VALUES (new.rowid, new.bu_id, new.first_name || ' ' || new.last_name || ' ' || new.email || ' ' || coalesce(new.company, '') || ' '
        || coalesce(new.phone, '') || ' '
        || coalesce(replace(replace(replace(replace(replace(replace(replace(new.phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''), '.', ''), '/', ''), ''));
END;
CREATE TRIGGER customers_fts_update AFTER UPDATE OF first_name, last_name, email, company, phone ON customers BEGIN
    DELETE FROM customers_fts WHERE rowid = old.rowid;
    INSERT INTO customers_fts (rowid, bu_id, body)
    VALUES (new.rowid, new.bu_id, new.first_name || ' ' || new.last_name || ' ' || new.email || ' ' || coalesce(new.company, '') || ' '
        || coalesce(new.phone, '') || ' '
        || coalesce(replace(replace(replace(replace(replace(replace(replace(new.phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''), '.', ''), '/', ''), ''));
END;
CREATE INDEX customers_phone ON customers (bu_id, substr(replace(replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''), '.', ''), '/', ''), -9))
    WHERE phone IS NOT NULL;
