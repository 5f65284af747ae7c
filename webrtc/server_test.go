package webrtc

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
)

// testLogger logs warnings and errors to stderr (not t.Log: pion may log
// after the test has returned).
func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// fixture is a bridge with room 1000 and a WebRTC server on loopback.
type fixture struct {
	bridge *bridge.Bridge
	room   *bridge.Room
	srv    *Server
}

func newFixture(t *testing.T, rs bridge.RoomSettings) *fixture {
	t.Helper()
	rs.Number = "1000"
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{rs}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Options{Bridge: b, ListenIP: "127.0.0.1", Logger: testLogger()})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Close()
		b.Close()
	})
	room, err := b.Room("1000")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{bridge: b, room: room, srv: srv}
}

// handle runs Handle for a guest on a new signalling pipe; its result
// arrives on the channel.
func (f *fixture) handle(join JoinRequest) (*memSignaller, <-chan error) {
	ss, bs := signalPipe()
	done := make(chan error, 1)
	go func() { done <- f.srv.Handle(context.Background(), ss, join) }()
	return bs, done
}

// phone puts a fake PCMU phone sending freq Hz into the room.
func (f *fixture) phone(t *testing.T, freq float64) *pcmuLeg {
	t.Helper()
	leg := newPCMULeg(t, freq)
	if _, err := f.room.Join(leg, bridge.JoinOptions{Name: "phone", Via: "sip"}); err != nil {
		t.Fatal(err)
	}
	return leg
}

func waitErr(t *testing.T, done <-chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Handle did not return in %v", d)
		return nil
	}
}

// TestAudioBothWays is the end-to-end check of a guest: a browser sending
// 1000 Hz and a phone sending 440 Hz in one room hear each other; silent
// packets (RFC 6464 level 127) are not decoded; "leave" ends the call.
func TestAudioBothWays(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	phone := f.phone(t, 440)
	sig, done := f.handle(JoinRequest{Room: "1000", Name: "Guest", Source: "guest_link", LinkID: 7})
	br := newTestBrowser(t, sig, 1000)
	joined := br.expect(TypeJoined, 10*time.Second)
	if joined.Participant == "" {
		t.Fatalf("joined without a participant ID: %+v", joined)
	}
	p, err := f.room.Participant(joined.Participant)
	if err != nil {
		t.Fatal(err)
	}
	if p.Via != "webrtc" || p.Name != "Guest" || p.LinkID != 7 {
		t.Errorf("participant %+v", p)
	}

	if !waitFor(10*time.Second, func() bool { return br.heardFor() >= 1500*time.Millisecond }) {
		t.Fatalf("browser heard only %v", br.heardFor())
	}
	checkTone(t, "browser", br.last(500*time.Millisecond), 48000, 440, 1000, 0.05)
	checkTone(t, "phone", phone.last(500*time.Millisecond), 8000, 1000, 440, 0.05)

	// Silence by audio level: the packets still come, but none is decoded.
	br.level.Store(127)
	time.Sleep(400 * time.Millisecond)
	before := f.srv.Stats()
	time.Sleep(600 * time.Millisecond)
	after := f.srv.Stats()
	t.Logf("stats before %+v after %+v", before, after)
	if got := after.Silent - before.Silent; got < 20 {
		t.Errorf("%d silent packets skipped in 600 ms, want about 30", got)
	}
	if got := after.Decoded - before.Decoded; got != 0 {
		t.Errorf("%d silent packets decoded", got)
	}
	if level := rms(phone.last(300 * time.Millisecond)); level > 0.01 {
		t.Errorf("phone still hears the silenced guest at rms %.3f", level)
	}
	br.level.Store(10)
	if !waitFor(3*time.Second, func() bool { return f.srv.Stats().Decoded > after.Decoded+10 }) {
		t.Errorf("decoding did not resume: %+v", f.srv.Stats())
	}

	if err := sig.WriteJSON(context.Background(), Message{Type: TypeLeave}); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, done, 5*time.Second); err != nil {
		t.Errorf("Handle after leave: %v", err)
	}
	if !waitFor(2*time.Second, func() bool { return f.room.Len() == 1 }) {
		t.Errorf("room has %d participants after the guest left", f.room.Len())
	}
	if st := f.srv.Stats(); st.Calls != 0 || st.Sent == 0 {
		t.Errorf("stats after leave: %+v", st)
	}
}

