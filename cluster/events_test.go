package cluster

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testnats"
)

// heard collects the events a node's Events delivers.
type heard struct {
	mu     sync.Mutex
	events []string // "NODE EVENT"
}

func (h *heard) deliver(node string, event []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, node+" "+string(event))
}

func (h *heard) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...)
}

// TestEvents: each node's events reach every other node, once each, in
// the order sent, and not the node that sent them; after stop none come.
func TestEvents(t *testing.T) {
	srv := testnats.Start(t)
	nodes := []*Cluster{node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil), node(t, srv.URL, "c", nil)}
	got := make([]*heard, len(nodes))
	stops := make([]func(), len(nodes))
	for i, n := range nodes {
		got[i] = &heard{}
		stop, err := n.Events(got[i].deliver)
		if err != nil {
			t.Fatal(err)
		}
		stops[i] = stop
		// A subscription is in place once the server has it: flush.
		if err := n.nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	const each = 50
	for k := range each {
		for _, n := range nodes[:2] { // c only listens
			n.PublishEvent(fmt.Appendf(nil, `{"n":%d}`, k))
		}
	}
	for _, n := range nodes[:2] {
		if err := n.nc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]string{"a": {"b"}, "b": {"a"}, "c": {"a", "b"}}
	for i, n := range nodes {
		name := n.Self().Name
		eventually(t, 5*time.Second, name+" hears the others", func() bool { return len(got[i].list()) >= each*len(want[name]) })
		list := got[i].list()
		if len(list) != each*len(want[name]) {
			t.Fatalf("%s heard %d events, want %d: %v", name, len(list), each*len(want[name]), list)
		}
		next := map[string]int{}
		for _, e := range list {
			var from string
			var k int
			if _, err := fmt.Sscanf(e, `%s {"n":%d}`, &from, &k); err != nil {
				t.Fatalf("%s heard %q: %v", name, e, err)
			}
			if from == name {
				t.Fatalf("%s heard its own event %q", name, e)
			}
			if k != next[from] {
				t.Fatalf("%s heard %q after %d of %s's events: out of order or twice", name, e, next[from], from)
			}
			next[from]++
		}
	}
	stops[2]()
	nodes[0].PublishEvent([]byte(`{"n":"late"}`))
	eventually(t, 5*time.Second, "b hears the late event", func() bool { return len(got[1].list()) == each+1 })
	if err := nodes[2].nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := len(got[2].list()); n != 2*each {
		t.Fatalf("c heard %d events after it stopped, want %d", n, 2*each)
	}
}
