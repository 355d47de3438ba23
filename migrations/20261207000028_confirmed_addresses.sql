-- An address an administrator confirmed may be reached wherever it points (this computer, a
-- link-local address, plain http on the internet); otherwise FlexDesk reaches only what
-- net::guard allows. Addresses saved before are unconfirmed: one on this computer must be
-- confirmed again.
ALTER TABLE webhook_endpoints ADD COLUMN address_confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_remotes ADD COLUMN address_confirmed INTEGER NOT NULL DEFAULT 0;