func TestRoomFull(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{Capacity: 1})
	f.phone(t, 440)
	sig, done := f.handle(JoinRequest{Room: "1000", Name: "Guest"})
	br := newTestBrowser(t, sig, 1000)
	if m := br.expect(TypeError, 10*time.Second); m.Error != "the room is full" {
		t.Errorf("error %q", m.Error)
	}
	if err := waitErr(t, done, 5*time.Second); !errors.Is(err, bridge.ErrFull) {
		t.Errorf("Handle = %v, want ErrFull", err)
	}
}

func TestSpectatorBanner(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{Quota: 1})
	f.phone(t, 440)
	sig, done := f.handle(JoinRequest{Room: "1000", Name: "Guest"})
	br := newTestBrowser(t, sig, 1000)
	m := br.expect(TypeJoined, 10*time.Second)
	if b := br.expect(TypeBanner, 2*time.Second); !strings.Contains(b.Text, "listener") {
		t.Errorf("banner %q", b.Text)
	}
	p, err := f.room.Participant(m.Participant)
	if err != nil {
		t.Fatal(err)
	}
	if p.Role() != bridge.RoleSpectator {
		t.Errorf("role %s, want spectator", p.Role())
	}
	// A moderator's removal ends the call with a reason.
	p.Hangup("removed by a moderator")
	if m := br.expect(TypeEnded, 5*time.Second); m.Reason != "removed by a moderator" {
		t.Errorf("ended %+v", m)
	}
	if err := waitErr(t, done, 5*time.Second); err != nil {
		t.Errorf("Handle after hangup: %v", err)
	}
}

func TestUnknownRoomAndBadRole(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	for _, tc := range []struct {
		join JoinRequest
		want error
		text string
	}{
		{JoinRequest{Room: "9999", Name: "Guest"}, bridge.ErrUnknownRoom, "this room does not exist"},
		{JoinRequest{Room: "1000", Name: "Guest", Role: "king"}, bridge.ErrBadRole, "this link's role is not valid"},
	} {
		sig, done := f.handle(tc.join)
		var got []Message
		for {
			var m Message
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err := sig.ReadJSON(ctx, &m)
			cancel()
			if err != nil {
				t.Fatalf("%+v: %v", tc.join, err)
			}
			got = append(got, m)
			if m.Type == TypeError {
				break
			}
		}
		if m := got[len(got)-1]; m.Error != tc.text {
			t.Errorf("%+v: error %q, want %q", tc.join, m.Error, tc.text)
		}
		if err := waitErr(t, done, 5*time.Second); !errors.Is(err, tc.want) {
			t.Errorf("%+v: Handle = %v, want %v", tc.join, err, tc.want)
		}
	}
	// Both sessions counted once they ended: the unknown room as refused,
	// the bad role as failed.
	want := map[SessionOutcome]uint64{SessionEnded: 0, SessionRefused: 1, SessionConnectFailed: 0, SessionFailed: 1}
	if got := f.srv.Stats().Sessions; !maps.Equal(got, want) {
		t.Errorf("Stats().Sessions = %v, want %v", got, want)
	}
}

func TestSignallingLostEndsCall(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	sig, done := f.handle(JoinRequest{Room: "1000", Name: "Guest"})
	br := newTestBrowser(t, sig, 1000)
	br.expect(TypeJoined, 10*time.Second)
	sig.Close() // the WebSocket drops
	if err := waitErr(t, done, 5*time.Second); err == nil {
		t.Error("Handle returned nil after the signalling connection dropped")
	}
	if !waitFor(2*time.Second, func() bool { return f.room.Len() == 0 }) {
		t.Errorf("room has %d participants", f.room.Len())
	}
}

