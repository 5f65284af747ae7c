// Package store persists what must survive a restart of Parley: rooms, their
// scheduled conferences, attendance records, the
// per-room API tokens, guest and group links with the invitations sent for
// them, the address book, and the SIP registrations of the nodes sharing a
// database. It is a leaf package: it imports nothing of
// Parley, and the rest of the bridge reaches shared state only through it, so
// that no part of the core assumes a single process owns all rooms.
//
// The default backend is an embedded SQLite file (modernc.org/sqlite, pure Go,
// no cgo) opened in WAL mode with foreign keys enforced and a busy timeout, so
// that several processes may share one file. Within a process all writes go
// through a single connection, and every read-modify-write (UpdateRoom,
// UpdateSchedule, UpdateLink, SyncConfigRooms) and every batch (ImportLinks)
// runs in one IMMEDIATE transaction, so concurrent callers never lose each
// other's updates and a batch is stored whole or not at all. Reads use a
// separate pool of read-only connections and see the last committed state.
//
// The other backend is PostgreSQL (OpenPostgres, pgx), for several nodes
// sharing one database: the same methods, migrations and tests. Writes run
// SERIALIZABLE on one connection per process and are retried when another
// node's transaction wins; reads use REPEATABLE READ snapshots. Statements
// and migrations are written once, in the SQL both engines share; the few
// differences (placeholders, column types, booleans, the catalogue) are
// rewritten in one place, dialect.go.
//
// The schema is created and upgraded at Open by numbered SQL migrations
// embedded in the binary (migrations/NNNN_name.sql); each file is applied once,
// in order, and recorded in the schema_version table.
//
// Times are stored as UTC Unix milliseconds and returned in UTC, truncated to
// the millisecond. Durations are stored in milliseconds.
//
// DB is the one handle; its methods are grouped by job, one file each:
// rooms (room.go) and their lock (roomstate.go), scheduled conferences
// (schedule.go), attendance (attendance.go),
// room tokens (token.go), links (link.go) and the invitations sent for
// them (invitation.go), the address book (contact.go), SIP registrations
// (registration.go). Its consumers see
// it only through small interfaces of their own, one job each (the
// bridge's Records, RoomState and Schedules, the API's Stores, the join
// page's Links), so that another backend can stand behind any one job.
//
// Methods are safe for concurrent use. Errors are wrapped with %w; test them
// with errors.Is against ErrNotFound, ErrExists, ErrReadOnly, ErrInvalid,
// ErrStarted and ErrEnded.
package store
