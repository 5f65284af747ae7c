package api

import (
	"net/http"

	"github.com/parleyhq/parley/rules"
)

// dialCallerID returns the caller ID a dial (or route) by p from room
// number asks the router to present; "" leaves it to the room's, else the
// trunk's. A signed-in user's calls carry the user's own caller ID
// (ownCallerID) unless the request names one. A requested caller ID is
// allowed to admins (tokens and sessions) and, for everyone else, only
// when it is their own, the room's, or one a trunk lists in
// allowed_caller_ids; else the answer is 403 naming caller_id. A
// malformed one is passed on for the router to refuse with 400.
func (s *participantsAPI) dialCallerID(p principal, number, requested string) (string, error) {
	if s.bridge == nil {
		return requested, nil
	}
	own := s.ownCallerID(p)
	switch {
	case requested == "" && p.login != "":
		return own, nil
	case requested == "", p.admin, requested == own, rules.CallerID(requested) != nil:
		return requested, nil
	case s.bridge.TrunkAllowingCallerID(requested) != "":
		return requested, nil
	}
	if room, err := s.bridge.Room(number); err == nil && room.Settings().CallerID == requested {
		return requested, nil
	}
	msg := "you may not present caller ID " + requested + ": only admins may set a caller ID other than "
	if own != "" {
		msg += "your own (" + own + "), "
	}
	return "", &Error{Status: http.StatusForbidden, Field: "caller_id",
		Message: msg + "the room's or one a trunk lists in allowed_caller_ids"}
}

// ownCallerID is p's own caller ID: a signed-in user's from the directory
// when it is well formed, else the configured caller_id of p's extension
// (a user's or a room token's), else "".
func (s *participantsAPI) ownCallerID(p principal) string {
	if p.callerID != "" && rules.CallerID(p.callerID) == nil {
		return p.callerID
	}
	if p.extension == "" {
		return ""
	}
	return s.bridge.ExtensionCallerID(p.extension)
}
