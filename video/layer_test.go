package video

import (
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// feed adds bytesPer every step for d on clock c.
func feed(m *Meter, c *fakeClock, d, step time.Duration, bytesPer int) {
	for end := c.t.Add(d); c.t.Before(end); c.advance(step) {
		m.Add(bytesPer)
	}
}

// near reports whether got is within 3% of want.
func near(got, want uint64) bool {
	return math.Abs(float64(got)-float64(want)) <= 0.03*float64(want)
}

func TestMeter(t *testing.T) {
	c := newFakeClock()
	m := NewMeter(c.now)
	if r := m.Rate(); r != 0 {
		t.Fatalf("new meter: %d bit/s", r)
	}
	// 1250 bytes every 10 ms is 1 Mbit/s.
	feed(m, c, 50*time.Millisecond, 10*time.Millisecond, 1250)
	if r := m.Rate(); r != 0 {
		t.Errorf("after 50 ms: %d bit/s, want 0 (too young to tell)", r)
	}
	feed(m, c, 100*time.Millisecond, 10*time.Millisecond, 1250)
	if r := m.Rate(); !near(r, 1_000_000) {
		t.Errorf("after 150 ms: %d bit/s, want 1 Mbit/s (measured since the stream started)", r)
	}
	// 875 bytes every 7 ms is 1 Mbit/s too, and lands at every phase of
	// a bucket. The window is 0.9 to 1 s long, so one packet more or less
	// is 1%.
	feed(m, c, 3*time.Second, 7*time.Millisecond, 875)
	for range 100 {
		m.Add(875)
		for range 7 {
			if r := m.Rate(); !near(r, 1_000_000) {
				t.Fatalf("steady, %v into a bucket: %d bit/s, want 1 Mbit/s", c.t.Sub(m.start)%bucketLen, r)
			}
			c.advance(time.Millisecond)
		}
	}
	// Three times as much: the window slides over to it within a second.
	feed(m, c, 500*time.Millisecond, 10*time.Millisecond, 3750)
	if r := m.Rate(); r < 1_800_000 || r > 2_200_000 {
		t.Errorf("half a second after a step from 1 to 3 Mbit/s: %d bit/s, want about 2", r)
	}
	feed(m, c, 500*time.Millisecond, 10*time.Millisecond, 3750)
	if r := m.Rate(); !near(r, 3_000_000) {
		t.Errorf("a second after a step to 3 Mbit/s: %d bit/s", r)
	}
	// The layer stops.
	c.advance(500 * time.Millisecond)
	if r := m.Rate(); r < 1_300_000 || r > 1_700_000 {
		t.Errorf("half a second after the stream stopped: %d bit/s, want about 1.5 M", r)
	}
	c.advance(500 * time.Millisecond)
	if r := m.Rate(); r != 0 {
		t.Errorf("a second after the stream stopped: %d bit/s, want 0", r)
	}
	// Long after, the stream starts again: it is measured from its
	// restart, not over a window that is mostly the pause, and the ring's
	// old buckets are not counted again.
	c.advance(time.Hour + 30*time.Millisecond)
	feed(m, c, 50*time.Millisecond, 10*time.Millisecond, 1250)
	if r := m.Rate(); r != 0 {
		t.Errorf("50 ms after a restart: %d bit/s, want 0 (too young to tell)", r)
	}
	feed(m, c, 150*time.Millisecond, 10*time.Millisecond, 1250)
	if r := m.Rate(); !near(r, 1_000_000) {
		t.Errorf("200 ms after a restart at 1 Mbit/s: %d bit/s", r)
	}
	// A pause shorter than the window is part of the stream.
	c.advance(500 * time.Millisecond)
	feed(m, c, 200*time.Millisecond, 10*time.Millisecond, 1250)
	if r := m.Rate(); r < 400_000 || r > 600_000 {
		t.Errorf("400 ms at 1 Mbit/s in the last 0.9 to 1 s: %d bit/s, want about 450 k", r)
	}
}

func TestMeterOddInput(t *testing.T) {
	c := newFakeClock()
	m := NewMeter(c.now)
	m.Add(0)
	m.Add(-5)
	if r := m.Rate(); r != 0 {
		t.Errorf("after nothing counted: %d bit/s", r)
	}
	// A clock that steps back counts as if no time had passed.
	c.advance(-time.Hour)
	m.Add(100)
	if r := m.Rate(); r != 0 {
		t.Errorf("at age 0: %d bit/s, want 0", r)
	}
	c.advance(time.Hour + 100*time.Millisecond)
	if r := m.Rate(); r != 8000 {
		t.Errorf("100 bytes in 100 ms: %d bit/s, want 8000", r)
	}
}

// TestMeterConcurrent adds from one goroutine while others read, for the
// race detector.
func TestMeterConcurrent(t *testing.T) {
	m := NewMeter(nil)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				m.Rate()
			}
		})
	}
	for range 10000 {
		m.Add(1200)
	}
	stop.Store(true)
	wg.Wait()
	time.Sleep(bucketLen) // no longer too young to tell
	if m.Rate() == 0 {
		t.Error("rate 0 after adding")
	}
}

func BenchmarkMeterAdd(b *testing.B) {
	m := NewMeter(nil)
	b.ReportAllocs()
	for b.Loop() {
		m.Add(1200)
	}
}

