package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// One measurement: a bridge, N legs in rooms, a warm-up, a window.

// defaultReadyTimeout is how long a bridge has to become ready.
const defaultReadyTimeout = 30 * time.Second

// bridge is a conference bridge under test.
type bridge interface {
	name() string
	// pid is the bridge process, whose CPU and RSS are measured.
	pid() int
	// join connects the leg to room (0-based) and sets its remote RTP
	// address; the function returned hangs it up.
	join(ctx context.Context, l *leg, room int) (func(context.Context) error, error)
	// ticks returns the mixer's tick statistics; false when the bridge
	// exposes none.
	ticks() (tickSnapshot, bool, error)
	// ended is how many legs the bridge ended by itself.
	ended() int
	stop() error
}

// settler is a bridge that is busy for a while after the joins (Janus's
// join notifications); measure waits for it before the warm-up.
type settler interface {
	settle(ctx context.Context) error
}

// scenario is a shape of load.
type scenario struct {
	Name    string
	PerRoom int // legs per room; 0: one room of every leg
	Talkers int // talkers per room (the first legs of each room)
	// BrowserEvery makes leg k of a room a WebRTC browser when
	// k%BrowserEvery == BrowserEvery-1 (1: every leg; 2: every second);
	// 0: every leg is a SIP phone. Janus is not measured with browsers.
	BrowserEvery int
	// SetupRate makes it the call setup rate, not a room load: see
	// setuprate.go.
	SetupRate bool
	Title     string
	Describe  string
}

// browser reports whether leg k of a room is a browser.
func (s scenario) browser(k int) bool {
	return s.BrowserEvery > 0 && k%s.BrowserEvery == s.BrowserEvery-1
}

// scenarios are the shapes of load, by name.
var scenarios = map[string]scenario{
	"one-room": {Name: "one-room", Talkers: 3, Title: "one room of N legs, 3 talkers",
		Describe: "every leg in one room; legs 0-2 send 440, 660 and 880 Hz, the rest send µ-law silence"},
	"rooms-of-5": {Name: "rooms-of-5", PerRoom: 5, Talkers: 5, Title: "N/5 rooms of 5 legs, all talking",
		Describe: "each room's five legs send 440, 660, 880, 1100 and 1320 Hz"},
	"browsers": {Name: "browsers", Talkers: 3, BrowserEvery: 1, Title: "one room of N WebRTC browsers (Opus), 3 talkers",
		Describe: "every leg a pion browser guest in one room; legs 0-2 send 440, 660 and 880 Hz in Opus, the rest Opus silence; Parley only"},
	"browsers-rooms-of-5": {Name: "browsers-rooms-of-5", PerRoom: 5, Talkers: 5, BrowserEvery: 1,
		Title:    "N/5 rooms of 5 WebRTC browsers (Opus), all talking",
		Describe: "each room's five browser guests send 440, 660, 880, 1100 and 1320 Hz in Opus; Parley only"},
	"mixed": {Name: "mixed", PerRoom: 10, Talkers: 4, BrowserEvery: 2, Title: "N/10 rooms of 5 phones (PCMU) and 5 browsers (Opus)",
		Describe: "legs 0, 2, 4, 6, 8 of each room are SIP phones, 1, 3, 5, 7, 9 browsers; legs 0-3 send 440, 660, 880 and 1100 Hz, the rest silence; the listener is phone 4; Parley only"},
	"setup-rate": {Name: "setup-rate", SetupRate: true, Title: "call setup rate",
		Describe: "at each rate, calls placed steadily for -rate-for, each INVITE with SDP, 200, ACK, 2 s of PCMU silence both ways, BYE, spread over 50 rooms; setup is INVITE sent → 200 received; the rates stop at the first that fails a call or reaches 200 ms at p99; Parley only"},
}

// freqs are the talkers' tones in Hz, in order of their legs in a room.
var freqs = []float64{440, 660, 880, 1100, 1320}

// plan is how one run is laid out.
type plan struct {
	scenario scenario
	legs     int
	warmup   time.Duration
	window   time.Duration
	setup    int           // calls set up at once
	jitter   time.Duration // the most each packet sent is delayed
	// setupLimit bounds the joins of all the legs; 0: no bound.
	setupLimit time.Duration
}

// rooms is how many rooms the plan's legs fill.
func (p plan) rooms() int {
	if p.scenario.PerRoom == 0 {
		return 1
	}
	return (p.legs + p.scenario.PerRoom - 1) / p.scenario.PerRoom
}

