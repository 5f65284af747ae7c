package jitter

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestImpairedStream plays the hardening issue's fault profile through the
// buffer on an ideal clock: a 20 ms stream of which 5% is lost, the rest
// delayed by 30 ± 30 ms (uniform) except 5% sent at once, overtaking the
// packets held. Concealment covers a frame or two well (G.711 Appendix I
// fades out over 60 ms); a frame counts as missing from the third lost or
// empty frame of a run on. Under 1% of the frames may be missing, over
// eight seeds of 15 s each.
func TestImpairedStream(t *testing.T) {
	const frames = 750
	for seed := uint64(1); seed <= 8; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		type arrival struct {
			at time.Duration
			i  int
		}
		var arrivals []arrival
		for i := range frames {
			lost, now := rng.Float64() < 0.05, rng.Float64() < 0.05
			d := 30*time.Millisecond + time.Duration((2*rng.Float64()-1)*float64(30*time.Millisecond))
			switch {
			case lost:
				continue
			case now:
				d = 0
			}
			arrivals = append(arrivals, arrival{time.Duration(i)*frameDuration + d, i})
		}
		sort.SliceStable(arrivals, func(a, b int) bool { return arrivals[a].at < arrivals[b].at })

		b, err := New(8000, Options{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 16)
		phase := time.Duration(rng.IntN(20)) * time.Millisecond
		next, run, missing, played := 0, 0, 0, 0
		for tick := range frames {
			at := arrivals[0].at + phase + time.Duration(tick)*frameDuration
			for ; next < len(arrivals) && arrivals[next].at <= at; next++ {
				i := arrivals[next].i
				b.Push(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i) * 160, SSRC: 1},
					Payload: []byte{1}})
			}
			f := b.Pop(buf)
			if f.Kind == Packet {
				played++
				run = 0
				continue
			}
			if played == 0 {
				continue // still filling up
			}
			if run++; run >= 3 {
				missing++
			}
		}
		st := b.Stats()
		t.Logf("seed %d: %d frames missing, %+v", seed, missing, st)
		if 100*missing >= frames {
			t.Errorf("seed %d: %d of %d frames missing, want under 1%%", seed, missing, frames)
		}
	}
}

// TestDelayFollowsJitter plays 60 s streams on an ideal clock, each packet
// delayed by the network by a random 0 to jitter ms, in order (a packet
// never overtakes the one before, as on one path), and checks that the
// delay settles where the arrivals need it: the floor of one frame
// without jitter, at most two frames with 30 ms, which a packet waits for
// in ticks (from the Pop after its arrival) at the end. Skipped ticks (a
// mixer stall of 200 ms whose ticks never pop) must not leave the stream
// later for good.
func TestDelayFollowsJitter(t *testing.T) {
	tests := []struct {
		name     string
		jitter   time.Duration
		skip     bool
		maxDelay time.Duration
		maxWait  int // ticks from arrival to playout, at the end
	}{
		{name: "no jitter", maxDelay: 20 * time.Millisecond, maxWait: 1},
		{name: "30 ms jitter", jitter: 30 * time.Millisecond, maxDelay: 40 * time.Millisecond, maxWait: 3},
		{name: "ticks skipped", skip: true, maxDelay: 20 * time.Millisecond, maxWait: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 4; seed++ {
				const frames = 3000
				rng := rand.New(rand.NewPCG(seed, 7))
				arrive := make([]time.Duration, frames)
				for i := range arrive {
					arrive[i] = time.Duration(i)*frameDuration + time.Duration(rng.Float64()*float64(tt.jitter))
					if i > 0 {
						arrive[i] = max(arrive[i], arrive[i-1])
					}
				}
				b, err := New(8000, Options{})
				if err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 0, 16)
				phase := time.Duration(rng.IntN(20)) * time.Millisecond
				pushedAt := make([]int, frames)
				next, wait, lost := 0, 0, 0
				for tick := range frames - 20 {
					at := phase + time.Duration(tick)*frameDuration
					for ; next < frames && arrive[next] <= at; next++ {
						b.Push(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(next), Timestamp: uint32(next) * 160, SSRC: 1},
							Payload: []byte{1}})
						pushedAt[next] = tick
					}
					if tt.skip && tick >= 1000 && tick < 1010 {
						continue // the mixer stalled: these ticks never pop
					}
					switch f := b.Pop(buf); f.Kind {
					case Packet:
						wait = tick - pushedAt[f.Seq]
					case Lost:
						lost++
					}
				}
				st := b.Stats()
				if st.Delay > tt.maxDelay || wait > tt.maxWait || lost > frames/100 {
					t.Errorf("seed %d: delay %v, a packet waits %d ticks, %d lost (%+v); want delay ≤ %v, ≤ %d ticks, ≤ 1%% lost",
						seed, st.Delay, wait, lost, st, tt.maxDelay, tt.maxWait)
				}
			}
		})
	}
}
