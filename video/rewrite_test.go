package video

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// fakeClock is a clock that tests move by hand.
type fakeClock struct{ t time.Time }

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// The receiver's stream in the Rewriter tests.
const (
	outSSRC = 0xcafe
	outPT   = 96
)

func packet(ssrc uint32, seq uint16, ts uint32, payload []byte) *rtp.Packet {
	return &rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 100, SSRC: ssrc, SequenceNumber: seq, Timestamp: ts},
		Payload: payload,
	}
}

// step is one packet given to a Rewriter in a scenario.
type step struct {
	after   time.Duration // clock advance before the packet
	switch_ bool          // Switch before the packet
	ssrc    uint32
	seq     uint16
	ts      uint32
	drop    bool   // Rewrite must return false
	wantSeq uint16 // else the output
	wantTS  uint32
}

func TestRewriterSequence(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"first source unchanged", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			{after: 33 * time.Millisecond, ssrc: 1, seq: 101, ts: 8000, wantSeq: 101, wantTS: 8000},
			{ssrc: 1, seq: 102, ts: 8000, wantSeq: 102, wantTS: 8000},
		}},
		{"switch continues the stream", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			{after: 33 * time.Millisecond, ssrc: 1, seq: 101, ts: 8000, wantSeq: 101, wantTS: 8000},
			// 40 ms at 90 kHz is 3600.
			{after: 40 * time.Millisecond, switch_: true, ssrc: 2, seq: 7000, ts: 123456, wantSeq: 102, wantTS: 11600},
			{ssrc: 2, seq: 7001, ts: 123456, wantSeq: 103, wantTS: 11600},
			{after: 33 * time.Millisecond, ssrc: 2, seq: 7002, ts: 126456, wantSeq: 104, wantTS: 14600},
		}},
		{"switch at once is one tick later", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			{switch_: true, ssrc: 2, seq: 9, ts: 77, wantSeq: 101, wantTS: 5001},
		}},
		{"switch back to the same SSRC", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			{after: 10 * time.Millisecond, switch_: true, ssrc: 2, seq: 9, ts: 77, wantSeq: 101, wantTS: 5900},
			{after: 10 * time.Millisecond, switch_: true, ssrc: 1, seq: 110, ts: 50000, wantSeq: 102, wantTS: 6800},
			{ssrc: 1, seq: 111, ts: 50000, wantSeq: 103, wantTS: 6800},
		}},
		{"reordering within a source is kept", []step{
			{ssrc: 1, seq: 10, ts: 1000, wantSeq: 10, wantTS: 1000},
			{ssrc: 1, seq: 12, ts: 4000, wantSeq: 12, wantTS: 4000},
			{ssrc: 1, seq: 11, ts: 1000, wantSeq: 11, wantTS: 1000},
			{switch_: true, ssrc: 2, seq: 500, ts: 90000, wantSeq: 13, wantTS: 4001},
			{ssrc: 2, seq: 503, ts: 93000, wantSeq: 16, wantTS: 7001},
			{ssrc: 2, seq: 501, ts: 90000, wantSeq: 14, wantTS: 4001},
			{ssrc: 2, seq: 502, ts: 93000, wantSeq: 15, wantTS: 7001},
		}},
		// The last packet sent is the highest, not the latest to arrive:
		// the new source follows 12 at 4000, not 11 at 1000.
		{"switch after reordering", []step{
			{ssrc: 1, seq: 10, ts: 1000, wantSeq: 10, wantTS: 1000},
			{ssrc: 1, seq: 12, ts: 4000, wantSeq: 12, wantTS: 4000},
			{ssrc: 1, seq: 11, ts: 1000, wantSeq: 11, wantTS: 1000},
			{after: time.Second, switch_: true, ssrc: 2, seq: 1, ts: 1, wantSeq: 13, wantTS: 94000},
		}},
		{"older than the first packet is dropped", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			{switch_: true, ssrc: 2, seq: 7000, ts: 900, wantSeq: 101, wantTS: 5001},
			{ssrc: 2, seq: 6999, ts: 600, drop: true},
			{ssrc: 2, seq: 7002, ts: 1200, wantSeq: 103, wantTS: 5301},
			{ssrc: 2, seq: 6000, ts: 100, drop: true},
			{ssrc: 2, seq: 7001, ts: 900, wantSeq: 102, wantTS: 5001},
		}},
		{"older than the first across the wrap", []step{
			{ssrc: 1, seq: 65534, ts: 5000, wantSeq: 65534, wantTS: 5000},
			{ssrc: 1, seq: 0, ts: 8000, wantSeq: 0, wantTS: 8000},
			{ssrc: 1, seq: 65535, ts: 5000, wantSeq: 65535, wantTS: 5000},
			{ssrc: 1, seq: 65533, ts: 2000, drop: true},
			{ssrc: 1, seq: 1, ts: 8000, wantSeq: 1, wantTS: 8000},
		}},
		{"a straggler of the last source is dropped", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			{switch_: true, ssrc: 2, seq: 7000, ts: 900, wantSeq: 101, wantTS: 5001},
			{ssrc: 1, seq: 101, ts: 8000, drop: true},
			{ssrc: 2, seq: 7001, ts: 900, wantSeq: 102, wantTS: 5001},
		}},
		{"output wraps", []step{
			{ssrc: 1, seq: 65535, ts: 0xffffff00, wantSeq: 65535, wantTS: 0xffffff00},
			// 20 ms at 90 kHz is 1800, 0x708.
			{after: 20 * time.Millisecond, switch_: true, ssrc: 2, seq: 300, ts: 1000, wantSeq: 0, wantTS: 0x608},
			{ssrc: 2, seq: 301, ts: 4000, wantSeq: 1, wantTS: 0x608 + 3000},
		}},
		{"a long pause", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			{after: 10 * time.Minute, switch_: true, ssrc: 2, seq: 1, ts: 1, wantSeq: 101, wantTS: 5000 + 54_000_000},
		}},
		{"a pause longer than the timestamps wrap", []step{
			{ssrc: 1, seq: 100, ts: 5000, wantSeq: 100, wantTS: 5000},
			// 24 h is 7,776,000,000 ticks, 3,481,032,704 modulo 2^32.
			{after: 24 * time.Hour, switch_: true, ssrc: 2, seq: 1, ts: 1, wantSeq: 101, wantTS: 5000 + 3_481_032_704},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			r := NewRewriter(outSSRC, outPT, 90000, "video/H264", clock.now)
			for i, s := range tt.steps {
				clock.advance(s.after)
				if s.switch_ {
					r.Switch()
				}
				p := packet(s.ssrc, s.seq, s.ts, []byte{0x41, 0x9a})
				ok := r.Rewrite(p)
				if s.drop {
					if ok {
						t.Errorf("step %d (SSRC %d seq %d): sent as seq %d, want it dropped", i, s.ssrc, s.seq, p.SequenceNumber)
					}
					continue
				}
				if !ok {
					t.Fatalf("step %d (SSRC %d seq %d): dropped", i, s.ssrc, s.seq)
				}
				if p.SequenceNumber != s.wantSeq || p.Timestamp != s.wantTS {
					t.Errorf("step %d (SSRC %d seq %d ts %d): seq %d ts %d, want seq %d ts %d",
						i, s.ssrc, s.seq, s.ts, p.SequenceNumber, p.Timestamp, s.wantSeq, s.wantTS)
				}
				if p.SSRC != outSSRC || p.PayloadType != outPT {
					t.Errorf("step %d: SSRC %#x PT %d, want %#x %d", i, p.SSRC, p.PayloadType, outSSRC, outPT)
				}
			}
		})
	}
}

