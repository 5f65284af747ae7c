package sip

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/emiago/sipgo"

	"github.com/parleyhq/parley/bridge"
)

// call is one answered SIP call: a dialog and its media. It is the
// bridge.Leg the room mixes.
type call struct {
	*callStream // the audio the mixer reads and writes

	server *Server
	dialog *sipgo.DialogServerSession
	log    *slog.Logger

	hangupOnce sync.Once
	ended      chan struct{} // closed when the call is over, by either side
	endOnce    sync.Once
}

var _ bridge.Leg = (*call)(nil)

// Hangup ends the call from our side with a BYE (RFC 3261 §15.1.1). It
// returns at once; the BYE goes out on its own goroutine.
func (c *call) Hangup(reason string) {
	c.hangupOnce.Do(func() {
		c.log.Info("hanging up", "reason", reason)
		c.end(reason)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.dialog.Bye(ctx); err != nil {
				c.log.Debug("bye failed", "err", err)
			}
		}()
	})
}

// end marks the call over; watch then releases it.
func (c *call) end(reason string) {
	c.endOnce.Do(func() {
		c.log.Info("call ended", "reason", reason)
		close(c.ended)
	})
}

// watch waits until the call ends (BYE from either side, our Hangup, or
// no RTP for RTPTimeout) and then releases its room place and media.
func (c *call) watch(ctx context.Context, p *bridge.Participant) {
	timeout := c.server.opts.RTPTimeout
	var tick <-chan time.Time // nil, never ready, when the timeout is off
	if timeout > 0 {
		check := time.NewTicker(min(timeout/4, time.Second))
		defer check.Stop()
		tick = check.C
	}
	started := time.Now()
	for done := false; !done; {
		select {
		case <-c.ended:
			done = true
		case <-ctx.Done():
			c.Hangup("shutting down")
		case now := <-tick:
			last := c.callStream.LastReceived()
			if last.IsZero() {
				last = started
			}
			if now.Sub(last) >= timeout {
				c.Hangup("rtp timeout")
			}
		}
	}
	if p != nil {
		p.Leave()
	}
	c.callStream.Close()
	c.dialog.Close()
	c.server.removeCall(c)
}
