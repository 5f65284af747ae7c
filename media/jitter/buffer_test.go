package jitter

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// in is one packet of a scripted stream: the i-th frame of the stream that
// starts at sequence number base, with SSRC 1 unless ssrc is set.
type in struct {
	i    int
	ssrc uint32
}

// tick pushes packets, then pops once and checks the result, written as
// "-" (None), "P<i>" (Packet of frame i), "L<i>" (Lost frame i) or
// "L<i>+<j>" (Lost frame i, with frame j's payload as Next).
type tick struct {
	push []in
	want string
}

func packet(base uint16, p in) *rtp.Packet {
	ssrc := p.ssrc
	if ssrc == 0 {
		ssrc = 1
	}
	seq := base + uint16(p.i)
	return &rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			SequenceNumber: seq,
			Timestamp:      1000 + uint32(p.i)*160,
			SSRC:           ssrc,
		},
		Payload: []byte{byte(p.i), byte(p.i >> 8), 0xAA},
	}
}

// describe renders f in the notation of tick.want.
func describe(base uint16, f Frame) string {
	idx := func(seq uint16) int { return int(int16(seq - base)) }
	pay := func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
	switch f.Kind {
	case None:
		return "-"
	case Packet:
		if pay(f.Payload) != idx(f.Seq) {
			return fmt.Sprintf("P%d(payload %d)", idx(f.Seq), pay(f.Payload))
		}
		return fmt.Sprintf("P%d", idx(f.Seq))
	case Lost:
		if f.Next != nil {
			return fmt.Sprintf("L%d+%d", idx(f.Seq), pay(f.Next))
		}
		return fmt.Sprintf("L%d", idx(f.Seq))
	}
	return f.Kind.String()
}

func seqOf(n int) []tick {
	var t []tick
	for i := 0; i < n; i++ {
		t = append(t, tick{push: []in{{i: i}}, want: "-"})
	}
	return t
}