// result is what one run measured.
type result struct {
	Bridge       string
	Scenario     string
	Legs         int
	Window       time.Duration
	CPU          time.Duration // the bridge's user+system CPU in the window
	IdleRSSKiB   int
	RSSKiB       int
	Received     int     // packets received by every leg in the window
	Nominal      int     // 50 per leg per second the receivers counted
	Lost         int     // sequence gaps
	Late         int     // more than lateAfter behind the leg's quickest packet
	JitterP50MS  float64 // RFC 3550 jitter at the window's end, over the legs
	JitterP99MS  float64
	JitterMaxMS  float64   // the highest any leg's estimate reached
	Latencies    []float64 // bridge-added latency of the marker's onsets, ms
	Ticks        tickStats
	HasTicks     bool
	Tones        []toneLevel // at the probe leg
	SenderLag    time.Duration
	SendErrors   int
	EndedByPeer  int // legs the bridge hung up during the run
	SetupSeconds float64
	Skipped      string // why the bridge was not measured; the row is "—"
}

// CPUPerLegUS is the bridge's CPU per leg per second, in µs.
func (r result) CPUPerLegUS() float64 {
	return float64(r.CPU.Microseconds()) / r.Window.Seconds() / float64(r.Legs)
}

// CorePercent is the share of one core the bridge used.
func (r result) CorePercent() float64 { return 100 * r.CPU.Seconds() / r.Window.Seconds() }

// RSSPerLegKiB is the RSS above idle per leg.
func (r result) RSSPerLegKiB() float64 { return float64(r.RSSKiB-r.IdleRSSKiB) / float64(r.Legs) }

// Delivered is the fraction of the nominal packets the legs received.
func (r result) Delivered() float64 {
	if r.Nominal == 0 {
		return 0
	}
	return float64(r.Received) / float64(r.Nominal)
}

// TonesOK reports whether every tone was heard at its level.
func (r result) TonesOK() bool {
	for _, t := range r.Tones {
		if !t.present() {
			return false
		}
	}
	return len(r.Tones) > 0
}

// measure runs one plan against a bridge started by start, and stops it.
func measure(ctx context.Context, start func(rooms int) (bridge, error), pl plan, progress io.Writer) (result, error) {
	b, err := start(pl.rooms())
	if err != nil {
		return result{}, err
	}
	defer b.stop()
	r := result{Bridge: b.name(), Scenario: pl.scenario.Name, Legs: pl.legs, Window: pl.window}
	if r.IdleRSSKiB, err = rssKiB(b.pid()); err != nil {
		return r, err
	}
	snd := newSender(pl.jitter)
	defer snd.close()
	lat := &latencyProbe{}
	if h := probeHears(pl); len(h) > 0 {
		lat.freq = h[0]
	}
	jctx, cancel := ctx, context.CancelFunc(func() {})
	if pl.setupLimit > 0 {
		jctx, cancel = context.WithTimeout(ctx, pl.setupLimit)
	}
	legs, hangups, probe, err := joinAll(jctx, b, pl, snd, lat, &r)
	if err != nil && ctx.Err() == nil && jctx.Err() != nil {
		err = fmt.Errorf("%d legs not all up within -setup-limit %v: %w", pl.legs, pl.setupLimit, err)
	}
	cancel()
	defer func() {
		hangupAll(hangups)
		for _, l := range legs {
			l.close()
		}
	}()
	if err != nil {
		return r, err
	}
	if s, ok := b.(settler); ok {
		if err := s.settle(ctx); err != nil {
			if ctx.Err() != nil {
				return r, err
			}
			fmt.Fprintf(progress, "%s: %v; measuring anyway\n", b.name(), err)
		}
	}
	fmt.Fprintf(progress, "%s: %d legs up in %.1f s; warming up %v, measuring %v\n", b.name(), pl.legs, r.SetupSeconds, pl.warmup, pl.window)
	if err := sleep(ctx, pl.warmup); err != nil {
		return r, err
	}
	rxBegan := time.Now()
	for _, l := range legs {
		l.startWindow()
	}
	lat.start()
	snd.resetLag()
	t0, _, err := b.ticks()
	if err != nil {
		return r, err
	}
	cpu0, err := cpuTime(b.pid())
	if err != nil {
		return r, err
	}
	began := time.Now()
	if err := sleep(ctx, pl.window); err != nil {
		return r, err
	}
	cpu1, err := cpuTime(b.pid())
	if err != nil {
		return r, err
	}
	r.Window = time.Since(began)
	r.CPU = cpu1 - cpu0
	if r.RSSKiB, err = rssKiB(b.pid()); err != nil {
		return r, err
	}
	t1, has, err := b.ticks()
	if err != nil {
		return r, err
	}
	if r.HasTicks = has; has {
		r.Ticks = ticksBetween(t0, t1)
	}
	r.SenderLag, r.SendErrors = snd.lag()
	collect(&r, legs, probe, pl, time.Since(rxBegan))
	r.Latencies = lat.latencies()
	r.EndedByPeer = b.ended()
	return r, nil
}

