package webrtc

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// recordingTrack keeps what is written to it, as a track's bindings see
// it: the headers, a copy of each payload, and whether the packet handed
// over still held its payload after the write returned.
type recordingTrack struct {
	hdrs     []rtp.Header
	payloads [][]byte
	last     *rtp.Packet
}

func (r *recordingTrack) WriteRTP(p *rtp.Packet) error {
	r.hdrs = append(r.hdrs, p.Header)
	r.payloads = append(r.payloads, bytes.Clone(p.Payload))
	r.last = p
	return nil
}

func newTestSender(t testing.TB) (*sender, *counters) {
	t.Helper()
	track, err := pion.NewTrackLocalStaticRTP(opusCodec, "audio", "parley")
	if err != nil {
		t.Fatal(err)
	}
	var st counters
	return newSender(track, &st), &st
}

// newRecordingSender is a sender whose packets go to a recordingTrack.
func newRecordingSender(t testing.TB) (*sender, *counters, *recordingTrack) {
	t.Helper()
	s, st := newTestSender(t)
	rec := &recordingTrack{}
	s.out = media.NewPacketizer(rec, opusPayloadType, media.Opus)
	return s, st, rec
}

// TestSenderNumbering checks one packet per payload: the sequence number
// steps by one and the timestamp by 960 (20 ms at 48 kHz, RFC 7587 §4.1);
// the first packet alone has the marker bit, and the payload is not kept.
func TestSenderNumbering(t *testing.T) {
	s, st, rec := newRecordingSender(t)
	for range 4 {
		s.write([]byte{0xf8, 0xff, 0xfe})
	}
	if len(rec.hdrs) != 4 {
		t.Fatalf("%d packets written, want 4", len(rec.hdrs))
	}
	seq, ts := rec.hdrs[0].SequenceNumber, rec.hdrs[0].Timestamp
	if got := rec.hdrs[3].SequenceNumber - seq; got != 3 {
		t.Errorf("sequence advanced by %d, want 3", got)
	}
	if got := rec.hdrs[3].Timestamp - ts; got != 3*960 {
		t.Errorf("timestamp advanced by %d, want %d", got, 3*960)
	}
	for i, h := range rec.hdrs {
		if h.Marker != (i == 0) {
			t.Errorf("packet %d: marker %v", i, h.Marker)
		}
	}
	if st.sent.Load() != 4 || rec.last.Payload != nil {
		t.Errorf("sent %d, payload kept %v", st.sent.Load(), rec.last.Payload != nil)
	}
}

// TestSenderPrompt checks that a private prompt replaces the room's audio
// while it plays, and only then.
func TestSenderPrompt(t *testing.T) {
	s, _, rec := newRecordingSender(t)
	if _, ok := s.overlay.Next(); ok {
		t.Fatal("a prompt plays before any was queued")
	}
	clip := prompts.Clip{ID: "test", Rate: 8000, Samples: make([]int16, 8000/10)} // 100 ms
	for i := range clip.Samples {
		clip.Samples[i] = int16(4000 * (i % 2))
	}
	s.say(clip)
	room := []byte{0xf8, 0xff, 0xfe}
	for range 20 {
		s.write(room)
	}
	frames := 0
	for i, p := range rec.payloads {
		if len(p) == 0 {
			t.Fatal("empty payload")
		}
		if prompt := !bytes.Equal(p, room); prompt != (i < 5) {
			t.Errorf("frame %d: prompt %v", i, prompt)
		} else if prompt {
			frames++
		}
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
