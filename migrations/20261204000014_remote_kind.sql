-- A remote has a kind: FlexPortal's cloud (its published contract, nothing more) or a FlexDesk
-- hub (FlexPortal's v1 with FlexDesk's extensions). Each kind has its own translation of the
-- desk's typed ops. A remote saved before kinds existed is FlexPortal when its address is one of
-- FlexPortal's, and a hub otherwise.
ALTER TABLE sync_remotes ADD COLUMN kind TEXT NOT NULL DEFAULT 'hub'
    CHECK (kind IN ('flexportal', 'hub'));
UPDATE sync_remotes SET kind = 'flexportal'
 WHERE lower(base_url) LIKE 'https://%flexportal.io' OR lower(base_url) LIKE 'https://%flexportal.io/%';

-- An op FlexPortal has no operation for is done without a request and kept on this desk: why,
-- for Settings → Sync's "kept on this desk".
ALTER TABLE sync_ops ADD COLUMN kept TEXT;

-- The customers this desk made, by id: for a FlexPortal remote a customer made here exists there
-- only once an order has carried it (looked up on every push of a customer change or an order).
CREATE INDEX sync_ops_customer_made ON sync_ops (bu_id, json_extract(body, '$.customerId'))
    WHERE kind = 'customer.create';
