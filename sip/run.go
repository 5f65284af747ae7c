package sip

import (
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/ivr"
)

// run carries the call from answer to hang-up on its own goroutine. A call
// in first gives its PIN (if the room has one) and joins the room (the
// phone call flow, ivr.Line.DialIn); a call out was joined by the bridge.
// Then it serves the phone keys, the session timer and the RTP timeout
// until the call ends.
func (c *call) run(room *bridge.Room) {
	started := time.Now()
	line := c.server.flow.Line(c, c.log)
	if room != nil {
		req := c.uas.InviteRequest
		join := bridge.JoinOptions{Name: callerName(req), Via: "sip",
			Extension: c.callerExt, Source: "dial_in", Address: req.From().Address.User}
		if c.callerExt != "" {
			join.Source = "extension"
			if name := c.server.registrar.Name(c.callerExt); name != "" {
				join.Name = name // the configured name, not whatever the phone puts in From
			}
		}
		if !line.DialIn(room, ivr.Caller{Join: join, Addr: guard.SourceOf(req.Source())}) {
			return
		}
	}
	c.serve(started, line)
}

// serve waits for the end of the call while it acts on phone keys
// (line.Press), keeps the session timer and watches for the RTP timeout.
func (c *call) serve(started time.Time, line *ivr.Line) {
	check := time.NewTicker(250 * time.Millisecond)
	defer check.Stop()
	var due <-chan time.Time // the session timer's deadline (RFC 4028)
	var dueTimer *time.Timer
	if wait, ok := c.dlg.startTimer(time.Now()); ok {
		dueTimer = time.NewTimer(wait)
		due = dueTimer.C
		defer dueTimer.Stop()
	}
	for {
		select {
		case <-c.Done():
			return
		case d := <-c.digits:
			line.Press(d)
		case now := <-due:
			switch c.dlg.sessionDue(now) {
			case sessionRefresh:
				go c.refreshSession()
			case sessionExpired:
				c.Hangup("session timer expired without refresh")
			}
			if wait, ok := c.dlg.untilDue(now); ok { // a refresh moved it, or the next one of ours
				dueTimer.Reset(wait)
			}
		case now := <-check.C:
			if c.dlg.rtpTimedOut(now, started, c.media.Load().LastReceived(), c.server.opts.RTPTimeout) {
				c.Hangup("rtp timeout")
			}
		}
	}
}
