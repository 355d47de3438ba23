-- Soft-deleted assets (status unavailable, deleted_at set), so the dashboard counts the fleet by
-- status from the index alone and subtracts these.
CREATE INDEX assets_deleted ON assets (bu_id) WHERE deleted_at IS NOT NULL;
