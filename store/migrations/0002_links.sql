-- Parley schema, version 2: invitation links, the invitations sent for them,
-- and the address book. Times are Unix milliseconds (UTC); booleans are 0/1.

-- Guest links (one person) and group links (many people) to a room. The token
-- is the secret in PUBLIC_URL/join/TOKEN; it is kept in clear because the
-- link is shown and mailed again (resend, join info). Deleting the room
-- deletes its links. Attendance refers to a link only by text (its address),
-- so history survives the link.
CREATE TABLE links (
    id          INTEGER PRIMARY KEY,
    room        TEXT    NOT NULL REFERENCES rooms (number) ON DELETE CASCADE ON UPDATE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('guest', 'group')),
    token       TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL DEFAULT '',
    email       TEXT    NOT NULL DEFAULT '',
    phone       TEXT    NOT NULL DEFAULT '',
    language    TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    role        TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    valid_from  INTEGER,
    valid_until INTEGER,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX links_room ON links (room);

-- Invitations sent for a link, by email or SMS, including failed attempts
-- (error <> ''). The room is the link's: deleting the link or its room
-- deletes them.
CREATE TABLE invitations (
    id      INTEGER PRIMARY KEY,
    link_id INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    channel TEXT    NOT NULL CHECK (channel IN ('email', 'sms')),
    to_addr TEXT    NOT NULL,
    sent_at INTEGER NOT NULL,
    error   TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX invitations_link_sent ON invitations (link_id, sent_at);

-- The address book: a name for a dial target, global (owner = '') or an
-- extension's own. name_fold and target_fold are the lower-cased name and
-- target, written by the store, for case-insensitive uniqueness and search
-- beyond ASCII.
CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY,
    owner       TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL,
    name_fold   TEXT    NOT NULL,
    target      TEXT    NOT NULL,
    target_fold TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (owner, name_fold)
) STRICT;
