package rules

import (
	"errors"
	"fmt"
	"time"
)

// MaxNameLen is the longest display name, in bytes: a room's, a link's, a
// contact's, a scheduled participant's or a browser guest's.
const MaxNameLen = 200

// MaxGuestWait is the longest guest_wait a room may have.
const MaxGuestWait = 24 * time.Hour

// DefaultGuestWait is the guest_wait of a room that does not set one, in
// the config file or through the API: the one default both show.
const DefaultGuestWait = 10 * time.Minute

// Room is what the rules check of a room's settings, however they came: a
// room of the config file or one made through the API.
type Room struct {
	// Number is what callers dial: Number's rule.
	Number string
	// Name is the display name, at most MaxNameLen bytes.
	Name string
	// PIN and ModeratorPIN are empty (none) or follow PIN's rule, and
	// differ when both are set.
	PIN, ModeratorPIN string
	// Owner is empty or an extension number (Number's rule).
	Owner string
	// Members are extension numbers (Number's rule), none listed twice.
	Members []string
	// Quota and Capacity are not negative; a quota is at most a capacity
	// when both are set (0 means none).
	Quota, Capacity int
	// GuestRole is owner, moderator, presenter, attendee or spectator (as
	// package bridge names the roles); the caller puts in its default
	// before the check.
	GuestRole string
	// GuestWait is between 0 and MaxGuestWait.
	GuestWait time.Duration
	// CallerID is empty (the trunk's) or follows CallerID's rule.
	CallerID string
}

// Problem is one rule a room's settings break.
type Problem struct {
	// Field is the setting, as the config file and the API name it:
	// "number", "pin", "members", …
	Field string
	// Path is Field, with the index of the element for a list:
	// "members[2]".
	Path string
	// Msg says what is wrong, to follow "FIELD: " or "FIELD "; it never
	// contains a PIN.
	Msg string
}

// Check returns every rule r breaks, in the order of Room's fields (the
// API answers the first, the config loader reports all); none means r is
// a valid room. It does not know the other rooms or the extensions: unique
// numbers and known members are the caller's to check.
func (r Room) Check() []Problem {
	var out []Problem
	add := func(field string, err error) {
		if err != nil {
			out = append(out, Problem{Field: field, Path: field, Msg: err.Error()})
		}
	}
	if r.Number == "" {
		add("number", errors.New("required"))
	} else {
		add("number", Number(r.Number))
	}
	if len(r.Name) > MaxNameLen {
		add("name", fmt.Errorf("is longer than %d bytes", MaxNameLen))
	}
	if r.PIN != "" {
		add("pin", PIN(r.PIN))
	}
	if r.ModeratorPIN != "" {
		add("moderator_pin", PIN(r.ModeratorPIN))
	}
	if r.PIN != "" && r.PIN == r.ModeratorPIN {
		add("moderator_pin", errors.New("must differ from pin"))
	}
	if r.Owner != "" {
		add("owner", extension(r.Owner))
	}
	switch {
	case r.Quota < 0:
		add("quota", fmt.Errorf("%d: must not be negative", r.Quota))
	case r.Quota > 0 && r.Capacity > 0 && r.Quota > r.Capacity:
		add("quota", fmt.Errorf("%d: must not exceed capacity %d", r.Quota, r.Capacity))
	}
	if r.Capacity < 0 {
		add("capacity", fmt.Errorf("%d: must not be negative", r.Capacity))
	}
	if r.CallerID != "" {
		add("caller_id", CallerID(r.CallerID))
	}
	add("guest_role", GuestRole(r.GuestRole))
	add("guest_wait", GuestWait(r.GuestWait))
	seen := make(map[string]bool, len(r.Members))
	for i, m := range r.Members {
		err := extension(m)
		if err == nil && seen[m] {
			err = fmt.Errorf("%q: listed twice", m)
		}
		if err != nil {
			out = append(out, Problem{Field: "members", Path: fmt.Sprintf("members[%d]", i), Msg: err.Error()})
		}
		seen[m] = true
	}
	return out
}

// extension checks a reference to an extension: Number's rule, said so.
func extension(s string) error {
	if Number(s) != nil {
		return fmt.Errorf("%q: must be an extension number, 1 to %d digits", s, MaxNumberLen)
	}
	return nil
}

// GuestRole checks the role a room gives its guests: owner, moderator,
// presenter, attendee or spectator (not no_access: a room that admits no
// guest turns guest_access off). The error quotes s.
func GuestRole(s string) error {
	switch s {
	case "owner", "moderator", "presenter", "attendee", "spectator":
		return nil
	}
	return fmt.Errorf("%q: must be owner, moderator, presenter, attendee or spectator", s)
}

// GuestWait checks how long a room's guests may wait for a host: 0 to
// MaxGuestWait.
func GuestWait(d time.Duration) error {
	if d < 0 || d > MaxGuestWait {
		return fmt.Errorf("%v: must be between 0s and %v", d, MaxGuestWait)
	}
	return nil
}
