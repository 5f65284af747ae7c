package api

import "github.com/parleyhq/parley/store"

// Stores are the jobs the API gives the database, one small interface
// each, declared next to the handlers that use it: a fake for one job
// implements that job's few methods, and another database can stand behind
// any of them. A nil field answers the calls that need it with 503.
type Stores struct {
	// Rooms keeps the rooms made through the API.
	Rooms RoomStore
	// Tokens keeps the room tokens; without it only admin tokens
	// authenticate.
	Tokens TokenStore
	// Schedules keeps the scheduled conferences.
	Schedules ScheduleStore
	// Links keeps the guest and group links.
	Links LinkStore
	// Invitations records the invitations sent for links.
	Invitations InvitationStore
	// Attendance reads the visits the bridge records.
	Attendance AttendanceStore
	// Contacts keeps the address book.
	Contacts ContactStore
}

// StoresOf returns Stores whose every job db serves; a nil db gives none.
func StoresOf(db *store.DB) Stores {
	if db == nil {
		return Stores{}
	}
	return Stores{Rooms: db, Tokens: db, Schedules: db, Links: db, Invitations: db, Attendance: db, Contacts: db}
}
