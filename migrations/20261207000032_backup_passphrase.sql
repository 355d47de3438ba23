-- Backups encrypted with a passphrase: where the desk keeps it (the OS keyring, or sealed with
-- the desk's key file), never the passphrase itself.
ALTER TABLE desk ADD COLUMN backup_key_store TEXT CHECK (backup_key_store IN ('keyring', 'sealed'));
ALTER TABLE desk ADD COLUMN backup_key_sealed TEXT;
