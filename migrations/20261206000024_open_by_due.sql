-- Money still to collect per due date: open payments (pending or failed, not folded into a
-- billing group's consolidated payment), counted and summed by their due date. The dashboard's
-- overdue ages and due-soon figures read a few hundred of these rows instead of every open
-- payment. Kept by triggers in the same transaction as every change to a payment.
CREATE TABLE open_by_due (
    bu_id    TEXT NOT NULL,
    due_date TEXT NOT NULL,
    count    INTEGER NOT NULL DEFAULT 0,
    total    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bu_id, due_date)
) WITHOUT ROWID;

INSERT INTO open_by_due (bu_id, due_date, count, total)
SELECT bu_id, due_date, count(*), sum(total) FROM payments
WHERE status IN ('pending', 'failed') AND consolidated_into IS NULL
GROUP BY bu_id, due_date;

CREATE TRIGGER open_due_insert AFTER INSERT ON payments
WHEN new.status IN ('pending', 'failed') AND new.consolidated_into IS NULL BEGIN
    INSERT INTO open_by_due (bu_id, due_date, count, total) VALUES (new.bu_id, new.due_date, 1, new.total)
    ON CONFLICT (bu_id, due_date) DO UPDATE SET count = count + 1, total = total + excluded.total;
END;

CREATE TRIGGER open_due_update AFTER UPDATE OF status, consolidated_into, total, due_date, bu_id ON payments
WHEN (old.status IN ('pending', 'failed') AND old.consolidated_into IS NULL)
  OR (new.status IN ('pending', 'failed') AND new.consolidated_into IS NULL) BEGIN
    UPDATE open_by_due SET count = count - 1, total = total - old.total
    WHERE old.status IN ('pending', 'failed') AND old.consolidated_into IS NULL
      AND bu_id = old.bu_id AND due_date = old.due_date;
    INSERT INTO open_by_due (bu_id, due_date, count, total)
    SELECT new.bu_id, new.due_date, 1, new.total
    WHERE new.status IN ('pending', 'failed') AND new.consolidated_into IS NULL
    ON CONFLICT (bu_id, due_date) DO UPDATE SET count = count + 1, total = total + excluded.total;
END;

CREATE TRIGGER open_due_delete AFTER DELETE ON payments
WHEN old.status IN ('pending', 'failed') AND old.consolidated_into IS NULL BEGIN
    UPDATE open_by_due SET count = count - 1, total = total - old.total
    WHERE bu_id = old.bu_id AND due_date = old.due_date;
END;
