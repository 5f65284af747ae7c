package media

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// PromptSource is what an Overlay plays: frames of PCM at the rate asked
// for, as prompts.Player gives them. Idle may be called from any
// goroutine, ReadFrame from the one that drives the leg's output.
type PromptSource interface {
	// Idle reports whether nothing is left to play.
	Idle() bool
	// ReadFrame fills frame with the next len(frame) samples at rate Hz
	// and reports whether it holds any of the prompt.
	ReadFrame(frame []int16, rate int) bool
}

// Overlay is the first outbound stage: while a private prompt plays for
// this leg alone, its frames, encoded in the leg's format, replace the
// room's payload. The encoder is made by Prepare, off the tick goroutine,
// so that a leg that never hears a prompt never has one. Next runs on the
// goroutine that drives the leg's output (the mixer's tick, or an IVR loop
// before the leg is in a room); SetFormat and Prepare may be called from
// any goroutine.
type Overlay struct {
	src PromptSource
	enc atomic.Pointer[overlayEncoder] // nil until Prepare; the tick goroutine reads it

	mu     sync.Mutex
	format Format // guarded by mu: the leg's format
}

// overlayEncoder encodes prompt frames in one format; once published it is
// used by the tick goroutine alone.
type overlayEncoder struct {
	enc Encoder
	pcm []int16 // one frame at the codec's rate
	buf []byte  // one payload
}

// NewOverlay returns an overlay that plays src in format f (the zero
// Format if it is not known yet: see SetFormat).
func NewOverlay(src PromptSource, f Format) *Overlay {
	return &Overlay{src: src, format: f}
}

// SetFormat sets the encoding of the leg's payloads (a re-INVITE may change
// it). An encoder made for another format is remade for f at once, and
// one is made if prompts wait already; an error leaves the overlay without
// one, so prompts are not heard.
func (o *Overlay) SetFormat(f Format) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f == o.format {
		return nil
	}
	o.format = f
	if o.enc.Load() == nil && o.src.Idle() {
		return nil
	}
	o.enc.Store(nil)
	return o.prepare()
}

// Prepare makes the prompt encoder for the leg's format, if there is none
// yet; before the format is known, SetFormat will. An edge calls it before
// it queues prompts on the source: they are heard only once there is an
// encoder.
func (o *Overlay) Prepare() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.enc.Load() != nil || o.format == (Format{}) {
		return nil
	}
	return o.prepare()
}

// prepare makes and publishes the encoder for the format, which is
// known; mu is held.
func (o *Overlay) prepare() error {
	enc, err := NewEncoder(o.format)
	if err != nil {
		return fmt.Errorf("media: overlay: %w", err)
	}
	o.enc.Store(&overlayEncoder{enc: enc, pcm: make([]int16, o.format.FrameSamples()), buf: make([]byte, MaxPacketSize)})
	return nil
}

// Next returns the next 20 ms of the playing prompt, encoded, and true; or
// nil and false when no prompt plays (or it cannot be encoded), and the
// room's payload goes out instead. The payload is the overlay's own
// buffer, valid until the next call. Next does not allocate.
func (o *Overlay) Next() ([]byte, bool) {
	e := o.enc.Load()
	if e == nil || o.src.Idle() {
		return nil, false
	}
	if !o.src.ReadFrame(e.pcm, e.enc.Format().SampleRate()) {
		return nil, false
	}
	n, err := e.enc.Encode(e.pcm, e.buf)
	if err != nil {
		return nil, false
	}
	return e.buf[:n], true
}
