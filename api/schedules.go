package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/store"
)

// startGrace is how far in the past a schedule's start may be: a request
// typed at 09:00 for "09:00" still counts. The bridge's scheduler starts
// such a conference at its next check.
const startGrace = time.Minute

// ScheduleStore keeps the scheduled conferences: *store.DB, whose methods
// have the contracts documented there.
type ScheduleStore interface {
	// CreateSchedule stores a scheduled conference and returns it with its
	// ID (store.ErrNotFound if the room is not stored).
	CreateSchedule(ctx context.Context, s store.Schedule) (store.Schedule, error)
	// Schedule returns a scheduled conference by ID (store.ErrNotFound).
	Schedule(ctx context.Context, id int64) (store.Schedule, error)
	// Schedules lists a room's scheduled conferences by start time.
	Schedules(ctx context.Context, room string) ([]store.Schedule, error)
	// UpdateSchedule changes a scheduled conference in one transaction
	// (store.ErrStarted for a participant change after its start).
	UpdateSchedule(ctx context.Context, id int64, update func(*store.Schedule) error) (store.Schedule, error)
	// DeleteSchedule deletes a scheduled conference (store.ErrNotFound).
	DeleteSchedule(ctx context.Context, id int64) error
}

// schedulesAPI serves a room's scheduled conferences.
type schedulesAPI struct {
	shared
	store ScheduleStore // nil: 503
}

