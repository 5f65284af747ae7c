package api

import (
	"net/http"
	"testing"
)

// TestEventsWithSession: the event stream takes the session cookie for a
// room the user may see (its owner's, a member's, an operator's, an
// admin's: the request reaches the WebSocket handshake, 426 without
// Upgrade), and not for another user's room (404) or without ?room= for
// a user (403).
func TestEventsWithSession(t *testing.T) {
	s, _ := sessionServer(t, Options{})
	for _, tt := range []struct {
		login, query string
		code         int
	}{
		{"bob", "?room=1000", http.StatusUpgradeRequired},
		{"bob", "?room=1001", http.StatusUpgradeRequired},
		{"bob", "?room=1002", http.StatusNotFound},
		{"bob", "", http.StatusForbidden},
		{"nox", "?room=1000", http.StatusNotFound},
		{"op", "?room=1002", http.StatusUpgradeRequired},
		{"root", "?room=1002", http.StatusUpgradeRequired},
	} {
		t.Run(tt.login+tt.query, func(t *testing.T) {
			c, _ := s.signIn(t, tt.login)
			if w := s.do(t, webReq{method: "GET", path: "/api/v1/events" + tt.query, cookie: c.Value}); w.Code != tt.code {
				t.Errorf("status %d, want %d: %s", w.Code, tt.code, w.Body)
			}
		})
	}
}
