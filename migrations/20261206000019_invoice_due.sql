-- An invoice issued after its payment's scheduled invoice date gives the customer the unit's
-- payment terms from the day it is issued; the due date the schedule had is kept beside it and
-- printed ("scheduled for 28 Sep 2026"). NULL when the invoice is due as scheduled.
ALTER TABLE invoices ADD COLUMN scheduled_due_date TEXT;
