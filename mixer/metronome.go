package mixer

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// maxCatchUp is the most ticks a Metronome runs back to back after a stall;
// older ones are skipped, so a long stall does not turn into a burst of
// audio.
const maxCatchUp = 5

// Metronome is one clock for many rooms: one ticker, and every 20 ms one
// pass that ticks every room added to it. It replaces a timer and a
// goroutine per room (a wake-up and a goroutine switch per room per frame)
// by one wake-up per frame for the whole process. Create it with
// NewMetronome; Add and Remove rooms at any time, from any goroutine, while
// Run ticks them.
//
// A pass runs the rooms on a small fixed pool of workers (GOMAXPROCS of
// them by default, the goroutine running Run one of them): each worker
// takes the next room not yet ticked, so a slow room holds up only the
// worker ticking it, and the others tick the remaining rooms. The next pass
// starts when every room of this one is ticked: a room whose tick takes
// longer than a frame makes every room late, as a pass whose rooms together
// take longer than a frame per worker does (both count as late ticks). With
// one worker (GOMAXPROCS=1) a pass is sequential, in the order the rooms
// were added (but for removals). A room's ticks may run on different
// workers from pass to pass, never two at once: its tick lock orders them,
// so what its participants keep for the tick needs no lock of its own.
type Metronome struct {
	clock   Clock
	workers int

	running atomic.Bool   // Run is running
	wake    chan struct{} // Add signals an idle Run; buffered, one token

	mu    sync.Mutex
	rooms []*Room // guarded by mu
	idle  bool    // guarded by mu; Run waits on wake for a room

	// The pass in progress, owned by Run; written before the workers are
	// started on it and read by them until they are done.
	pass    []*Room
	late    bool
	next    atomic.Int64 // index in pass of the next room to take
	working sync.WaitGroup
}

// NewMetronome returns a metronome with no rooms. clock is the time source
// of Run, nil meaning the system clock (tests pass a fake). workers is the
// most rooms ticked at once; 0 or less means runtime.GOMAXPROCS(0), read
// when Run starts.
func NewMetronome(clock Clock, workers int) *Metronome {
	if clock == nil {
		clock = systemClock{}
	}
	return &Metronome{clock: clock, workers: workers, wake: make(chan struct{}, 1)}
}

// Add makes r one of the rooms ticked from the next pass on. It fails with
// ErrRunning when r is already ticked by a Metronome; it
// waits for a Tick of r in progress.
func (m *Metronome) Add(r *Room) error {
	r.tickMu.Lock()
	if r.metronome != nil {
		r.tickMu.Unlock()
		return ErrRunning
	}
	r.metronome = m
	r.tickMu.Unlock()

	m.mu.Lock()
	m.rooms = append(m.rooms, r)
	if m.idle {
		m.idle = false
		select {
		case m.wake <- struct{}{}:
		default: // a token is waiting already
		}
	}
	m.mu.Unlock()
	return nil
}

// Remove stops ticking r and reports whether r was added. When it returns,
// no tick of r by m is in progress and none will start. It must not be
// called from a tick of r (from one of r's Participant methods or
// callbacks): it would wait for itself.
func (m *Metronome) Remove(r *Room) bool {
	m.mu.Lock()
	i := slices.Index(m.rooms, r)
	if i >= 0 {
		last := len(m.rooms) - 1
		m.rooms[i] = m.rooms[last]
		m.rooms[last] = nil
		m.rooms = m.rooms[:last]
	}
	m.mu.Unlock()
	if i < 0 {
		return false
	}
	// A pass that took r before it was removed checks r.metronome under
	// tickMu, so after this no tick of r starts.
	r.tickMu.Lock()
	r.metronome = nil
	r.tickMu.Unlock()
	return true
}

// Len returns the number of rooms ticked.
func (m *Metronome) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rooms)
}

