-- Serial rules per category: which characters a serial may have (any of the scanner set, letters
-- and digits only, digits only, or an IMEI with its check digit) and how short it may be. The
-- table is rebuilt to widen the vocabulary's check. Existing categories keep accepting what
-- they accepted, except serials shorter than 4 characters (a mis-scan or a typing slip);
-- IMEI categories are 15 digits by definition.
CREATE TABLE categories_new (
    id                 TEXT PRIMARY KEY,
    bu_id              TEXT NOT NULL REFERENCES business_units(id),
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    sort_order         INTEGER NOT NULL DEFAULT 0,
    serial_format      TEXT NOT NULL CHECK (serial_format IN ('any', 'alphanumeric', 'digits', 'imei')),
    serial_min_length  INTEGER NOT NULL CHECK (serial_min_length BETWEEN 1 AND 64),
    UNIQUE (bu_id, name)
);
INSERT INTO categories_new (id, bu_id, name, description, sort_order, serial_format, serial_min_length)
SELECT id, bu_id, name, description, sort_order, serial_format,
       CASE serial_format WHEN 'imei' THEN 15 ELSE 4 END
FROM categories;
DROP TABLE categories;
ALTER TABLE categories_new RENAME TO categories;