func TestConnectTimeout(t *testing.T) {
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv, err := New(Options{Bridge: b, ListenIP: "127.0.0.1", ConnectTimeout: 200 * time.Millisecond, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ss, bs := signalPipe()
	defer bs.Close()
	err = srv.Handle(context.Background(), ss, JoinRequest{Room: "1000", Name: "Mute"}) // never offers
	if !errors.Is(err, ErrConnectTimeout) {
		t.Errorf("Handle = %v, want ErrConnectTimeout", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	b, err := bridge.New(bridge.Options{Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for name, o := range map[string]Options{
		"no bridge":   {},
		"port":        {Bridge: b, UDPPort: 70000},
		"listen ip":   {Bridge: b, ListenIP: "nowhere"},
		"public ip":   {Bridge: b, PublicIP: "meet.example.com"},
		"silence":     {Bridge: b, SilenceLevel: 128},
		"ice url":     {Bridge: b, ICEServers: []ICEServer{{URLs: []string{"http://x"}}}},
		"no ice urls": {Bridge: b, ICEServers: []ICEServer{{}}},
	} {
		if s, err := New(o); err == nil {
			s.Close()
			t.Errorf("%s: New accepted %+v", name, o)
		}
	}
}

// TestConfigMessage checks that the browser learns the ICE servers first.
func TestConfigMessage(t *testing.T) {
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ice := []ICEServer{{URLs: []string{"stun:stun.example.com:3478"}}, {URLs: []string{"turn:turn.example.com:3478?transport=udp"}, Username: "u", Credential: "p"}}
	srv, err := New(Options{Bridge: b, ListenIP: "127.0.0.1", ICEServers: ice, PublicIP: "192.0.2.1", Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ss, bs := signalPipe()
	done := make(chan error, 1)
	go func() { done <- srv.Handle(context.Background(), ss, JoinRequest{Room: "1000", Name: "Guest"}) }()
	var m Message
	if err := bs.ReadJSON(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Type != TypeConfig || len(m.ICEServers) != 2 || m.ICEServers[1].Credential != "p" {
		t.Errorf("first message %+v", m)
	}
	srv.Close()
	if m := expectType(t, bs, TypeEnded); m.Reason == "" {
		t.Errorf("ended without a reason: %+v", m)
	}
	if err := waitErr(t, done, 5*time.Second); err != nil {
		t.Errorf("Handle after Close: %v", err)
	}
	if err := srv.Handle(context.Background(), ss, JoinRequest{Room: "1000"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Handle after Close = %v, want ErrClosed", err)
	}
}

// expectType reads messages until one of type typ.
func expectType(t *testing.T, sig *memSignaller, typ string) Message {
	t.Helper()
	for {
		var m Message
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := sig.ReadJSON(ctx, &m)
		cancel()
		if err != nil {
			t.Fatalf("waiting for %q: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
	}
}

// TestCloseLeavesNoGoroutines runs a whole call and closes everything: no
// goroutine may be left behind.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := New(Options{Bridge: b, ListenIP: "127.0.0.1", Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		ss, bs := signalPipe()
		done := make(chan error, 1)
		go func() { done <- srv.Handle(context.Background(), ss, JoinRequest{Room: "1000", Name: "Guest"}) }()
		br := newTestBrowser(t, bs, 1000)
		br.expect(TypeJoined, 10*time.Second)
		waitFor(time.Second, func() bool { return br.heardFor() > 200*time.Millisecond })
		srv.Close()
		srv.Close() // idempotent
		br.expect(TypeEnded, 5*time.Second)
		if err := waitErr(t, done, 5*time.Second); err != nil {
			t.Errorf("Handle after Close: %v", err)
		}
		br.close()
		b.Close()
	}()
	if !waitFor(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
		var sb strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&sb, 1)
		t.Errorf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), sb.String())
	}
}
