package api

import (
	"net/http"
	"time"
)

// attendance serves GET /api/v1/rooms/{number}/attendance: every visit to
// the room the store has recorded, by join time, with how long each
// lasted (so far, for those still in). The bridge records visits when it
// is given the store as its Records.
func (s *server) attendance(w http.ResponseWriter, r *http.Request) error {
	room, err := s.storedRoom(r)
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
			DurationSeconds: int64(max(until.Sub(a.JoinedAt), 0) / time.Second)}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
