package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRegistrations: each node replaces its own bindings of an extension;
// every node sees all live ones; expired ones are neither returned nor
// kept.
func TestRegistrations(t *testing.T) {
	ctx := context.Background()
	db, clk, where := newDB(t)
	other := reopen(t, where, WithClock(clk.now)) // a second node on the same database
	reg := func(node, key string, ttl time.Duration) Registration {
		return Registration{Extension: "2001", Node: node, Key: key, Contact: "sip:2001@10.0.0.7:5060",
			Destination: "10.0.0.7:5060", Transport: "udp", NAT: key == "nat", Source: "192.0.2.1:5060",
			Instance: "<urn:uuid:1>", RegID: 1, UserAgent: "baresip", Expires: t0.Add(ttl)}
	}
	if err := db.SetRegistrations(ctx, "a", "2001", []Registration{reg("a", "k1", time.Hour), reg("a", "nat", time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := other.SetRegistrations(ctx, "b", "2001", []Registration{reg("b", "k1", time.Hour)}); err != nil {
		t.Fatal(err)
	}
	want := []Registration{reg("a", "k1", time.Hour), reg("a", "nat", time.Minute), reg("b", "k1", time.Hour)}
	for i := range want {
		want[i].Expires = utc(want[i].Expires)
	}
	got, err := other.Registrations(ctx, "2001")
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "registrations", got, want)

	// Node a's binding "nat" lapses; node a replaces its set with one.
	clk.advance(2 * time.Minute)
	if got, _ := db.Registrations(ctx, "2001"); len(got) != 2 {
		t.Errorf("after the expiry: %d registrations, want 2", len(got))
	}
	if err := db.SetRegistrations(ctx, "a", "2001", nil); err != nil {
		t.Fatal(err)
	}
	got, _ = db.Registrations(ctx, "2001")
	mustEqual(t, "after node a unregistered", got, want[2:])
	if n := count(t, db, `SELECT COUNT(*) FROM registrations`); n != 1 {
		t.Errorf("%d rows kept, want 1 (expired and removed ones deleted)", n)
	}
	if got, err := db.Registrations(ctx, "2999"); err != nil || len(got) != 0 {
		t.Errorf("an extension never registered: %v, %v", got, err)
	}

	for _, bad := range [][]Registration{{reg("b", "k1", time.Hour)}, {{Extension: "2001", Node: "a"}}} {
		if err := db.SetRegistrations(ctx, "a", "2001", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetRegistrations(%+v): %v, want ErrInvalid", bad, err)
		}
	}
	if err := db.SetRegistrations(ctx, "", "2001", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("no node: %v, want ErrInvalid", err)
	}
}