// TestRewriterLongSource sends more than 2^16 packets from one source, in
// pairs swapped, and checks that all get through with their order kept,
// late ones too.
func TestRewriterLongSource(t *testing.T) {
	clock := newFakeClock()
	r := NewRewriter(outSSRC, outPT, 90000, "video/H264", clock.now)
	r.Rewrite(packet(1, 100, 0, nil))
	r.Switch()
	const first = 60000
	r.Rewrite(packet(2, first, 0, nil))
	for i := 1; i < 70000; i += 2 {
		for _, j := range []int{i + 1, i} {
			seq := uint16(first + j)
			p := packet(2, seq, 0, nil)
			if !r.Rewrite(p) {
				t.Fatalf("packet %d (seq %d) dropped", j, seq)
			}
			if want := uint16(101 + j); p.SequenceNumber != want {
				t.Fatalf("packet %d (seq %d): out seq %d, want %d", j, seq, p.SequenceNumber, want)
			}
		}
	}
	late := 70000 - 3
	if p := packet(2, uint16(first+late), 0, nil); !r.Rewrite(p) || p.SequenceNumber != uint16(101+late) {
		t.Errorf("a late packet: sent as %d", p.SequenceNumber)
	}
}

func TestRewriterNewNeedsNoSwitch(t *testing.T) {
	r := NewRewriter(outSSRC, outPT, 90000, "video/VP8", nil)
	p := packet(1, 5, 5, []byte{0x10, 0x30})
	if !r.Rewrite(p) || p.SSRC != outSSRC || p.SequenceNumber != 5 {
		t.Fatalf("first packet: sent %+v", p.Header)
	}
	if r.Rewrite(packet(2, 6, 6, []byte{0x10, 0x30})) {
		t.Error("a packet of another SSRC without Switch was sent")
	}
}

