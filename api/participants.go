package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/store"
)

// ContactFinder finds address book entries by name, for dial and route:
// *store.DB.
type ContactFinder interface {
	// ContactByName returns the contact called name that owner sees: its
	// own, else the global one (store.ErrNotFound).
	ContactByName(ctx context.Context, owner, name string) (store.Contact, error)
}

// participantsAPI serves the people in a room and the calls out: dial,
// route, and the participants' list, state and removal.
type participantsAPI struct {
	shared
	contacts ContactFinder     // nil: only dial targets, no names
	dir      DirectorySearcher // nil: no directory users' names
}

// dial serves POST /api/v1/rooms/{number}/dial: it checks, routes and
// places the call, and answers 202 while it rings. A "to" that is not a
// dial target is looked up as a name in the address book (the room
// owner's contacts, then the global ones) and its target is called. The
// callee is named by the request's name, else the contact's, else the
// extension's (bridge.DialRequest.Name). The caller ID is dialCallerID's.
func (s *participantsAPI) dial(w http.ResponseWriter, r *http.Request) error {
	var req DialRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.To) == "" {
		return &Error{Status: http.StatusBadRequest, Field: "to",
			Message: "to is required: an extension (2001), a phone number (+442079460123), #sip:USER@HOST, sip:USER@HOST or a contact's name"}
	}
	role, err := bridge.ParseDialRole(req.Role)
	if err != nil {
		return err
	}
	if err := checkText("name", req.Name, maxNameLen); err != nil {
		return err
	}
	if req.RingTimeout < 0 || req.RingTimeout > MaxRingTimeout.Seconds() {
		return &Error{Status: http.StatusBadRequest, Field: "ring_timeout",
			Message: fmt.Sprintf("ring_timeout must be between 0 and %v seconds", MaxRingTimeout.Seconds())}
	}
	if s.bridge == nil {
		return errNoBridge
	}
	number := r.PathValue("number")
	to, contact, err := s.resolveContact(r, number, req.To)
	if err != nil {
		return err
	}
	name := req.Name
	if strings.TrimSpace(name) == "" {
		name = contact
	}
	callerID, err := s.dialCallerID(principalOf(r), number, req.CallerID)
	if err != nil {
		return err
	}
	d, err := s.bridge.Dial(number, bridge.DialRequest{
		To: to, Name: name, Role: role, CallerID: callerID,
		RingTimeout: time.Duration(req.RingTimeout * float64(time.Second)),
	})
	if err != nil {
		if req.CallerID == "" && errors.Is(err, dialplan.ErrBadCallerID) {
			// The caller ID came from the room or trunk config, not from
			// the request: the client cannot fix it.
			return &Error{Status: http.StatusInternalServerError, Message: "configured caller ID refused: " + err.Error()}
		}
		return err
	}
	s.log.Info("api dial", "room", number, "to", to, "name", d.Name, "contact", contact, "participant", d.ParticipantID, "role", string(role),
		"via", d.Route.Via, "remote", r.RemoteAddr)
	w.Header().Set("Location", "/api/v1/rooms/"+number+"/participants/"+d.ParticipantID)
	writeJSON(w, http.StatusAccepted, DialResponse{
		ParticipantID: d.ParticipantID, Status: string(bridge.DialRinging), Route: routeInfo(d.Route), Contact: contact,
	})
	return nil
}

