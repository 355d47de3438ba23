-- Records this desk holds as open that a FlexPortal remote answered 404 for when a pull looked
-- them up by id (they were never sent there, or exist only on this desk): not looked up again
-- on every pass. Forgotten with the unit's read positions when its remote changes.
CREATE TABLE sync_absent (
    bu_id       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    id          TEXT NOT NULL,
    checked_at  TEXT NOT NULL,
    PRIMARY KEY (bu_id, kind, id)
) WITHOUT ROWID;
