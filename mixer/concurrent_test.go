package mixer

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// TestConcurrentChanges changes the room from many goroutines while a
// Metronome ticks it on the system clock; run it with -race.
func TestConcurrentChanges(t *testing.T) {
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
	m := NewMetronome(nil, 1)
	if err := m.Add(r); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- m.Run(ctx) }()

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