// listParticipants serves GET /api/v1/rooms/{number}/participants: the
// people in the room, then the calls out that are not (ringing or failed),
// in ID order.
func (s *participantsAPI) listParticipants(w http.ResponseWriter, r *http.Request) error {
	room, err := s.room(r)
	if err != nil {
		return err
	}
	// Read the dials before the members: a call answered in between then
	// shows as a member rather than not at all.
	dials := room.Dials()
	states := make([]Participant, len(dials))
	for i, d := range dials {
		states[i] = dialState(d)
	}
	out := make([]Participant, 0, len(dials)+room.Len())
	in := make(map[string]bool)
	for _, p := range room.Participants() {
		d, _ := room.Dial(p.ID)
		out = append(out, participantState(p, d))
		in[p.ID] = true
	}
	for _, st := range states {
		if !in[st.ID] && st.Status != string(bridge.DialAnswered) {
			out = append(out, st)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getParticipant serves GET /api/v1/rooms/{number}/participants/{id}: a
// participant, or the state of the call out that reserved the ID.
func (s *participantsAPI) getParticipant(w http.ResponseWriter, r *http.Request) error {
	room, err := s.room(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	d, isDial := room.Dial(id)
	var st Participant
	if isDial {
		st = dialState(d) // before the member lookup, as in listParticipants
	}
	if p, err := room.Participant(id); err == nil {
		writeJSON(w, http.StatusOK, participantState(p, d))
		return nil
	} else if !isDial {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// patchParticipant serves PATCH /api/v1/rooms/{number}/participants/{id}:
// role and mute change at once; role no_access hangs up and removes.
func (s *participantsAPI) patchParticipant(w http.ResponseWriter, r *http.Request) error {
	var req ParticipantPatch
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	var role bridge.Role
	if req.Role != nil {
		if *req.Role == "" {
			return &Error{Status: http.StatusBadRequest, Field: "role",
				Message: "role is empty: want owner, moderator, presenter, attendee, spectator or no_access"}
		}
		var err error
		if role, err = bridge.ParseRole(*req.Role); err != nil {
			return err
		}
	}
	p, room, err := s.member(r)
	if err != nil {
		return err
	}
	if req.Muted != nil {
		p.SetMuted(*req.Muted)
	}
	if role != "" {
		p.SetRole(role)
	}
	s.log.Info("api participant changed", "room", room.Settings().Number, "participant", p.ID,
		"role", string(p.Role()), "muted", p.Muted(), "remote", r.RemoteAddr)
	d, _ := room.Dial(p.ID)
	writeJSON(w, http.StatusOK, participantState(p, d))
	return nil
}

// deleteParticipant serves DELETE /api/v1/rooms/{number}/participants/{id}:
// it hangs up the participant and answers 204.
func (s *participantsAPI) deleteParticipant(w http.ResponseWriter, r *http.Request) error {
	p, room, err := s.member(r)
	if err != nil {
		return err
	}
	p.Hangup("removed by an administrator")
	s.log.Info("api participant removed", "room", room.Settings().Number, "participant", p.ID, "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// member returns the participant named by the path. A call out that is
// still ringing is not one yet: 409.
func (s *participantsAPI) member(r *http.Request) (*bridge.Participant, *bridge.Room, error) {
	room, err := s.room(r)
	if err != nil {
		return nil, nil, err
	}
	id := r.PathValue("id")
	p, err := room.Participant(id)
	if err != nil {
		if d, ok := room.Dial(id); ok {
			if st, _, _ := d.Status(); st == bridge.DialRinging {
				return nil, nil, &Error{Status: http.StatusConflict, Field: "id",
					Message: fmt.Sprintf("participant %s is still ringing: wait until the call is answered or has failed", id)}
			}
		}
		return nil, nil, err
	}
	return p, room, nil
}

// participantState describes a participant; d is the call out that
// brought them in, or nil.
func participantState(p *bridge.Participant, d *bridge.Dial) Participant {
	st := Participant{ID: p.ID, Name: p.Name, Role: string(p.Role()), Muted: p.Muted(), Via: p.Via, Talking: p.Talking(),
		Quality: liveQuality(p)}
	if d != nil {
		// In the room means answered, even in the instant before the
		// dial records it.
		st.Status, st.Code, st.Reason = string(bridge.DialAnswered), 200, "answered"
	}
	return st
}

// dialState describes a call out as it stands.
func dialState(d *bridge.Dial) Participant {
	status, code, reason := d.Status()
	return Participant{
		ID: d.ParticipantID, Name: d.Name, Role: string(d.Role), Via: "sip",
		Status: string(status), Code: code, Reason: reason,
	}
}

// routeInfo is the wire form of a route.
func routeInfo(rt dialplan.Route) RouteInfo {
	return RouteInfo{Via: rt.Via, Trunk: rt.Trunk, Destination: rt.Destination, CallerID: rt.CallerID}
}

// idLess orders participant IDs numerically, then as text.
func idLess(a, b string) bool {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}
