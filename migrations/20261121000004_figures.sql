-- Figures the dashboard reads at any size of business, kept exact by triggers in the same
-- transaction as the change they follow (a crash loses neither or both).

-- Per product: subscriptions, active ones, monthly recurring revenue, cost and collected.
CREATE TABLE product_figures (
    bu_id          TEXT NOT NULL,
    product_id     TEXT NOT NULL,
    subscriptions  INTEGER NOT NULL DEFAULT 0,
    active         INTEGER NOT NULL DEFAULT 0,
    mrr            INTEGER NOT NULL DEFAULT 0,
    cost           INTEGER NOT NULL DEFAULT 0,
    collected      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bu_id, product_id)
) WITHOUT ROWID;

INSERT INTO product_figures (bu_id, product_id, subscriptions, active, mrr, cost, collected)
SELECT bu_id, coalesce(product_id, ''), count(*), sum(status = 'active'), sum(CASE WHEN status = 'active' THEN monthly_amount ELSE 0 END),
       coalesce(sum(acquisition_cost), 0), sum(total_collected)
FROM subscriptions GROUP BY bu_id, coalesce(product_id, '');

CREATE TRIGGER product_figures_insert AFTER INSERT ON subscriptions BEGIN
    INSERT INTO product_figures (bu_id, product_id, subscriptions, active, mrr, cost, collected)
    VALUES (new.bu_id, coalesce(new.product_id, ''), 1, new.status = 'active', CASE WHEN new.status = 'active' THEN new.monthly_amount ELSE 0 END,
            coalesce(new.acquisition_cost, 0), new.total_collected)
    ON CONFLICT (bu_id, product_id) DO UPDATE SET
        subscriptions = subscriptions + 1, active = active + excluded.active, mrr = mrr + excluded.mrr,
        cost = cost + excluded.cost, collected = collected + excluded.collected;
END;

CREATE TRIGGER product_figures_update AFTER UPDATE OF status, monthly_amount, total_collected, acquisition_cost, product_id ON subscriptions BEGIN
    UPDATE product_figures SET
        subscriptions = subscriptions - 1, active = active - (old.status = 'active'),
        mrr = mrr - CASE WHEN old.status = 'active' THEN old.monthly_amount ELSE 0 END,
        cost = cost - coalesce(old.acquisition_cost, 0), collected = collected - old.total_collected
    WHERE bu_id = old.bu_id AND product_id = coalesce(old.product_id, '');
    INSERT INTO product_figures (bu_id, product_id, subscriptions, active, mrr, cost, collected)
    VALUES (new.bu_id, coalesce(new.product_id, ''), 1, new.status = 'active', CASE WHEN new.status = 'active' THEN new.monthly_amount ELSE 0 END,
            coalesce(new.acquisition_cost, 0), new.total_collected)
    ON CONFLICT (bu_id, product_id) DO UPDATE SET
        subscriptions = subscriptions + 1, active = active + excluded.active, mrr = mrr + excluded.mrr,
        cost = cost + excluded.cost, collected = collected + excluded.collected;
END;

-- Net collected per calendar month of payment (UTC), for "collected this month".
CREATE TABLE collected_by_month (
    bu_id  TEXT NOT NULL,
    month  TEXT NOT NULL,
    net    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bu_id, month)
) WITHOUT ROWID;

INSERT INTO collected_by_month (bu_id, month, net)
SELECT bu_id, substr(paid_at, 1, 7), sum(total - tax_amount) FROM payments
WHERE status = 'paid' AND paid_at IS NOT NULL GROUP BY bu_id, substr(paid_at, 1, 7);

CREATE TRIGGER collected_insert AFTER INSERT ON payments WHEN new.status = 'paid' AND new.paid_at IS NOT NULL BEGIN
    INSERT INTO collected_by_month (bu_id, month, net) VALUES (new.bu_id, substr(new.paid_at, 1, 7), new.total - new.tax_amount)
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;

CREATE TRIGGER collected_update AFTER UPDATE OF status, paid_at, total, tax_amount ON payments
WHEN (old.status = 'paid' AND old.paid_at IS NOT NULL) OR (new.status = 'paid' AND new.paid_at IS NOT NULL) BEGIN
    UPDATE collected_by_month SET net = net - (old.total - old.tax_amount)
    WHERE old.status = 'paid' AND old.paid_at IS NOT NULL AND bu_id = old.bu_id AND month = substr(old.paid_at, 1, 7);
    INSERT INTO collected_by_month (bu_id, month, net)
    SELECT new.bu_id, substr(new.paid_at, 1, 7), new.total - new.tax_amount WHERE new.status = 'paid' AND new.paid_at IS NOT NULL
    ON CONFLICT (bu_id, month) DO UPDATE SET net = net + excluded.net;
END;

-- Open payments in due-date order: the overdue list (oldest first) and the dashboard's sums.
CREATE INDEX payments_open ON payments (bu_id, due_date, total) WHERE status IN ('pending', 'failed');
