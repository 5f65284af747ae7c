package api

import (
	"context"
	"net/http"
	"time"

	"github.com/parleyhq/parley/store"
)

// AttendanceStore reads the visits the bridge records: *store.DB.
type AttendanceStore interface {
	// Attendance lists the visits to a room by join time.
	Attendance(ctx context.Context, room string) ([]store.Attendance, error)
}

// LinkLister lists a room's links: *store.DB.
type LinkLister interface {
	// Links lists a room's links by ID.
	Links(ctx context.Context, room string) ([]store.Link, error)
}

// attendanceAPI serves who attended a room: as JSON, and as the
// attendees.csv that names the link each guest came by.
type attendanceAPI struct {
	shared
	store AttendanceStore // nil: 503
	links LinkLister      // nil: 503 for attendees.csv
	// schedules names the people the room's schedules call, for
	// attendees.csv; nil: none.
	schedules ScheduleLister
}

// attendance serves GET /api/v1/rooms/{number}/attendance: every visit to
// the room the store has recorded, by join time, with how long each
// lasted (so far, for those still in). The bridge records visits when it
// is given the store as its Records.
func (s *attendanceAPI) attendance(w http.ResponseWriter, r *http.Request) error {
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	list, err := s.store.Attendance(r.Context(), room.Number())
	if err != nil {
		return err
	}
	now := s.now()
	out := make([]Visit, len(list))
	for i, a := range list {
		until := now
		if a.LeftAt != nil {
			until = *a.LeftAt
		}
		out[i] = Visit{ParticipantID: a.ParticipantID, Name: a.Name, Role: a.Role, Via: a.Via, Source: a.Source,
			Address: a.Address, Email: a.Email, JoinedAt: a.JoinedAt, LeftAt: a.LeftAt,
			DurationSeconds: int64(max(until.Sub(a.JoinedAt), 0) / time.Second), Quality: recordedQuality(a.Quality)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
