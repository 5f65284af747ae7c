package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// This file decides who a new room belongs to and which number it gets:
// signed-in users of any role make rooms (the organisers' web app), owned
// by their extension and recorded with their login as organizer, up to a
// limit per user; a room made without a number takes the lowest free one
// of the configured range (GET /api/v1/rooms/suggested-number).

// MeetingOptions configure the rooms and meetings signed-in users make.
type MeetingOptions struct {
	// Min and Max bound the range new room numbers are suggested from,
	// inclusive (the config's meetings.number_range). Both 0: 7000-7999.
	Min, Max int
	// MaxPerUser is how many rooms one user may have made (admins and
	// operators are not limited); 0: 50.
	MaxPerUser int
	// Extensions are the extension numbers: not free for rooms, and the
	// only extensions a meeting may invite (none: any is taken).
	Extensions []string
	// Reserved are other numbers that are not free for rooms: any number
	// the config gives a meaning (dial-in numbers).
	Reserved []string
}

// Defaults of MeetingOptions.
const (
	defaultRoomNumberMin  = 7000
	defaultRoomNumberMax  = 7999
	defaultMaxRoomsOfUser = 50
)

// roomPolicy is MeetingOptions as the handlers read it.
type roomPolicy struct {
	min, max   int
	maxPerUser int
	reserved   map[string]bool // extensions and other numbers
	extensions map[string]bool
}

func newRoomPolicy(o MeetingOptions) roomPolicy {
	p := roomPolicy{min: o.Min, max: o.Max, maxPerUser: o.MaxPerUser, reserved: make(map[string]bool),
		extensions: make(map[string]bool, len(o.Extensions))}
	if p.min == 0 && p.max == 0 {
		p.min, p.max = defaultRoomNumberMin, defaultRoomNumberMax
	}
	if p.maxPerUser <= 0 {
		p.maxPerUser = defaultMaxRoomsOfUser
	}
	for _, n := range o.Extensions {
		p.reserved[n], p.extensions[n] = true, true
	}
	for _, n := range o.Reserved {
		p.reserved[n] = true
	}
	return p
}

// SuggestedNumber answers GET /api/v1/rooms/suggested-number.
type SuggestedNumber struct {
	// Number is the lowest free number of the configured range: no room,
	// extension or other configured number. Another request may take it
	// first; POST /api/v1/rooms then answers 409.
	Number string `json:"number"`
}

// suggestedNumber serves GET /api/v1/rooms/suggested-number.
func (s *roomsAPI) suggestedNumber(w http.ResponseWriter, r *http.Request) error {
	if s.bridge == nil {
		return errNoBridge
	}
	n, err := s.freeNumber()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SuggestedNumber{Number: n})
	return nil
}

// freeNumber returns the lowest free number of the range, or a 409.
func (s *roomsAPI) freeNumber() (string, error) {
	for n := s.policy.min; n <= s.policy.max; n++ {
		number := strconv.Itoa(n)
		if s.policy.reserved[number] {
			continue
		}
		if _, err := s.bridge.Room(number); err != nil {
			return number, nil
		}
	}
	return "", &Error{Status: http.StatusConflict, Field: "number",
		Message: fmt.Sprintf("no free room number is left in %d-%d (meetings.number_range): give a number", s.policy.min, s.policy.max)}
}

// newRoom checks req as the config loader would check a room and returns
// the room to store for p: a signed-in user who is neither admin nor
// operator owns it (their extension, or none) and may not name another
// owner, and may not have made more than the limit; a session's login is
// its organizer. An empty number takes freeNumber.
func (s *roomsAPI) newRoom(p principal, req RoomRequest) (store.Room, error) {
	if s.bridge == nil {
		return store.Room{}, errNoBridge
	}
	if s.store == nil {
		return store.Room{}, errNoStore
	}
	sr := store.Room{Number: strings.TrimSpace(req.Number), Name: req.Name, PIN: req.PIN, ModeratorPIN: req.ModeratorPIN,
		Owner: req.Owner, Members: req.Members, Quota: req.Quota, Capacity: req.Capacity,
		GuestAccess: req.GuestAccess, GuestRole: req.GuestRole, CallerID: req.CallerID, Organizer: strings.ToLower(p.login)}
	if p.login != "" && !p.admin && !p.operator {
		if sr.Owner != "" && sr.Owner != p.extension {
			return store.Room{}, &Error{Status: http.StatusForbidden, Field: "owner",
				Message: "only admins and operators may make a room for another owner: leave owner out, and the room is yours"}
		}
		sr.Owner = p.extension
		if n := s.roomsMadeBy(p.login); n >= s.policy.maxPerUser {
			return store.Room{}, &Error{Status: http.StatusConflict, Field: "number",
				Message: fmt.Sprintf("you have made %d rooms, the most one user may have (meetings.max_rooms_per_user): delete one first", n)}
		}
	}
	if sr.GuestRole == "" {
		sr.GuestRole = string(bridge.RoleAttendee)
	}
	sr.GuestWait = bridge.DefaultGuestWait
	if req.GuestWait != "" {
		d, err := parseGuestWait(req.GuestWait)
		if err != nil {
			return store.Room{}, err
		}
		sr.GuestWait = d
	}
	if sr.Number == "" {
		n, err := s.freeNumber()
		if err != nil {
			return store.Room{}, err
		}
		sr.Number = n
	}
	if err := validateRoom(&sr); err != nil {
		return store.Room{}, err
	}
	if s.policy.reserved[sr.Number] {
		return store.Room{}, &Error{Status: http.StatusConflict, Field: "number",
			Message: "number " + sr.Number + " is an extension's or another configured number: choose another"}
	}
	if _, err := s.bridge.Room(sr.Number); err == nil {
		return store.Room{}, &Error{Status: http.StatusConflict, Field: "number", Message: "room " + sr.Number + " exists"}
	}
	return sr, nil
}

// roomsMadeBy counts the rooms whose organizer is login.
func (s *roomsAPI) roomsMadeBy(login string) int {
	n := 0
	for _, room := range s.bridge.Rooms() {
		if o := room.Settings().Organizer; o != "" && strings.EqualFold(o, login) {
			n++
		}
	}
	return n
}

// checkOwnerChange refuses a change of owner by a signed-in user who is
// neither admin nor operator, unless to their own extension.
func checkOwnerChange(p principal, owner *string, current string) error {
	if owner == nil || p.login == "" || p.admin || p.operator || *owner == current || (*owner == p.extension && p.extension != "") {
		return nil
	}
	return &Error{Status: http.StatusForbidden, Field: "owner", Message: "only admins and operators may give a room another owner"}
}
