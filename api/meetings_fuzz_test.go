package api

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzMeetingPlan feeds arbitrary bodies of POST /api/v1/meetings to its
// decoding and checks: a body is either refused with a 4xx (or the 503 of
// a missing mailer) *Error, or planned into a valid room with no more
// calls and links than participants; nothing panics and nothing is made.
func FuzzMeetingPlan(f *testing.F) {
	f.Add([]byte(`{"room":{"name":"Review","pin":"1234"},"schedule":{"start":"2030-01-02T09:00","duration_minutes":30,"time_zone":"Europe/Paris"},
		"participants":[{"kind":"extension","value":"2003","role":"moderator"},{"kind":"email","value":"a@example.com"},
		{"kind":"user","value":"al","extension":"2004","email":"al@example.com"},{"kind":"number","value":"+441632960123"}]}`))
	f.Add([]byte(`{"room":{},"participants":[{"kind":"fax","value":"1"},{"kind":"user","value":"x"}]}`))
	f.Add([]byte(`{"room":{"number":"2003"}}`))
	f.Add([]byte(`{"room":{},"schedule":{"start":"yesterday"}}`))
	f.Add([]byte(`{"room":{},"participants":[{"kind":"number","value":"#sip:bob@example.com"}]}`))
	e := newMeetingEnv(f, true, nil)
	bob := principal{login: "bob", extension: "2002"}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/meetings", bytes.NewReader(body))
		var req MeetingRequest
		err := decodeJSON(httptest.NewRecorder(), r, &req)
		var plan meetingPlan
		if err == nil {
			plan, err = e.s.meetings.plan(bob, req)
		}
		if err != nil {
			var apiErr *Error
			if !errors.As(err, &apiErr) || (apiErr.Status/100 != 4 && apiErr.Status != http.StatusServiceUnavailable) {
				t.Fatalf("error %v is not a 4xx or 503 *Error", err)
			}
			return
		}
		if err := validateRoom(&plan.room); err != nil || plan.room.Organizer != "bob" || plan.room.Owner != "2002" {
			t.Fatalf("planned room %+v: %v", plan.room, err)
		}
		if len(plan.links) > len(req.Participants) || (plan.schedule != nil && len(plan.schedule.Participants) > 2*len(req.Participants)) {
			t.Fatalf("%d participants planned into %d links and schedule %+v", len(req.Participants), len(plan.links), plan.schedule)
		}
		if rooms := e.b.Rooms(); len(rooms) != 0 {
			t.Fatalf("planning made rooms")
		}
	})
}
