package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/store"
	"github.com/parleyhq/parley/webrtc"
)

// TestJoinWhileDraining: once the bridge drains, a link that admits gets
// 503 with Retry-After and says, in the link's language, that the service
// is restarting, on the page and on the join WebSocket, and no guest
// reaches the WebRTC server; a link that does not admit still says why.
func TestJoinWhileDraining(t *testing.T) {
	e, f := newGuestEnv(t)
	group := e.link(t, store.Link{Room: "2000", Kind: store.LinkGroup, Name: "All", Active: true})
	french := e.link(t, store.Link{Room: "2000", Kind: store.LinkGuest, Name: "Ada", Language: "fr", Active: true})
	closed := e.link(t, store.Link{Room: "2001", Kind: store.LinkGroup, Name: "Closed", Active: true})
	if code, _, _ := e.get(t, "/join/"+group, ""); code != http.StatusOK {
		t.Fatalf("before the drain: %d, want 200", code)
	}
	e.bridge.Drain()

	for _, tc := range []struct {
		name, token string
		code        int
		text        string
	}{
		{"admits", group, http.StatusServiceUnavailable, "This service is restarting. Please join again in a minute."},
		{"in French", french, http.StatusServiceUnavailable, "Ce service redémarre."},
		{"does not admit", closed, http.StatusForbidden, "This room does not admit guests."},
		{"unknown", "AAAAAAAAAAAAAAAAAAAAAAAA", http.StatusNotFound, "This link is not valid."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, h, page := e.get(t, "/join/"+tc.token, "")
			if code != tc.code || !strings.Contains(page, tc.text) {
				t.Errorf("GET: %d, want %d with %q:\n%s", code, tc.code, tc.text, page)
			}
			wantRetry := ""
			if tc.code == http.StatusServiceUnavailable {
				wantRetry = "60"
				if strings.Contains(page, `<input id="name"`) {
					t.Error("the page offers to join while the server restarts")
				}
			}
			if got := h.Get("Retry-After"); got != wantRetry {
				t.Errorf("Retry-After %q, want %q", got, wantRetry)
			}
		})
	}
	c := e.dialGuest(t, group, "Grace")
	if m := readMessage(t, c); m.Type != webrtc.TypeError || !strings.Contains(m.Error, "restarting") {
		t.Errorf("join socket while draining: %+v, want the restarting error", m)
	}
	select {
	case j := <-f.joins:
		t.Errorf("a guest reached the WebRTC server while draining: %+v", j)
	default:
	}
}
