package webrtc

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/video"
)

// fakePeer is a PeerConnection's signalling state (JSEP, RFC 8829 §3.2)
// without media: descriptions move it as pion's would.
type fakePeer struct {
	state     pion.SignalingState
	remoteErr error // SetRemoteDescription fails with it
	offerErr  error // CreateOffer fails with it
	n         int   // descriptions created
}

func (p *fakePeer) SignalingState() pion.SignalingState { return p.state }

func (p *fakePeer) SetRemoteDescription(d pion.SessionDescription) error {
	if p.remoteErr != nil {
		return p.remoteErr
	}
	switch {
	case d.Type == pion.SDPTypeOffer && p.state == pion.SignalingStateStable:
		p.state = pion.SignalingStateHaveRemoteOffer
	case d.Type == pion.SDPTypeAnswer && p.state == pion.SignalingStateHaveLocalOffer:
		p.state = pion.SignalingStateStable
	default:
		return fmt.Errorf("remote %s in state %s", d.Type, p.state)
	}
	return nil
}

func (p *fakePeer) SetLocalDescription(d pion.SessionDescription) error {
	switch {
	case d.Type == pion.SDPTypeOffer && p.state == pion.SignalingStateStable:
		p.state = pion.SignalingStateHaveLocalOffer
	case d.Type == pion.SDPTypeAnswer && p.state == pion.SignalingStateHaveRemoteOffer:
		p.state = pion.SignalingStateStable
	default:
		return fmt.Errorf("local %s in state %s", d.Type, p.state)
	}
	return nil
}

func (p *fakePeer) CreateOffer(*pion.OfferOptions) (pion.SessionDescription, error) {
	if p.offerErr != nil {
		return pion.SessionDescription{}, p.offerErr
	}
	p.n++
	return pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: fmt.Sprint("offer ", p.n)}, nil
}

func (p *fakePeer) CreateAnswer(*pion.AnswerOptions) (pion.SessionDescription, error) {
	p.n++
	return pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: fmt.Sprint("answer ", p.n)}, nil
}

// fakeOutbox keeps what negotiation sends, as "offer", "answer" or
// "codec MIME".
type fakeOutbox struct{ sent []string }

func (o *fakeOutbox) send(m Message) {
	if m.Type == TypeCodec {
		o.sent = append(o.sent, "codec "+m.Codec)
		return
	}
	o.sent = append(o.sent, m.Type)
}

func (o *fakeOutbox) sendAnswer(m Message) { o.sent = append(o.sent, "answer") }

// fakeTracks are the forwarded tracks on a fakePeer, by name.
type fakeTracks struct {
	on    []string // the tracks on the PeerConnection, sorted
	syncs int      // sync calls
	lives int      // live calls
}

func (f *fakeTracks) sync(want []*video.Track) bool {
	f.syncs++
	names := make([]string, 0, len(want))
	for _, t := range want {
		names = append(names, t.ID)
	}
	slices.Sort(names)
	changed := !slices.Equal(names, f.on)
	f.on = names
	return changed
}

func (f *fakeTracks) live() { f.lives++ }