// Run ticks the rooms every 20 ms, on the calling goroutine and its
// workers, until ctx ends; then it waits for its workers and returns nil.
// It returns ErrRunning at once if Run is already running on m. While m
// has no room, Run stops its ticker and waits for one.
//
// Ticks are scheduled from the time the first room arrives, not from the
// previous tick, so they do not drift: the k-th pass is due k×20 ms after
// it (a room added later joins the next pass). After a stall Run catches
// up by running up to maxCatchUp overdue passes back to back, counting each
// room's ticks of them in its Stats.LateTicks, and skips older ones,
// counting them in Stats.SkippedTicks of every room. Before each pass of a
// catch-up it yields the processor (runtime.Gosched), so that socket
// readers made runnable during the stall push their packets before the
// ticks that should play them: with GOMAXPROCS=1 they would otherwise wait
// until the whole catch-up is done, and the packets would arrive too late.
// It runs only goroutines already runnable: it does not itself poll the
// network, which Go does when a processor idles, else about every 10 ms.
func (m *Metronome) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer m.running.Store(false)

	workers := m.workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	passes := make(chan struct{}) // one token per helper and pass
	var helpers sync.WaitGroup
	for range workers - 1 {
		helpers.Go(func() {
			for range passes {
				m.work()
				m.working.Done()
			}
		})
	}
	defer helpers.Wait()
	defer close(passes)

	for m.waitForRooms(ctx) {
		m.tickWhileRooms(ctx, workers, passes)
	}
	return nil
}

// waitForRooms returns true at once if m has a room, else when one is
// added; false when ctx has ended.
func (m *Metronome) waitForRooms(ctx context.Context) bool {
	for ctx.Err() == nil {
		m.mu.Lock()
		n := len(m.rooms)
		m.idle = n == 0
		m.mu.Unlock()
		if n > 0 {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-m.wake:
		}
	}
	return false
}

// tickWhileRooms runs the passes, scheduled from now, until ctx ends or a
// pass finds no room.
func (m *Metronome) tickWhileRooms(ctx context.Context, workers int, passes chan<- struct{}) {
	clock := m.clock
	start := clock.Now() // before the ticker, so no pass fires before it is due
	c, stop := clock.NewTicker(tickPeriod)
	defer stop()
	var done int64 // passes run or skipped
	for {
		select {
		case <-ctx.Done():
			return
		case <-c:
		}
		due := int64(clock.Now().Sub(start) / tickPeriod)
		if due <= done {
			continue
		}
		behind := due - done
		if behind > maxCatchUp {
			m.skip(uint64(behind - maxCatchUp))
			done += behind - maxCatchUp
		}
		for done < due && ctx.Err() == nil {
			if behind > 1 {
				runtime.Gosched() // let the readers woken in the stall run first
			}
			done++
			if !m.runPass(done < due, workers, passes) { // pass done+1 was due already: this one is late
				return
			}
		}
	}
}

// runPass ticks every room once and reports whether there was any.
func (m *Metronome) runPass(late bool, workers int, passes chan<- struct{}) bool {
	m.mu.Lock()
	m.pass = append(m.pass[:0], m.rooms...)
	m.mu.Unlock()
	n := len(m.pass)
	if n == 0 {
		return false
	}
	m.late = late
	m.next.Store(0)
	helpers := min(workers, n) - 1
	m.working.Add(helpers)
	for range helpers {
		passes <- struct{}{}
	}
	m.work()
	m.working.Wait()
	clear(m.pass) // let removed rooms go
	return true
}

// work ticks rooms of the pass until none is left to take.
func (m *Metronome) work() {
	for {
		i := int(m.next.Add(1) - 1)
		if i >= len(m.pass) {
			return
		}
		m.pass[i].tickBy(m, m.late)
	}
}

// skip counts n skipped passes in every room.
func (m *Metronome) skip(n uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rooms {
		r.statsMu.Lock()
		r.stats.SkippedTicks += n
		r.statsMu.Unlock()
	}
}
