package cluster

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/parleyhq/parley/internal/testnats"
)

// testTTL is the lease life in these tests: the shortest the config takes.
const testTTL = time.Second

// node starts a Cluster named name on the server at url; active, if not
// nil, says whether a room has participants. It is closed when t ends.
func node(t *testing.T, url, name string, active func(string) bool) *Cluster {
	t.Helper()
	c, err := New(Options{Self: Node{Name: name, SIP: name + ".example:5060"}, URLs: []string{url}, TTL: testTTL, Active: active})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// eventually polls cond every 50 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// TestLeaseClaimRelease: the first node to claim a room owns it, the
// others learn it is the owner; a release frees it for the next.
func TestLeaseClaimRelease(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil)
	steps := []struct {
		name      string
		c         *Cluster
		room      string
		wantOwner string
		wantMine  bool
	}{
		{"a takes 1000", a, "1000", "a", true},
		{"b finds a", b, "1000", "a", false},
		{"a again (a second call)", a, "1000", "a", true},
		{"b takes 1001", b, "1001", "b", true},
		{"a finds b", a, "1001", "b", false},
	}
	for _, s := range steps {
		owner, mine, err := s.c.Claim(s.room)
		if err != nil || owner.Name != s.wantOwner || mine != s.wantMine {
			t.Fatalf("%s: Claim = %+v, %v, %v; want %s, %v", s.name, owner, mine, err, s.wantOwner, s.wantMine)
		}
		if !mine && owner.SIP != s.wantOwner+".example:5060" {
			t.Errorf("%s: owner's sip %q", s.name, owner.SIP)
		}
	}
	a.Release("1000") // one of a's two calls ended: still a's
	if o, ok, err := b.Owner("1000"); err != nil || !ok || o.Name != "a" {
		t.Fatalf("after one release of two: Owner = %+v, %v, %v; want a", o, ok, err)
	}
	a.Release("1000")
	if o, ok, err := b.Owner("1000"); err != nil || ok {
		t.Fatalf("after the last release: Owner = %+v, %v, %v; want none", o, ok, err)
	}
	if o, mine, err := b.Claim("1000"); err != nil || !mine || o.Name != "b" {
		t.Fatalf("b after a released: Claim = %+v, %v, %v; want b's", o, mine, err)
	}
	if _, _, err := a.Claim("10 00"); err == nil {
		t.Error("a room that cannot name a key was claimed")
	}
}

// TestLeaseOutlivesTTLWhileRenewed: a held lease is renewed past its TTL;
// one whose node dies (no release, no renewal) is free within the TTL
// and a bit (the server's expiry sweep).
func TestLeaseOutlivesTTLWhileRenewed(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil)
	if _, mine, err := a.Claim("2000"); err != nil || !mine {
		t.Fatalf("a's claim: %v, %v", mine, err)
	}
	time.Sleep(3 * testTTL) // three lives of an unrenewed lease
	if o, ok, err := b.Owner("2000"); err != nil || !ok || o.Name != "a" {
		t.Fatalf("after 3 TTLs of renewals: Owner = %+v, %v, %v; want a", o, ok, err)
	}
	// a dies: its renewals stop and it releases nothing.
	close(a.stop)
	<-a.done
	a.nc.Close()
	took := eventually(t, 3*testTTL, "b takes a dead node's room", func() bool {
		_, mine, err := b.Claim("2000")
		return err == nil && mine
	})
	t.Logf("b took the room %s after a died (ttl %s)", took.Round(10*time.Millisecond), testTTL)
}

// TestActiveRoomKeepsLease: a room with participants here (a browser, a
// call out) keeps its lease after the last Claim is released, and loses
// it at the first renewal once it empties.
func TestActiveRoomKeepsLease(t *testing.T) {
	srv := testnats.Start(t)
	var busy atomic.Bool
	busy.Store(true)
	a := node(t, srv.URL, "a", func(room string) bool { return room == "3000" && busy.Load() })
	b := node(t, srv.URL, "b", nil)
	redirect, done := a.RouteCall("3000")
	if redirect != "" || done == nil {
		t.Fatalf("a's RouteCall = %q, %v; want the call here", redirect, done != nil)
	}
	if redirect, done := b.RouteCall("3000"); redirect != "a.example:5060" || done != nil {
		t.Fatalf("b's RouteCall = %q; want a redirect to a", redirect)
	}
	done()
	done() // once only
	time.Sleep(2 * testTTL)
	if o, ok, err := b.Owner("3000"); err != nil || !ok || o.Name != "a" {
		t.Fatalf("a room in use: Owner = %+v, %v, %v; want a", o, ok, err)
	}
	busy.Store(false)
	eventually(t, testTTL, "the emptied room's lease is released", func() bool {
		_, ok, err := b.Owner("3000")
		return err == nil && !ok
	})
}

// TestMembers: the heartbeats list the live nodes; a node that closes
// leaves the list at once.
func TestMembers(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil)
	names := func() string {
		ns, err := a.Members(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, n := range ns {
			s += n.Name + "@" + n.SIP + " "
		}
		return s
	}
	if got := names(); got != "a@a.example:5060 b@b.example:5060 " {
		t.Fatalf("members %q", got)
	}
	b.Close()
	if got := names(); got != "a@a.example:5060 " {
		t.Fatalf("members after b closed %q", got)
	}
}

