package webrtc

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

func TestPublicName(t *testing.T) {
	for _, tc := range []struct{ name, via, want string }{
		{"Ada Lovelace", "sip", "Ada Lovelace"},
		{"Reception 2", "sip", "Reception 2"},
		{"+44 1632 960123", "sip", ""},
		{"01632 960123", "sip", ""},
		{"(555) 010-4477", "sip", ""},
		{"2001", "sip", ""},
		{"#sip:bob@example.com", "sip", ""},
		{"#h323:room@example.com", "sip", ""},
		{"sip:carol@example.com", "sip", ""},
		{"SIPS:carol@example.com", "sip", ""},
		{"tel:+441632960123", "sip", ""},
		{"dave@example.com", "sip", ""},
		{"", "sip", ""},
		{"2001", "webrtc", "2001"}, // a guest's name is what it typed
	} {
		if got := publicName(tc.name, tc.via); got != tc.want {
			t.Errorf("publicName(%q, %q) = %q, want %q", tc.name, tc.via, got, tc.want)
		}
	}
}

// rosterCall is a call reduced to what its roster uses: the server, the
// room and the signalling queue, which the test reads.
func rosterCall(f *fixture) *call {
	return &call{s: f.srv, room: f.room, log: testLogger(), sig: newSignalQueue(nil, 64, testLogger())}
}

// join puts a fake phone that sends freq Hz (0: silence) into room.
func join(t *testing.T, room *bridge.Room, o bridge.JoinOptions, freq float64) (*pcmuLeg, *bridge.Participant) {
	t.Helper()
	leg := newPCMULeg(t, freq)
	p, err := room.Join(leg, o)
	if err != nil {
		t.Fatal(err)
	}
	return leg, p
}

// nextRoster reads c's queue until a roster satisfies ok and returns it;
// it fails the test after d.
func nextRoster(t *testing.T, out <-chan Message, d time.Duration, what string, ok func([]RosterEntry) bool) []RosterEntry {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	var last []RosterEntry
	for {
		select {
		case m := <-out:
			if m.Type != TypeRoster {
				t.Fatalf("unexpected %+v in the queue", m)
			}
			if last = m.Roster; ok(last) {
				return last
			}
		case <-timer.C:
			t.Fatalf("no roster with %s in %v; the last was %+v", what, d, last)
			return nil
		}
	}
}

// entry returns the entry of participant id.
func entry(list []RosterEntry, id string) (RosterEntry, bool) {
	i := slices.IndexFunc(list, func(e RosterEntry) bool { return e.ID == id })
	if i < 0 {
		return RosterEntry{}, false
	}
	return list[i], true
}

// TestRosterFollowsRoom drives a roster without WebRTC: it lists the room
// in join order, with the guest's own entry marked, and follows joins,
// talking, mute, role changes and departures of its room only, several
// changes at a time in one message.
func TestRosterFollowsRoom(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	other, err := f.bridge.AddRoom(bridge.RoomSettings{Number: "2000"})
	if err != nil {
		t.Fatal(err)
	}
	_, alice := join(t, f.room, bridge.JoinOptions{Name: "Alice", Via: "sip"}, 0)
	_, grace := join(t, f.room, bridge.JoinOptions{Name: "Grace", Via: "webrtc", Role: bridge.RolePresenter}, 0)
	c := rosterCall(f)
	r := c.startRoster(grace.ID)
	defer r.close()

	want := []RosterEntry{
		{ID: alice.ID, Name: "Alice", Role: "attendee", Via: "sip"},
		{ID: grace.ID, Name: "Grace", Role: "presenter", Via: "webrtc", Self: true},
	}
	if got := nextRoster(t, c.sig.out, time.Second, "the first list", func([]RosterEntry) bool { return true }); !slices.Equal(got, want) {
		t.Errorf("first roster %+v, want %+v", got, want)
	}

	// A newcomer who talks: listed, then talking; silent Alice is not.
	bobLeg, bob := join(t, f.room, bridge.JoinOptions{Name: "Bob", Via: "sip"}, 440)
	got := nextRoster(t, c.sig.out, 2*time.Second, "Bob talking", func(l []RosterEntry) bool {
		e, ok := entry(l, bob.ID)
		return ok && e.Talking
	})
	if len(got) != 3 || got[2].ID != bob.ID || got[2].Name != "Bob" {
		t.Errorf("roster with Bob %+v, want him last of three", got)
	}
	if e, _ := entry(got, alice.ID); e.Talking {
		t.Errorf("silent Alice is talking: %+v", got)
	}

	// Another room's participant, whose ID is Alice's there, never shows
	// nor changes Alice; Bob's hang-up does show.
	elsewhereLeg, elsewhere := join(t, other, bridge.JoinOptions{Name: "Elsewhere", Via: "sip"}, 0)
	if elsewhere.ID != alice.ID {
		t.Fatalf("room 2000's first participant is %s, want the same ID as Alice's, %s", elsewhere.ID, alice.ID)
	}
	elsewhere.SetMuted(true)
	elsewhere.SetRole(bridge.RoleModerator)
	elsewhereLeg.Hangup("bye")
	bobLeg.Hangup("bye")
	got = nextRoster(t, c.sig.out, 2*time.Second, "Bob gone", func(l []RosterEntry) bool { _, ok := entry(l, bob.ID); return !ok })
	if !slices.Equal(got, want) {
		t.Errorf("roster after Bob left %+v, want %+v", got, want)
	}

	alice.SetMuted(true)
	nextRoster(t, c.sig.out, time.Second, "Alice muted", func(l []RosterEntry) bool { e, _ := entry(l, alice.ID); return e.Muted })
	alice.SetRole(bridge.RoleModerator)
	nextRoster(t, c.sig.out, time.Second, "Alice moderator", func(l []RosterEntry) bool {
		e, _ := entry(l, alice.ID)
		return e.Role == "moderator"
	})

	// Twenty changes in a burst go out together.
	for i := range 20 {
		alice.SetMuted(i%2 == 0)
	}
	nextRoster(t, c.sig.out, time.Second, "Alice unmuted", func(l []RosterEntry) bool { e, _ := entry(l, alice.ID); return !e.Muted })
	time.Sleep(3 * rosterInterval)
	if n := len(c.sig.out); n > 1 {
		t.Errorf("%d more rosters after a burst of 20 changes, want them in one or two", n)
	}
}