func TestBuffer(t *testing.T) {
	tests := []struct {
		name  string
		base  uint16
		ticks []tick
		want  Stats
	}{
		{
			name: "in order",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 1}}, "-"}, {[]in{{i: 2}}, "-"},
				{[]in{{i: 3}}, "P0"}, {[]in{{i: 4}}, "P1"}, {[]in{{i: 5}}, "P2"},
				{nil, "P3"}, {nil, "P4"}, {nil, "P5"},
			},
			want: Stats{Received: 6},
		},
		{
			name: "reorder",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 2}}, "-"}, {[]in{{i: 1}}, "-"},
				{[]in{{i: 4}, {i: 3}}, "P0"}, {nil, "P1"}, {[]in{{i: 6}}, "P2"},
				{[]in{{i: 5}}, "P3"}, {nil, "P4"}, {nil, "P5"}, {nil, "P6"},
			},
			want: Stats{Received: 7},
		},
		{
			name: "loss, with the next packet for FEC",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 1}}, "-"}, {nil, "-"},
				{[]in{{i: 3}}, "P0"}, {[]in{{i: 4}}, "P1"}, {[]in{{i: 5}}, "L2+3"},
				{nil, "P3"}, {nil, "P4"}, {nil, "P5"},
			},
			want: Stats{Received: 5, Lost: 1},
		},
		{
			name: "loss, next packet not yet here",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {nil, "-"}, {nil, "-"},
				{nil, "P0"}, {nil, "L1"}, {[]in{{i: 2}}, "P2"},
			},
			want: Stats{Received: 2, Lost: 1},
		},
		{
			name: "duplicate, buffered and already played",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 1}, {i: 1}}, "-"}, {[]in{{i: 2}}, "-"},
				{[]in{{i: 0}}, "P0"}, {[]in{{i: 0}}, "P1"}, {nil, "P2"},
			},
			want: Stats{Received: 6, Duplicates: 3},
		},
		{
			name: "late packet is dropped and the delay grows",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 1}}, "-"}, {nil, "-"},
				{[]in{{i: 3}}, "P0"}, {[]in{{i: 4}}, "P1"}, {[]in{{i: 5}}, "L2+3"},
				{[]in{{i: 2}, {i: 6}}, "P3"}, {[]in{{i: 7}}, "P4"},
				// Frame 8 goes missing: the buffer holds one tick
				// to grow its delay, then the packet turns up.
				{nil, "P5"}, {nil, "P6"}, {nil, "P7"}, {nil, "L8"}, {[]in{{i: 8}}, "P8"},
			},
			want: Stats{Received: 9, Lost: 2, Late: 1, Delay: 80 * time.Millisecond},
		},
		{
			name: "wrap-around",
			base: 65533,
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 2}}, "-"}, {[]in{{i: 1}}, "-"},
				{[]in{{i: 4}}, "P0"}, {[]in{{i: 3}, {i: 3}}, "P1"}, {[]in{{i: 6}}, "P2"},
				{nil, "P3"}, {nil, "P4"}, {nil, "L5+6"}, {nil, "P6"},
			},
			want: Stats{Received: 7, Duplicates: 1, Lost: 1},
		},
		{
			name: "SSRC change resyncs",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 1}}, "-"}, {[]in{{i: 2}}, "-"},
				{[]in{{i: 3}}, "P0"},
				{[]in{{i: 500, ssrc: 2}}, "-"}, {[]in{{i: 501, ssrc: 2}}, "-"},
				{[]in{{i: 502, ssrc: 2}}, "-"}, {nil, "P500"}, {nil, "P501"},
			},
			want: Stats{Received: 7, Resyncs: 1},
		},
		{
			name: "sequence jump resyncs once confirmed",
			ticks: []tick{
				{[]in{{i: 0}}, "-"}, {[]in{{i: 1}}, "-"}, {[]in{{i: 2}}, "-"},
				{[]in{{i: 3000}}, "P0"}, {[]in{{i: 3}}, "P1"},
				{[]in{{i: 9000}}, "P2"}, {[]in{{i: 9001}}, "-"},
				{nil, "-"}, {nil, "-"}, {nil, "P9000"}, {nil, "P9001"},
			},
			want: Stats{Received: 7, Resyncs: 1},
		},
		{
			name: "long underrun goes quiet, then resumes",
			ticks: append(seqOf(2),
				tick{nil, "-"}, tick{nil, "P0"}, tick{nil, "P1"},
				tick{nil, "L2"}, tick{nil, "L3"}, tick{nil, "L4"}, tick{nil, "L5"}, tick{nil, "L6"},
				tick{nil, "-"}, tick{nil, "-"},
				tick{[]in{{i: 2}}, "-"}, tick{[]in{{i: 3}}, "-"}, tick{nil, "-"}, tick{nil, "P2"}, tick{nil, "P3"},
			),
			want: Stats{Received: 4, Lost: 5},
		},
		{
			name:  "nothing before the first packet",
			ticks: []tick{{nil, "-"}, {nil, "-"}, {nil, "-"}, {nil, "-"}, {nil, "-"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(8000, Options{})
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 0, 1500)
			var got, want []string
			for _, tk := range tt.ticks {
				for _, p := range tk.push {
					b.Push(packet(tt.base, p))
				}
				got = append(got, describe(tt.base, b.Pop(buf)))
				want = append(want, tk.want)
			}
			if g, w := strings.Join(got, " "), strings.Join(want, " "); g != w {
				t.Errorf("pops:\n got %s\nwant %s", g, w)
			}
			st := b.Stats()
			if tt.want.Delay == 0 {
				tt.want.Delay = DefaultInitialDelay
			}
			if st != tt.want {
				t.Errorf("stats = %+v, want %+v", st, tt.want)
			}
		})
	}
}

