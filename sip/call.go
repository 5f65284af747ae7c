package sip

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"

	"github.com/parleyhq/parley/bridge"
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

	media       atomic.Pointer[callStream]  // replaced by a re-INVITE that changes codec
	video       atomic.Pointer[videoStream] // a room system's H.264 video; nil for audio-only calls
	sendAllowed atomic.Bool                 // our direction lets us send (not held, RFC 3264 §8.4)
	peerSends   atomic.Bool                 // the peer's direction lets it send, so RTP must come
	directedAt  atomic.Int64                // when the direction last changed, Unix ns
	participant atomic.Pointer[bridge.Participant]

	local      netip.Addr    // our address in SDP
	sdpID      uint64        // o= session ID of our SDP
	sdpVersion uint64        // o= version of our last SDP; guarded by mu
	timer      *sessionTimer // RFC 4028 session timer, nil when none
	callerExt  string        // the caller's extension, when it calls from its registered address
	refreshed  chan struct{} // a session refresh (re-INVITE, UPDATE) came in

	mu       sync.Mutex
	ack      []byte // body of the ACK to our 2xx (late offer's answer); guarded by mu
	updating bool   // we have a re-INVITE or UPDATE out (glare, RFC 3261 §14.1); guarded by mu

	digits  chan rune       // DTMF from every source: RFC 4733, INFO, in-band
	prompt  *prompts.Player // private prompts, heard instead of the room while they play
	overlay *media.Overlay  // the outbound stage that plays prompt in the call's format

	hangupOnce sync.Once
	endOnce    sync.Once
	ended      chan struct{} // closed when the call is over, by either side
}

var _ bridge.Leg = (*call)(nil)

func newCall(s *Server, log *slog.Logger) *call {
	c := &call{server: s, log: log, digits: make(chan rune, 32), prompt: prompts.NewPlayer(),
		refreshed: make(chan struct{}, 1), ended: make(chan struct{})}
	c.overlay = media.NewOverlay(c.prompt, media.Format{})
	c.setDirection(SendRecv)
	return c
}

// setAck keeps the body of the ACK to our 2xx.
func (c *call) setAck(body []byte) {
	c.mu.Lock()
	c.ack = body
	c.mu.Unlock()
}

// ackBody returns the body of the ACK to our 2xx.
func (c *call) ackBody() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ack
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
	if c.sendAllowed.Load() {
		c.media.Load().WriteAudio(payload)
	}
}

// sendPrompt sends the next 20 ms of a private prompt, if one is playing.
// It runs on the IVR's goroutine, which drives the call's output before
// the call joins a room (the room's mixer calls WriteAudio after).
func (c *call) sendPrompt() {
	if p, ok := c.overlay.Next(); ok && c.sendAllowed.Load() {
		c.media.Load().WriteAudio(p)
	}
}

// say queues prompts for this caller alone.
func (c *call) say(clips ...prompts.Clip) {
	if err := c.overlay.Prepare(); err != nil {
		c.log.Warn("no prompt encoder", "err", err)
	}
	c.prompt.Enqueue(clips...)
}

// Say implements the bridge's sayer: prompts for this caller alone (the
// spectator notice, the guests' waiting and goodbye prompts).
func (c *call) Say(clips ...prompts.Clip) { c.say(clips...) }

// sayID queues the prompts with the given IDs.
func (c *call) sayID(ids ...string) {
	set := c.server.prompts
	clips := make([]prompts.Clip, 0, len(ids))
	for _, id := range ids {
		if clip, ok := set.Get(id); ok {
			clips = append(clips, clip)
		}
	}
	if len(clips) > 0 {
		c.say(clips...)
	}
}

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
func (c *call) Done() <-chan struct{} { return c.ended }

// Hangup ends the call from our side with a BYE (RFC 3261 §15.1.1). It
// returns at once; the BYE goes out on its own goroutine.
func (c *call) Hangup(reason string) {
	c.hangupOnce.Do(func() {
		c.log.Info("hanging up", "reason", reason)
		c.end(reason)
		go func() {
			defer c.server.recoverErr("bye", new(error))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var err error
			if c.uas != nil {
				err = c.uas.Bye(ctx)
			} else {
				err = c.uac.Bye(ctx)
			}
			if err != nil {
				c.log.Debug("bye failed", "err", err)
			}
		}()
	})
}

// end marks the call over; its goroutine then releases it.
func (c *call) end(reason string) {
	c.endOnce.Do(func() {
		c.log.Info("call ended", "reason", reason)
		close(c.ended)
	})
}

// setDirection applies the direction of our side of the session (what
// our SDP says): sendonly and inactive stop what we send, recvonly and
// inactive mean the peer sends nothing (hold, RFC 3264 §8.4).
func (c *call) setDirection(d Direction) {
	c.sendAllowed.Store(d == SendRecv || d == SendOnly)
	c.peerSends.Store(d == SendRecv || d == RecvOnly)
	c.directedAt.Store(time.Now().UnixNano())
}

// timedOut reports whether no RTP has come for the RTP timeout. A peer on
// hold may send nothing, so the timeout waits while it does not send.
func (c *call) timedOut(now, started time.Time) bool {
	timeout := c.server.opts.RTPTimeout
	if timeout <= 0 || !c.peerSends.Load() {
		return false
	}
	last := c.media.Load().LastReceived()
	if last.Before(started) {
		last = started
	}
	if resumed := time.Unix(0, c.directedAt.Load()); last.Before(resumed) {
		last = resumed // the peer had no need to send before it resumed
	}
	return now.Sub(last) >= timeout
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
	if f := c.server.opts.OnMediaEnded; f != nil {
		if m := c.media.Load(); m != nil {
			f(rtpStatsOf(m))
		}
	}
}
