package mixer

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// BenchmarkRoomsOf5 runs rooms of 5 G.711 legs, all talking (the load
// harness's rooms-of-5 scenario, without the sockets), in real time, ticked
// by one Metronome, for b.N frames of 20 ms. It reports the CPU time of the
// whole process per frame (getrusage, user + system: the ticks, the timer
// wake-ups and the goroutine switches), which other processes on the
// machine do not inflate as they do wall time, and the late ticks per tick;
// ns/op is the frame, 20 ms, and says nothing. Run it with -benchtime 100x
// (2 s a run) and -cpu 1 (the harness's GOMAXPROCS=1).
func BenchmarkRoomsOf5(b *testing.B) {
	for _, rooms := range []int{40, 200} {
		b.Run(fmt.Sprint("rooms=", rooms), func(b *testing.B) {
			var ticks, late atomic.Int64
			rs := make([]*Room, rooms)
			for i := range rs {
				r, err := New(Options{NewEncoder: newULawEncoder, OnTick: func(_ time.Duration, l bool) {
					ticks.Add(1)
					if l {
						late.Add(1)
					}
				}})
				if err != nil {
					b.Fatal(err)
				}
				for j := range 5 {
					if err := r.Add(fmt.Sprint(j), newBenchLeg(media.PCMU, true)); err != nil {
						b.Fatal(err)
					}
				}
				rs[i] = r
			}
			ctx, cancel := context.WithCancel(context.Background())
			stopped := driveRooms(ctx, rs)
			defer func() { cancel(); stopped() }()
			for ticks.Load() < int64(5*rooms) { // warm up: every room ticked 5 times
				time.Sleep(tickPeriod)
			}

			b.ReportAllocs()
			b.ResetTimer()
			cpu0, ticks0, late0 := cpuTime(b), ticks.Load(), late.Load()
			time.Sleep(time.Duration(b.N) * tickPeriod)
			cpu, n, l := cpuTime(b)-cpu0, ticks.Load()-ticks0, late.Load()-late0
			b.StopTimer()
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/frame")
			b.ReportMetric(float64(l)/float64(max(n, 1)), "late/tick")
		})
	}
}

// driveRooms ticks rs until ctx ends, from one Metronome; the returned
// function waits for it to stop.
func driveRooms(ctx context.Context, rs []*Room) (wait func()) {
	m := NewMetronome(nil, 0)
	for _, r := range rs {
		if err := m.Add(r); err != nil {
			panic(err)
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = m.Run(ctx)
	}()
	return func() { <-done }
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
