package mixer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// fakeLeg is a Participant that says a constant (DC) level, so that a mix
// can be checked sample for sample, and records what the mixer does to it.
type fakeLeg struct {
	format media.Format

	mu       sync.Mutex
	level    int16 // what every sample of the next frames holds
	noAudio  bool  // ReadAudio reports no audio
	reads    int
	lastLen  int // len(frame) of the last ReadAudio
	lastRate int
	payloads [][]byte // copies of what WriteAudio got
}

func newLeg(f media.Format, level int16) *fakeLeg { return &fakeLeg{format: f, level: level} }

func (l *fakeLeg) ReadAudio(frame []int16, rate int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads++
	l.lastLen, l.lastRate = len(frame), rate
	for i := range frame {
		frame[i] = l.level
	}
	return !l.noAudio
}

func (l *fakeLeg) Format() media.Format { return l.format }

func (l *fakeLeg) WriteAudio(payload []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.payloads = append(l.payloads, append([]byte(nil), payload...))
}

func (l *fakeLeg) setLevel(v int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.level = v
}

// last returns the PCM of the last payload the leg received, or nil.
func (l *fakeLeg) last() []int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.payloads) == 0 {
		return nil
	}
	return decodeL16(l.payloads[len(l.payloads)-1])
}

func (l *fakeLeg) stats() (reads, lastLen, lastRate, writes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reads, l.lastLen, l.lastRate, len(l.payloads)
}

// fakeCodec makes L16 encoders (RFC 3551 §4.5.11: big-endian 16-bit PCM,
// whatever the format says) and counts what it does, per format string.
type fakeCodec struct {
	mu         sync.Mutex
	created    map[string]int
	encodes    map[string]int
	inputRates []int
	fail       map[string]bool // formats whose encoder cannot be created
}

func newFakeCodec() *fakeCodec {
	return &fakeCodec{created: map[string]int{}, encodes: map[string]int{}, fail: map[string]bool{}}
}

func (c *fakeCodec) NewEncoder(f media.Format, inputRate int) (media.Encoder, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.created[f.String()]++
	c.inputRates = append(c.inputRates, inputRate)
	if c.fail[f.String()] {
		return nil, fmt.Errorf("no encoder for %v", f)
	}
	return &l16Encoder{c: c, f: f}, nil
}

func (c *fakeCodec) counts(f media.Format) (created, encodes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.created[f.String()], c.encodes[f.String()]
}

type l16Encoder struct {
	c *fakeCodec
	f media.Format
}

func (e *l16Encoder) Format() media.Format { return e.f }

func (e *l16Encoder) Encode(pcm []int16, dst []byte) (int, error) {
	e.c.mu.Lock()
	e.c.encodes[e.f.String()]++
	e.c.mu.Unlock()
	if len(dst) < 2*len(pcm) {
		return 0, errors.New("l16: dst too short")
	}
	for i, s := range pcm {
		binary.BigEndian.PutUint16(dst[2*i:], uint16(s))
	}
	return 2 * len(pcm), nil
}

func decodeL16(b []byte) []int16 {
	pcm := make([]int16, len(b)/2)
	for i := range pcm {
		pcm[i] = int16(binary.BigEndian.Uint16(b[2*i:]))
	}
	return pcm
}

// newTestRoom returns a room whose encoders are c's, with opts' other fields.
func newTestRoom(t testing.TB, c *fakeCodec, opts Options) *Room {
	t.Helper()
	opts.NewEncoder = c.NewEncoder
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// fakeClock is a Clock that the test advances by hand; its ticker delivers
// only what the test sends on c.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	c       chan time.Time
	ready   chan struct{} // receives one value per NewTicker call
	stopped chan struct{} // receives one value per ticker stopped
}

func newFakeClock() *fakeClock {
	return &fakeClock{
		now:     time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		c:       make(chan time.Time),
		ready:   make(chan struct{}, 100),
		stopped: make(chan struct{}, 100),
	}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTicker(time.Duration) (<-chan time.Time, func()) {
	c.ready <- struct{}{}
	return c.c, func() { c.stopped <- struct{}{} }
}

// tick advances the clock by d, fires the ticker, and fires it again with
// no time passing, which returns once Run has finished the first one.
func (c *fakeClock) tick(d time.Duration) {
	c.fire(d)
	c.fire(0)
}

// fire advances the clock by d and fires the ticker once, returning when
// Run has taken the tick (not when it has done it).
func (c *fakeClock) fire(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	c.mu.Unlock()
	c.c <- now
}
