package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/bridge"
)

// TestAuthorize decides every route of the table for every kind of token:
// a route added without a row here fails the test.
func TestAuthorize(t *testing.T) {
	admin := principal{admin: true}
	mod := principal{room: "1000", role: bridge.RoleModerator, tokenID: 1}
	att := principal{room: "1000", role: bridge.RoleAttendee, tokenID: 2}
	// Who may call each route on room 1000: a = admin, m = moderator token
	// of 1000, t = attendee token of 1000. Room tokens of another room may
	// call only the "any" routes.
	want := map[string]string{
		"GET /healthz":                                    "amt",
		"GET /readyz":                                     "amt",
		"GET /api/v1/openapi.json":                        "amt",
		"GET /api/v1/events":                              "amt",
		"POST /api/v1/session":                            "amt",
		"GET /api/v1/session":                             "amt",
		"DELETE /api/v1/session":                          "amt",
		"GET /api/v1/rooms":                               "amt",
		"POST /api/v1/rooms":                              "a",
		"GET /api/v1/rooms/{number}":                      "amt",
		"PATCH /api/v1/rooms/{number}":                    "am",
		"DELETE /api/v1/rooms/{number}":                   "a",
		"POST /api/v1/rooms/{number}/dial":                "am",
		"GET /api/v1/rooms/{number}/route":                "am",
		"GET /api/v1/rooms/{number}/participants":         "amt",
		"GET /api/v1/rooms/{number}/participants/{id}":    "amt",
		"PATCH /api/v1/rooms/{number}/participants/{id}":  "am",
		"DELETE /api/v1/rooms/{number}/participants/{id}": "am",
		"POST /api/v1/rooms/{number}/mute-all":            "am",
		"POST /api/v1/rooms/{number}/promote":             "am",
		"GET /api/v1/rooms/{number}/tokens":               "am",
		"POST /api/v1/rooms/{number}/tokens":              "am",
		"DELETE /api/v1/rooms/{number}/tokens/{id}":       "am",
		"GET /api/v1/rooms/{number}/schedules":            "amt",
		"POST /api/v1/rooms/{number}/schedules":           "am",
		"GET /api/v1/rooms/{number}/schedules/{id}":       "amt",
		"PATCH /api/v1/rooms/{number}/schedules/{id}":     "am",
		"DELETE /api/v1/rooms/{number}/schedules/{id}":    "am",
		"GET /api/v1/rooms/{number}/attendance":           "am",
		"GET /api/v1/rooms/{number}/attendees":            "am",
		"GET /api/v1/rooms/{number}/attendees.csv":        "am",
		"GET /api/v1/rooms/{number}/links":                "am",
		"POST /api/v1/rooms/{number}/links":               "am",
		"POST /api/v1/rooms/{number}/links/import":        "am",
		"GET /api/v1/rooms/{number}/links/{id}":           "am",
		"PATCH /api/v1/rooms/{number}/links/{id}":         "am",
		"DELETE /api/v1/rooms/{number}/links/{id}":        "am",
		"POST /api/v1/rooms/{number}/links/{id}/resend":   "am",
		"GET /api/v1/rooms/{number}/join-info":            "amt",
		"POST /api/v1/rooms/{number}/console-login":       "amt",
		"GET /api/v1/rooms/suggested-number":              "a",
		"POST /api/v1/meetings":                           "a",
		"GET /api/v1/contacts":                            "a",
		"POST /api/v1/contacts":                           "a",
		"DELETE /api/v1/contacts/{id}":                    "a",
		"GET /api/v1/directory":                           "a", // and signed-in users
		"POST /api/v1/reload":                             "a",
		"GET /api/v1/drain":                               "a",
		"POST /api/v1/drain":                              "a",
		"GET /api/v1/trace":                               "a",
		"POST /api/v1/trace":                              "a",
		"DELETE /api/v1/trace":                            "a",
		"DELETE /api/v1/trace/rules/{id}":                 "a",
		"GET /api/v1/trace/stream":                        "a",
	}
	table := (&server{}).endpoints()
	if len(table) != len(want) {
		t.Errorf("%d routes in the table, %d decided here", len(table), len(want))
	}
	for _, e := range table {
		key := e.Method + " " + e.Path
		who, ok := want[key]
		if !ok {
			t.Errorf("%s: no authorisation decided in this test", key)
			continue
		}
		// A public route (the console login) takes no token, so a room
		// token of another room is no reason to refuse it.
		roomScoped := strings.Contains(e.Path, "{number}") && e.Access != accessPublic
		for _, tc := range []struct {
			name string
			p    principal
			room string
			ok   bool
		}{
			{"admin", admin, "1000", strings.Contains(who, "a")},
			{"admin, other room", admin, "1001", strings.Contains(who, "a")},
			{"moderator", mod, "1000", strings.Contains(who, "m")},
			{"attendee", att, "1000", strings.Contains(who, "t")},
			{"moderator, other room", mod, "1001", strings.Contains(who, "m") && !roomScoped},
			{"attendee, other room", att, "1001", strings.Contains(who, "t") && !roomScoped},
		} {
			room := tc.room
			if !roomScoped {
				room = ""
			}
			err := authorize(tc.p, e, room)
			if (err == nil) != tc.ok {
				t.Errorf("%s as %s: err %v, want allowed %v", key, tc.name, err, tc.ok)
				continue
			}
			if err == nil {
				continue
			}
			ae, _ := err.(*Error)
			if ae == nil || ae.Status != http.StatusForbidden || ae.Field == "" {
				t.Errorf("%s as %s: %#v, want a 403 naming a field", key, tc.name, err)
				continue
			}
			switch {
			case tc.room == "1001" && roomScoped && e.Access != accessAdmin:
				if ae.Field != "number" || !strings.Contains(ae.Message, "for room 1000, not room 1001") {
					t.Errorf("%s as %s: %+v, want the other room refused", key, tc.name, ae)
				}
			case e.Access == accessUser:
				if !strings.HasPrefix(ae.Message, "only admin tokens and signed-in users may "+e.Action) {
					t.Errorf("%s as %s: %q", key, tc.name, ae.Message)
				}
			case e.Access == accessAdmin:
				if !strings.HasPrefix(ae.Message, "only admin tokens may "+e.Action) {
					t.Errorf("%s as %s: %q", key, tc.name, ae.Message)
				}
			case e.Access == accessUser:
				if !strings.HasPrefix(ae.Message, "room tokens may not "+e.Action) {
					t.Errorf("%s as %s: %q, want room tokens may not …", key, tc.name, ae.Message)
				}
			case tc.p.role == bridge.RoleAttendee:
				if !strings.HasPrefix(ae.Message, "attendees may not "+e.Action) || e.Action == "" {
					t.Errorf("%s as %s: %q, want attendees may not …", key, tc.name, ae.Message)
				}
			}
		}
	}
}

func TestPrincipalSees(t *testing.T) {
	for _, tc := range []struct {
		p          principal
		room       string
		sees, pins bool
	}{
		{principal{admin: true}, "1000", true, true},
		{principal{room: "1000", role: bridge.RoleModerator}, "1000", true, true},
		{principal{room: "1000", role: bridge.RoleAttendee}, "1000", true, false},
		{principal{room: "1000", role: bridge.RoleModerator}, "1001", false, false},
	} {
		if got := tc.p.sees(tc.room); got != tc.sees {
			t.Errorf("%v sees %s: %v", tc.p, tc.room, got)
		}
		if got := tc.p.seesPINs(tc.room); got != tc.pins {
			t.Errorf("%v sees the PINs of %s: %v", tc.p, tc.room, got)
		}
	}
}