// vp8Fields reads what a receiver's depacketizer reads of a VP8 payload.
func vp8Fields(t *testing.T, payload []byte) codecs.VP8Packet {
	t.Helper()
	var p codecs.VP8Packet
	if _, err := p.Unmarshal(payload); err != nil {
		t.Fatalf("unmarshal % x: %v", payload, err)
	}
	return p
}

// vp8Payload builds a VP8 payload with descriptor fields: picture ID
// (15-bit if pid > 0x7f or long), TL0PICIDX and KEYIDX; a negative value
// leaves the field out.
func vp8Payload(pid int, long bool, tl0, keyIdx int, frame []byte) []byte {
	b := []byte{0x10, 0x00}
	if pid >= 0 {
		b[1] |= 0x80
		if long || pid > 0x7f {
			b = append(b, 0x80|byte(pid>>8), byte(pid))
		} else {
			b = append(b, byte(pid))
		}
	}
	if tl0 >= 0 {
		b[1] |= 0x40
		b = append(b, byte(tl0))
	}
	if keyIdx >= 0 {
		b[1] |= 0x30 // T and K: TID 0, Y 1
		b = append(b, 0x20|byte(keyIdx))
	}
	if b[1] != 0 {
		b[0] |= 0x80
	} else {
		b = b[:1]
	}
	return append(b, frame...)
}

