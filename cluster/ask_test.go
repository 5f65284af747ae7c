package cluster

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testnats"
)

// TestAsk: a request asked of a node is served by that node's handler,
// method, path, query, headers, body and client address intact, and its
// answer comes back whole; a node that does not serve, or NATS down, is
// an error that names the node.
func TestAsk(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil)
	a.Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+r.RemoteAddr+" "+string(body))
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, "served by a")
	}))
	r := httptest.NewRequest("PATCH", "/api/v1/rooms/1000/participants/7@a?x=1", nil)
	r.Header.Set("Authorization", "Bearer t")
	r.RemoteAddr = "192.0.2.1:4000"
	for _, tt := range []struct {
		node, want, seen string
		status           int
	}{
		{"a", "served by a", "PATCH /api/v1/rooms/1000/participants/7@a?x=1 Bearer t 192.0.2.1:4000 {\"muted\":true}", http.StatusNotFound},
		{"nobody", "", "", 0},
	} {
		res, err := b.Ask(context.Background(), tt.node, r, []byte(`{"muted":true}`))
		if tt.status == 0 {
			if err == nil || !strings.Contains(err.Error(), tt.node) {
				t.Errorf("ask %s: %v, want an error naming it", tt.node, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ask %s: %v", tt.node, err)
		}
		if res.Status != tt.status || string(res.Body) != tt.want || res.Header.Get("X-Seen") != tt.seen {
			t.Errorf("ask %s: %d %q %q; want %d %q %q", tt.node, res.Status, res.Body, res.Header.Get("X-Seen"), tt.status, tt.want, tt.seen)
		}
	}
	srv.Stop()
	eventually(t, 5*time.Second, "b sees NATS gone", func() bool { return !b.nc.IsConnected() })
	if _, err := b.Ask(context.Background(), "a", r, nil); err == nil || !errors.Is(err, ErrUnreachable) {
		t.Errorf("ask with NATS down: %v, want an error", err)
	}
}
