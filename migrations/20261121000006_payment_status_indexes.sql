-- Payments by status: the index over every row by status gives way to one that leaves out pending
-- payments. A new schedule's payments are all pending, so activation no longer writes a status
-- index besides payments_open; pending ones are listed through payments_open.
DROP INDEX payments_status_due;
CREATE INDEX payments_status_due ON payments (bu_id, status, due_date)
    WHERE status IN ('paid', 'processing', 'failed', 'cancelled');