// joinAll opens a leg per participant and joins it, pl.setup at a time;
// every joined leg starts sending at once.
func joinAll(ctx context.Context, b bridge, pl plan, snd *sender, lat *latencyProbe, r *result) (legs []*leg, hangups []func(context.Context) error, probe *leg, err error) {
	began := time.Now()
	audio := &opusAudio{}
	legs = make([]*leg, pl.legs)
	rooms := make([]int, pl.legs)
	for i := range legs {
		room, k := 0, i
		if pl.scenario.PerRoom > 0 {
			room, k = i/pl.scenario.PerRoom, i%pl.scenario.PerRoom
		}
		// The probe: the first silent leg of room 0, or, when every leg
		// talks, room 0's first leg; the marker: the first talker it hears.
		hears := probeHears(pl)
		isProbe := room == 0 && (k == pl.scenario.Talkers || (pl.scenario.Talkers >= pl.scenario.PerRoom && pl.scenario.PerRoom > 0 && k == 0))
		isMarker := room == 0 && len(hears) > 0 && k < pl.scenario.Talkers && freqs[k] == hears[0]
		var ll *latencyProbe
		if isProbe || isMarker {
			ll = lat
		}
		freq := 0.0
		if k < pl.scenario.Talkers {
			freq = freqs[k]
		}
		var l *leg
		if pl.scenario.browser(k) {
			l, err = newBrowserLeg(audio, uint32(0x10000+i), freq, isProbe, ll, isMarker)
		} else {
			l, err = newLeg(uint32(0x10000+i), phoneFrames(freq, isMarker), isProbe, ll, isMarker)
		}
		if err != nil {
			for _, o := range legs[:i] {
				o.close()
			}
			return nil, nil, nil, fmt.Errorf("leg: %w", err)
		}
		legs[i], rooms[i] = l, room
		if isProbe {
			probe = l
		}
	}
	hangups = make([]func(context.Context) error, pl.legs)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	sem := make(chan struct{}, max(pl.setup, 1))
	for i, l := range legs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			jctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			h, err := b.join(jctx, l, rooms[i])
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = fmt.Errorf("%s: leg %d: %w", b.name(), i, err)
				}
				return
			}
			hangups[i] = h
			snd.add(l)
		}()
	}
	wg.Wait()
	r.SetupSeconds = time.Since(began).Seconds()
	return legs, hangups, probe, first
}

// hangupAll hangs up every joined leg, 50 at a time.
func hangupAll(hangups []func(context.Context) error) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 50)
	for _, h := range hangups {
		if h == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = h(ctx)
		}()
	}
	wg.Wait()
}

// collect sums the legs' receiver statistics over span into r and checks
// the tones at the probe.
func collect(r *result, legs []*leg, probe *leg, pl plan, span time.Duration) {
	var jitter []float64
	for _, l := range legs {
		lr := l.endWindow()
		r.Received += lr.received
		r.Lost += lr.lost
		r.Late += lr.late
		jitter = append(jitter, lr.jitterMS)
		r.JitterMaxMS = math.Max(r.JitterMaxMS, lr.maxJitterMS)
		if l == probe {
			r.Tones = measureTones(lr.record, probeHears(pl))
		}
	}
	r.Nominal = int(math.Round(span.Seconds() * framesPerSec * float64(len(legs))))
	r.JitterP50MS = percentile(jitter, 50)
	r.JitterP99MS = percentile(jitter, 99)
}

// probeHears are the tones the probe leg should hear: every talker of its
// room but itself.
func probeHears(pl plan) []float64 {
	n := min(pl.scenario.Talkers, pl.legs)
	if pl.scenario.PerRoom > 0 && pl.scenario.Talkers >= pl.scenario.PerRoom {
		return freqs[1:min(pl.scenario.PerRoom, pl.legs)] // the probe is talker 0
	}
	return freqs[:n]
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// runDir makes a fresh directory for one bridge's run under dir and
// returns its absolute path (the bridge runs in it).
func runDir(dir, name string, legs int) (string, error) {
	d, err := filepath.Abs(filepath.Join(dir, fmt.Sprintf("%s-%d", name, legs)))
	if err != nil {
		return "", err
	}
	if err := os.RemoveAll(d); err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	return d, os.MkdirAll(d, 0o755)
}
