package webrtc

import (
	"context"
	"errors"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/video"
)

// TestVideoForwarding runs three guests in one room: A and B publish VP8
// (with a camera in their first offer), C has none. Each of A and B gets
// the other's video through a server offer; C, joining later, gets both
// within 2 s, and A is asked for a keyframe when C attaches; a receiver's
// PLI reaches the publisher; when A leaves, the server renegotiates A's
// track away from B and C. Nothing is left running afterwards.
func TestVideoForwarding(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}}, Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		srv, err := New(Options{Bridge: b, ListenIP: "127.0.0.1", Logger: testLogger()})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		f := &fixture{bridge: b, srv: srv}

		sigA, doneA := f.handle(JoinRequest{Room: "1000", Name: "A"})
		a := newVideoBrowser(t, sigA, 1000, 'A')
		idA := a.expect(TypeJoined, 10*time.Second).Participant
		sigB, doneB := f.handle(JoinRequest{Room: "1000", Name: "B"})
		bb := newVideoBrowser(t, sigB, 800, 'B')
		idB := bb.expect(TypeJoined, 10*time.Second).Participant

		got := func(br *testBrowser, from string, tag byte, n int) func() bool {
			return func() bool {
				in, ok := br.video(from)
				return ok && in.tags[tag] >= n
			}
		}
		if !waitFor(5*time.Second, got(bb, idA, 'A', 10)) {
			in, _ := bb.video(idA)
			t.Fatalf("B did not get A's video: %+v, stats %+v", in, srv.Stats())
		}
		if !waitFor(5*time.Second, got(a, idB, 'B', 10)) {
			in, _ := a.video(idB)
			t.Fatalf("A did not get B's video: %+v", in)
		}
		if in, _ := bb.video(idA); in.tags['B'] != 0 || len(in.tags) != 1 {
			t.Errorf("B's track from A carries %v", in.tags)
		}
		if _, ok := a.video(idA); ok {
			t.Error("A receives its own video")
		}
		if a.offers.Load() == 0 || bb.offers.Load() == 0 {
			t.Errorf("no server offers: A %d, B %d", a.offers.Load(), bb.offers.Load())
		}

		// A receiver's PLI reaches the publisher (past the rate limit).
		time.Sleep(video.KeyframeInterval)
		plis := a.plis.Load()
		if err := bb.requestKeyframe(idA); err != nil {
			t.Fatal(err)
		}
		if !waitFor(2*time.Second, func() bool { return a.plis.Load() > plis }) {
			t.Errorf("B's PLI did not reach A")
		}

		// C joins later: both videos within 2 s, and a PLI for A.
		time.Sleep(video.KeyframeInterval)
		plis = a.plis.Load()
		sigC, doneC := f.handle(JoinRequest{Room: "1000", Name: "C"})
		c := newTestBrowser(t, sigC, 600)
		c.expect(TypeJoined, 10*time.Second)
		start := time.Now()
		if !waitFor(2*time.Second, func() bool { return got(c, idA, 'A', 1)() && got(c, idB, 'B', 1)() }) {
			inA, _ := c.video(idA)
			inB, _ := c.video(idB)
			t.Fatalf("C has not got both videos in 2 s: from A %+v, from B %+v", inA, inB)
		}
		t.Logf("C got both videos %v after joining", time.Since(start).Round(time.Millisecond))
		if !waitFor(2*time.Second, func() bool { return a.plis.Load() > plis }) {
			t.Errorf("A was not asked for a keyframe when C attached")
		}
		if st := srv.Stats(); st.VideoPackets == 0 || st.KeyframeRequests < 2 {
			t.Errorf("stats %+v", st)
		}

		// A leaves: its track is renegotiated away from B and C.
		offersB, offersC := bb.offers.Load(), c.offers.Load()
		if err := sigA.WriteJSON(context.Background(), Message{Type: TypeLeave}); err != nil {
			t.Fatal(err)
		}
		if err := waitErr(t, doneA, 5*time.Second); err != nil {
			t.Errorf("A's Handle: %v", err)
		}
		a.close()
		for name, br := range map[string]*testBrowser{"B": bb, "C": c} {
			if !waitFor(5*time.Second, func() bool { in, _ := br.video(idA); return in.ended }) {
				t.Errorf("%s still has A's track", name)
			}
		}
		if !waitFor(2*time.Second, func() bool { return bb.offers.Load() > offersB && c.offers.Load() > offersC }) {
			t.Errorf("no renegotiation after A left: B %d→%d, C %d→%d", offersB, bb.offers.Load(), offersC, c.offers.Load())
		}
		// B's video still reaches C.
		in, _ := c.video(idB)
		if !waitFor(2*time.Second, got(c, idB, 'B', in.tags['B']+10)) {
			t.Errorf("C stopped getting B's video after A left")
		}

		for _, l := range []struct {
			sig  *memSignaller
			done <-chan error
		}{{sigB, doneB}, {sigC, doneC}} {
			if err := l.sig.WriteJSON(context.Background(), Message{Type: TypeLeave}); err != nil {
				t.Fatal(err)
			}
			if err := waitErr(t, l.done, 5*time.Second); err != nil {
				t.Errorf("Handle: %v", err)
			}
		}
		bb.close()
		c.close()
		room, _ := b.Room("1000")
		if n := len(room.Video().Tracks()); n != 0 {
			t.Errorf("%d video tracks left", n)
		}
	}()
	if !waitFor(5*time.Second, func() bool { return runtime.NumGoroutine() <= before }) {
		var sb strings.Builder
		_ = pprof.Lookup("goroutine").WriteTo(&sb, 1)
		t.Errorf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), sb.String())
	}
}

