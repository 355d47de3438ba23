-- The certificate (PEM) a remote's TLS certificate must chain to, when it is not one the public
-- authorities vouch for: a hub's own, made with `flexdesk tls-cert`. Not a secret.
ALTER TABLE sync_remotes ADD COLUMN ca_pem TEXT;
