-- SIP registrations (RFC 3261 §10.3 bindings) of the nodes that share this
-- database, so that a node finds the phones registered on another: one row
-- per binding, node the node holding it, binding_key its §10.3 step 6
-- identity. A node replaces its rows of an extension after each change.
-- Times are Unix milliseconds (UTC); nat is 0/1.
CREATE TABLE registrations (
    extension   TEXT    NOT NULL,
    node        TEXT    NOT NULL,
    binding_key TEXT    NOT NULL,
    contact     TEXT    NOT NULL,
    destination TEXT    NOT NULL,
    transport   TEXT    NOT NULL,
    nat         INTEGER NOT NULL DEFAULT 0,
    source      TEXT    NOT NULL DEFAULT '',
    instance    TEXT    NOT NULL DEFAULT '',
    reg_id      INTEGER NOT NULL DEFAULT 0,
    user_agent  TEXT    NOT NULL DEFAULT '',
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (extension, node, binding_key)
) STRICT;
CREATE INDEX registrations_expires ON registrations (expires_at);
