-- Recurring revenue per service month (net of tax): each rent or part-month payment counts in
-- the month its period starts (its billing period), unless cancelled. The dashboard charts it
-- beside money collected. Consolidated payments are containers of their members' lines and do
-- not count again.
CREATE TABLE revenue_by_month (
    bu_id  TEXT NOT NULL,
    month  TEXT NOT NULL,
    net    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bu_id, month)
) WITHOUT ROWID;

INSERT INTO revenue_by_month (bu_id, month, net)
SELECT bu_id, billing_period, sum(subtotal) FROM payments
WHERE payment_type = 'individual' AND kind IN ('rent', 'prorated') AND status <> 'cancelled'
GROUP BY bu_id, billing_period;

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

-- Money collected forgets a paid payment that is deleted (a record removed by a pull).
CREATE TRIGGER collected_delete AFTER DELETE ON payments
WHEN old.status = 'paid' AND old.paid_at IS NOT NULL AND old.consolidated_into IS NULL BEGIN
    UPDATE collected_by_month SET net = net - (old.total - old.tax_amount)
    WHERE bu_id = old.bu_id AND month = substr(old.paid_at, 1, 7);
END;
