-- Subscriptions sorted by their customer's name (the name kept on the subscription) read one page
-- of an index.
CREATE INDEX subscriptions_customer_name ON subscriptions (bu_id, customer_name);