// TestJitterAbsorbed sends packets that each arrive up to 60 ms after their
// nominal time, in a scrambled order, and expects every one to play in
// order without loss.
func TestJitterAbsorbed(t *testing.T) {
	b, err := New(8000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 500
	// Arrival time of packet i, in ms: 20*i plus a pseudo-random 0..60.
	arrive := make([]int, n)
	for i := range arrive {
		arrive[i] = 20*i + (i*37+i*i*11)%61
	}
	arrive[0] = 0
	buf := make([]byte, 0, 1500)
	played := 0
	for tk := 0; tk < n+3; tk++ {
		now := 20 * tk
		// Push in arrival order what has arrived by now.
		for {
			best := -1
			for i, a := range arrive {
				if a >= 0 && a <= now && (best < 0 || a < arrive[best]) {
					best = i
				}
			}
			if best < 0 {
				break
			}
			b.Push(packet(0, in{i: best}))
			arrive[best] = -1
		}
		f := b.Pop(buf)
		switch {
		case tk < 3 && f.Kind != None:
			t.Fatalf("tick %d: %v during the initial delay", tk, f.Kind)
		case tk >= 3:
			if f.Kind != Packet || int(f.Seq) != played {
				t.Fatalf("tick %d: got %s, want P%d", tk, describe(0, f), played)
			}
			played++
		}
	}
	st := b.Stats()
	if st.Lost != 0 || st.Late != 0 || played != n {
		t.Errorf("played %d of %d; stats %+v", played, n, st)
	}
}

// TestDelayAdapts checks that a packet arriving late raises the delay so
// that the next spike of the same size costs concealment but no packet, and
// that the delay shrinks back to the floor (MinDelay, no longer the initial
// delay) once the jitter is gone.
func TestDelayAdapts(t *testing.T) {
	b, err := New(8000, Options{ShrinkAfter: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1500)
	// spike holds frames back by the network for 100 ms, from tick at.
	spike := func(tk, at int) {
		switch {
		case tk >= at && tk < at+5:
		case tk == at+5:
			for i := at; i <= tk; i++ {
				b.Push(packet(0, in{i: i}))
			}
		default:
			b.Push(packet(0, in{i: tk}))
		}
	}
	for tk := 0; tk < 500; tk++ {
		at := 50
		if tk >= 100 {
			at = 100
		}
		spike(tk, at)
		b.Pop(buf)
		switch tk {
		case 99:
			if st := b.Stats(); st.Late != 2 || st.Lost != 2 {
				t.Errorf("after the first spike: %+v, want 2 late and 2 lost", st)
			}
		case 110:
			st := b.Stats()
			if st.Late != 2 || st.Lost != 4 {
				t.Errorf("after the second spike: %+v, want still 2 late, and 4 lost", st)
			}
			if st.Delay != 100*time.Millisecond {
				t.Errorf("delay after the second spike = %v, want 100ms", st.Delay)
			}
		}
	}
	// From 100 ms down to the floor, one frame discarded per frame of
	// delay given back.
	st := b.Stats()
	if st.Delay != DefaultMinDelay || st.Dropped != 4 {
		t.Errorf("after 8 s without jitter: %+v, want delay %v and 4 dropped", st, DefaultMinDelay)
	}
}

func TestTimestampJumpResyncs(t *testing.T) {
	b, err := New(8000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1500)
	for i := 0; i < 5; i++ {
		b.Push(packet(0, in{i: i}))
		b.Pop(buf)
	}
	p := packet(0, in{i: 5})
	p.Timestamp += 8000 * 10
	b.Push(p)
	if f := b.Pop(buf); f.Kind != None {
		t.Errorf("after a 10 s timestamp jump got %v, want none (refilling)", f.Kind)
	}
	if st := b.Stats(); st.Resyncs != 1 {
		t.Errorf("resyncs = %d, want 1", st.Resyncs)
	}
}

func TestLatencyCapped(t *testing.T) {
	b, err := New(8000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 1500)
	for i := 0; i < 40; i++ {
		b.Push(packet(0, in{i: i}))
	}
	// The burst holds far more than the playout delay: playout starts at
	// once, the last three frames behind the newest.
	f := b.Pop(buf)
	if f.Kind != Packet || f.Seq != 37 {
		t.Errorf("after a 40-packet burst got %s, want P37", describe(0, f))
	}
	if st := b.Stats(); st.Dropped != 37 {
		t.Errorf("dropped = %d, want 37", st.Dropped)
	}
}

func TestNewInvalid(t *testing.T) {
	for _, tc := range []struct {
		rate int
		o    Options
	}{
		{0, Options{}},
		{8001, Options{}},
		{8000, Options{InitialDelay: 100 * time.Millisecond, MaxDelay: 40 * time.Millisecond}},
		{8000, Options{MaxConceal: -1}},
		{8000, Options{MinDelay: -1}},
		{8000, Options{MinDelay: 100 * time.Millisecond, MaxDelay: 80 * time.Millisecond}},
		{8000, Options{MaxDelay: time.Minute}},
	} {
		if _, err := New(tc.rate, tc.o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("New(%d, %+v) error = %v, want ErrInvalidOptions", tc.rate, tc.o, err)
		}
	}
}

func TestConcurrentPushPop(t *testing.T) {
	b, err := New(48000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p := packet(0, in{})
		for i := 0; i < 2000; i++ {
			p.SequenceNumber = uint16(i)
			p.Timestamp = uint32(i) * 960
			b.Push(p)
		}
	}()
	buf := make([]byte, 0, 1500)
	for i := 0; i < 2000; i++ {
		b.Pop(buf)
	}
	<-done
	if st := b.Stats(); st.Received != 2000 {
		t.Errorf("received = %d, want 2000", st.Received)
	}
}

func BenchmarkPushPop(b *testing.B) {
	buf, err := New(8000, Options{})
	if err != nil {
		b.Fatal(err)
	}
	p := packet(0, in{})
	p.Payload = make([]byte, 160)
	out := make([]byte, 0, 1500)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		p.SequenceNumber = uint16(i)
		p.Timestamp = uint32(i) * 160
		buf.Push(p)
		buf.Pop(out)
	}
}

// TestPaddingTakesNoSlot: packets without payload (padding only, as
// Chromium sends one after its first audio packet and bursts of them to
// probe bandwidth) share the audio's sequence numbers but carry no frame.
// The buffer must pass over them: no tick plays an empty payload or
// reports a loss for them, the audio keeps its timing, a burst longer
// than the latency cap does not make the buffer skip real audio, and a
// padding packet alone starts no stream.
func TestPaddingTakesNoSlot(t *testing.T) {
	const ts0 = 5000
	audio := func(seq uint16, frame int) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts0 + uint32(frame)*960, SSRC: 9},
			Payload: []byte{byte(frame), byte(frame >> 8), 0xAA}}
	}
	padding := func(seq uint16, frame int) *rtp.Packet {
		return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts0 + uint32(frame)*960, SSRC: 9, Padding: true}}
	}
	b, err := New(48000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	if f := b.Pop(buf); f.Kind != None {
		t.Fatalf("before any packet: %v", f.Kind)
	}
	b.Push(padding(99, 0)) // padding first: no stream yet
	if f := b.Pop(buf); f.Kind != None {
		t.Fatalf("after a padding packet alone: %v, want none", f.Kind)
	}
	// Frame 0, then one padding packet, then a frame per tick, with a
	// probe burst of 30 padding packets after frame 5.
	seq, frame := uint16(100), 0
	var got []string
	for tick := range 40 {
		b.Push(audio(seq, frame))
		seq++
		switch frame {
		case 0:
			b.Push(padding(seq, frame))
			seq++
		case 5:
			for range 30 {
				b.Push(padding(seq, frame))
				seq++
			}
		}
		frame++
		f := b.Pop(buf)
		switch f.Kind {
		case Packet:
			if len(f.Payload) == 0 {
				t.Fatalf("tick %d played an empty payload (seq %d)", tick, f.Seq)
			}
			got = append(got, fmt.Sprint(int(f.Payload[0])|int(f.Payload[1])<<8))
		default:
			got = append(got, f.Kind.String())
		}
	}
	want := "none none none"
	for i := range 37 {
		want += fmt.Sprintf(" %d", i)
	}
	if g := strings.Join(got, " "); g != want {
		t.Errorf("played\n%s\nwant\n%s", g, want)
	}
	if st := b.Stats(); st.Lost != 0 || st.Dropped != 0 || st.Late != 0 || st.Resyncs != 0 || st.Delay != DefaultInitialDelay {
		t.Errorf("stats %+v: want no loss, drop, late packet or resync, and the initial delay", st)
	}
}

