-- The fleet by status (assets not deleted), kept by triggers so the dashboard reads a handful of
-- rows instead of counting every asset's index entry.
CREATE TABLE asset_counts (
    bu_id  TEXT NOT NULL,
    status TEXT NOT NULL,
    count  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bu_id, status)
) WITHOUT ROWID;

INSERT INTO asset_counts (bu_id, status, count)
SELECT bu_id, status, count(*) FROM assets WHERE deleted_at IS NULL GROUP BY bu_id, status;

CREATE TRIGGER asset_counts_insert AFTER INSERT ON assets
WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO asset_counts (bu_id, status, count) VALUES (new.bu_id, new.status, 1)
    ON CONFLICT (bu_id, status) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER asset_counts_update AFTER UPDATE OF status, deleted_at, bu_id ON assets
WHEN old.deleted_at IS NULL OR new.deleted_at IS NULL BEGIN
    UPDATE asset_counts SET count = count - 1
    WHERE old.deleted_at IS NULL AND bu_id = old.bu_id AND status = old.status;
    INSERT INTO asset_counts (bu_id, status, count)
    SELECT new.bu_id, new.status, 1 WHERE new.deleted_at IS NULL
    ON CONFLICT (bu_id, status) DO UPDATE SET count = count + 1;
END;

CREATE TRIGGER asset_counts_delete AFTER DELETE ON assets
WHEN old.deleted_at IS NULL BEGIN
    UPDATE asset_counts SET count = count - 1 WHERE bu_id = old.bu_id AND status = old.status;
END;
