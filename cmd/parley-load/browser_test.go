package main

import (
	"net"
	"testing"
	"time"

	"github.com/parleyhq/parley/media/opus"
)

// TestOpusAudio checks the browser legs' streams: their lengths and audio
// levels, and that a tone decoded and taken down to 8 kHz as a browser
// listener does is heard at its frequency and level.
func TestOpusAudio(t *testing.T) {
	a := &opusAudio{}
	for _, tc := range []struct {
		name   string
		freq   float64
		marker bool
		frames int
		silent int // frames at silentLevel, first
	}{
		{"tone", 440, false, framesPerSec, 0},
		{"marker", 660, true, framesPerSec, markerGap},
		{"silence", 0, false, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := a.stream(tc.freq, tc.marker)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.frames) != tc.frames || len(s.levels) != tc.frames {
				t.Fatalf("%d frames, %d levels, want %d", len(s.frames), len(s.levels), tc.frames)
			}
			for i, l := range s.levels {
				if want := byte(talkLevel); i < tc.silent {
					if l != silentLevel {
						t.Errorf("frame %d: level %d, want %d", i, l, silentLevel)
					}
				} else if l != want {
					t.Errorf("frame %d: level %d, want %d", i, l, want)
				}
			}
			if tc.freq == 0 || tc.marker {
				return
			}
			dec, err := opus.NewDecoder()
			if err != nil {
				t.Fatal(err)
			}
			pcm := make([]int16, 6*opus.FrameSamples)
			var ulaw []byte
			for range 2 { // the second loop, past the decoder's start
				ulaw = ulaw[:0]
				for _, f := range s.frames {
					n, err := dec.Decode(f, pcm)
					if err != nil {
						t.Fatal(err)
					}
					ulaw = toUlaw8k(pcm[:n], ulaw)
				}
			}
			if got := measureTones(ulaw, []float64{tc.freq})[0]; !got.present() {
				t.Errorf("%v Hz decoded at %.1f dBFS, want %v ± %v", tc.freq, got.DBFS, toneDBFS, toneTolerance)
			}
		})
	}
	if s1, _ := a.stream(440, false); &s1.frames[0][0] != &mustStream(t, a, 440).frames[0][0] {
		t.Error("a stream is encoded again on its second use")
	}
}

func mustStream(t *testing.T, a *opusAudio, freq float64) opusStream {
	t.Helper()
	s, err := a.stream(freq, false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJitterQueue checks that each packet is delayed within [0, max] and
// that a leg's packets leave in their order.
func TestJitterQueue(t *testing.T) {
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	_ = rx.SetReadBuffer(4 << 20)
	l, err := newLeg(1, silenceFrames(), false, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	l.remote = rx.LocalAddr().(*net.UDPAddr)
	const n, max = 100, 30 * time.Millisecond
	j := newJitterQueue(max)
	t0 := time.Now()
	buf := make([]byte, 1500)
	for i := range n {
		sent := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		pkt, _ := l.next(buf)
		j.push(sent, l, pkt, false)
		if d := j.q[len(j.q)-1].due.Sub(sent); d < 0 || d > max {
			t.Fatalf("packet %d delayed %v, want 0 to %v", i, d, max)
		}
	}
	if errs := j.flush(t0.Add(time.Hour)); errs != 0 {
		t.Fatalf("%d sends failed", errs)
	}
	if _, ok := j.due(); ok {
		t.Fatal("packets left after the flush")
	}
	_ = rx.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := range n {
		k, _, err := rx.ReadFromUDP(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		seq, _, _, ok := parseRTP(buf[:k])
		if !ok || int(seq) != i {
			t.Fatalf("packet %d arrived as sequence number %d", i, seq)
		}
	}
}

func TestScenarioBrowser(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		want     []bool // legs 0..4
	}{
		{"one-room", []bool{false, false, false, false, false}},
		{"browsers", []bool{true, true, true, true, true}},
		{"mixed", []bool{false, true, false, true, false}},
	} {
		for k, want := range tc.want {
			if got := scenarios[tc.scenario].browser(k); got != want {
				t.Errorf("%s: leg %d browser = %v, want %v", tc.scenario, k, got, want)
			}
		}
	}
}

func TestRateHolds(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    rateResult
		want bool
	}{
		{"quick", rateResult{Attempted: 3, Setups: []float64{1, 2, 150}}, true},
		{"a failure", rateResult{Attempted: 3, Failed: 1, Setups: []float64{1, 2}}, false},
		{"slow p99", rateResult{Attempted: 2, Setups: []float64{1, 200}}, false},
		{"nothing placed", rateResult{}, false},
	} {
		if got := tc.r.holds(); got != tc.want {
			t.Errorf("%s: holds = %v, want %v", tc.name, got, tc.want)
		}
	}
}
