-- Parley schema, version 1. Times are Unix milliseconds (UTC); booleans are 0/1.

-- Rooms, created through the API or owned by the config file (config_owned = 1).
CREATE TABLE rooms (
    number        TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL DEFAULT '',
    pin           TEXT    NOT NULL DEFAULT '',
    moderator_pin TEXT    NOT NULL DEFAULT '',
    owner         TEXT    NOT NULL DEFAULT '',
    quota         INTEGER NOT NULL DEFAULT 0,
    capacity      INTEGER NOT NULL DEFAULT 0,
    guest_access  INTEGER NOT NULL DEFAULT 0,
    guest_role    TEXT    NOT NULL DEFAULT '',
    guest_wait_ms INTEGER NOT NULL DEFAULT 0,
    caller_id     TEXT    NOT NULL DEFAULT '',
    locked        INTEGER NOT NULL DEFAULT 0,
    config_owned  INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

-- A room's members, in the order given.
CREATE TABLE room_members (
    room     TEXT    NOT NULL REFERENCES rooms (number) ON DELETE CASCADE ON UPDATE CASCADE,
    position INTEGER NOT NULL,
    member   TEXT    NOT NULL,
    PRIMARY KEY (room, position),
    UNIQUE (room, member)
) STRICT;
CREATE INDEX room_members_member ON room_members (member);

-- Scheduled conferences of a room.
CREATE TABLE schedules (
    id         INTEGER PRIMARY KEY,
    room       TEXT    NOT NULL REFERENCES rooms (number) ON DELETE CASCADE ON UPDATE CASCADE,
    start_at   INTEGER NOT NULL,
    end_at     INTEGER NOT NULL,
    time_zone  TEXT    NOT NULL DEFAULT '',
    started_at INTEGER,
    ended_at   INTEGER
) STRICT;
CREATE INDEX schedules_room_start ON schedules (room, start_at);

-- Who is to be called into a scheduled conference, in order.
CREATE TABLE schedule_participants (
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    target      TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    role        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (schedule_id, position)
) STRICT;

-- One row per participant visit. No foreign key: the record outlives the room.
CREATE TABLE attendance (
    id             INTEGER PRIMARY KEY,
    room           TEXT    NOT NULL,
    participant_id TEXT    NOT NULL DEFAULT '',
    name           TEXT    NOT NULL DEFAULT '',
    role           TEXT    NOT NULL DEFAULT '',
    via            TEXT    NOT NULL DEFAULT '',
    source         TEXT    NOT NULL DEFAULT '',
    address        TEXT    NOT NULL DEFAULT '',
    email          TEXT    NOT NULL DEFAULT '',
    joined_at      INTEGER NOT NULL,
    left_at        INTEGER
) STRICT;
CREATE INDEX attendance_room_joined ON attendance (room, joined_at);

-- Call detail records. No foreign key: the record outlives the room, and a
-- call may never reach one (room = '').
CREATE TABLE call_records (
    id          INTEGER PRIMARY KEY,
    call_id     TEXT    NOT NULL DEFAULT '',
    direction   TEXT    NOT NULL DEFAULT '',
    room        TEXT    NOT NULL DEFAULT '',
    from_addr   TEXT    NOT NULL DEFAULT '',
    to_addr     TEXT    NOT NULL DEFAULT '',
    result      TEXT    NOT NULL DEFAULT '',
    code        INTEGER NOT NULL DEFAULT 0,
    reason      TEXT    NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    answered_at INTEGER,
    ended_at    INTEGER
) STRICT;
CREATE INDEX call_records_room_started ON call_records (room, started_at);
CREATE INDEX call_records_started ON call_records (started_at);
CREATE INDEX call_records_call_id ON call_records (call_id);

-- API tokens minted for a room; only the SHA-256 of the secret is kept.
CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY,
    hash       BLOB    NOT NULL UNIQUE,
    room       TEXT    NOT NULL REFERENCES rooms (number) ON DELETE CASCADE ON UPDATE CASCADE,
    role       TEXT    NOT NULL DEFAULT '',
    label      TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER
) STRICT;
CREATE INDEX tokens_room ON tokens (room);
