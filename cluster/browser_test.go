package cluster

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/testnats"
)

// webNode starts a Cluster named name that announces the HTTP address
// http; it is closed when t ends.
func webNode(t *testing.T, url, name, http string) *Cluster {
	t.Helper()
	c, err := New(Options{Self: Node{Name: name, SIP: name + ".example:5060", HTTP: http}, URLs: []string{url}, TTL: testTTL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestNodeFor: a browser joining a room another node owns is sent to that
// node's HTTP address; the owner itself, a free room and an owner that
// announces no HTTP address keep the guest.
func TestNodeFor(t *testing.T) {
	srv := testnats.Start(t)
	a := webNode(t, srv.URL, "a", "https://a.example:8443")
	b := webNode(t, srv.URL, "b", "http://b.example")
	c := webNode(t, srv.URL, "c", "")
	for _, claim := range []struct {
		by   *Cluster
		room string
	}{{a, "1000"}, {c, "3000"}} {
		if _, mine, err := claim.by.Claim(claim.room); err != nil || !mine {
			t.Fatalf("claim %s: %v, %v", claim.room, mine, err)
		}
	}
	for _, tt := range []struct {
		name string
		at   *Cluster
		room string
		want string
	}{
		{"another node's room", b, "1000", "https://a.example:8443"},
		{"the owner's own", a, "1000", ""},
		{"a free room", b, "2000", ""},
		{"an owner with no http address", b, "3000", ""},
		{"a room that names no key", b, "10 00", ""},
	} {
		if got := tt.at.NodeFor(tt.room); got != tt.want {
			t.Errorf("%s: NodeFor(%q) on %s = %q, want %q", tt.name, tt.room, tt.at.Self().Name, got, tt.want)
		}
	}
	// Draining, b sends the guest of a free room to the one node that does
	// not drain (c drains too), and still sends an owned room's to its owner.
	c.Drain()
	b.Drain()
	if got := b.NodeFor("2000"); got != "https://a.example:8443" {
		t.Errorf("a free room on draining b: NodeFor = %q, want a's address", got)
	}
	if got := b.NodeFor("1000"); got != "https://a.example:8443" {
		t.Errorf("a's room on draining b: NodeFor = %q, want a's address", got)
	}
}

// TestNodeOrigins: the origins of the HTTP addresses the live nodes
// announce, lower case, without paths; a node with none has none.
func TestNodeOrigins(t *testing.T) {
	srv := testnats.Start(t)
	a := webNode(t, srv.URL, "a", "https://a.example:8443/")
	webNode(t, srv.URL, "b", "http://B.example")
	webNode(t, srv.URL, "c", "")
	want := []string{"https://a.example:8443", "http://b.example"}
	if got := a.NodeOrigins(); !slices.Equal(got, want) {
		t.Errorf("NodeOrigins = %q, want %q", got, want)
	}
}
