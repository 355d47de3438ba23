-- An op is recorded as the action that made it: its kind (`order.confirm`), the key of what it
-- acts on and the action's typed body. The sync layer makes the remote's request from them when
-- it pushes, one translation per remote kind. `method` and `path` keep the request of ops
-- recorded before this (an upgraded desk still pushes those as they were); a typed op leaves
-- them empty.
ALTER TABLE sync_ops ADD COLUMN kind TEXT;
ALTER TABLE sync_ops ADD COLUMN op_key TEXT;
