package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/testnats"
)

// fakeOwner records the cascade requests it serves.
type fakeOwner struct {
	mu     sync.Mutex
	opened []string // room/node@addr
	closed []string // room/node
	ended  []string // room/node
	muted  []string // room/node/keep
	err    error
}

func (o *fakeOwner) OpenCascade(room, node string, addr netip.AddrPort) (netip.AddrPort, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return netip.AddrPort{}, o.err
	}
	o.opened = append(o.opened, room+"/"+node+"@"+addr.String())
	return netip.MustParseAddrPort("192.0.2.1:40000"), nil
}

func (o *fakeOwner) CloseCascade(room, node string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = append(o.closed, room+"/"+node)
}

// Active is 2 in room 1000, 0 elsewhere.
func (o *fakeOwner) Active(room string) int {
	if room == "1000" {
		return 2
	}
	return 0
}

// ActiveBut is 10 plus the length of node's name.
func (o *fakeOwner) ActiveBut(room, node string) int { return 10 + len(node) }

func (o *fakeOwner) MuteAllRoom(room, node, keep string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.muted = append(o.muted, room+"/"+node+"/"+keep)
}

func (o *fakeOwner) EndRoom(room, node string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ended = append(o.ended, room+"/"+node)
}

// TestCascadeOverNATS: node b opens a cascade of room 1000 with a, which
// owns it: a's CascadeOwner gets b's address and b gets a's; close
// end and mute all reach a too; a refusal comes back as b's error; a node that serves
// no cascades does not answer.
func TestCascadeOverNATS(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil)
	owner := &fakeOwner{}
	stop, err := a.ServeCascades(owner)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx := context.Background()
	got, err := b.OpenCascade(ctx, a.Self(), "1000", netip.MustParseAddrPort("198.51.100.7:41000"))
	if err != nil || got != netip.MustParseAddrPort("192.0.2.1:40000") {
		t.Fatalf("open: %v, %v", got, err)
	}
	if err := b.EndCascade(ctx, "a", "1000"); err != nil {
		t.Fatal(err)
	}
	if err := b.MuteAllCascade(ctx, "a", "1000", "7@b"); err != nil {
		t.Fatal(err)
	}
	if err := b.CloseCascade(ctx, a.Self(), "1000"); err != nil {
		t.Fatal(err)
	}
	owner.mu.Lock()
	opened, closed, ended := strings.Join(owner.opened, ","), strings.Join(owner.closed, ","), strings.Join(owner.ended, ",")
	muted := strings.Join(owner.muted, ",")
	owner.mu.Unlock()
	if opened != "1000/b@198.51.100.7:41000" || closed != "1000/b" || ended != "1000/b" || muted != "1000/b/7@b" {
		t.Errorf("owner saw opened %q, closed %q, ended %q, muted all %q", opened, closed, ended, muted)
	}

	owner.mu.Lock()
	owner.err = errors.New("room 1000: room full")
	owner.mu.Unlock()
	if _, err := b.OpenCascade(ctx, a.Self(), "1000", netip.MustParseAddrPort("198.51.100.7:41000")); err == nil || !strings.Contains(err.Error(), "room full") {
		t.Errorf("refused open: %v, want the owner's reason", err)
	}
	if _, err := a.OpenCascade(ctx, b.Self(), "1000", netip.MustParseAddrPort("198.51.100.8:41000")); err == nil {
		t.Error("a node serving no cascades answered")
	}
}

// TestCascadeActive: a node asks another how many active callers a room
// has there, or on the whole room but the asker (wide); a node that
// serves no cascades is an error.
func TestCascadeActive(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "bb", nil)
	stop, err := a.ServeCascades(&fakeOwner{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, tt := range []struct {
		room string
		wide bool
		want int
	}{{"1000", false, 2}, {"1001", false, 0}, {"1000", true, 12}} {
		if got, err := b.CascadeActive(context.Background(), "a", tt.room, tt.wide); err != nil || got != tt.want {
			t.Errorf("active in %s (wide %v): %d, %v; want %d", tt.room, tt.wide, got, err, tt.want)
		}
	}
	if _, err := a.CascadeActive(context.Background(), "bb", "1000", false); err == nil {
		t.Error("a node serving no cascades answered")
	}
}

// TestRouteCascade: the first node a call reaches holds the room; another
// node is told to cascade to it.
func TestRouteCascade(t *testing.T) {
	srv := testnats.Start(t)
	a, b := node(t, srv.URL, "a", nil), node(t, srv.URL, "b", nil)
	ra := a.RouteCascade("1000")
	if ra.Cascade || ra.Owner.Name != "a" || ra.Done == nil {
		t.Fatalf("first call: %+v", ra)
	}
	defer ra.Done()
	if rb := b.RouteCascade("1000"); !rb.Cascade || rb.Owner.Name != "a" {
		t.Fatalf("call to b: %+v, want a cascade to a", rb)
	}
	if redirect, done := b.RouteCall("1000"); redirect != a.Self().SIP || done != nil {
		t.Errorf("RouteCall on b: %q, want a's %q", redirect, a.Self().SIP)
	}
}

// TestServeCascadeRefusals: malformed requests get an error, never reach
// the owner.
func TestServeCascadeRefusals(t *testing.T) {
	for _, tt := range []struct{ name, data, want string }{
		{"not json", `{`, "bad cascade request"},
		{"bad op", `{"op":"move","room":"1000","node":"b"}`, `op "move"`},
		{"bad room", `{"op":"open","room":"10 00","node":"b","addr":"192.0.2.1:5"}`, "room"},
		{"bad node", `{"op":"open","room":"1000","node":"b.c","addr":"192.0.2.1:5"}`, "node"},
		{"no addr", `{"op":"open","room":"1000","node":"b"}`, "address"},
		{"port 0", `{"op":"open","room":"1000","node":"b","addr":"192.0.2.1:0"}`, "address"},
		{"unspecified", `{"op":"open","room":"1000","node":"b","addr":"0.0.0.0:5"}`, "address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			owner := &fakeOwner{}
			rep := serveCascade(owner, []byte(tt.data))
			if !strings.Contains(rep.Error, tt.want) || len(owner.opened)+len(owner.closed)+len(owner.ended)+len(owner.muted) != 0 {
				t.Errorf("reply %+v, owner %+v; want an error with %q", rep, owner, tt.want)
			}
		})
	}
}

// FuzzServeCascade: any message is answered, and only a well-formed open,
// close, end or mute all reaches the owner.
func FuzzServeCascade(f *testing.F) {
	f.Add([]byte(`{"op":"open","room":"1000","node":"n2","addr":"127.0.0.1:50302"}`))
	f.Add([]byte(`{"op":"close","room":"1000","node":"n2"}`))
	f.Add([]byte(`{"op":"active","room":"1000","node":"n2","wide":true}`))
	f.Add([]byte(`{"op":"end","room":"1000","node":"n2"}`))
	f.Add([]byte(`{"op":"mute-all","room":"1000","node":"n2","keep":"7@n2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		owner := &fakeOwner{}
		rep := serveCascade(owner, data)
		if len(owner.opened)+len(owner.closed)+len(owner.ended)+len(owner.muted) == 0 {
			return
		}
		if rep.Error != "" {
			t.Fatalf("the owner acted on a request answered %q", rep.Error)
		}
		var req cascadeRequest
		if err := json.Unmarshal(data, &req); err != nil || !roomKey.MatchString(req.Room) || !cascadeNode.MatchString(req.Node) {
			t.Fatalf("the owner acted on %q", data)
		}
	})
}
