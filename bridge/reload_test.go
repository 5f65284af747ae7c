package bridge

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/prompts"
)

// TestSetRouterRoutesTheNextDial: a trunk that a reload adds routes the
// next call out; one it removes no longer does, and the call already
// placed keeps its route.
func TestSetRouterRoutesTheNextDial(t *testing.T) {
	fd := &fakeDialer{}
	b := newDialBridge(t, fd)
	const to = "+33612345678"
	if _, err := b.Dial("1000", DialRequest{To: to}); !errors.Is(err, dialplan.ErrNotAllowed) {
		t.Fatalf("dial before the trunk: %v, want ErrNotAllowed", err)
	}
	b.SetRouter(&dialplan.Router{Trunks: []dialplan.TrunkRoute{{Name: "fr", Proxy: "sip:192.0.2.98:5099",
		Allow: []*regexp.Regexp{regexp.MustCompile(`^\+33[0-9]{9}$`)}}}})
	d, err := b.Dial("1000", DialRequest{To: to})
	if err != nil {
		t.Fatalf("dial after the trunk came: %v", err)
	}
	if s, _ := waitDial(t, d); s != DialAnswered || d.Route.Trunk != "fr" {
		t.Errorf("status %s via trunk %q, want answered through fr", s, d.Route.Trunk)
	}
	b.SetRouter(nil)
	if _, err := b.Dial("1000", DialRequest{To: to}); !errors.Is(err, dialplan.ErrNotAllowed) {
		t.Errorf("dial after the trunk went: %v, want ErrNotAllowed", err)
	}
}

// TestRetireRoomSaysGoodbye: a removed room finds no new callers at once,
// its participants hear the clip and are then hung up, and the ended
// event goes out.
func TestRetireRoomSaysGoodbye(t *testing.T) {
	b := newTestBridge(t)
	sub := b.Subscribe()
	defer sub.Close()
	room, _ := b.Room("1000")
	_, legs := joinN(t, room, RoleAttendee, RoleModerator)
	clip := prompts.Clip{ID: prompts.ConferenceEnding, Rate: 8000, Samples: make([]int16, 1600)} // 200 ms
	start := time.Now()
	if err := b.RetireRoom("1000", clip); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Room("1000"); !errors.Is(err, ErrUnknownRoom) {
		t.Errorf("Room after RetireRoom: %v, want ErrUnknownRoom", err)
	}
	for i, l := range legs {
		select {
		case <-l.Done():
		case <-time.After(5 * time.Second):
			t.Fatalf("leg %d not hung up", i)
		}
	}
	if took := time.Since(start); took < clip.Duration() {
		t.Errorf("hung up after %v, before the %v goodbye was heard", took, clip.Duration())
	}
	for e := range sub.C {
		if e.Type == EventEnded && e.Room == "1000" {
			break
		}
	}
	if err := b.RetireRoom("1000", clip); !errors.Is(err, ErrUnknownRoom) {
		t.Errorf("second RetireRoom: %v, want ErrUnknownRoom", err)
	}
}

// TestUpdateRestartsGuestWait: a changed guest_wait applies to the guests
// already waiting.
func TestUpdateRestartsGuestWait(t *testing.T) {
	b, err := New(Options{Rooms: []RoomSettings{{Number: "1000", Owner: "2001", GuestWait: time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	room, _ := b.Room("1000")
	l := &fakeLeg{}
	if _, err := room.Join(l, JoinOptions{Name: "guest"}); err != nil {
		t.Fatal(err)
	}
	s := room.Settings()
	s.GuestWait = 50 * time.Millisecond
	room.Update(s)
	select {
	case <-l.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the guest still waits the old hour")
	}
}

// TestPublishReload: the reloaded event names no room and says what
// changed.
func TestPublishReload(t *testing.T) {
	b := newTestBridge(t)
	sub := b.Subscribe()
	defer sub.Close()
	b.PublishReload("rooms +2000")
	e := <-sub.C
	if e.Type != EventReloaded || e.Room != "" || e.Changes != "rooms +2000" {
		t.Errorf("event %+v, want reloaded with its changes", e)
	}
}
