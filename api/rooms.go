package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// RoomStore keeps the rooms made through the API: *store.DB, whose
// methods have the contracts documented there.
type RoomStore interface {
	// CreateRoom stores a new room (store.ErrExists if the number is taken).
	CreateRoom(ctx context.Context, r store.Room) error
	// UpdateRoom changes a room in one transaction (store.ErrReadOnly for
	// config-owned rooms).
	UpdateRoom(ctx context.Context, number string, update func(*store.Room) error) (store.Room, error)
	// DeleteRoom deletes a room with its tokens (store.ErrReadOnly for
	// config-owned rooms).
	DeleteRoom(ctx context.Context, number string) error
}

// roomsAPI serves the rooms: their list, their settings, and the acts on a
// whole room (mute all, promote).
type roomsAPI struct {
	shared
	store  RoomStore // nil: 503 for the calls that change settings
	policy roomPolicy
}

// listRooms serves GET /api/v1/rooms: every room the token may see (a
// room token sees its own; a signed-in user those its extension owns or
// is a member of, an operator all), by number.
func (s *roomsAPI) listRooms(w http.ResponseWriter, r *http.Request) error {
	if s.bridge == nil {
		return errNoBridge
	}
	p := principalOf(r)
	out := []Room{}
	for _, room := range s.bridge.Rooms() {
		if p.sees(room.Number()) || p.hosts(room.Settings()) != "" {
			out = append(out, roomState(room, p))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getRoom serves GET /api/v1/rooms/{number}.
func (s *roomsAPI) getRoom(w http.ResponseWriter, r *http.Request) error {
	room, err := s.room(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, roomState(room, principalOf(r)))
	return nil
}

// createRoom serves POST /api/v1/rooms: it checks the room as the config
// loader would (newRoom), stores it, starts serving it and answers 201.
func (s *roomsAPI) createRoom(w http.ResponseWriter, r *http.Request) error {
	var req RoomRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sr, err := s.newRoom(principalOf(r), req)
	if err != nil {
		return err
	}
	room, err := s.addRoom(r.Context(), sr)
	if err != nil {
		return err
	}
	s.log.Info("api room created", "room", sr.Number, "name", sr.Name, "by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.Header().Set("Location", "/api/v1/rooms/"+sr.Number)
	writeJSON(w, http.StatusCreated, roomState(room, principalOf(r)))
	return nil
}

// addRoom stores sr and starts serving it; a room the bridge does not take
// leaves the store again.
func (s *roomsAPI) addRoom(ctx context.Context, sr store.Room) (*bridge.Room, error) {
	if s.store == nil {
		return nil, errNoStore
	}
	if err := s.store.CreateRoom(ctx, sr); err != nil {
		if errors.Is(err, store.ErrExists) {
			return nil, &Error{Status: http.StatusConflict, Field: "number", Message: "room " + sr.Number + " exists"}
		}
		return nil, err
	}
	room, err := s.bridge.AddRoom(bridge.SettingsOf(sr))
	if err != nil {
		// Keep store and bridge in step: the room is not served, so it
		// must not stay stored.
		if derr := s.store.DeleteRoom(ctx, sr.Number); derr != nil {
			s.log.Error("api room stored but not served, and not removed", "room", sr.Number, "err", derr)
		}
		return nil, err
	}
	return room, nil
}

// patchRoom serves PATCH /api/v1/rooms/{number}: the given settings change
// in the store and then in the live room (from the next admission on);
// locked acts on the live room at once.
func (s *roomsAPI) patchRoom(w http.ResponseWriter, r *http.Request) error {
	var req RoomPatch
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	room, err := s.room(r)
	if err != nil {
		return err
	}
	if err := checkOwnerChange(principalOf(r), req.Owner, room.Settings().Owner); err != nil {
		return err
	}
	settings := req
	settings.Locked = nil
	if settings != (RoomPatch{}) {
		if room.Settings().ConfigOwned {
			return errConfigOwned(room.Number())
		}
		if s.store == nil {
			return errNoStore
		}
		var wait time.Duration
		if req.GuestWait != nil {
			if wait, err = parseGuestWait(*req.GuestWait); err != nil {
				return err
			}
		}
		updated, err := s.store.UpdateRoom(r.Context(), room.Number(), func(sr *store.Room) error {
			applyPatch(sr, req, wait)
			return validateRoom(sr)
		})
		if errors.Is(err, store.ErrReadOnly) {
			return errConfigOwned(room.Number())
		}
		if err != nil {
			return err
		}
		room.Update(bridge.SettingsOf(updated))
		s.log.Info("api room changed", "room", room.Number(), "by", principalOf(r).String(), "remote", r.RemoteAddr)
	}
	if req.Locked != nil {
		room.SetLocked(*req.Locked)
		s.log.Info("api room lock", "room", room.Number(), "locked", *req.Locked, "by", principalOf(r).String(),
			"remote", r.RemoteAddr)
	}
	writeJSON(w, http.StatusOK, roomState(room, principalOf(r)))
	return nil
}

// deleteRoom serves DELETE /api/v1/rooms/{number}: the room leaves the
// store (with its tokens and schedules), then the bridge, which hangs up
// everyone in it. 204.
func (s *roomsAPI) deleteRoom(w http.ResponseWriter, r *http.Request) error {
	room, err := s.room(r)
	if err != nil {
		return err
	}
	if room.Settings().ConfigOwned {
		return errConfigOwned(room.Number())
	}
	if s.store == nil {
		return errNoStore
	}
	if err := s.store.DeleteRoom(r.Context(), room.Number()); err != nil {
		switch {
		case errors.Is(err, store.ErrReadOnly):
			return errConfigOwned(room.Number())
		case !errors.Is(err, store.ErrNotFound): // served but not stored: still remove it
			return err
		}
	}
	if err := s.bridge.RemoveRoom(room.Number()); err != nil && !errors.Is(err, bridge.ErrUnknownRoom) {
		return err
	}
	s.log.Info("api room deleted", "room", room.Number(), "by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// muteAll serves POST /api/v1/rooms/{number}/mute-all: everyone but the
// optional "except" participant is muted at once.
func (s *roomsAPI) muteAll(w http.ResponseWriter, r *http.Request) error {
	var req MuteAllRequest
	if err := decodeOptionalJSON(w, r, &req); err != nil {
		return err
	}
	room, err := s.room(r)
	if err != nil {
		return err
	}
	if req.Except != "" {
		if _, err := room.Participant(req.Except); err != nil {
			return &Error{Status: http.StatusNotFound, Field: "except", Message: err.Error()}
		}
	}
	out := MuteAllResponse{Muted: []string{}}
	for _, p := range room.Participants() {
		if p.ID != req.Except && p.Via != bridge.ViaCascade { // a link is no caller: its callers are muted where they are
			p.SetMuted(true)
			out.Muted = append(out.Muted, p.ID)
		}
	}
	s.log.Info("api mute all", "room", room.Number(), "except", req.Except, "muted", len(out.Muted),
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// promote serves POST /api/v1/rooms/{number}/promote: the spectator who
// has waited longest among those the quota made spectators becomes an
// attendee. 409 if there is none, or if the room is still at its quota
// (counted over every node of a room that spans several).
func (s *roomsAPI) promote(w http.ResponseWriter, r *http.Request) error {
	if err := decodeOptionalJSON(w, r, &struct{}{}); err != nil {
		return err
	}
	room, err := s.room(r)
	if err != nil {
		return err
	}
	var next *bridge.Participant
	active := 0
	for _, p := range room.Participants() {
		role := p.Role()
		if p.Via == bridge.ViaCascade {
			continue // a link: its callers are counted where they are
		}
		if role != bridge.RoleSpectator {
			active++
			continue
		}
		if p.OverQuota && (next == nil || p.Joined.Before(next.Joined)) {
			next = p
		}
	}
	if next == nil {
		return &Error{Status: http.StatusConflict, Field: "number",
			Message: "no spectator is waiting: nobody in room " + room.Number() + " was made a spectator by the quota"}
	}
	if q := room.Settings().Quota; q > 0 && active+room.ActiveElsewhere() >= q {
		return &Error{Status: http.StatusConflict, Field: "quota",
			Message: fmt.Sprintf("room %s is at its quota of %d active participants: someone must leave, or be made a spectator, first", room.Number(), q)}
	}
	next.SetRole(bridge.RoleAttendee)
	s.log.Info("api spectator promoted", "room", room.Number(), "participant", next.ID, "by", principalOf(r).String(),
		"remote", r.RemoteAddr)
	d, _ := room.Dial(next.ID)
	writeJSON(w, http.StatusOK, participantState(next, d))
	return nil
}

// roomState describes a room for p.
func roomState(room *bridge.Room, p principal) Room {
	set := room.Settings()
	out := Room{Number: room.Number(), Name: set.Name, Owner: set.Owner, Organizer: set.Organizer, Members: slices.Clone(set.Members),
		Quota: set.Quota, Capacity: set.Capacity, GuestAccess: set.GuestAccess, GuestRole: string(set.GuestRole),
		GuestWait: set.GuestWait.String(), CallerID: set.CallerID, Locked: room.Locked(), ConfigOwned: set.ConfigOwned,
		Participants: room.Len()}
	if out.Members == nil {
		out.Members = []string{}
	}
	if out.GuestRole == "" {
		out.GuestRole = string(bridge.RoleAttendee)
	}
	if p.seesPINs(room.Number()) {
		out.PIN, out.ModeratorPIN = set.PIN, set.ModeratorPIN
	}
	return out
}

// errConfigOwned refuses to change a room of the config file.
func errConfigOwned(number string) *Error {
	return &Error{Status: http.StatusForbidden, Field: "number",
		Message: "room " + number + " is defined in the config file and is read-only here: change it in the config file"}
}

// applyPatch copies the settings p gives onto r; wait is p.GuestWait,
// parsed.
func applyPatch(r *store.Room, p RoomPatch, wait time.Duration) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&r.Name, p.Name)
	set(&r.PIN, p.PIN)
	set(&r.ModeratorPIN, p.ModeratorPIN)
	set(&r.Owner, p.Owner)
	set(&r.GuestRole, p.GuestRole)
	set(&r.CallerID, p.CallerID)
	if p.Members != nil {
		r.Members = slices.Clone(*p.Members)
	}
	if p.Quota != nil {
		r.Quota = *p.Quota
	}
	if p.Capacity != nil {
		r.Capacity = *p.Capacity
	}
	if p.GuestAccess != nil {
		r.GuestAccess = *p.GuestAccess
	}
	if p.GuestWait != nil {
		r.GuestWait = wait
	}
}

// parseGuestWait reads a guest_wait such as "10m" or "45s".
func parseGuestWait(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, &Error{Status: http.StatusBadRequest, Field: "guest_wait",
			Message: fmt.Sprintf("guest_wait %q: want a duration such as 10m or 45s", s)}
	}
	if err := rules.GuestWait(d); err != nil {
		return 0, &Error{Status: http.StatusBadRequest, Field: "guest_wait", Message: "guest_wait " + err.Error()}
	}
	return d.Truncate(time.Millisecond), nil
}

// maxNameLen is the longest name the API takes: a room's, a link's, a
// contact's, a scheduled participant's or a called-out one's.
const maxNameLen = rules.MaxNameLen

// validateRoom checks a room's settings by rules.Room, the rules a room of
// the config file follows too, and answers the first problem as a 400
// naming its field.
func validateRoom(r *store.Room) error {
	if r.Number == "" {
		return &Error{Status: http.StatusBadRequest, Field: "number", Message: "number is required"}
	}
	problems := rules.Room{Number: r.Number, Name: r.Name, PIN: r.PIN, ModeratorPIN: r.ModeratorPIN,
		Owner: r.Owner, Members: r.Members, Quota: r.Quota, Capacity: r.Capacity, GuestRole: r.GuestRole,
		GuestWait: r.GuestWait, CallerID: r.CallerID}.Check()
	if len(problems) == 0 {
		return nil
	}
	p := problems[0]
	return &Error{Status: http.StatusBadRequest, Field: p.Field, Message: p.Field + " " + p.Msg}
}
