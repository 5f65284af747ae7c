package h323

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// leg is the media side of one H.323 call, in or out: the bridge.Leg the
// room mixes and the ivr.Call the phone flow drives. The signalling side
// (call) owns it and ends it.
type leg struct {
	log    *slog.Logger
	stream atomic.Pointer[media.Stream] // nil until the codec is agreed and the stream made

	participant atomic.Pointer[bridge.Participant]
	digits      chan rune       // UserInputIndication, keypad, in-band: one path
	prompt      *prompts.Player // private prompts, heard instead of the room
	overlay     *media.Overlay  // the outbound stage that plays prompt in the call's format

	hangup func(reason string) // the call's: ReleaseComplete, then end
	done   chan struct{}       // closed by end
	once   sync.Once
}

var (
	_ bridge.Leg = (*leg)(nil)
	_ ivr.Call   = (*leg)(nil)
)

// newLeg returns the leg of a call whose Hangup is hangup.
func newLeg(log *slog.Logger, hangup func(string)) *leg {
	l := &leg{log: log, digits: make(chan rune, 32), prompt: prompts.NewPlayer(), hangup: hangup, done: make(chan struct{})}
	l.overlay = media.NewOverlay(l.prompt, media.Format{})
	return l
}

// setStream installs the call's stream and gives the prompt overlay its
// format.
func (l *leg) setStream(s *media.Stream) {
	l.stream.Store(s)
	if err := l.overlay.SetFormat(s.Format()); err != nil {
		l.log.Warn("no prompt encoder", "format", s.Format().String(), "err", err)
	}
}

// onDigit takes a digit from any source. It never blocks: with 32 digits
// queued and nobody reading, the digit is dropped.
func (l *leg) onDigit(d rune) {
	l.digitIn(d, "rtp")
}

// digitIn takes a digit that came by via (h245, keypad, rtp), logged: a
// handful per call, typed by hand.
func (l *leg) digitIn(d rune, via string) {
	l.log.Info("dtmf received", "via", via)
	select {
	case l.digits <- d:
	default:
	}
}

// ReadAudio implements mixer.Participant; silence until the stream exists.
func (l *leg) ReadAudio(frame []int16, rate int) bool {
	if s := l.stream.Load(); s != nil {
		return s.ReadAudio(frame, rate)
	}
	return false
}

// Format implements mixer.Participant: the agreed G.711 law, PCMA until
// one is (a call joins no room before its stream exists).
func (l *leg) Format() media.Format {
	if s := l.stream.Load(); s != nil {
		return s.Format()
	}
	return media.PCMA
}

// WriteAudio implements mixer.Participant: the room's mix, unless a
// private prompt plays (then the prompt).
func (l *leg) WriteAudio(payload []byte) {
	if p, ok := l.overlay.Next(); ok {
		payload = p
	}
	if s := l.stream.Load(); s != nil {
		s.WriteAudio(payload)
	}
}

// SendPrompt implements ivr.Call: the next 20 ms of a private prompt, if
// one plays, while the call is in no room.
func (l *leg) SendPrompt() {
	if p, ok := l.overlay.Next(); ok {
		if s := l.stream.Load(); s != nil {
			s.WriteAudio(p)
		}
	}
}

// Say implements ivr.Call and the bridge's sayer: prompts for this caller
// alone.
func (l *leg) Say(clips ...prompts.Clip) {
	if err := l.overlay.Prepare(); err != nil {
		l.log.Warn("no prompt encoder", "err", err)
	}
	l.prompt.Enqueue(clips...)
}

// Prompts implements ivr.Call.
func (l *leg) Prompts() *prompts.Player { return l.prompt }

// Digits implements ivr.Call.
func (l *leg) Digits() <-chan rune { return l.digits }

// Joined implements the bridge's joiner.
func (l *leg) Joined(p *bridge.Participant) { l.participant.Store(p) }

// Participant implements ivr.Call.
func (l *leg) Participant() *bridge.Participant { return l.participant.Load() }

// Quality implements bridge.QualityLeg: RTCP's view of the call so far.
func (l *leg) Quality() (media.Quality, bool) {
	if s := l.stream.Load(); s != nil {
		return s.Session().Quality()
	}
	return media.Quality{}, false
}

// Hangup implements bridge.Leg: the call sends ReleaseComplete and ends.
// It returns at once and may be called more than once.
func (l *leg) Hangup(reason string) { l.hangup(reason) }

// Done implements bridge.Leg.
func (l *leg) Done() <-chan struct{} { return l.done }

// end marks the leg over; it reports whether this call ended it.
func (l *leg) end() bool {
	ended := false
	l.once.Do(func() { close(l.done); ended = true })
	return ended
}
