package bridge

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/video"
)

func joinN(t *testing.T, room *Room, roles ...Role) ([]*Participant, []*fakeLeg) {
	t.Helper()
	var ps []*Participant
	var legs []*fakeLeg
	for _, r := range roles {
		l := &fakeLeg{}
		p, err := room.Join(l, JoinOptions{Name: string(r), Role: r})
		if err != nil {
			t.Fatal(err)
		}
		ps, legs = append(ps, p), append(legs, l)
	}
	return ps, legs
}

func TestLockAdmitsModeratorsOnly(t *testing.T) {
	b := newTestBridge(t)
	room, _ := b.Room("1000")
	joinN(t, room, RoleModerator)
	room.SetLocked(true)
	if _, err := room.Join(&fakeLeg{}, JoinOptions{Role: RoleAttendee}); !errors.Is(err, ErrLocked) {
		t.Errorf("attendee into a locked room: %v, want ErrLocked", err)
	}
	if _, err := room.Join(&fakeLeg{}, JoinOptions{Role: RoleModerator}); err != nil {
		t.Errorf("moderator into a locked room: %v", err)
	}
	room.SetLocked(false)
	if _, err := room.Join(&fakeLeg{}, JoinOptions{Role: RoleAttendee}); err != nil {
		t.Errorf("attendee into an unlocked room: %v", err)
	}
}

