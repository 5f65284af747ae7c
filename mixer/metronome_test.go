package mixer

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// scheduleSteps step a schedule of ticks from its start by a fake clock:
// after each advance, the ticks done, late and skipped since the start.
var scheduleSteps = []struct {
	advance              time.Duration
	ticks, late, skipped uint64
}{
	{20 * time.Millisecond, 1, 0, 0},   // on time
	{15 * time.Millisecond, 1, 0, 0},   // woken early: 35 ms, tick 2 is due at 40
	{5 * time.Millisecond, 2, 0, 0},    // 40 ms: tick 2
	{60 * time.Millisecond, 5, 2, 0},   // 100 ms: ticks 3, 4 late, 5 on time
	{209 * time.Millisecond, 10, 6, 5}, // 309 ms: 15 due, 10 behind: 5 skipped, 4 late, 1 on time
	{11 * time.Millisecond, 11, 6, 5},  // 320 ms: on the original grid, no drift
}

// startMetronome runs m until the test ends, and waits for it then.
func startMetronome(t *testing.T, m *Metronome) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	})
}

// TestMetronomeSchedule steps three rooms on two workers through a fake
// clock: every room gets every pass, with the late and skipped ticks of
// each catch-up counted in each room.
func TestMetronomeSchedule(t *testing.T) {
	clock := newFakeClock()
	m := NewMetronome(clock, 2)
	rooms := make([]*Room, 3)
	for i := range rooms {
		rooms[i] = newTestRoom(t, newFakeCodec(), Options{})
		if err := rooms[i].Add("a", newLeg(media.PCMU, 1000)); err != nil {
			t.Fatal(err)
		}
		if err := m.Add(rooms[i]); err != nil {
			t.Fatal(err)
		}
	}
	startMetronome(t, m)
	<-clock.ready
	if err := m.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}

	for i, s := range scheduleSteps {
		clock.tick(s.advance)
		for j, r := range rooms {
			st := r.Stats()
			if st.Ticks != s.ticks || st.LateTicks != s.late || st.SkippedTicks != s.skipped {
				t.Fatalf("step %d, room %d: ticks %d, late %d, skipped %d; want %d, %d, %d",
					i, j, st.Ticks, st.LateTicks, st.SkippedTicks, s.ticks, s.late, s.skipped)
			}
		}
	}
}

// TestMetronomeAddRemove checks that a room is ticked from the pass after
// Add and never after Remove, that a room has one driver at a time, and
// that a metronome without rooms stops its ticker and starts it again,
// on a new grid, for the next room.
func TestMetronomeAddRemove(t *testing.T) {
	clock := newFakeClock()
	m := NewMetronome(clock, 1)
	a := newTestRoom(t, newFakeCodec(), Options{})
	b := newTestRoom(t, newFakeCodec(), Options{})
	if err := m.Add(a); err != nil {
		t.Fatal(err)
	}
	startMetronome(t, m)
	<-clock.ready

	clock.tick(20 * time.Millisecond)
	if err := m.Add(b); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(b); !errors.Is(err, ErrRunning) {
		t.Errorf("Add of a room added already: %v, want ErrRunning", err)
	}
	if err := NewMetronome(clock, 1).Add(b); !errors.Is(err, ErrRunning) {
		t.Errorf("Add of a room another metronome ticks: %v, want ErrRunning", err)
	}
	clock.tick(20 * time.Millisecond)
	if ta, tb := a.Stats().Ticks, b.Stats().Ticks; ta != 2 || tb != 1 {
		t.Fatalf("ticks a %d, b %d; want 2, 1", ta, tb)
	}

	if !m.Remove(a) {
		t.Error("Remove(a) = false, want true")
	}
	if m.Remove(a) {
		t.Error("second Remove(a) = true, want false")
	}
	clock.tick(20 * time.Millisecond)
	if ta, tb := a.Stats().Ticks, b.Stats().Ticks; ta != 2 || tb != 2 {
		t.Fatalf("after Remove(a): ticks a %d, b %d; want 2, 2", ta, tb)
	}
	if m.Len() != 1 {
		t.Errorf("Len() = %d, want 1", m.Len())
	}

	// The last room leaves: the next pass finds none and the ticker stops.
	m.Remove(b)
	clock.fire(20 * time.Millisecond)
	<-clock.stopped
	if tb := b.Stats().Ticks; tb != 2 {
		t.Fatalf("ticks of b after Remove: %d, want 2", tb)
	}

	// a comes back: a new ticker, due 20 ms from now, not on the old grid.
	if err := m.Add(a); err != nil {
		t.Fatal(err)
	}
	<-clock.ready
	clock.tick(19 * time.Millisecond)
	if ta := a.Stats().Ticks; ta != 2 {
		t.Fatalf("19 ms after coming back: a ticked %d times, want 2", ta)
	}
	clock.tick(time.Millisecond)
	if st := a.Stats(); st.Ticks != 3 || st.LateTicks != 0 {
		t.Fatalf("20 ms after coming back: a ticked %d times (%d late), want 3 (0)", st.Ticks, st.LateTicks)
	}
}

