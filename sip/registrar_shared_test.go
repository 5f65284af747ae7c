package sip

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/sip/digest"
	"github.com/parleyhq/parley/store"
)

// TestRegistrarSharedBindings: two registrars sharing one store are two
// nodes: a phone registered on node a is among node b's Contacts (marked
// as node a's), node a does not list its own twice, and unregistering on
// node a takes it from node b too.
func TestRegistrarSharedBindings(t *testing.T) {
	// The store judges expiry at the time the registrars' clocks start.
	start := &regClock{now: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.WithClock(start.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := newRegFixture(t, RegistrarOptions{Shared: db, Node: "a"})
	b := newRegFixture(t, RegistrarOptions{Shared: db, Node: "b"})
	auth := a.creds(t, digest.SHA256, "2001", "secret1")
	res := a.send(t, regReq{ext: "2001", auth: auth, contacts: []string{"<sip:2001@192.0.2.10:5070>"}}.build(t))
	if res.StatusCode != 200 {
		t.Fatalf("REGISTER on node a: %d", res.StatusCode)
	}
	if got := a.r.Contacts("2001"); len(got) != 1 || got[0].Node != "" {
		t.Fatalf("node a's Contacts = %+v, want its one binding once", got)
	}
	got := b.r.Contacts("2001")
	if len(got) != 1 || got[0].Node != "a" || got[0].Contact.String() != "sip:2001@192.0.2.10:5070" ||
		got[0].Destination != "192.0.2.10:5070" || got[0].Transport != "udp" || got[0].UserAgent != "test-phone/1.0" {
		t.Fatalf("node b's Contacts = %+v, want node a's binding", got)
	}
	if got := b.r.Contacts("2002"); len(got) != 0 {
		t.Errorf("an extension registered nowhere: %+v", got)
	}
	res = a.send(t, regReq{ext: "2001", auth: auth, contacts: []string{"*"}, expires: "0", callID: "call-2"}.build(t))
	if res.StatusCode != 200 {
		t.Fatalf("unREGISTER on node a: %d", res.StatusCode)
	}
	if got := b.r.Contacts("2001"); len(got) != 0 {
		t.Errorf("node b's Contacts after node a's unregister = %+v", got)
	}
}

// TestRegistrarSharedBindingsRestart: node a's registrar restarted (a new
// one of the same name on the same store, its memory empty) still finds
// the binding its earlier run made, until the phone registers again; then
// it lists it once.
func TestRegistrarSharedBindingsRestart(t *testing.T) {
	start := &regClock{now: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	db, err := store.Open(filepath.Join(t.TempDir(), "parley.db"), store.WithClock(start.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	before := newRegFixture(t, RegistrarOptions{Shared: db, Node: "a"})
	auth := before.creds(t, digest.SHA256, "2001", "secret1")
	reg := regReq{ext: "2001", auth: auth, contacts: []string{"<sip:2001@192.0.2.10:5070>"}}
	if res := before.send(t, reg.build(t)); res.StatusCode != 200 {
		t.Fatalf("REGISTER on node a: %d", res.StatusCode)
	}
	after := newRegFixture(t, RegistrarOptions{Shared: db, Node: "a"})
	got := after.r.Contacts("2001")
	if len(got) != 1 || got[0].Contact.String() != "sip:2001@192.0.2.10:5070" || got[0].Destination != "192.0.2.10:5070" {
		t.Fatalf("restarted node a's Contacts = %+v, want the binding its earlier run made", got)
	}
	reg.callID = "call-2"
	reg.auth = after.creds(t, digest.SHA256, "2001", "secret1")
	if res := after.send(t, reg.build(t)); res.StatusCode != 200 {
		t.Fatalf("REGISTER again on restarted node a: %d", res.StatusCode)
	}
	if got := after.r.Contacts("2001"); len(got) != 1 || got[0].Node != "" {
		t.Errorf("restarted node a's Contacts once the phone registered again = %+v, want its one binding once", got)
	}
}

// failingShared is shared bindings whose database is down.
type failingShared struct{}

func (failingShared) SetRegistrations(context.Context, string, string, []store.Registration) error {
	return errors.New("database down")
}

func (failingShared) Registrations(context.Context, string) ([]store.Registration, error) {
	return nil, errors.New("database down")
}

// TestRegistrarSharedBindingsDown: with the shared bindings failing, a
// phone still registers and rings on its own node, and the failure is
// logged; shared bindings without a node name are refused.
func TestRegistrarSharedBindingsDown(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{Shared: failingShared{}, Node: "a"})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	if res := f.send(t, regReq{ext: "2001", auth: auth, contacts: []string{"<sip:2001@192.0.2.10:5070>"}}.build(t)); res.StatusCode != 200 {
		t.Fatalf("REGISTER: %d, want 200 whatever the shared bindings do", res.StatusCode)
	}
	if got := f.r.Contacts("2001"); len(got) != 1 {
		t.Errorf("Contacts = %+v, want the local binding", got)
	}
	for _, msg := range []string{"registrations not shared with the other nodes", "registrations of the other nodes not read"} {
		if !strings.Contains(f.log(), msg) {
			t.Errorf("no log line %q", msg)
		}
	}
	if _, err := NewRegistrar(nil, f.auth, RegistrarOptions{Shared: failingShared{}}); !errors.Is(err, ErrBadRegistrarOptions) {
		t.Errorf("shared bindings without a node: %v, want ErrBadRegistrarOptions", err)
	}
}