// TestNegotiation drives a negotiation through the page's and the room's
// events, as the call's loop does, and checks what it sends the page and
// how the call would end. Steps: offer and answer (from the page; "bad"
// first makes the peer refuse it), open (the guest joined), close,
// tracks:a,b (the room's wanted set; "tracks!" makes the offer fail),
// codec:MIME (the room's codec).
func TestNegotiation(t *testing.T) {
	for _, tc := range []struct {
		name     string
		steps    string
		sent     string // what the page was sent, in order
		err      error  // what the last step returned
		state    pion.SignalingState
		on       string // the tracks on the PeerConnection
		prepared string // the codecs prepare was given, "-" for none
	}{
		{name: "the first offer is answered", steps: "offer",
			sent: "answer", state: pion.SignalingStateStable, prepared: "-"},
		{name: "tracks before the guest joins are not offered", steps: "offer tracks:a",
			sent: "answer", state: pion.SignalingStateStable},
		{name: "a new track is offered once joined", steps: "offer open tracks:a",
			sent: "answer offer", state: pion.SignalingStateHaveLocalOffer, on: "a"},
		{name: "the answer makes the track live", steps: "offer open tracks:a answer",
			sent: "answer offer", state: pion.SignalingStateStable, on: "a"},
		{name: "changes while an offer is out wait for its answer", steps: "offer open tracks:a tracks:a,b tracks:b",
			sent: "answer offer", state: pion.SignalingStateHaveLocalOffer, on: "a"},
		{name: "changes that waited go out after the answer", steps: "offer open tracks:a tracks:a,b answer",
			sent: "answer offer offer", state: pion.SignalingStateHaveLocalOffer, on: "a,b"},
		{name: "no change, no offer", steps: "offer open tracks:a answer tracks:a",
			sent: "answer offer", state: pion.SignalingStateStable, on: "a"},
		{name: "a removed track is offered too", steps: "offer open tracks:a answer tracks:",
			sent: "answer offer offer", state: pion.SignalingStateHaveLocalOffer},
		{name: "glare: the page's offer crossing the server's is ignored", steps: "offer open tracks:a offer",
			sent: "answer offer", state: pion.SignalingStateHaveLocalOffer, on: "a"},
		{name: "glare: the server's offer is answered after", steps: "offer open tracks:a offer answer",
			sent: "answer offer", state: pion.SignalingStateStable, on: "a"},
		{name: "an answer without an offer is ignored", steps: "offer answer",
			sent: "answer", state: pion.SignalingStateStable},
		{name: "an answer after close is ignored", steps: "offer open tracks:a close answer",
			sent: "answer offer", state: pion.SignalingStateHaveLocalOffer, on: "a"},
		{name: "an offer after close is ignored", steps: "close offer",
			state: pion.SignalingStateStable, prepared: "-"},
		{name: "tracks after close are not offered", steps: "offer open close tracks:a",
			sent: "answer", state: pion.SignalingStateStable},
		{name: "a bad offer ends the call", steps: "badoffer",
			err: ErrBadOffer, state: pion.SignalingStateStable, prepared: "-"},
		{name: "a bad answer ends the call", steps: "offer open tracks:a badanswer",
			sent: "answer offer", err: ErrBadAnswer, state: pion.SignalingStateHaveLocalOffer, on: "a"},
		{name: "a failed offer is made with the next event", steps: "offer open tracks!:a tracks:a",
			sent: "answer offer", state: pion.SignalingStateHaveLocalOffer, on: "a"},
		{name: "the answer puts the room's codec first", steps: "codec:video/VP8 offer",
			sent: "answer", state: pion.SignalingStateStable, prepared: "video/VP8"},
		{name: "a codec change is passed on once joined", steps: "offer codec:video/VP8 open codec:video/VP8",
			sent: "answer codec video/VP8", state: pion.SignalingStateStable},
		{name: "the codec the answer put first is not asked again", steps: "codec:video/VP8 offer open codec:video/VP8",
			sent: "answer", state: pion.SignalingStateStable, prepared: "video/VP8"},
		{name: "the page offers again in the new codec", steps: "offer open codec:video/VP8 offer",
			sent: "answer codec video/VP8 answer", state: pion.SignalingStateStable, prepared: ",video/VP8"},
		{name: "no codec after close", steps: "offer open close codec:video/VP8",
			sent: "answer", state: pion.SignalingStateStable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer, out, fwd := &fakePeer{state: pion.SignalingStateStable}, &fakeOutbox{}, &fakeTracks{}
			n := newNegotiation(out, time.Hour, slog.New(slog.DiscardHandler))
			n.attach(peer, fwd)
			tracks := map[string]*video.Track{}
			var prepared []string
			prepare := func(codec string) (string, error) {
				prepared = append(prepared, codec)
				if codec == "" {
					return "video/H264", nil // the room's choice
				}
				return codec, nil
			}
			var err error
			for _, step := range strings.Fields(tc.steps) {
				op, arg, _ := strings.Cut(step, ":")
				peer.remoteErr, peer.offerErr = nil, nil
				if strings.HasPrefix(op, "bad") {
					op, peer.remoteErr = strings.TrimPrefix(op, "bad"), errors.New("refused")
				}
				if op == "tracks!" {
					op, peer.offerErr = "tracks", errors.New("no offer")
				}
				switch op {
				case "offer":
					err = n.onOffer("page offer", prepare)
				case "answer":
					err = n.onAnswer("page answer")
				case "open":
					n.start()
				case "close":
					n.close()
				case "tracks":
					var want []*video.Track
					for _, id := range strings.FieldsFunc(arg, func(r rune) bool { return r == ',' }) {
						if tracks[id] == nil {
							tracks[id] = &video.Track{ID: id}
						}
						want = append(want, tracks[id])
					}
					n.setTracks(want)
					<-n.tracksChanged()
					n.renegotiate()
				case "codec":
					n.setCodec(arg)
					<-n.codecChanged()
					n.askCodec()
				default:
					t.Fatalf("unknown step %q", step)
				}
			}
			if got := strings.Join(out.sent, " "); got != tc.sent {
				t.Errorf("sent %q, want %q", got, tc.sent)
			}
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("last step returned %v, want %v", err, tc.err)
			}
			if peer.state != tc.state {
				t.Errorf("peer in state %s, want %s", peer.state, tc.state)
			}
			if got := strings.Join(fwd.on, ","); got != tc.on {
				t.Errorf("tracks on the peer %q, want %q", got, tc.on)
			}
			if tc.prepared != "-" {
				if got := strings.Join(prepared, ","); got != tc.prepared {
					t.Errorf("prepare got codecs %q, want %q", got, tc.prepared)
				}
			}
			if (n.answerDue() != nil) != (peer.state == pion.SignalingStateHaveLocalOffer && !n.closed) {
				t.Errorf("answer clock running %v in state %s", n.answerDue() != nil, peer.state)
			}
			if want := strings.Count(tc.steps, "answer") - strings.Count(tc.steps, "badanswer"); fwd.lives > want {
				t.Errorf("%d tracks made live for %d answers", fwd.lives, want)
			}
		})
	}
}

