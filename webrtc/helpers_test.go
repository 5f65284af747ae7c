package webrtc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/media"
)

// memSignaller is one end of an in-memory signalling connection: what one
// end writes, as JSON, the other reads.
type memSignaller struct {
	in, out chan []byte
	closed  chan struct{} // shared by both ends
	once    *sync.Once
}

// signalPipe returns the two ends of an in-memory signalling connection.
func signalPipe() (server, browser *memSignaller) {
	a, b := make(chan []byte, 64), make(chan []byte, 64)
	closed, once := make(chan struct{}), &sync.Once{}
	return &memSignaller{in: a, out: b, closed: closed, once: once},
		&memSignaller{in: b, out: a, closed: closed, once: once}
}

func (m *memSignaller) ReadJSON(ctx context.Context, v any) error {
	select {
	case b := <-m.in:
		return json.Unmarshal(b, v)
	case <-m.closed:
		return io.EOF
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *memSignaller) WriteJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	select {
	case m.out <- b:
		return nil
	case <-m.closed:
		return io.ErrClosedPipe
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close ends the connection for both ends, as a dropped WebSocket would.
func (m *memSignaller) Close() { m.once.Do(func() { close(m.closed) }) }

// toneGen makes a continuous sine tone, 20 ms at a time, at any rate.
type toneGen struct {
	freq, amp float64
	phase     float64
}

func (g *toneGen) fill(frame []int16, rate int) {
	for i := range frame {
		frame[i] = int16(g.amp * math.Sin(g.phase))
		g.phase += 2 * math.Pi * g.freq / float64(rate)
	}
	g.phase = math.Mod(g.phase, 2*math.Pi)
}

// goertzel returns the power of pcm (at rate Hz) at frequency f,
// normalised so that a full-scale sine gives about 1.
func goertzel(pcm []int16, rate int, f float64) float64 {
	w := 2 * math.Pi * f / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, x := range pcm {
		s := float64(x)/32768 + coeff*s1 - s2
		s2, s1 = s1, s
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	n := float64(len(pcm))
	return 4 * p / (n * n)
}

// rms is the root mean square of pcm, in full-scale units.
func rms(pcm []int16) float64 {
	var e float64
	for _, x := range pcm {
		e += float64(x) * float64(x)
	}
	return math.Sqrt(e/float64(len(pcm))) / 32768
}

// checkTone fails t unless pcm holds a tone at want Hz, well above the
// power at other, and at least minRMS loud.
func checkTone(t *testing.T, who string, pcm []int16, rate int, want, other, minRMS float64) {
	t.Helper()
	pw, po, level := goertzel(pcm, rate, want), goertzel(pcm, rate, other), rms(pcm)
	t.Logf("%s: %.0f Hz power %.4f, %.0f Hz power %.6f, rms %.3f (%d samples)", who, want, pw, other, po, level, len(pcm))
	if pw < 10*po || level < minRMS {
		t.Errorf("%s does not hear %.0f Hz: power %.4f at %.0f Hz vs %.6f at %.0f Hz, rms %.3f", who, want, pw, want, po, other, level)
	}
}

// pcmuLeg is a fake phone in the room: it sends a tone, decodes the PCMU
// it receives and keeps it.
type pcmuLeg struct {
	tone toneGen // owned by the tick goroutine
	dec  media.Decoder
	buf  []int16

	mu    sync.Mutex
	heard []int16 // guarded by mu

	done     chan struct{}
	doneOnce sync.Once
}

func newPCMULeg(t *testing.T, freq float64) *pcmuLeg {
	dec, err := media.NewDecoder(media.PCMU)
	if err != nil {
		t.Fatal(err)
	}
	return &pcmuLeg{tone: toneGen{freq: freq, amp: 8000}, dec: dec, buf: make([]int16, 160), done: make(chan struct{})}
}

func (l *pcmuLeg) ReadAudio(frame []int16, rate int) bool {
	if l.tone.amp == 0 {
		return false
	}
	l.tone.fill(frame, rate)
	return true
}
func (l *pcmuLeg) Format() media.Format { return media.PCMU }
func (l *pcmuLeg) WriteAudio(payload []byte) {
	n, err := l.dec.Decode(payload, l.buf)
	if err != nil {
		return
	}
	l.mu.Lock()
	l.heard = append(l.heard, l.buf[:n]...)
	l.mu.Unlock()
}
func (l *pcmuLeg) Hangup(string)         { l.doneOnce.Do(func() { close(l.done) }) }
func (l *pcmuLeg) Done() <-chan struct{} { return l.done }

// last returns the last d of what the leg heard, at 8 kHz.
func (l *pcmuLeg) last(d time.Duration) []int16 {
	n := int(d.Seconds() * 8000)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.heard) < n {
		return append([]int16(nil), l.heard...)
	}
	return append([]int16(nil), l.heard[len(l.heard)-n:]...)
}

// waitFor polls cond every 10 ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cond()
}

// errTimeout is what expect reports when no message came.
var errTimeout = errors.New("timeout")