// TestMetronomeYieldsBeforeCatchUp checks, on one P, that a goroutine made
// runnable during a catch-up (as a socket reader is when its packets come
// in) runs before the next catch-up tick, so that its packets are there
// for that tick.
func TestMetronomeYieldsBeforeCatchUp(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	clock := newFakeClock()
	m := NewMetronome(clock, 1)
	r := newTestRoom(t, newFakeCodec(), Options{})
	reader := &readerLeg{fakeLeg: newLeg(media.PCMU, 0)}
	if err := r.Add("a", reader); err != nil {
		t.Fatal(err)
	}
	if err := m.Add(r); err != nil {
		t.Fatal(err)
	}
	startMetronome(t, m)
	<-clock.ready

	clock.tick(60 * time.Millisecond) // 3 passes due: 2 late, 1 on time
	if got := reader.seen(); fmt.Sprint(got) != "[false true true]" {
		t.Errorf("tick k saw the goroutine started by tick k-1 run: %v, want [false true true]", got)
	}
}

// readerLeg starts, in each ReadAudio, a goroutine that stands for a socket
// reader with a packet to push, and notes whether the one started by the
// previous ReadAudio has run.
type readerLeg struct {
	*fakeLeg
	pushed atomic.Bool
	mu     sync.Mutex
	ran    []bool
}

func (l *readerLeg) ReadAudio(frame []int16, rate int) bool {
	l.mu.Lock()
	l.ran = append(l.ran, l.pushed.Load())
	l.mu.Unlock()
	l.pushed.Store(false)
	go l.pushed.Store(true)
	return l.fakeLeg.ReadAudio(frame, rate)
}

func (l *readerLeg) seen() []bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bool(nil), l.ran...)
}

// TestMetronomeNoAllocations checks that a pass over rooms in steady state
// allocates nothing.
func TestMetronomeNoAllocations(t *testing.T) {
	m := NewMetronome(nil, 1)
	for range 20 {
		r, err := New(Options{NewEncoder: newULawEncoder})
		if err != nil {
			t.Fatal(err)
		}
		for j := range 5 {
			if err := r.Add(fmt.Sprint(j), newBenchLeg(media.PCMU, j < 3)); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	m.runPass(false, 1, nil) // first tick: encoders, buffers
	if n := testing.AllocsPerRun(100, func() { m.runPass(false, 1, nil) }); n != 0 {
		t.Errorf("%v allocations per pass, want 0", n)
	}
}

// TestMetronomeConcurrent adds and removes rooms from many goroutines while
// a metronome of four workers ticks on the system clock; run it with -race.
// A removed room is never ticked again, and the rooms that stay are ticked.
func TestMetronomeConcurrent(t *testing.T) {
	m := NewMetronome(nil, 4)
	stay := make([]*Room, 8)
	for i := range stay {
		stay[i] = newTestRoom(t, newFakeCodec(), Options{})
		if err := stay[i].Add("a", newLeg(media.PCMU, 1000)); err != nil {
			t.Fatal(err)
		}
		if err := m.Add(stay[i]); err != nil {
			t.Fatal(err)
		}
	}
	startMetronome(t, m)

	var wg sync.WaitGroup
	deadline := time.Now().Add(300 * time.Millisecond)
	for g := range 6 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				r := newTestRoom(t, newFakeCodec(), Options{})
				if err := r.Add(fmt.Sprint(g, "-", i), newLeg(media.PCMU, 1000)); err != nil {
					t.Error(err)
					return
				}
				if err := m.Add(r); err != nil {
					t.Error(err)
					return
				}
				time.Sleep(time.Duration(i%3) * 10 * time.Millisecond)
				if !m.Remove(r) {
					t.Error("Remove of an added room = false")
				}
				n := r.Stats().Ticks
				r.Tick() // still usable by hand
				if got := r.Stats().Ticks; got != n+1 {
					t.Errorf("room ticked %d times after Remove and one Tick, want 1", got-n)
				}
			}
		})
	}
	wg.Wait()
	if m.Len() != len(stay) {
		t.Errorf("Len() = %d after the churn, want %d", m.Len(), len(stay))
	}
	waitFor := time.Now().Add(10 * time.Second) // a busy machine may hold the metronome back
	for i, r := range stay {
		for r.Stats().Ticks == 0 && time.Now().Before(waitFor) {
			time.Sleep(tickPeriod)
		}
		if r.Stats().Ticks == 0 {
			t.Errorf("room %d was never ticked", i)
		}
	}
}
