-- How a buyer takes its invoices (EN 16931 e-invoices): per customer, and per billing group where
-- the group's invoices need their own reference (a purchase order, a cost centre). `format` is
-- pdf, facturx, peppol or xrechnung (a group without one follows its customer); `address` the
-- buyer's electronic address as `scheme:identifier` (a Peppol participant id such as
-- `0208:0123456789`, or `EM:ap@example.com`); `buyer_reference` is printed as BT-10 (for
-- XRechnung, the Leitweg-ID).
CREATE TABLE einvoicing (
    bu_id            TEXT NOT NULL REFERENCES business_units(id),
    owner_kind       TEXT NOT NULL CHECK (owner_kind IN ('customer', 'billing_group')),
    owner_id         TEXT NOT NULL,
    format           TEXT CHECK (format IN ('pdf', 'facturx', 'peppol', 'xrechnung')),
    address          TEXT,
    buyer_reference  TEXT,
    updated_at       TEXT NOT NULL,
    updated_by       TEXT NOT NULL,
    PRIMARY KEY (bu_id, owner_kind, owner_id)
) WITHOUT ROWID;