// TestNegotiationAnswerDue: the clock for the page's answer runs from the
// server's offer, fires after the timeout, and stops with the answer.
func TestNegotiationAnswerDue(t *testing.T) {
	peer, fwd := &fakePeer{state: pion.SignalingStateStable}, &fakeTracks{}
	n := newNegotiation(&fakeOutbox{}, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	n.attach(peer, fwd)
	n.start()
	if n.answerDue() != nil {
		t.Fatal("the clock runs before any offer")
	}
	n.setTracks([]*video.Track{{ID: "a"}})
	n.renegotiate()
	select {
	case <-n.answerDue():
	case <-time.After(5 * time.Second):
		t.Fatal("no answer, and the clock did not fire")
	}
	n.setTracks([]*video.Track{{ID: "b"}})
	if err := n.onAnswer("late"); err != nil {
		t.Fatal(err)
	}
	if n.answerDue() == nil { // the answer let the next change out: its clock runs
		t.Fatal("the next offer has no clock")
	}
	if err := n.onAnswer("in time"); err != nil {
		t.Fatal(err)
	}
	if n.answerDue() != nil || fwd.lives != 2 {
		t.Errorf("after the answers: clock %v, %d lives", n.answerDue(), fwd.lives)
	}
}

// TestLatest: of a burst of sets the reader is woken once and reads the
// last; set never blocks.
func TestLatest(t *testing.T) {
	l := newLatest[int]()
	if l.get() != 0 {
		t.Fatal("not zero before a set")
	}
	for i := 1; i <= 100; i++ {
		l.set(i)
	}
	<-l.C()
	if got := l.get(); got != 100 {
		t.Errorf("get = %d, want 100", got)
	}
	select {
	case <-l.C():
		t.Error("woken twice for one burst")
	default:
	}
}

// TestMediaGroup: once closed, no goroutine is let in, and wait waits for
// those that were.
func TestMediaGroup(t *testing.T) {
	var g mediaGroup
	if !g.add() {
		t.Fatal("an open group refused a goroutine")
	}
	ended := make(chan struct{})
	go func() {
		defer g.done()
		time.Sleep(20 * time.Millisecond)
		close(ended)
	}()
	g.close()
	g.close()
	if g.add() {
		t.Error("a closed group let a goroutine in")
	}
	g.wait()
	select {
	case <-ended:
	default:
		t.Error("wait returned before the goroutine ended")
	}
}
