package sip

import (
	"sync"
	"testing"
	"time"
)

// fakeRouter is a cluster that sends room 1000 to redirect, and counts
// the calls it was asked about and those that ended.
type fakeRouter struct {
	redirect string

	mu          sync.Mutex
	asked, done int
}

func (r *fakeRouter) RouteCall(room string) (string, func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked++
	if r.redirect != "" {
		return r.redirect, nil
	}
	return "", func() {
		r.mu.Lock()
		r.done++
		r.mu.Unlock()
	}
}

func (r *fakeRouter) counts() (asked, done int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked, r.done
}

// TestRouteCall: with a cluster, a call for a room another node serves
// gets 302 with Contact sip:ROOM@ITS-ADDRESS; one the cluster gives this
// node is answered, and the cluster is told once when it is over; an
// unknown room is refused before the cluster is asked.
func TestRouteCall(t *testing.T) {
	for _, tt := range []struct {
		name, ruri, redirect string
		status               int
		contact              string
		asked, done          int
	}{
		{"another node's room", "1000", "10.0.0.2:5070", 302, "<sip:1000@10.0.0.2:5070>", 1, 0},
		{"ours", "1000", "", 200, "", 1, 1},
		{"a bad address", "1000", "10.0.0.2", 503, "", 1, 0},
		{"unknown room", "4242", "10.0.0.2:5070", 404, "", 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			r := &fakeRouter{redirect: tt.redirect}
			h.s.opts.Cluster = r
			res := h.send(t, request("INVITE", sdpOffer, "INVITE sip:"+tt.ruri+"@127.0.0.1 SIP/2.0", "To: <sip:"+tt.ruri+"@127.0.0.1>"))
			if res.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", res.StatusCode, res.Reason, tt.status)
			}
			if tt.contact != "" {
				if c := res.Contact(); c == nil || c.Value() != tt.contact {
					t.Errorf("Contact %v, want %s", c, tt.contact)
				}
			}
			deadline := time.Now().Add(5 * time.Second) // the call's goroutine ends it (no ACK)
			for {
				asked, done := r.counts()
				if asked == tt.asked && done == tt.done {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("asked %d, done %d; want %d, %d", asked, done, tt.asked, tt.done)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
