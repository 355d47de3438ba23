-- The role of the person whose action made an op: a conflict over it is resolved by an
-- administrator or by someone of that role (keeping the remote's version throws the change away).
-- Ops recorded before this column are resolved by an administrator.
ALTER TABLE sync_ops ADD COLUMN actor_role TEXT;

-- The SHA-256 of the request an op replayed on this node came with (its Idempotency-Key's
-- request): the same key with another body is refused (422), not answered as applied.
ALTER TABLE sync_ops ADD COLUMN request_hash TEXT;
