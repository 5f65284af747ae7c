package webrtc

import (
	"testing"

	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/prompts"
)

func newTestSender(t testing.TB) (*sender, *counters) {
	t.Helper()
	track, err := pion.NewTrackLocalStaticRTP(opusCodec, "audio", "parley")
	if err != nil {
		t.Fatal(err)
	}
	var st counters
	return newSender(track, &st), &st
}

// TestSenderNumbering checks one packet per payload: the sequence number
// steps by one and the timestamp by 960 (20 ms at 48 kHz, RFC 7587 §4.1).
func TestSenderNumbering(t *testing.T) {
	s, st := newTestSender(t)
	seq, ts := s.pkt.SequenceNumber, s.pkt.Timestamp
	if s.sentAny {
		t.Fatal("a new sender has sent")
	}
	for range 3 {
		s.write([]byte{0xf8, 0xff, 0xfe})
	}
	if got := s.pkt.SequenceNumber - seq; got != 3 {
		t.Errorf("sequence advanced by %d, want 3", got)
	}
	if got := s.pkt.Timestamp - ts; got != 3*960 {
		t.Errorf("timestamp advanced by %d, want %d", got, 3*960)
	}
	if !s.sentAny || st.sent.Load() != 3 || s.pkt.Payload != nil {
		t.Errorf("sentAny %v, sent %d, payload kept %v", s.sentAny, st.sent.Load(), s.pkt.Payload != nil)
	}
}

// TestSenderPrompt checks that a private prompt replaces the room's audio
// while it plays, and only then.
func TestSenderPrompt(t *testing.T) {
	s, _ := newTestSender(t)
	if _, ok := s.promptFrame(); ok {
		t.Fatal("a prompt plays before any was queued")
	}
	clip := prompts.Clip{ID: "test", Rate: 8000, Samples: make([]int16, 8000/10)} // 100 ms
	for i := range clip.Samples {
		clip.Samples[i] = int16(4000 * (i % 2))
	}
	s.say(clip)
	frames := 0
	for range 20 {
		p, ok := s.promptFrame()
		if !ok {
			break
		}
		if len(p) == 0 {
			t.Fatal("empty prompt payload")
		}
		frames++
	}
	if frames != 5 {
		t.Errorf("a 100 ms prompt played for %d frames, want 5", frames)
	}
}

// BenchmarkSenderWrite is the per-tick cost of sending the room's payload
// to one guest, short of the socket.
func BenchmarkSenderWrite(b *testing.B) {
	s, _ := newTestSender(b)
	payload := make([]byte, 80)
	b.ReportAllocs()
	for b.Loop() {
		s.write(payload)
	}
}
