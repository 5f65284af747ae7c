package ivr

import (
	"encoding/binary"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// fakeCall is an edge's call as the flow sees it: digits from a channel,
// prompts played in real time by SendPrompt (20 ms a tick at 8 kHz), and
// a record of what the caller heard and why it was hung up.
type fakeCall struct {
	digits chan rune
	player *prompts.Player
	done   chan struct{}
	part   atomic.Pointer[bridge.Participant]

	mu     sync.Mutex
	heard  []string // the IDs of every clip Say queued; guarded by mu
	reason string   // Hangup's; guarded by mu
	hungUp bool     // guarded by mu
}

var _ Call = (*fakeCall)(nil)

func newFakeCall() *fakeCall {
	return &fakeCall{digits: make(chan rune, 32), player: prompts.NewPlayer(), done: make(chan struct{})}
}

func (c *fakeCall) ReadAudio(frame []int16, _ int) bool { clear(frame); return false }
func (c *fakeCall) Format() media.Format                { return media.PCMU }
func (c *fakeCall) WriteAudio([]byte)                   {}
func (c *fakeCall) Done() <-chan struct{}               { return c.done }
func (c *fakeCall) Digits() <-chan rune                 { return c.digits }
func (c *fakeCall) Prompts() *prompts.Player            { return c.player }
func (c *fakeCall) Participant() *bridge.Participant    { return c.part.Load() }
func (c *fakeCall) Joined(p *bridge.Participant)        { c.part.Store(p) }

func (c *fakeCall) SendPrompt() {
	var frame [160]int16
	c.player.ReadFrame(frame[:], 8000)
}

func (c *fakeCall) Say(clips ...prompts.Clip) {
	c.mu.Lock()
	for _, clip := range clips {
		c.heard = append(c.heard, clip.ID)
	}
	c.mu.Unlock()
	c.player.Enqueue(clips...)
}

func (c *fakeCall) Hangup(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hungUp {
		return
	}
	c.hungUp, c.reason = true, reason
	close(c.done)
}

// press sends digits as the caller types them.
func (c *fakeCall) press(digits string) {
	for _, d := range digits {
		c.digits <- d
	}
}

// said returns the IDs of the clips queued so far.
func (c *fakeCall) said() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.heard...)
}

// awaitSaid waits up to within for the n-th prompt id to be queued, and
// reports whether it was.
func (c *fakeCall) awaitSaid(id string, n int, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for {
		count := 0
		for _, s := range c.said() {
			if s == id {
				count++
			}
		}
		if count >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hangupReason is Hangup's reason, "" while the call goes on.
func (c *fakeCall) hangupReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reason
}

// fakeGuard answers Check with the next of waits, then with wait and
// banned, and counts.
type fakeGuard struct {
	mu       sync.Mutex
	waits    []time.Duration // guarded by mu
	wait     time.Duration
	banned   bool
	fails    int          // guarded by mu
	succeeds int          // guarded by mu
	checks   []netip.Addr // guarded by mu
}

func (g *fakeGuard) Check(src netip.Addr, _ string) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.checks = append(g.checks, src)
	if len(g.waits) > 0 {
		w := g.waits[0]
		g.waits = g.waits[1:]
		return w, false
	}
	return g.wait, g.banned
}
func (g *fakeGuard) Fail(netip.Addr, string)    { g.mu.Lock(); g.fails++; g.mu.Unlock() }
func (g *fakeGuard) Succeed(netip.Addr, string) { g.mu.Lock(); g.succeeds++; g.mu.Unlock() }

func (g *fakeGuard) counts() (fails, succeeds, checks int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.fails, g.succeeds, len(g.checks)
}

// shortPrompts is a prompt set whose every clip is 100 ms of a tone at
// 8 kHz, so that the flow's timings, not the prompts' lengths, decide how
// long a test takes.
func shortPrompts(t testing.TB) *prompts.Set {
	t.Helper()
	dir := t.TempDir()
	samples := make([]int16, 800)
	for i := range samples {
		samples[i] = int16(1000 * (i%16 - 8))
	}
	data := make([]byte, 2*len(samples))
	for i, s := range samples {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(s))
	}
	wav := make([]byte, 0, 44+len(data))
	wav = append(wav, "RIFF"...)
	wav = binary.LittleEndian.AppendUint32(wav, uint32(36+len(data)))
	wav = append(wav, "WAVEfmt "...)
	wav = binary.LittleEndian.AppendUint32(wav, 16)
	wav = binary.LittleEndian.AppendUint16(wav, 1) // PCM
	wav = binary.LittleEndian.AppendUint16(wav, 1) // mono
	wav = binary.LittleEndian.AppendUint32(wav, 8000)
	wav = binary.LittleEndian.AppendUint32(wav, 16000)
	wav = binary.LittleEndian.AppendUint16(wav, 2)
	wav = binary.LittleEndian.AppendUint16(wav, 16)
	wav = append(wav, "data"...)
	wav = binary.LittleEndian.AppendUint32(wav, uint32(len(data)))
	wav = append(wav, data...)
	for _, id := range prompts.IDs() {
		if err := os.WriteFile(filepath.Join(dir, id+".wav"), wav, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	set, err := prompts.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// harness is a bridge with room 1000 of the given settings and a Flow over
// it with g as its PIN guard.
type harness struct {
	room *bridge.Room
	flow *Flow
	log  *slog.Logger
}

func newHarness(t testing.TB, set bridge.RoomSettings, g Limiter, voice *prompts.Set) *harness {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	set.Number = "1000"
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{set}, Logger: log, Prompts: voice})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	room, err := b.Room("1000")
	if err != nil {
		t.Fatal(err)
	}
	flow, err := New(Options{Prompts: func() *prompts.Set { return voice }, Guard: g})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{room: room, flow: flow, log: log}
}

// dialIn runs DialIn for c on its own goroutine; the channel gives its
// result. The call is hung up when the test ends.
func (h *harness) dialIn(t testing.TB, c *fakeCall, who Caller) <-chan bool {
	t.Helper()
	t.Cleanup(func() { c.Hangup("test over") })
	res := make(chan bool, 1)
	go func() { res <- h.flow.Line(c, h.log).DialIn(h.room, who) }()
	return res
}

// caller is an anonymous phone at 192.0.2.7.
var caller = Caller{Join: bridge.JoinOptions{Name: "caller", Via: "test", Source: "dial_in"},
	Addr: netip.MustParseAddr("192.0.2.7")}