// TestBurstAfterStallPlaysAtOnce: the sender (or the machine) stalls for
// 300 ms while the ticks go on: the buffer conceals, then goes quiet. The
// stalled packets then arrive in one burst, more than the playout delay:
// playout must resume at the next tick, not after another playout delay of
// silence.
func TestBurstAfterStallPlaysAtOnce(t *testing.T) {
	b, err := New(8000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	i := 0
	for ; i < 50; i++ { // one second of a steady stream
		b.Push(packet(0, in{i: i}))
		b.Pop(buf)
	}
	var got []string
	for range 15 { // 300 ms stall of the packets
		got = append(got, describe(0, b.Pop(buf)))
	}
	for ; i < 65; i++ { // they all come at once
		b.Push(packet(0, in{i: i}))
	}
	for range 4 {
		got = append(got, describe(0, b.Pop(buf)))
		b.Push(packet(0, in{i: i}))
		i++
	}
	// The three buffered frames, 100 ms of concealment, quiet; then the
	// burst, at once.
	want := "P47 P48 P49 L50 L51 L52 L53 L54 - - - - - - - P50 P51 P52 P53"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("pops:\n got %s\nwant %s", g, want)
	}
}

// TestBurstySender: a sender starved of CPU sends its packets in bursts,
// all those of the last 80 to 400 ms at once. Nearly every frame must
// still be played (the old buffer played half of them with 400 ms bursts,
// and a restart that dropped the burst's older frames played 30% with
// 200 ms ones).
func TestBurstySender(t *testing.T) {
	for _, period := range []int{4, 8, 10, 15, 20} {
		b, err := New(48000, Options{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 16)
		i, played := 0, 0
		const ticks = 1000
		for tick := range ticks {
			if tick%period == 0 {
				for ; i <= tick; i++ {
					b.Push(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i) * 960, SSRC: 1},
						Payload: []byte{1}})
				}
			}
			if b.Pop(buf).Kind == Packet {
				played++
			}
		}
		if played < ticks*97/100 {
			t.Errorf("bursts every %d ms: %d of %d frames played (%+v), want 97%%", 20*period, played, ticks, b.Stats())
		}
	}
}

// TestStartBacklogTrimmed: the packets of a stream that queued before the
// first Pop (the leg joined the mixer after its sender started) are
// stale; playout keeps only the last playout delay's worth of them, or
// the stream would stay that much late for good.
func TestStartBacklogTrimmed(t *testing.T) {
	b, err := New(8000, Options{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	i := 0
	for ; i < 20; i++ {
		b.Push(packet(0, in{i: i}))
	}
	var got []string
	for range 4 {
		got = append(got, describe(0, b.Pop(buf)))
		b.Push(packet(0, in{i: i}))
		i++
	}
	if g, want := strings.Join(got, " "), "P17 P18 P19 P20"; g != want {
		t.Errorf("pops:\n got %s\nwant %s", g, want)
	}
	if st := b.Stats(); st.Dropped != 17 || st.Delay != DefaultInitialDelay {
		t.Errorf("stats %+v: want 17 dropped and the initial delay", st)
	}
}
