package webrtc

import (
	"testing"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
)

// opusPackets encodes n 20 ms frames of freq Hz as RTP packets with the
// audio level extension (ID 1) set to level.
func opusPackets(t testing.TB, n int, freq float64, level uint8) []*rtp.Packet {
	t.Helper()
	enc, err := media.NewEncoder(media.Opus)
	if err != nil {
		t.Fatal(err)
	}
	tone := toneGen{freq: freq, amp: 8000}
	pcm, buf := make([]int16, 960), make([]byte, 1500)
	out := make([]*rtp.Packet, n)
	for i := range out {
		tone.fill(pcm, 48000)
		m, err := enc.Encode(pcm, buf)
		if err != nil {
			t.Fatal(err)
		}
		p := &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: uint16(100 + i),
			Timestamp: uint32(960 * i), SSRC: 42}, Payload: append([]byte(nil), buf[:m]...)}
		if err := p.SetExtension(1, []byte{level}); err != nil {
			t.Fatal(err)
		}
		out[i] = p
	}
	return out
}

func TestSilent(t *testing.T) {
	withLevel := func(b byte) *rtp.Packet {
		p := &rtp.Packet{Header: rtp.Header{Version: 2}}
		if err := p.SetExtension(1, []byte{b}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		levelID uint8
		silence uint8
		pkt     *rtp.Packet
		want    bool
	}{
		{"loud", 1, 50, withLevel(10), false},
		{"just above threshold", 1, 50, withLevel(49), false},
		{"at threshold", 1, 50, withLevel(50), true},
		{"digital silence", 1, 50, withLevel(127), true},
		{"voice bit ignored", 1, 50, withLevel(0x80 | 60), true},
		{"voice bit, loud", 1, 50, withLevel(0x80 | 20), false},
		{"not negotiated", 0, 50, withLevel(127), false},
		{"other extension ID", 2, 50, withLevel(127), false},
		{"no extension", 1, 50, &rtp.Packet{}, false},
		{"skipping off", 1, 0, withLevel(127), false},
	} {
		r := &receiver{levelID: tc.levelID, silence: tc.silence}
		if got := r.silent(tc.pkt); got != tc.want {
			t.Errorf("%s: silent = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReceiverDecodesAndResamples pushes 1 kHz Opus and reads it at 8 kHz,
// then pushes silent packets and checks they are counted, not decoded.
func TestReceiverDecodesAndResamples(t *testing.T) {
	var st counters
	r, err := newReceiver(&st, DefaultSilenceLevel)
	if err != nil {
		t.Fatal(err)
	}
	r.levelID = 1
	loud := opusPackets(t, 50, 1000, 20)
	var heard []int16
	frame := make([]int16, 160)
	for _, p := range loud {
		r.push(p)
		if r.read(frame, 8000) {
			heard = append(heard, frame...)
		}
	}
	if got := st.decoded.Load(); got < 45 {
		t.Errorf("decoded %d of 50 packets", got)
	}
	checkTone(t, "receiver", heard[len(heard)/2:], 8000, 1000, 440, 0.05)

	silent := opusPackets(t, 50, 1000, 127)
	for i, p := range silent {
		p.SequenceNumber = uint16(150 + i)
		p.Timestamp = uint32(960 * (50 + i))
	}
	decoded := st.decoded.Load()
	audible := 0
	for _, p := range silent {
		r.push(p)
		if r.read(frame, 8000) {
			audible++
		}
	}
	if got := st.silent.Load(); got != 50 {
		t.Errorf("silent = %d, want 50", got)
	}
	// The frames still buffered play out, then a few are concealed.
	if got := st.decoded.Load() - decoded; got > 3 {
		t.Errorf("%d frames decoded after the guest went silent", got)
	}
	if audible > 10 {
		t.Errorf("%d audible frames out of 50 silent packets", audible)
	}
	if r.read(frame, 8000) {
		t.Error("a silent guest still has audio")
	}
}

// TestReceiverChromiumStart: Chromium follows its first audio packet with
// a padding-only packet (no payload, the same timestamp, level extension
// absent), and pads so again to probe bandwidth. Those packets must not
// cost a frame: every tick after the buffer fills decodes a packet, none
// is concealed or fails to decode, and the tone comes through.
func TestReceiverChromiumStart(t *testing.T) {
	var st counters
	r, err := newReceiver(&st, DefaultSilenceLevel)
	if err != nil {
		t.Fatal(err)
	}
	r.levelID = 1
	loud := opusPackets(t, 60, 1000, 0x80|15) // as Chromium marks a -12 dBFS tone
	padding := func(after *rtp.Packet, seq uint16) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, Padding: true, PayloadType: 111, SequenceNumber: seq,
			Timestamp: after.Timestamp, SSRC: after.SSRC}}
	}
	seq := uint16(500)
	var heard []int16
	frame := make([]int16, 160)
	for i, p := range loud {
		p.SequenceNumber = seq
		seq++
		r.push(p)
		pads := 0
		switch i {
		case 0:
			pads = 1 // as Chromium starts
		case 30:
			pads = 12 // a probe
		}
		for range pads {
			r.push(padding(p, seq))
			seq++
		}
		if r.read(frame, 8000) {
			heard = append(heard, frame...)
		}
	}
	if c, e := st.concealed.Load(), st.decodeErrors.Load(); c != 0 || e != 0 {
		t.Errorf("%d frames concealed and %d decode errors for a stream without loss", c, e)
	}
	if got := st.decoded.Load(); got != 57 {
		t.Errorf("decoded %d frames in 60 ticks, want 57 (all but the 60 ms of the buffer's start)", got)
	}
	checkTone(t, "receiver", heard[len(heard)/2:], 8000, 1000, 440, 0.05)
}

func TestReceiverRejectsBadFrame(t *testing.T) {
	var st counters
	r, err := newReceiver(&st, DefaultSilenceLevel)
	if err != nil {
		t.Fatal(err)
	}
	if r.read(make([]int16, 100), 8000) || r.read(nil, 0) {
		t.Error("read accepted a frame that is not 20 ms")
	}
}

// BenchmarkReceiverSilent is the cost of a silent guest per 20 ms: one
// packet skipped by its audio level and one empty read.
func BenchmarkReceiverSilent(b *testing.B) {
	var st counters
	r, err := newReceiver(&st, DefaultSilenceLevel)
	if err != nil {
		b.Fatal(err)
	}
	r.levelID = 1
	pkts := opusPackets(b, 50, 1000, 127)
	frame := make([]int16, 960)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.push(pkts[i%len(pkts)])
		r.read(frame, 48000)
	}
}

// BenchmarkReceiverTalking is the cost of a talking guest per 20 ms: one
// packet buffered, decoded and read at 48 kHz.
func BenchmarkReceiverTalking(b *testing.B) {
	var st counters
	r, err := newReceiver(&st, DefaultSilenceLevel)
	if err != nil {
		b.Fatal(err)
	}
	r.levelID = 1
	pkts := opusPackets(b, 50, 1000, 20)
	frame := make([]int16, 960)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p := *pkts[i%len(pkts)]
		p.SequenceNumber = uint16(i)
		p.Timestamp = uint32(960 * i)
		r.push(&p)
		r.read(frame, 48000)
	}
}
