-- An API key is for an integration (a webshop, a script: FlexPortal's v1 as FlexPortal offers
-- it) or for a desk syncing with this node (FlexDesk's sync extensions too: the op's own time and
-- origin, and sending its earlier records). Keys made before purposes existed served desks, so
-- they keep every right they had.
ALTER TABLE api_keys ADD COLUMN purpose TEXT NOT NULL DEFAULT 'api'
    CHECK (purpose IN ('api', 'sync'));
UPDATE api_keys SET purpose = 'sync';
