-- Lists sorted by their main columns (sortBy) read one page of an index each: orders by total,
-- subscriptions by contract end and by monthly amount, payments by amount, customers by last
-- name. (Assets by serial use the unique serial index.)
CREATE INDEX orders_total ON orders (bu_id, total);
CREATE INDEX subscriptions_end ON subscriptions (bu_id, end_date);
CREATE INDEX subscriptions_amount ON subscriptions (bu_id, monthly_amount);
CREATE INDEX payments_amount ON payments (bu_id, total);
CREATE INDEX customers_name ON customers (bu_id, last_name);