// TestGlare has the browser offer while the server's offer is out: the
// server ignores the crossing offer, the browser answers the server's,
// and the video arrives; the call goes on.
func TestGlare(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	sigB, doneB := f.handle(JoinRequest{Room: "1000", Name: "B"})
	bb := newTestBrowser(t, sigB, 800)
	bb.expect(TypeJoined, 10*time.Second)
	bb.glare.Store(true)
	sigA, _ := f.handle(JoinRequest{Room: "1000", Name: "A"})
	a := newVideoBrowser(t, sigA, 1000, 'A')
	idA := a.expect(TypeJoined, 10*time.Second).Participant
	if !waitFor(5*time.Second, func() bool { in, ok := bb.video(idA); return ok && in.tags['A'] > 10 }) {
		t.Fatalf("B did not get A's video after glare (glare pending %v, offers %d)", bb.glare.Load(), bb.offers.Load())
	}
	if bb.glare.Load() {
		t.Error("no glare happened")
	}
	if err := sigB.WriteJSON(context.Background(), Message{Type: TypeLeave}); err != nil {
		t.Fatal(err)
	}
	if err := waitErr(t, doneB, 5*time.Second); err != nil {
		t.Errorf("B's Handle: %v", err)
	}
}

func TestParseSendRIDs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"send q;h;f", []string{"q", "h", "f"}},
		{"send 0;1;2", []string{"0", "1", "2"}},
		{"recv r0 send a,b;~c", []string{"a", "c"}},
		{"send f", []string{"f"}},
		{"recv a;b", nil},
		{"", nil},
	} {
		if got := parseSendRIDs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("parseSendRIDs(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestNoAnswerEndsTheCall: a page that never answers the server's offer
// (here: to receive a new publisher's video) has its call ended with
// ErrNoAnswer once answerTimeout passes, instead of hanging on for ever.
func TestNoAnswerEndsTheCall(t *testing.T) {
	f := newFixture(t, bridge.RoomSettings{})
	f.srv.answerTimeout = 500 * time.Millisecond
	sigB, doneB := f.handle(JoinRequest{Room: "1000", Name: "B"})
	bb := newTestBrowser(t, sigB, 800)
	bb.expect(TypeJoined, 10*time.Second)
	bb.deaf.Store(true)
	sigA, _ := f.handle(JoinRequest{Room: "1000", Name: "A"})
	a := newVideoBrowser(t, sigA, 1000, 'A')
	a.expect(TypeJoined, 10*time.Second)
	if err := waitErr(t, doneB, 10*time.Second); !errors.Is(err, ErrNoAnswer) {
		t.Errorf("B's Handle: %v, want ErrNoAnswer", err)
	}
}