// TestRosterLeavesRoomForSignalling: while the signalling queue is half
// full (a slow browser), the roster waits and keeps the other half for the
// messages the call needs; its list goes out once the queue drains.
func TestRosterLeavesRoomForSignalling(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	_, grace := join(t, f.room, bridge.JoinOptions{Name: "Grace", Via: "webrtc"}, 0)
	c := rosterCall(f)
	for range cap(c.sig.out) / 2 {
		c.sig.out <- Message{Type: TypeCandidate}
	}
	r := c.startRoster(grace.ID)
	defer r.close()
	join(t, f.room, bridge.JoinOptions{Name: "Alice", Via: "sip"}, 0)
	time.Sleep(3 * rosterInterval)
	if n := len(c.sig.out); n != cap(c.sig.out)/2 {
		t.Fatalf("the roster queued %d messages behind a half full queue", n-cap(c.sig.out)/2)
	}
	for range cap(c.sig.out) / 2 {
		<-c.sig.out
	}
	if got := nextRoster(t, c.sig.out, time.Second, "both", func([]RosterEntry) bool { return true }); len(got) != 2 {
		t.Errorf("roster after the queue drained %+v, want Grace and Alice", got)
	}
}

// TestRosterClose: close stops the goroutine and the subscription at once,
// twice over, and a call that never joined has nothing to close.
func TestRosterClose(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	_, grace := join(t, f.room, bridge.JoinOptions{Name: "Grace", Via: "webrtc"}, 0)
	c := rosterCall(f)
	r := c.startRoster(grace.ID)
	nextRoster(t, c.sig.out, time.Second, "the first list", func([]RosterEntry) bool { return true })
	r.close()
	r.close()
	(*roster)(nil).close()
	select {
	case <-r.done:
	default:
		t.Error("close returned before the goroutine")
	}
	if !waitFor(time.Second, func() bool {
		select {
		case _, open := <-r.sub.C:
			return !open
		default:
			return false
		}
	}) {
		t.Error("the subscription is still open")
	}
	join(t, f.room, bridge.JoinOptions{Name: "Late", Via: "sip"}, 0)
	time.Sleep(3 * rosterInterval)
	if n := len(c.sig.out); n != 0 {
		t.Errorf("%d messages after close", n)
	}
}

