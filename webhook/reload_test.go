package webhook

import (
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// TestSetHooks: while Run runs, a hook a reload adds gets the next
// events, an unchanged one goes on (once, not twice), a removed one gets
// no more, and a bad set changes nothing.
func TestSetHooks(t *testing.T) {
	a, b := newEndpoint(t, ok), newEndpoint(t, ok)
	hookA := Hook{URL: a.URL, Secret: testSecret}
	s, err := New([]Hook{hookA}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan bridge.Event)
	stop := run(t, s, events)
	send := func(room string) { events <- bridge.Event{Type: bridge.EventLocked, Room: room} }
	room := func(r request) string { return string(r.body) }
	send("1")
	a.next(t)

	if err := s.SetHooks([]Hook{hookA, {URL: b.URL, Secret: testSecret, Events: []string{"locked"}}}); err != nil {
		t.Fatal(err)
	}
	send("2")
	for name, ep := range map[string]*endpoint{"kept": a, "added": b} {
		if got := room(ep.next(t)); !strings.Contains(got, `"room":"2"`) {
			t.Errorf("%s hook got %s, want room 2's event", name, got)
		}
	}
	a.none(t, 50*time.Millisecond)

	if err := s.SetHooks([]Hook{{URL: b.URL, Secret: testSecret, Events: []string{"locked"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetHooks([]Hook{{URL: "ftp://x/", Secret: testSecret}}); err == nil {
		t.Error("a bad hook was accepted")
	}
	send("3")
	if got := room(b.next(t)); !strings.Contains(got, `"room":"3"`) {
		t.Errorf("kept hook got %s after a refused set", got)
	}
	a.none(t, 50*time.Millisecond)
	stop()
	if err := s.SetHooks([]Hook{hookA}); err != nil {
		t.Errorf("SetHooks after Run: %v", err)
	}
}
