package metrics

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/guard"
)

type fakeGuard map[guard.Kind]uint64

func (f fakeGuard) Blocked() map[guard.Kind]uint64 { return f }

// TestGuardBlocked: every kind is reported, at 0 or its count.
func TestGuardBlocked(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WatchGuard(fakeGuard{guard.SIPDigest: 7, guard.PIN: 2}); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`parley_guard_blocked_total{kind="sip_digest"} 7`, `parley_guard_blocked_total{kind="pin"} 2`,
		`parley_guard_blocked_total{kind="console"} 0`, `parley_guard_blocked_total{kind="api"} 0`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("no %s", want)
		}
	}
}