func TestChoose(t *testing.T) {
	// Three layers: 150 kbit/s, 500 kbit/s, 1.5 Mbit/s. Moving up to the
	// top layer takes 1.725 Mbit/s, to the middle one 575 kbit/s.
	three := []uint64{150_000, 500_000, 1_500_000}
	tests := []struct {
		name     string
		rates    []uint64
		estimate uint64
		current  int
		want     int
	}{
		{"start, room for the top", three, 2_000_000, -1, 2},
		{"start, the top fits without margin", three, 1_600_000, -1, 1},
		{"start, exactly the margin", three, 1_725_000, -1, 2},
		{"start, just short of the margin", three, 1_724_999, -1, 1},
		{"start, nothing fits", three, 100_000, -1, 0},
		{"start, no estimate", three, 0, -1, 0},
		{"stay on the top while it fits", three, 1_600_000, 2, 2},
		{"stay on the top at exactly its rate", three, 1_500_000, 2, 2},
		{"down as soon as it does not fit", three, 1_499_999, 2, 1},
		{"down two layers", three, 400_000, 2, 0},
		{"down to the lowest, which does not fit either", three, 100_000, 2, 0},
		{"stay on the lowest that does not fit", three, 100_000, 0, 0},
		{"no up without margin", three, 1_600_000, 1, 1},
		{"up with margin", three, 1_800_000, 1, 2},
		{"up two layers", three, 10_000_000, 0, 2},
		{"up one of two", three, 1_000_000, 0, 1},
		{"lowest layer not flowing", []uint64{0, 500_000, 1_500_000}, 100_000, -1, 1},
		{"current layer stopped, the one below fits", []uint64{150_000, 500_000, 0}, 10_000_000, 2, 1},
		{"current layer stopped, up needs margin", []uint64{150_000, 0, 1_500_000}, 1_600_000, 1, 0},
		{"only the top flows", []uint64{0, 0, 1_500_000}, 100, 0, 2},
		{"nothing flows", []uint64{0, 0, 0}, 10_000_000, 1, -1},
		{"no layers", nil, 10_000_000, -1, -1},
		{"current past the layers counts as none", three, 1_600_000, 5, 1},
		{"current below -1 counts as none", three, 1_600_000, -7, 1},
		{"one layer", []uint64{300_000}, 1_000_000, -1, 0},
		{"huge rates", []uint64{100, math.MaxUint64}, math.MaxUint64, 1, 1},
		{"huge rates, no margin to move up", []uint64{100, math.MaxUint64}, math.MaxUint64, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Choose(tt.rates, tt.estimate, tt.current); got != tt.want {
				t.Errorf("Choose(%v, %d, %d) = %d, want %d", tt.rates, tt.estimate, tt.current, got, tt.want)
			}
		})
	}
}

// TestChooseFlapping feeds estimates one after another, each choice the
// current of the next, as a receiver's sender would.
func TestChooseFlapping(t *testing.T) {
	three := []uint64{150_000, 500_000, 1_500_000}
	tests := []struct {
		name      string
		estimates []uint64
		want      []int
	}{
		{"around the top layer's rate, from below", // never 15% over it
			[]uint64{1_000_000, 1_550_000, 1_450_000, 1_700_000, 1_480_000, 1_600_000},
			[]int{1, 1, 1, 1, 1, 1}},
		{"around the top layer's rate, from the top",
			[]uint64{2_000_000, 1_550_000, 1_520_000, 1_700_000, 1_500_000, 1_600_000},
			[]int{2, 2, 2, 2, 2, 2}},
		{"a dip costs one step down, and the way back needs the margin",
			[]uint64{2_000_000, 1_400_000, 1_600_000, 1_700_000, 1_750_000, 1_600_000},
			[]int{2, 1, 1, 1, 2, 2}},
		{"a crash and a recovery",
			[]uint64{2_000_000, 50_000, 160_000, 560_000, 580_000, 1_000_000, 1_800_000},
			[]int{2, 0, 0, 0, 1, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			current := -1
			for i, e := range tt.estimates {
				current = Choose(three, e, current)
				if current != tt.want[i] {
					t.Fatalf("estimate %d (%d bit/s): layer %d, want %d", i, e, current, tt.want[i])
				}
			}
		})
	}

	// The top layer pauses (its publisher is short of bandwidth) and
	// comes back: down and up again, as the estimate allows.
	current := -1
	for i, rates := range [][]uint64{three, {150_000, 500_000, 0}, three} {
		want := []int{2, 1, 2}[i]
		if current = Choose(rates, 2_000_000, current); current != want {
			t.Fatalf("rates %v: layer %d, want %d", rates, current, want)
		}
	}

	// An estimate that wanders between the top layer's rate and its
	// margin never moves the receiver, wherever it is.
	rng := rand.New(rand.NewPCG(1, 2))
	for _, start := range []int{1, 2} {
		current = start
		for i := range 1000 {
			e := 1_500_000 + rng.Uint64N(225_000)
			if current = Choose(three, e, current); current != start {
				t.Fatalf("from layer %d, estimate %d (%d bit/s): moved to %d", start, i, e, current)
			}
		}
	}
}
