-- Reminders of overdue payments (dunning). A reminder is one letter to one customer at one step
-- of the unit's dunning, listing every overdue payment it chases as it stood when it was sent
-- (the letter is printed again from this). A payment is chased at each step once: the unique
-- (payment_id, level) refuses a second letter of the same step.
CREATE TABLE reminders (
    id              TEXT PRIMARY KEY,
    bu_id           TEXT NOT NULL REFERENCES business_units(id),
    customer_id     TEXT NOT NULL,
    level           INTEGER NOT NULL CHECK (level >= 1),
    level_name      TEXT NOT NULL,
    total_open      INTEGER NOT NULL,
    fee_payment_id  TEXT,
    sent_on         TEXT NOT NULL,
    sent_at         TEXT NOT NULL,
    sent_by         TEXT NOT NULL
);
CREATE INDEX reminders_customer ON reminders (bu_id, customer_id, sent_at);

CREATE TABLE reminder_items (
    reminder_id     TEXT NOT NULL REFERENCES reminders(id),
    payment_id      TEXT NOT NULL,
    level           INTEGER NOT NULL,
    due_date        TEXT NOT NULL,
    days_overdue    INTEGER NOT NULL,
    amount_open     INTEGER NOT NULL,
    invoice_number  TEXT,
    description     TEXT NOT NULL,
    PRIMARY KEY (reminder_id, payment_id),
    UNIQUE (payment_id, level)
);

-- A customer whose dunning is held (a dispute, an agreed plan) until a day, and why.
CREATE TABLE dunning_holds (
    bu_id        TEXT NOT NULL REFERENCES business_units(id),
    customer_id  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    until        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    PRIMARY KEY (bu_id, customer_id)
) WITHOUT ROWID;