func TestRewriterVP8(t *testing.T) {
	type vp8Step struct {
		switch_          bool
		ssrc             uint32
		seq              uint16
		pid, tl0, keyIdx int // -1: absent
		long             bool
		wantPID, wantTL0 int
		wantKeyIdx       int
		wantLong         bool
	}
	tests := []struct {
		name  string
		steps []vp8Step
	}{
		{"15-bit picture IDs", []vp8Step{
			{ssrc: 1, seq: 1, pid: 1000, tl0: -1, keyIdx: -1, wantPID: 1000, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{ssrc: 1, seq: 2, pid: 1001, tl0: -1, keyIdx: -1, wantPID: 1001, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{switch_: true, ssrc: 2, seq: 50, pid: 20000, tl0: -1, keyIdx: -1, wantPID: 1002, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{ssrc: 2, seq: 52, pid: 20002, tl0: -1, keyIdx: -1, wantPID: 1004, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{ssrc: 2, seq: 51, pid: 20001, tl0: -1, keyIdx: -1, wantPID: 1003, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
		}},
		{"picture ID wraps at 2^15", []vp8Step{
			{ssrc: 1, seq: 1, pid: 0x7fff, tl0: -1, keyIdx: -1, wantPID: 0x7fff, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{switch_: true, ssrc: 2, seq: 50, pid: 5, long: true, tl0: -1, keyIdx: -1, wantPID: 0, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{ssrc: 2, seq: 51, pid: 6, long: true, tl0: -1, keyIdx: -1, wantPID: 1, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
		}},
		{"7-bit picture IDs", []vp8Step{
			{ssrc: 1, seq: 1, pid: 0x7e, tl0: -1, keyIdx: -1, wantPID: 0x7e, wantTL0: -1, wantKeyIdx: -1},
			{switch_: true, ssrc: 2, seq: 50, pid: 3, tl0: -1, keyIdx: -1, wantPID: 0x7f, wantTL0: -1, wantKeyIdx: -1},
			{ssrc: 2, seq: 51, pid: 4, tl0: -1, keyIdx: -1, wantPID: 0, wantTL0: -1, wantKeyIdx: -1},
		}},
		// Each packet keeps its width; the count goes on in 15 bits.
		{"7-bit to 15-bit", []vp8Step{
			{ssrc: 1, seq: 1, pid: 0x70, tl0: -1, keyIdx: -1, wantPID: 0x70, wantTL0: -1, wantKeyIdx: -1},
			{switch_: true, ssrc: 2, seq: 50, pid: 9000, tl0: -1, keyIdx: -1, wantPID: 0x71, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{switch_: true, ssrc: 3, seq: 80, pid: 0x10, tl0: -1, keyIdx: -1, wantPID: 0x72, wantTL0: -1, wantKeyIdx: -1},
		}},
		{"TL0PICIDX and KEYIDX", []vp8Step{
			{ssrc: 1, seq: 1, pid: 300, tl0: 255, keyIdx: 31, wantPID: 300, wantTL0: 255, wantKeyIdx: 31, wantLong: true},
			{switch_: true, ssrc: 2, seq: 50, pid: 7, tl0: 40, keyIdx: 3, long: true, wantPID: 301, wantTL0: 0, wantKeyIdx: 0, wantLong: true},
			{ssrc: 2, seq: 51, pid: 8, tl0: 40, keyIdx: 3, long: true, wantPID: 302, wantTL0: 0, wantKeyIdx: 0, wantLong: true},
			{ssrc: 2, seq: 52, pid: 9, tl0: 41, keyIdx: 3, long: true, wantPID: 303, wantTL0: 1, wantKeyIdx: 0, wantLong: true},
		}},
		// A source without a field leaves the count where it was.
		{"a source without picture IDs", []vp8Step{
			{ssrc: 1, seq: 1, pid: 500, tl0: 9, keyIdx: -1, wantPID: 500, wantTL0: 9, wantKeyIdx: -1, wantLong: true},
			{switch_: true, ssrc: 2, seq: 50, pid: -1, tl0: -1, keyIdx: -1, wantPID: -1, wantTL0: -1, wantKeyIdx: -1},
			{ssrc: 2, seq: 51, pid: -1, tl0: -1, keyIdx: -1, wantPID: -1, wantTL0: -1, wantKeyIdx: -1},
			{switch_: true, ssrc: 3, seq: 80, pid: 4000, tl0: 100, keyIdx: -1, wantPID: 501, wantTL0: 10, wantKeyIdx: -1, wantLong: true},
		}},
		// The field first appears in a later packet of the source.
		{"picture IDs start late", []vp8Step{
			{ssrc: 1, seq: 1, pid: 500, tl0: -1, keyIdx: -1, wantPID: 500, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
			{switch_: true, ssrc: 2, seq: 50, pid: -1, tl0: -1, keyIdx: -1, wantPID: -1, wantTL0: -1, wantKeyIdx: -1},
			{ssrc: 2, seq: 51, pid: 77, long: true, tl0: -1, keyIdx: -1, wantPID: 501, wantTL0: -1, wantKeyIdx: -1, wantLong: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRewriter(outSSRC, outPT, 90000, "video/VP8", newFakeClock().now)
			for i, s := range tt.steps {
				if s.switch_ {
					r.Switch()
				}
				in := vp8Payload(s.pid, s.long, s.tl0, s.keyIdx, vp8Key)
				orig := bytes.Clone(in)
				p := packet(s.ssrc, s.seq, 0, in)
				if !r.Rewrite(p) {
					t.Fatalf("step %d dropped", i)
				}
				if !bytes.Equal(in, orig) {
					t.Fatalf("step %d: the input payload was changed", i)
				}
				want := vp8Payload(s.wantPID, s.wantLong, s.wantTL0, s.wantKeyIdx, vp8Key)
				if !bytes.Equal(p.Payload, want) {
					got, w := vp8Fields(t, p.Payload), vp8Fields(t, want)
					t.Errorf("step %d: picture ID %d TL0PICIDX %d KEYIDX %d (% x), want %d %d %d (% x)", i,
						got.PictureID, got.TL0PICIDX, got.KEYIDX, p.Payload[:6],
						w.PictureID, w.TL0PICIDX, w.KEYIDX, want[:6])
				}
			}
		})
	}
}

// TestRewriterPayloadCopy checks that the payload is copied only when it
// changes, and that the copy is the Rewriter's until the next call.
func TestRewriterPayloadCopy(t *testing.T) {
	r := NewRewriter(outSSRC, outPT, 90000, "video/VP8", newFakeClock().now)
	in := vp8Payload(10, true, -1, -1, vp8Key)
	p := packet(1, 1, 0, in)
	r.Rewrite(p)
	if &p.Payload[0] != &in[0] {
		t.Error("the first source's payload was copied")
	}
	r.Switch()
	in = vp8Payload(99, true, -1, -1, vp8Key)
	p = packet(2, 1, 0, in)
	r.Rewrite(p)
	if &p.Payload[0] == &in[0] || vp8Fields(t, p.Payload).PictureID != 11 {
		t.Errorf("rewritten payload % x...", p.Payload[:4])
	}
	if vp8Fields(t, in).PictureID != 99 {
		t.Error("the input payload was changed")
	}

	// Other formats are never touched, even where they look like VP8.
	r = NewRewriter(outSSRC, outPT, 90000, "video/H264", newFakeClock().now)
	r.Rewrite(packet(1, 1, 0, vp8Payload(10, true, -1, -1, vp8Key)))
	r.Switch()
	in = vp8Payload(99, true, -1, -1, vp8Key)
	p = packet(2, 1, 0, in)
	r.Rewrite(p)
	if &p.Payload[0] != &in[0] || vp8Fields(t, p.Payload).PictureID != 99 {
		t.Error("an H.264 payload was rewritten")
	}

	// A descriptor that does not parse is forwarded as it is.
	r = NewRewriter(outSSRC, outPT, 90000, "video/VP8", newFakeClock().now)
	r.Rewrite(packet(1, 1, 0, vp8Payload(10, true, -1, -1, vp8Key)))
	r.Switch()
	in = []byte{0x90, 0x80, 0x80}
	p = packet(2, 1, 0, in)
	if !r.Rewrite(p) || !bytes.Equal(p.Payload, []byte{0x90, 0x80, 0x80}) {
		t.Errorf("a short descriptor became % x", p.Payload)
	}
}

// rewriteStream returns the packets of a stream of mimeType (VP8 or
// H.264) as a sender packetizes them, 30 frames of 1200-byte packets, and
// a Rewriter in the steady state after a switch to it (for VP8, every
// descriptor is rewritten).
func rewriteStream(tb testing.TB, mimeType string) (*Rewriter, []*rtp.Packet) {
	var pay rtp.Payloader = &codecs.VP8Payloader{EnablePictureID: true}
	frame := append(bytes.Clone(vp8Inter), bytes.Repeat([]byte{0x5a}, 3000)...)
	if mimeType == "video/H264" {
		pay = &codecs.H264Payloader{}
		frame = annexB(append([]byte{0x41, 0x9a}, bytes.Repeat([]byte{0x5a}, 3000)...))
	}
	var pkts []*rtp.Packet
	for i := range 30 {
		for _, pl := range pay.Payload(1200, frame) {
			pkts = append(pkts, packet(2, uint16(len(pkts)), uint32(i*3000), pl))
		}
	}
	r := NewRewriter(outSSRC, outPT, 90000, mimeType, nil)
	r.Rewrite(packet(1, 1000, 0, vp8Payload(10, true, -1, -1, vp8Key)))
	r.Switch()
	if !r.Rewrite(pkts[0]) {
		tb.Fatal("first packet dropped")
	}
	return r, pkts[1:]
}

func TestRewriterAllocs(t *testing.T) {
	for _, mime := range []string{"video/VP8", "video/H264"} {
		r, pkts := rewriteStream(t, mime)
		i := 0
		allocs := testing.AllocsPerRun(len(pkts)-1, func() {
			p := *pkts[i] // a copy of the header, as a fan-out makes
			if !r.Rewrite(&p) {
				t.Fatalf("%s packet %d dropped", mime, i)
			}
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per packet, want 0", mime, allocs)
		}
	}
}

// BenchmarkRewrite measures Rewrite on one receiver's packets: a copy of
// the header, as a fan-out makes, and the rewriting, with time.Now as the
// clock.
func BenchmarkRewrite(b *testing.B) {
	for _, mime := range []string{"video/VP8", "video/H264"} {
		b.Run(mime[len("video/"):], func(b *testing.B) {
			r, pkts := rewriteStream(b, mime)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p := *pkts[i%len(pkts)]
				i++
				p.SequenceNumber = uint16(i) // always the latest
				if !r.Rewrite(&p) {
					b.Fatal("dropped")
				}
			}
		})
	}
}

// FuzzRewriteVP8 sends payload a as the first source's packet and b as
// the next source's first, and checks b's descriptor against what pion's
// depacketizer reads: the same fields, the counters continuing a's, the
// rest of the payload untouched.
func FuzzRewriteVP8(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzRewriteVP8.
	f.Fuzz(func(t *testing.T, a, b []byte) {
		r := NewRewriter(outSSRC, outPT, 90000, "video/VP8", newFakeClock().now)
		pa := packet(1, 1, 0, bytes.Clone(a))
		if !r.Rewrite(pa) || !bytes.Equal(pa.Payload, a) {
			t.Fatalf("first source's payload % x became % x", a, pa.Payload)
		}
		r.Switch()
		in := bytes.Clone(b)
		pb := packet(2, 7, 0, in)
		if !r.Rewrite(pb) {
			t.Fatal("dropped")
		}
		if !bytes.Equal(in, b) {
			t.Fatal("the input payload was changed")
		}
		out := pb.Payload
		var va, vb, vo codecs.VP8Packet
		_, errA := va.Unmarshal(a)
		restB, errB := vb.Unmarshal(b)
		if errB != nil {
			if !bytes.Equal(out, b) {
				t.Fatalf("unparsable % x became % x", b, out)
			}
			return
		}
		restO, errO := vo.Unmarshal(out)
		if errO != nil || len(out) != len(b) || !bytes.Equal(restO, restB) {
			t.Fatalf("% x became % x (%v)", b, out, errO)
		}
		long := func(p []byte) bool { return len(p) > 2 && p[0]&0x80 != 0 && p[1]&0x80 != 0 && p[2]&0x80 != 0 }
		wantPID, wantTL0, wantKeyIdx := vb.PictureID, vb.TL0PICIDX, vb.KEYIDX
		if errA == nil && va.I == 1 && vb.I == 1 {
			wantPID = va.PictureID + 1
			if !long(b) {
				wantPID &= 0x7f
			}
			wantPID &= 0x7fff
		}
		if errA == nil && va.L == 1 && vb.L == 1 {
			wantTL0 = va.TL0PICIDX + 1
		}
		if errA == nil && va.K == 1 && vb.K == 1 {
			wantKeyIdx = (va.KEYIDX + 1) & 0x1f
		}
		if vo.PictureID != wantPID || vo.TL0PICIDX != wantTL0 || vo.KEYIDX != wantKeyIdx {
			t.Fatalf("% x after % x became % x: picture ID %d TL0PICIDX %d KEYIDX %d, want %d %d %d",
				b, a, out, vo.PictureID, vo.TL0PICIDX, vo.KEYIDX, wantPID, wantTL0, wantKeyIdx)
		}
		// Everything but the counters is as it was.
		vo.PictureID, vo.TL0PICIDX, vo.KEYIDX = vb.PictureID, vb.TL0PICIDX, vb.KEYIDX
		if !reflect.DeepEqual(vo, vb) || long(out) != long(b) {
			t.Fatalf("% x became % x: %+v, want %+v", b, out, vo, vb)
		}
	})
}