// TestRosterTalking runs a real guest: its first roster lists it and the
// phone with their roles, and its own talking state follows what it sends
// (a tone, then packets marked silent, then the tone again), while the
// silent phone never talks.
func TestRosterTalking(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	_, alice := join(t, f.room, bridge.JoinOptions{Name: "Alice", Via: "sip"}, 0)
	sig, done := f.handle(JoinRequest{Room: "1000", Name: "Grace", Role: "presenter"})
	br := newTestBrowser(t, sig, 1000)
	me := br.expect(TypeJoined, 10*time.Second).Participant

	talking := func(want bool) func([]RosterEntry) bool {
		return func(l []RosterEntry) bool { e, _ := entry(l, me); return e.Talking == want }
	}
	list := br.waitRoster(t, 5*time.Second, "Grace talking", talking(true))
	want := []RosterEntry{
		{ID: alice.ID, Name: "Alice", Role: "attendee", Via: "sip"},
		{ID: me, Name: "Grace", Role: "presenter", Via: "webrtc", Talking: true, Self: true},
	}
	if !slices.Equal(list, want) {
		t.Errorf("roster %+v, want %+v", list, want)
	}
	br.level.Store(127) // silent: not even decoded
	br.waitRoster(t, 3*time.Second, "Grace silent", talking(false))
	br.level.Store(0)
	list = br.waitRoster(t, 3*time.Second, "Grace talking again", talking(true))
	if e, _ := entry(list, alice.ID); e.Talking {
		t.Errorf("the silent phone talks: %+v", list)
	}

	if err := sig.WriteJSON(t.Context(), Message{Type: TypeLeave}); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, done, 5*time.Second); err != nil {
		t.Errorf("Handle after leave: %v", err)
	}
}

// TestRosterNoAddresses: what a guest learns of the others is their name,
// role, edge, mute and talk state: no email, link, extension, number or
// SIP address, neither as a field nor inside a name.
func TestRosterNoAddresses(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	join(t, f.room, bridge.JoinOptions{Name: "+44 1632 960123", Via: "sip", Source: "number", Address: "+441632960123"}, 0)
	join(t, f.room, bridge.JoinOptions{Name: "#sip:bob@example.com", Via: "sip", Source: "sip_address", Address: "sip:bob@example.com"}, 0)
	join(t, f.room, bridge.JoinOptions{Name: "Carol", Via: "sip", Extension: "2001", Source: "extension", Address: "2001"}, 0)
	join(t, f.room, bridge.JoinOptions{Name: "Dave", Via: "webrtc", Source: "guest_link", Address: "9", LinkID: 9, Email: "dave@example.com"}, 0)
	sig, done := f.handle(JoinRequest{Room: "1000", Name: "Grace", LinkID: 7, Source: "guest_link", Email: "grace@example.com"})
	br := newTestBrowser(t, sig, 1000)
	br.expect(TypeJoined, 10*time.Second)
	list := br.waitRoster(t, 5*time.Second, "five", func(l []RosterEntry) bool { return len(l) == 5 })

	br.mu.Lock()
	raw := string(br.rosterRaw)
	br.mu.Unlock()
	var msg map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &msg); err != nil {
		t.Fatal(err)
	}
	for k := range msg {
		if k != "type" && k != "roster" {
			t.Errorf("roster message has the field %q: %s", k, raw)
		}
	}
	var entries []map[string]any
	if err := json.Unmarshal(msg["roster"], &entries); err != nil {
		t.Fatal(err)
	}
	allowed := []string{"id", "name", "role", "via", "muted", "talking", "self"}
	for _, e := range entries {
		for k := range e {
			if !slices.Contains(allowed, k) {
				t.Errorf("roster entry has the field %q: %v", k, e)
			}
		}
	}
	for _, secret := range []string{"@", "example.com", "1632", "960123", "2001", "sip:", "guest_link", `"9"`} {
		if strings.Contains(raw, secret) {
			t.Errorf("the roster reveals %q: %s", secret, raw)
		}
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name+"/"+e.Via)
	}
	if want := []string{"/sip", "/sip", "Carol/sip", "Dave/webrtc", "Grace/webrtc"}; !slices.Equal(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}

	if err := sig.WriteJSON(t.Context(), Message{Type: TypeLeave}); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, done, 5*time.Second); err != nil {
		t.Errorf("Handle after leave: %v", err)
	}
}

// waitRoster waits until the last roster the browser got satisfies ok and
// returns it; it fails the test after d.
func (b *testBrowser) waitRoster(t *testing.T, d time.Duration, what string, ok func([]RosterEntry) bool) []RosterEntry {
	t.Helper()
	var last []RosterEntry
	if waitFor(d, func() bool {
		b.mu.Lock()
		last = slices.Clone(b.roster)
		b.mu.Unlock()
		return last != nil && ok(last)
	}) {
		return last
	}
	t.Fatalf("browser: no roster with %s in %v; the last was %+v", what, d, last)
	return nil
}