func TestMuteAllAndNoAccess(t *testing.T) {
	b := newTestBridge(t)
	room, _ := b.Room("1000")
	ps, legs := joinN(t, room, RoleModerator, RoleAttendee, RoleAttendee)
	room.MuteAllExcept(ps[0].ID)
	if ps[0].Muted() || !ps[1].Muted() || !ps[2].Muted() {
		t.Errorf("muted: %v %v %v, want false true true", ps[0].Muted(), ps[1].Muted(), ps[2].Muted())
	}
	ps[2].SetRole(RoleNoAccess)
	if legs[2].hungUp == "" || room.Len() != 2 {
		t.Errorf("no_access: hung up %q, %d left; want hung up, 2 left", legs[2].hungUp, room.Len())
	}
	room.End("over")
	if room.Len() != 0 || legs[0].hungUp == "" {
		t.Error("End left someone in the room")
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{"": RoleAttendee, "moderator": RoleModerator, "spectator": RoleSpectator} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseRole("boss"); !errors.Is(err, ErrBadRole) {
		t.Errorf("ParseRole(boss): %v", err)
	}
}

// fakeDialer answers or fails every call as told, and records them.
type fakeDialer struct {
	mu    sync.Mutex
	calls []Outbound
	err   error
	wait  bool // block until ctx ends
}

func (d *fakeDialer) Dial(ctx context.Context, c Outbound) (Leg, error) {
	d.mu.Lock()
	d.calls = append(d.calls, c)
	d.mu.Unlock()
	if d.wait {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if d.err != nil {
		return nil, d.err
	}
	return &fakeLeg{}, nil
}

func newDialBridge(t *testing.T, d Dialer) *Bridge {
	t.Helper()
	b, err := New(Options{
		Rooms:  []RoomSettings{{Number: "1000", CallerID: "+441632960100"}},
		Router: testDialRouter(),
		Dialer: d,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// testDialRouter knows extension 2001 (Alice) and a trunk for UK numbers.
func testDialRouter() *dialplan.Router {
	return &dialplan.Router{
		Extensions: map[string]string{"2001": "Alice"},
		Trunks:     []dialplan.TrunkRoute{{Name: "pstn", Proxy: "sip:192.0.2.99:5099", CallerID: "+441632960000", Allow: []*regexp.Regexp{regexp.MustCompile(`^\+44[0-9]{10}$`)}}},
	}
}

func waitDial(t *testing.T, d *Dial) (DialStatus, int) {
	t.Helper()
	select {
	case <-d.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("dial did not finish")
	}
	s, code, _ := d.Status()
	return s, code
}

func TestDialAnsweredJoinsWithRole(t *testing.T) {
	fd := &fakeDialer{}
	b := newDialBridge(t, fd)
	d, err := b.Dial("1000", DialRequest{To: "+441632960123", Role: RoleModerator})
	if err != nil {
		t.Fatal(err)
	}
	if p := answered(t, b, d); p.Role() != RoleModerator {
		t.Errorf("role %s, want moderator", p.Role())
	}
	if got := fd.calls[0].Route; got.Via != dialplan.ViaTrunk || got.CallerID != "+441632960100" {
		t.Errorf("route via %s caller ID %s, want trunk with the room's caller ID", got.Via, got.CallerID)
	}
}

func TestDialRefusedBeforeAnyCall(t *testing.T) {
	fd := &fakeDialer{}
	b := newDialBridge(t, fd)
	for _, to := range []string{"+19005551234", "not a target"} {
		if _, err := b.Dial("1000", DialRequest{To: to}); err == nil {
			t.Errorf("dial %q was accepted", to)
		}
	}
	if _, err := b.Dial("1000", DialRequest{To: "+19005551234"}); !errors.Is(err, dialplan.ErrNotAllowed) {
		t.Errorf("toll-fraud dial: %v, want ErrNotAllowed", err)
	}
	if len(fd.calls) != 0 {
		t.Errorf("the dialer was called %d times for refused targets", len(fd.calls))
	}
}

func TestDialFailuresAreReported(t *testing.T) {
	tests := []struct {
		name   string
		d      *fakeDialer
		status DialStatus
		code   int
	}{
		{"busy", &fakeDialer{err: &DialError{Status: DialBusy, Code: 486, Reason: "Busy Here"}}, DialBusy, 486},
		{"declined", &fakeDialer{err: &DialError{Status: DialDeclined, Code: 603, Reason: "Decline"}}, DialDeclined, 603},
		{"no answer", &fakeDialer{wait: true}, DialNoAnswer, 0},
		{"other error", &fakeDialer{err: errors.New("network unreachable")}, DialFailed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newDialBridge(t, tt.d)
			d, err := b.Dial("1000", DialRequest{To: "#sip:@127.0.0.1:5098", RingTimeout: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if s, code := waitDial(t, d); s != tt.status || code != tt.code {
				t.Errorf("status %s %d, want %s %d", s, code, tt.status, tt.code)
			}
		})
	}
}

// trackSet is a video.Subscriber that keeps the IDs of the last set.
type trackSet struct {
	mu  sync.Mutex
	ids []string
}

func (s *trackSet) SetTracks(ts []*video.Track) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ids = s.ids[:0]
	for _, t := range ts {
		s.ids = append(s.ids, t.ID)
	}
}

func (s *trackSet) get() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// TestSpectatorsAreNotSeen: a spectator's camera reaches nobody, as its
// voice reaches nobody; made an attendee, it is seen.
func TestSpectatorsAreNotSeen(t *testing.T) {
	b := newTestBridge(t)
	room, _ := b.Room("1000")
	ps, _ := joinN(t, room, RoleAttendee, RoleSpectator)
	v := room.Video()
	cam := v.Publish(ps[1].ID, video.Codec{MimeType: "video/H264", ClockRate: 90000}, 1, nil)
	var viewer trackSet
	v.Subscribe(&viewer, ps[0].ID, video.Everyone, nil)
	if got := viewer.get(); len(got) != 0 {
		t.Fatalf("the spectator's camera reaches %v", got)
	}
	ps[1].SetRole(RoleAttendee)
	if got := viewer.get(); len(got) != 1 || got[0] != cam.ID {
		t.Fatalf("the attendee's camera: %v, want [%s]", got, cam.ID)
	}
	ps[1].SetRole(RoleSpectator)
	if got := viewer.get(); len(got) != 0 {
		t.Fatalf("made a spectator again, its camera reaches %v", got)
	}
}
