-- Ids a remote gave to records this desk made. FlexPortal's cloud (and `flexdesk serve --own-ids`)
-- mints its own id for an order, customer, subscription, product, variant, billing group or
-- payment instead of taking the desk's. The desk keeps its own ids; what it sends is written in
-- the remote's ids and what it reads back in its own. Identical ids are not stored. `remote` names
-- the remote (`<base URL> <Tenant-ID>`), so pointing a unit at another remote and back loses
-- nothing and mixes nothing.
CREATE TABLE sync_id_map (
    bu_id      TEXT NOT NULL,
    remote     TEXT NOT NULL,
    local_id   TEXT NOT NULL,
    remote_id  TEXT NOT NULL,
    PRIMARY KEY (bu_id, remote, local_id),
    UNIQUE (bu_id, remote, remote_id)
);