// TestNATSDown: with no NATS server a node still starts, and takes every
// call itself, each answer within the operation timeout.
func TestNATSDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + l.Addr().String()
	l.Close() // nothing listens there now
	a := node(t, url, "a", nil)
	start := time.Now()
	owner, mine, err := a.Claim("1000")
	if !mine || owner.Name != "a" || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Claim = %+v, %v, %v; want a's, with ErrUnreachable", owner, mine, err)
	}
	if redirect, done := a.RouteCall("1000"); redirect != "" || done == nil {
		t.Fatalf("RouteCall = %q; want the call here", redirect)
	}
	if took := time.Since(start); took > 2*opTimeout {
		t.Errorf("deciding without NATS took %s", took)
	}
}

// TestBucketTTLMismatch: a node whose lease_ttl differs from the one the
// buckets were made with does not join rather than disagree.
func TestBucketTTLMismatch(t *testing.T) {
	srv := testnats.Start(t)
	a := node(t, srv.URL, "a", nil)
	if _, _, err := a.Claim("1000"); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{Self: Node{Name: "b", SIP: "b:5060"}, URLs: []string{srv.URL}, TTL: 2 * testTTL})
	if err == nil || !strings.Contains(err.Error(), "every node needs the same") {
		t.Fatalf("New with another ttl: %v", err)
	}
}

// TestNATSComesBack: a room taken while NATS was down gets its lease once
// NATS is back, and another node is then sent to it; a lease bucket
// deleted by hand is made again at the next renewal.
func TestNATSComesBack(t *testing.T) {
	srv := testnats.Start(t)
	a := node(t, srv.URL, "a", nil)
	b := node(t, srv.URL, "b", nil)
	if _, _, err := a.Owner("1000"); err != nil { // the buckets exist
		t.Fatal(err)
	}
	srv.Stop()
	eventually(t, 5*time.Second, "a sees NATS gone", func() bool { return !a.nc.IsConnected() })
	if _, mine, err := a.Claim("1000"); !mine || !errors.Is(err, ErrUnreachable) {
		t.Fatalf("Claim without NATS = %v, %v; want a's, unreachable", mine, err)
	}
	srv.Restart(t)
	eventually(t, 5*time.Second, "a's lease written once NATS is back", func() bool {
		o, ok, err := b.Owner("1000")
		return err == nil && ok && o.Name == "a"
	})
	if _, mine, err := b.Claim("1000"); mine || err != nil {
		t.Fatalf("b's Claim after NATS came back = %v, %v; want a's room", mine, err)
	}

	// The bucket is deleted by hand: the renewals make it again.
	js, err := jetstream.New(a.nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteKeyValue(t.Context(), leasesBucket); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "a's lease written again in a new bucket", func() bool {
		o, ok, err := b.Owner("1000")
		return err == nil && ok && o.Name == "a"
	})
}

// TestJoined: a participant here (a browser, a call out) leases a room no
// node holds, and the lease goes when the room empties; a room another
// node holds stays that node's.
func TestJoined(t *testing.T) {
	srv := testnats.Start(t)
	var busy atomic.Bool
	a := node(t, srv.URL, "a", func(string) bool { return busy.Load() })
	b := node(t, srv.URL, "b", nil)
	busy.Store(true)
	a.Joined("1000")
	if o, ok, err := b.Owner("1000"); err != nil || !ok || o.Name != "a" {
		t.Fatalf("after a participant joined on a: Owner = %+v, %v, %v", o, ok, err)
	}
	b.Joined("1000") // a split: b does not take a's lease
	if o, ok, err := b.Owner("1000"); err != nil || !ok || o.Name != "a" {
		t.Fatalf("after one joined on b too: Owner = %+v, %v, %v", o, ok, err)
	}
	busy.Store(false)
	a.Vacated("1000")
	if _, ok, err := b.Owner("1000"); err != nil || ok {
		t.Fatalf("after the room emptied on a: Owner ok %v, %v; want none", ok, err)
	}
}

// TestNodeName: a name another live node announces at another address is
// refused; the same node restarted (same address) is not.
func TestNodeName(t *testing.T) {
	srv := testnats.Start(t)
	node(t, srv.URL, "a", nil)
	for _, tt := range []struct {
		sip, err string
	}{
		{"elsewhere:5060", "cluster: node a is already live at a.example:5060"},
		{"a.example:5060", ""},
	} {
		c, err := New(Options{Self: Node{Name: "a", SIP: tt.sip}, URLs: []string{srv.URL}, TTL: testTTL})
		if (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("a second a at %s: %v, want %q", tt.sip, err, tt.err)
		}
		if c != nil {
			c.Close()
		}
	}
}

// TestCloseReleases: a node that closes with calls up frees their rooms at
// once.
func TestCloseReleases(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", func(string) bool { return true }), node(t, srv.URL, "b", nil)
	if _, mine, err := a.Claim("5000"); !mine || err != nil {
		t.Fatal(mine, err)
	}
	a.Close()
	if o, ok, err := b.Owner("5000"); err != nil || ok {
		t.Fatalf("after a closed: Owner = %+v, %v, %v; want none", o, ok, err)
	}
}
