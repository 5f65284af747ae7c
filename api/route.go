package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
)

// route serves GET /api/v1/rooms/{number}/route?to=X&caller_id=Y: how a
// dial to X from the room would be routed, with the router's explain
// lines, without calling. A dial the router refuses (no trunk allows the
// number, a host outside the direct allow list, a bad configured caller
// ID) is 200 with allowed false, so
// that admins see why; a request that cannot be routed at all (unknown
// room, malformed target or caller_id) is an error. A "to" that is a
// contact's name rather than a dial target is looked up in the address
// book, as dial does, and the first explain line says so. The caller ID
// is the one a dial by the same principal would present (dialCallerID).
func (s *participantsAPI) route(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	for k := range q {
		if k != "to" && k != "caller_id" {
			return &Error{Status: http.StatusBadRequest, Field: k, Message: "unknown query parameter " + k + ": want to and caller_id"}
		}
	}
	to, callerID := q.Get("to"), q.Get("caller_id")
	if to == "" {
		return &Error{Status: http.StatusBadRequest, Field: "to", Message: "to is required: ?to=TARGET"}
	}
	if s.bridge == nil {
		return errNoBridge
	}
	typed := to
	to, contact, err := s.resolveContact(r, r.PathValue("number"), to)
	if err != nil {
		return err
	}
	if callerID, err = s.dialCallerID(principalOf(r), r.PathValue("number"), callerID); err != nil {
		return err
	}
	rt, err := s.bridge.Route(r.PathValue("number"), to, callerID)
	switch {
	case err == nil:
	case errors.Is(err, bridge.ErrUnknownRoom), errors.Is(err, bridge.ErrClosed), errors.Is(err, dialplan.ErrBadTarget):
		return err
	case errors.Is(err, dialplan.ErrBadCallerID) && callerID != "":
		return err
	}
	resp := RouteResponse{
		Allowed: err == nil, Target: rt.Target.String(), Kind: rt.Target.Kind.String(),
		Route: routeInfo(rt), Explain: rt.Explain, Contact: contact,
	}
	if resp.Explain == nil {
		resp.Explain = []string{}
	}
	if contact != "" {
		resp.Explain = append([]string{fmt.Sprintf("%q is not a dial target: it is the address book contact %q, whose target is %s",
			strings.TrimSpace(typed), contact, to)}, resp.Explain...)
	}
	if err != nil {
		resp.Error = err.Error()
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}
