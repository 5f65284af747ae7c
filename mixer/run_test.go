package mixer

import (
	"context"
	"errors"
	"fmt"
	"sync"
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

func TestRunSchedule(t *testing.T) {
	clock := newFakeClock()
	r := newTestRoom(t, newFakeCodec(), Options{Clock: clock})
	if err := r.Add("a", newLeg(media.PCMU, 1000)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	<-clock.ready

	if err := r.Run(ctx); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}

	for i, s := range scheduleSteps {
		clock.tick(s.advance)
		st := r.Stats()
		if st.Ticks != s.ticks || st.LateTicks != s.late || st.SkippedTicks != s.skipped {
			t.Fatalf("step %d: ticks %d, late %d, skipped %d; want %d, %d, %d",
				i, st.Ticks, st.LateTicks, st.SkippedTicks, s.ticks, s.late, s.skipped)
		}
	}

	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	select {
	case <-clock.stopped:
	default:
		t.Error("Run returned without stopping its ticker")
	}
}

// TestRunConcurrentChanges changes the room from many goroutines while Run
// ticks on the system clock; run it with -race.
func TestRunConcurrentChanges(t *testing.T) {
	var talkMu sync.Mutex
	talk := map[string]bool{}
	r := newTestRoom(t, newFakeCodec(), Options{OnTalking: func(id string, on bool) {
		talkMu.Lock()
		talk[id] = on
		talkMu.Unlock()
	}})
	for i := range 10 {
		if err := r.Add(fmt.Sprint("base", i), newLeg(media.PCMU, int16(100*i))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- r.Run(ctx) }()

	var wg sync.WaitGroup
	deadline := time.Now().Add(300 * time.Millisecond)
	for g := range 8 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				id := fmt.Sprint("g", g, "-", i%5)
				f := media.PCMU
				if i%7 == 0 {
					f = media.Opus
				}
				_ = r.Add(id, newLeg(f, 3000))
				_ = r.SetMuted(fmt.Sprint("base", i%10), i%2 == 0)
				_ = r.SetListenOnly(id, i%3 == 0)
				_ = r.Talking(id)
				_ = r.Stats()
				_ = r.Len()
				r.Remove(id)
				time.Sleep(time.Millisecond)
			}
		})
	}
	wg.Wait()
	cancel()
	if err := <-runErr; err != nil {
		t.Fatal(err)
	}
	if r.Len() != 10 {
		t.Errorf("Len() = %d after the churn, want 10", r.Len())
	}
	if r.Stats().Ticks == 0 {
		t.Error("Run did not tick")
	}
}