// createSchedule serves POST /api/v1/rooms/{number}/schedules: it checks
// the schedule, stores it and answers 201 with it. The bridge's scheduler
// (bridge.RunSchedules) reads the store, so the conference is called at
// its start without more ado.
func (s *schedulesAPI) createSchedule(w http.ResponseWriter, r *http.Request) error {
	var req ScheduleRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	sc := store.Schedule{Room: room.Number()}
	if sc.Start, err = parseScheduleTime("start", req.Start); err != nil {
		return err
	}
	if sc.End, err = parseScheduleTime("end", req.End); err != nil {
		return err
	}
	if sc.TimeZone, err = checkTimeZone(req.TimeZone); err != nil {
		return err
	}
	if sc.Participants, err = checkParticipants(req.Participants); err != nil {
		return err
	}
	if err := s.checkStart(sc.Start); err != nil {
		return err
	}
	if err := checkEnd("end", sc); err != nil {
		return err
	}
	sc, err = s.store.CreateSchedule(r.Context(), sc)
	if err != nil {
		return err
	}
	s.log.Info("api schedule created", "room", sc.Room, "schedule", sc.ID, "start", sc.Start, "end", sc.End,
		"participants", len(sc.Participants), "by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.Header().Set("Location", "/api/v1/rooms/"+sc.Room+"/schedules/"+strconv.FormatInt(sc.ID, 10))
	writeJSON(w, http.StatusCreated, scheduleState(sc))
	return nil
}

// listSchedules serves GET /api/v1/rooms/{number}/schedules: the room's
// scheduled conferences, past ones included, by start time.
func (s *schedulesAPI) listSchedules(w http.ResponseWriter, r *http.Request) error {
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	list, err := s.store.Schedules(r.Context(), room.Number())
	if err != nil {
		return err
	}
	out := make([]Schedule, len(list))
	for i, sc := range list {
		out[i] = scheduleState(sc)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getSchedule serves GET /api/v1/rooms/{number}/schedules/{id}.
func (s *schedulesAPI) getSchedule(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.roomSchedule(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, scheduleState(sc))
	return nil
}

// patchSchedule serves PATCH /api/v1/rooms/{number}/schedules/{id}: the
// given fields change, in one store transaction. Once the conference has
// started its participant list is frozen: a different list is refused
// with 409 (the same list again is not a change).
func (s *schedulesAPI) patchSchedule(w http.ResponseWriter, r *http.Request) error {
	var req SchedulePatch
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	id, ok := scheduleID(r)
	notFound := scheduleNotFound(room.Number(), r.PathValue("id"))
	if !ok {
		return notFound
	}
	// Everything that needs no stored state is checked before the
	// transaction, which holds the store's write lock.
	var (
		start, end   time.Time
		zone         string
		participants []store.ScheduledParticipant
	)
	if req.Start != nil {
		if start, err = parseScheduleTime("start", *req.Start); err != nil {
			return err
		}
		if err := s.checkStart(start); err != nil {
			return err
		}
	}
	if req.End != nil {
		if end, err = parseScheduleTime("end", *req.End); err != nil {
			return err
		}
	}
	if req.TimeZone != nil {
		if zone, err = checkTimeZone(*req.TimeZone); err != nil {
			return err
		}
	}
	if req.Participants != nil {
		if participants, err = checkParticipants(*req.Participants); err != nil {
			return err
		}
	}
	sc, err := s.store.UpdateSchedule(r.Context(), id, func(sc *store.Schedule) error {
		if sc.Room != room.Number() {
			return notFound
		}
		field := "start"
		if req.Start != nil {
			sc.Start = start
		}
		if req.End != nil {
			sc.End, field = end, "end"
		}
		if req.TimeZone != nil {
			sc.TimeZone = zone
		}
		if req.Participants != nil {
			sc.Participants = participants
		}
		return checkEnd(field, *sc)
	})
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	s.log.Info("api schedule changed", "room", sc.Room, "schedule", sc.ID, "participants_changed", req.Participants != nil,
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, scheduleState(sc))
	return nil
}

// deleteSchedule serves DELETE /api/v1/rooms/{number}/schedules/{id}: the
// schedule and its participant list are forgotten, so nobody is called.
// A conference already under way goes on without a scheduled end. 204.
func (s *schedulesAPI) deleteSchedule(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.roomSchedule(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteSchedule(r.Context(), sc.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return scheduleNotFound(sc.Room, r.PathValue("id"))
		}
		return err
	}
	s.log.Info("api schedule deleted", "room", sc.Room, "schedule", sc.ID, "started", sc.StartedAt != nil,
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// roomSchedule returns the schedule named by the {id} path segment if it
// belongs to the room named by {number}; another room's schedule is 404,
// as if it did not exist, so that a room token learns nothing of it.
func (s *schedulesAPI) roomSchedule(r *http.Request) (store.Schedule, error) {
	room, err := s.room(r)
	if err != nil {
		return store.Schedule{}, err
	}
	if s.store == nil {
		return store.Schedule{}, errNoStore
	}
	id, ok := scheduleID(r)
	notFound := scheduleNotFound(room.Number(), r.PathValue("id"))
	if !ok {
		return store.Schedule{}, notFound
	}
	sc, err := s.store.Schedule(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Schedule{}, notFound
	case err != nil:
		return store.Schedule{}, err
	case sc.Room != room.Number():
		return store.Schedule{}, notFound
	}
	return sc, nil
}

// scheduleID reads the {id} path segment; ok is false when it cannot be
// a schedule's ID.
func scheduleID(r *http.Request) (id int64, ok bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}

// scheduleNotFound is the 404 for a schedule ID the room does not have.
func scheduleNotFound(room, id string) *Error {
	return &Error{Status: http.StatusNotFound, Field: "id", Message: fmt.Sprintf("room %s has no schedule %q", room, id)}
}

// parseScheduleTime reads a required RFC 3339 time (RFC 3339 §5.6: a
// date, a time and an offset or Z).
func parseScheduleTime(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, &Error{Status: http.StatusBadRequest, Field: field,
			Message: field + " is required: an RFC 3339 time with an offset, such as 2026-03-02T09:00:00+01:00"}
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, &Error{Status: http.StatusBadRequest, Field: field,
			Message: fmt.Sprintf("%s %q: want an RFC 3339 time with an offset, such as 2026-03-02T09:00:00+01:00", field, s)}
	}
	return t, nil
}

// checkStart refuses a start more than startGrace in the past.
func (s *schedulesAPI) checkStart(start time.Time) error {
	if now := s.now(); start.Before(now.Add(-startGrace)) {
		return &Error{Status: http.StatusBadRequest, Field: "start",
			Message: fmt.Sprintf("start %s is in the past: a conference may start at most a minute ago (it is %s now)",
				start.Format(time.RFC3339), now.In(start.Location()).Format(time.RFC3339))}
	}
	return nil
}

// checkEnd refuses a schedule whose end is not after its start, naming
// field, the one the request changed.
func checkEnd(field string, sc store.Schedule) error {
	if !sc.End.After(sc.Start) {
		return &Error{Status: http.StatusBadRequest, Field: field,
			Message: fmt.Sprintf("end %s must be after start %s", sc.End.Format(time.RFC3339), sc.Start.Format(time.RFC3339))}
	}
	return nil
}

// checkTimeZone returns the IANA time zone name to store: name, or "UTC"
// for "". "Local" is refused: it means whatever the server's zone is.
func checkTimeZone(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		return "", &Error{Status: http.StatusBadRequest, Field: "time_zone",
			Message: fmt.Sprintf("time_zone %q: want an IANA time zone name such as Europe/London or UTC", name)}
	}
	return name, nil
}

// checkParticipants checks a participant list and returns it as the store
// keeps it: targets trimmed, roles spelled out. Every error names the
// entry's field, as "participants[2].target".
func checkParticipants(list []ScheduledParticipant) ([]store.ScheduledParticipant, error) {
	if len(list) > MaxScheduledParticipants {
		return nil, &Error{Status: http.StatusBadRequest, Field: "participants",
			Message: fmt.Sprintf("participants: %d listed, at most %d", len(list), MaxScheduledParticipants)}
	}
	out := make([]store.ScheduledParticipant, 0, len(list))
	seen := make(map[string]int, len(list)) // canonical target → index
	for i, p := range list {
		bad := func(name, format string, args ...any) error {
			field := fmt.Sprintf("participants[%d].%s", i, name)
			return &Error{Status: http.StatusBadRequest, Field: field, Message: field + " " + fmt.Sprintf(format, args...)}
		}
		target := strings.TrimSpace(p.Target)
		if target == "" {
			return nil, bad("target", "is required: an extension, a phone number, a #sip: or a #h323: address")
		}
		t, err := dialplan.ParseTarget(target)
		if err != nil {
			field := fmt.Sprintf("participants[%d].target", i)
			return nil, &Error{Status: http.StatusBadRequest, Field: field, Message: field + ": " + err.Error()}
		}
		if j, ok := seen[t.String()]; ok {
			return nil, bad("target", "%q: already listed as participants[%d]", target, j)
		}
		seen[t.String()] = i
		role, err := bridge.ParseRole(p.Role)
		if err != nil || role == bridge.RoleNoAccess {
			return nil, bad("role", "%q: must be owner, moderator, presenter, attendee or spectator", p.Role)
		}
		if len(p.Name) > maxNameLen {
			return nil, bad("name", "is longer than %d bytes", maxNameLen)
		}
		out = append(out, store.ScheduledParticipant{Target: target, Name: p.Name, Role: string(role)})
	}
	return out, nil
}

// scheduleState describes a stored schedule, its times in its time zone.
func scheduleState(sc store.Schedule) Schedule {
	loc, err := time.LoadLocation(sc.TimeZone)
	if err != nil || sc.TimeZone == "" {
		loc = time.UTC
	}
	in := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		v := t.In(loc)
		return &v
	}
	out := Schedule{ID: strconv.FormatInt(sc.ID, 10), Room: sc.Room, Start: sc.Start.In(loc), End: sc.End.In(loc),
		TimeZone: loc.String(), Participants: make([]ScheduledParticipant, len(sc.Participants)),
		StartedAt: in(sc.StartedAt), EndedAt: in(sc.EndedAt)}
	for i, p := range sc.Participants {
		role := p.Role
		if role == "" {
			role = string(bridge.RoleAttendee)
		}
		out.Participants[i] = ScheduledParticipant{Target: p.Target, Role: role, Name: p.Name}
	}
	return out
}
