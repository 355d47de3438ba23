-- Billing groups join the change feed, so desks pull the groups made or changed elsewhere.
CREATE TRIGGER sync_feed_groups_i AFTER INSERT ON billing_groups WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'billing_group', new.id); END;
CREATE TRIGGER sync_feed_groups_u AFTER UPDATE ON billing_groups WHEN (SELECT active FROM sync_feed) = 1
BEGIN INSERT INTO sync_changes (bu_id, kind, key) VALUES (new.bu_id, 'billing_group', new.id); END;
