package webrtc

import (
	"sync"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// Compile-time check that a guest is what the bridge admits.
var _ bridge.Leg = (*leg)(nil)

// leg is a browser guest as the bridge sees it. The mixer calls ReadAudio
// and WriteAudio on its tick goroutine; Hangup, Done and Say may be called
// from any goroutine. The call that owns the leg (call.go) acts on Hangup
// and closes Done.
type leg struct {
	rx *receiver
	tx *sender

	hangupOnce sync.Once
	hangup     chan struct{} // closed by Hangup
	reason     string        // written before hangup is closed

	doneOnce sync.Once
	done     chan struct{} // closed by end when the call is over
}

func newLeg(rx *receiver, tx *sender) *leg {
	return &leg{rx: rx, tx: tx, hangup: make(chan struct{}), done: make(chan struct{})}
}

// ReadAudio implements mixer.Participant: the guest's next 20 ms at rate
// Hz, false when it has nothing to say (silence skipped by its audio level,
// nothing received).
func (l *leg) ReadAudio(frame []int16, rate int) bool { return l.rx.read(frame, rate) }

// Format implements mixer.Participant: guests receive Opus at 48 kHz.
func (l *leg) Format() media.Format { return media.Opus }

// WriteAudio implements mixer.Participant: it sends the room's 20 ms Opus
// payload to the guest without blocking.
func (l *leg) WriteAudio(payload []byte) { l.tx.write(payload) }

// Say plays prompts to this guest alone, in place of the room's audio
// (the bridge's spectator and waiting-for-host notices).
func (l *leg) Say(clips ...prompts.Clip) { l.tx.say(clips...) }

// Hangup implements bridge.Leg: it asks the call to end, tells the browser
// why, and closes the PeerConnection. It returns at once and may be called
// more than once; the first reason wins.
func (l *leg) Hangup(reason string) {
	l.hangupOnce.Do(func() {
		l.reason = reason
		close(l.hangup)
	})
}

// Done implements bridge.Leg: it is closed once the call has ended,
// whichever side ended it.
func (l *leg) Done() <-chan struct{} { return l.done }

// end closes Done; the call calls it when it tears down.
func (l *leg) end() { l.doneOnce.Do(func() { close(l.done) }) }
