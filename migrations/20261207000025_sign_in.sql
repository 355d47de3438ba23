-- People sign in. Each person has a secret: a PIN (4–8 digits, for quick switching at a shared
-- desk) or a password, kept only as an Argon2id hash (PHC string). Wrong secrets are counted; the
-- fifth in a row locks the person until `locked_until`, and each further five double the pause.
-- The demo's people keep their PIN in `demo_pin` so a demo database's start screen can show it;
-- a changed PIN clears it, and no other person ever has one.
ALTER TABLE users ADD COLUMN secret_hash TEXT;
ALTER TABLE users ADD COLUMN secret_kind TEXT CHECK (secret_kind IN ('pin', 'password'));
ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;
ALTER TABLE users ADD COLUMN demo_pin TEXT;

-- The desk locks after this many idle minutes (the administrator sets it; 1 to 480).
ALTER TABLE desk ADD COLUMN lock_minutes INTEGER NOT NULL DEFAULT 15 CHECK (lock_minutes BETWEEN 1 AND 480);
