package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/parleyhq/parley/bridge"
)

// access says who may call an endpoint. authorize is the one place that
// decides.
type access int

const (
	// accessPublic needs no token at all.
	accessPublic access = iota
	// accessAny takes any valid token; the handler shows a room token only
	// its own room (principal.sees).
	accessAny
	// accessRead takes admin tokens and the room tokens, moderator or
	// attendee, of the room in the path.
	accessRead
	// accessModerate takes admin tokens and the moderator tokens of the
	// room in the path.
	accessModerate
	// accessAdmin takes admin tokens only.
	accessAdmin
	// accessUser takes admin tokens and signed-in users of any role;
	// room tokens, which guests and attendees hold, are refused.
	accessUser
)

// principal is who a request's token speaks for: an admin, or a room token
// with its room and role.
type principal struct {
	// admin is set for admin tokens, which may do everything.
	admin bool
	// room is the room a room token is for.
	room string
	// role is a room token's role: moderator or attendee.
	role bridge.Role
	// tokenID is a room token's store ID.
	tokenID int64
	// extension is the extension a room token or a signed-in user speaks
	// for, if any.
	extension string
	// login is the signed-in user of a web session (session.go); empty
	// for bearer tokens. A session's admin has admin set; an operator's
	// has operator; the guard gives a session room and role for the room
	// in the path (sessionRoom).
	login string
	// operator is set for an operator's session: it sees and moderates
	// every room.
	operator bool
	// callerID is a signed-in user's own caller ID from the directory
	// (accounts.User.CallerID); dialCallerID falls back to the
	// extension's.
	callerID string
}

// String names the principal in logs.
func (p principal) String() string {
	if p.login != "" {
		return "user " + p.login
	}
	if p.admin {
		return "admin"
	}
	return fmt.Sprintf("%s token %d of room %s", p.role, p.tokenID, p.room)
}

// authorize decides whether p may call e on the room with the given number
// (empty for routes without one): nil, or a 403 *Error that says why not.
// Admin tokens may do everything; a room token acts only on its own room,
// and an attendee token only reads.
func authorize(p principal, e endpoint, number string) error {
	if p.admin || e.Access == accessPublic || e.Access == accessAny {
		return nil
	}
	if e.Access == accessUser {
		if p.login != "" {
			return nil
		}
		return &Error{Status: http.StatusForbidden, Field: "Authorization",
			Message: "only admin tokens and signed-in users may " + e.Action + ": this is a " + string(p.role) + " token of room " + p.room}
	}
	if e.Access == accessAdmin && p.login != "" {
		return &Error{Status: http.StatusForbidden, Field: "Authorization",
			Message: "only admins may " + e.Action + ": you are signed in as " + p.login + ", not an admin"}
	}
	if e.Access == accessAdmin {
		return &Error{Status: http.StatusForbidden, Field: "Authorization",
			Message: "only admin tokens may " + e.Action + ": this is a " + string(p.role) + " token of room " + p.room}
	}
	if number != p.room {
		return &Error{Status: http.StatusForbidden, Field: "number",
			Message: fmt.Sprintf("this token is for room %s, not room %s", p.room, number)}
	}
	if e.Access == accessModerate && !p.role.Moderates() {
		return &Error{Status: http.StatusForbidden, Field: "Authorization",
			Message: "attendees may not " + e.Action + ": this is an attendee token; ask a moderator"}
	}
	return nil
}

// operatorHere reports whether p is an operator's token (its extension is
// in the operators group) whose extension is in the conference in room
// number: such a token may invite and call people out (issue 4).
func (s *server) operatorHere(p principal, number string) bool {
	if p.extension == "" || !s.operators[p.extension] || s.bridge == nil {
		return false
	}
	room, err := s.bridge.Room(number)
	return err == nil && room.HasExtension(p.extension)
}

// sees reports whether p may see the room with the given number in lists
// and event streams.
func (p principal) sees(number string) bool { return p.admin || p.operator || p.room == number }

// hosts returns the role a signed-in user has in a room with settings set:
// moderator for its owner and for the user who made it (its organizer),
// attendee for a member, "" for neither.
func (p principal) hosts(set bridge.RoomSettings) bridge.Role {
	switch {
	case p.login == "":
		return ""
	case set.Organizer != "" && strings.EqualFold(set.Organizer, p.login):
		return bridge.RoleModerator
	case p.extension == "":
		return ""
	case set.Owner == p.extension:
		return bridge.RoleModerator
	case slices.Contains(set.Members, p.extension):
		return bridge.RoleAttendee
	}
	return ""
}

// sessionRoom gives a signed-in user who is neither admin nor operator
// its role in the room with the given number (empty: no room in the
// path): the owner and the organizer moderate, a member reads, anyone else is told the
// room does not exist, as for a number nobody has. An operator moderates
// every room.
func (s *server) sessionRoom(p principal, number string) (principal, error) {
	if p.login == "" || p.admin || number == "" {
		return p, nil
	}
	if p.operator {
		p.room, p.role = number, bridge.RoleModerator
		return p, nil
	}
	if s.bridge == nil {
		return p, nil
	}
	room, err := s.bridge.Room(number)
	if err != nil {
		return p, err
	}
	role := p.hosts(room.Settings())
	if role == "" {
		return p, fmt.Errorf("room %s: %w", number, bridge.ErrUnknownRoom)
	}
	p.room, p.role = number, role
	return p, nil
}

// seesPINs reports whether p may see the PINs of the room with the given
// number: admins, operators' sessions and that room's moderators may;
// attendees, who could otherwise read the moderator PIN, may not.
func (p principal) seesPINs(number string) bool {
	return p.admin || p.operator || (p.room == number && p.role.Moderates())
}

// principalKey is the context key of the request's principal.
type principalKey struct{}

func withPrincipal(ctx context.Context, p principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// principalOf returns the principal guard put in r's context; a request
// that did not pass guard (a handler called directly) is nobody's.
func principalOf(r *http.Request) principal {
	p, _ := r.Context().Value(principalKey{}).(principal)
	return p
}

// sessionRoomNumber is the room a signed-in user's request acts on: the
// path's, or for the event stream (a route that takes ?token=) its ?room=,
// so that a room's owner and an operator follow that room's events with
// the cookie, as its room token does.
func sessionRoomNumber(r *http.Request, e endpoint) string {
	if n := r.PathValue("number"); n != "" || !e.QueryToken {
		return n
	}
	return r.URL.Query().Get("room")
}
