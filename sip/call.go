package sip

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/prompts"
)

// call is one SIP call, in or out: a dialog and its media. It is the
// bridge.Leg the room mixes.
type call struct {
	server *Server
	log    *slog.Logger
	id     string                     // dialog ID, the key in Server.calls
	uas    *sipgo.DialogServerSession // the dialog of a call in, else nil
	uac    *sipgo.DialogClientSession // the dialog of a call out, else nil
	dlg    *dialogState               // offer/answer, direction, session timer, end: under one lock

	media       atomic.Pointer[callStream]  // replaced by a re-INVITE that changes codec
	video       atomic.Pointer[videoStream] // a room system's H.264 video; nil for audio-only calls
	participant atomic.Pointer[bridge.Participant]
	callerExt   string   // the caller's extension, when it calls from its registered address
	srtp        SRTPMode // a call out's trunk's SRTP mode (TrunkAuth.SRTP); empty: Options.SRTP (srtpcall.go)
	routed      func()   // tells the cluster the call is over (route.go); nil without one

	digits  chan rune       // DTMF from every source: RFC 4733, INFO, in-band
	prompt  *prompts.Player // private prompts, heard instead of the room while they play
	overlay *media.Overlay  // the outbound stage that plays prompt in the call's format
}

var _ ivr.Call = (*call)(nil)

// newCall returns a call of s in dialog d, logging to log.
func newCall(s *Server, log *slog.Logger, d *dialogState) *call {
	c := &call{server: s, log: log, dlg: d, digits: make(chan rune, 32), prompt: prompts.NewPlayer()}
	c.overlay = media.NewOverlay(c.prompt, media.Format{})
	return c
}

// setMedia installs stream as the call's media and gives the prompt
// overlay its format.
func (c *call) setMedia(stream *callStream) {
	c.media.Store(stream)
	if err := c.overlay.SetFormat(stream.Format()); err != nil {
		c.log.Warn("no prompt encoder", "format", stream.Format().String(), "err", err)
	}
}

// onDigit takes a digit from any DTMF source. It never blocks: if nobody
// reads (32 digits queued), the digit is dropped.
func (c *call) onDigit(d rune) {
	select {
	case c.digits <- d:
	default:
	}
}

// ReadAudio implements mixer.Participant.
func (c *call) ReadAudio(frame []int16, rate int) bool { return c.media.Load().ReadAudio(frame, rate) }

// Format implements mixer.Participant.
func (c *call) Format() media.Format { return c.media.Load().Format() }

// WriteAudio implements mixer.Participant: the call's outbound chain
// (media.Overlay, then the stream's packetiser) sends the room's mix,
// unless a private prompt is playing (then the prompt) or the peer holds
// the call (nothing).
func (c *call) WriteAudio(payload []byte) {
	if p, ok := c.overlay.Next(); ok {
		payload = p
	}
	if c.dlg.sending() {
		c.media.Load().WriteAudio(payload)
	}
}

// SendPrompt implements ivr.Call: it sends the next 20 ms of a private
// prompt, if one is playing. It runs on the phone call flow's goroutine,
// which drives the call's output before the call joins a room (the room's
// mixer calls WriteAudio after).
func (c *call) SendPrompt() {
	if p, ok := c.overlay.Next(); ok && c.dlg.sending() {
		c.media.Load().WriteAudio(p)
	}
}

// Say implements ivr.Call and the bridge's sayer: prompts for this
// caller alone (the PIN prompt, the spectator notice, the guests' waiting
// and goodbye prompts).
func (c *call) Say(clips ...prompts.Clip) {
	if err := c.overlay.Prepare(); err != nil {
		c.log.Warn("no prompt encoder", "err", err)
	}
	c.prompt.Enqueue(clips...)
}

// Prompts implements ivr.Call: the player Say queues on.
func (c *call) Prompts() *prompts.Player { return c.prompt }

// Digits implements ivr.Call: every digit onDigit took.
func (c *call) Digits() <-chan rune { return c.digits }

// Participant implements ivr.Call: the participant once joined, else nil.
func (c *call) Participant() *bridge.Participant { return c.participant.Load() }

// Joined implements the bridge's joiner: it tells the call its
// participant, and a room system's video joins the room's.
func (c *call) Joined(p *bridge.Participant) {
	c.participant.Store(p)
	if v := c.video.Load(); v != nil {
		v.join(p.Room().Video(), p.ID)
	}
}

// videoPort is the video port for our SDP; 0 when the call has no video.
func (c *call) videoPort() int {
	if v := c.video.Load(); v != nil {
		return v.Port()
	}
	return 0
}

// Done implements bridge.Leg.
func (c *call) Done() <-chan struct{} { return c.dlg.Done() }

// Hangup ends the call from our side with a BYE (RFC 3261 §15.1.1). It
// returns at once; the BYE goes out on its own goroutine.
func (c *call) Hangup(reason string) {
	if !c.dlg.hangup() {
		return
	}
	c.log.Info("hanging up", "reason", reason)
	c.end(reason)
	go func() {
		defer c.server.recoverErr("bye", new(error))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		if c.uas != nil {
			err = c.server.bye(ctx, c.uas)
		} else {
			err = c.server.bye(ctx, c.uac)
		}
		if err != nil {
			c.log.Debug("bye failed", "err", err)
		}
	}()
}

// end marks the call over; its goroutine then releases it.
func (c *call) end(reason string) {
	if c.dlg.end() {
		c.log.Info("call ended", "reason", reason)
	}
}

// release frees the call's media and forgets it. The bridge lets the
// participant go on its own when Done closes.
func (c *call) release() {
	if m := c.media.Load(); m != nil {
		m.Close()
		m.logDropped(c.log)
	}
	if v := c.video.Load(); v != nil {
		v.close()
	}
	if c.uas != nil {
		c.uas.Close()
	} else if c.uac != nil {
		c.uac.Close()
	}
	c.server.removeCall(c)
	if m := c.media.Load(); m != nil {
		c.mediaEnded(m)
	}
}
