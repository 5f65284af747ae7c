package bridge

import (
	"errors"
	"fmt"
)

// Role is what a participant may do in a room.
type Role string

// The roles of a room, from most to least powerful.
const (
	// RoleOwner owns the room: a moderator who cannot be demoted by others.
	RoleOwner Role = "owner"
	// RoleModerator may mute, remove, lock, change roles and call people out.
	RoleModerator Role = "moderator"
	// RolePresenter speaks and may share video; no moderation rights.
	RolePresenter Role = "presenter"
	// RoleAttendee speaks and listens.
	RoleAttendee Role = "attendee"
	// RoleSpectator only listens: it hears the room and is never mixed in.
	RoleSpectator Role = "spectator"
	// RoleNoAccess is not admitted; setting it removes the participant.
	RoleNoAccess Role = "no_access"
)

// ErrBadRole means a role name is not one of the roles above.
var ErrBadRole = errors.New("unknown role")

// ParseRole returns the role named s; the empty string is RoleAttendee.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleOwner, RoleModerator, RolePresenter, RoleAttendee, RoleSpectator, RoleNoAccess:
		return r, nil
	case "":
		return RoleAttendee, nil
	}
	return "", fmt.Errorf("%w %q: want owner, moderator, presenter, attendee, spectator or no_access", ErrBadRole, s)
}

// ParseDialRole returns the role a call out brings someone in with: any
// role but no_access, which admits nobody; the empty string is
// RoleAttendee. Its error wraps ErrBadRole and lists only those roles.
func ParseDialRole(s string) (Role, error) {
	r, err := ParseRole(s)
	switch {
	case r == RoleNoAccess:
		return "", fmt.Errorf("%w: no_access admits nobody, so no one can be called in with it: want owner, moderator, presenter, attendee or spectator", ErrBadRole)
	case err != nil:
		return "", fmt.Errorf("%w %q: want owner, moderator, presenter, attendee or spectator", ErrBadRole, s)
	}
	return r, nil
}

// Moderates reports whether the role carries moderator rights.
func (r Role) Moderates() bool { return r == RoleOwner || r == RoleModerator }

// ListenOnly reports whether the role is never mixed in.
func (r Role) ListenOnly() bool { return r == RoleSpectator }
