package media

import (
	"fmt"
	"sync/atomic"

	"github.com/parleyhq/parley/media/dtmf"
)

// InbandTap is the inbound stage that listens for DTMF tones in the
// decoded audio (dtmf.Detector), for phones that send digits only as
// tones. It sees decoded frames at the codec's rate, never concealed ones,
// and hands each digit to its callback on the goroutine that feeds it.
// Frame and Reset are for that one goroutine; Stop may be called from any.
type InbandTap struct {
	det     *dtmf.Detector
	found   []rune // the digits of one frame
	onDigit func(rune)
	stopped atomic.Bool
}

// NewInbandTap returns a tap for frames at rate Hz that calls onDigit
// (which must not be nil) once per key press.
func NewInbandTap(rate int, onDigit func(rune)) (*InbandTap, error) {
	det, err := dtmf.NewDetector(rate)
	if err != nil {
		return nil, fmt.Errorf("media: inband tap: %w", err)
	}
	return &InbandTap{det: det, found: make([]rune, 0, 4), onDigit: onDigit}, nil
}

// Frame runs the detector over one decoded frame and reports its digits,
// unless the tap was stopped. It does not allocate.
func (t *InbandTap) Frame(pcm []int16) {
	if t.stopped.Load() {
		return
	}
	t.found = t.det.Process(t.found[:0], pcm)
	for _, d := range t.found {
		t.onDigit(d)
	}
}

// Reset tells the tap the audio went silent: a silence ends any key
// press, so the same key after it is a new one.
func (t *InbandTap) Reset() { t.det.Reset() }

// Stop turns the tap off for good: the peer sends telephone events (RFC
// 4733) after all, and a phone sending both must not report each digit
// twice.
func (t *InbandTap) Stop() { t.stopped.Store(true) }
