package h323

import (
	"fmt"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/h323/h225"
	"github.com/parleyhq/parley/h323/q931"
)

// onSignal handles one call-signalling message after the Setup, in either
// direction (H.225.0 §7.3, H.323 §8): the called side's answers to a call
// out, keypad digits, Status enquiries, the release, and the tunnelled
// H.245 any message may carry.
func (c *call) onSignal(sg signal) {
	m, u := sg.q, sg.uu
	switch m.Type {
	case q931.CallProceeding, q931.Alerting, q931.Progress, q931.Connect:
		if !c.out {
			c.sendStatus(q931.CauseWrongState)
			return
		}
		c.onAnswer(m.Type, u)
	case q931.Facility:
		if u.Body != "" {
			c.takeTunnelling(u)
		}
		if u.FacilityReason == h225.FacilityStartH245 && u.H245Address.IsValid() {
			c.openH245(u)
		}
	case q931.Information:
		c.keypad(m.KeypadFacility)
	case q931.StatusEnquiry:
		c.sendStatus(causeStatusEnquiry)
	case q931.Status, q931.Notify:
		c.log.Debug("h323 status", "type", m.Type.String())
	case q931.ReleaseComplete:
		cause := uint8(q931.CauseNormalCallClearing)
		if m.Cause != nil {
			cause = m.Cause.Value
		}
		c.mu.Lock()
		if !c.connected && c.out {
			c.releaseErr = dialErrorOf(cause, u.Reason)
		}
		c.mu.Unlock()
		c.finish(fmt.Sprintf("the peer released the call (cause %d %s)", cause, u.Reason), cause, "", false)
		return
	default:
		c.sendStatus(q931.CauseMessageTypeNonexistent)
		return
	}
	c.onH245(u.H245Control)
}

// onAnswer takes the called side's CallProceeding, Alerting, Progress or
// Connect of a call out: its fastStart answer, its choice of H.245
// transport, and the answer itself.
func (c *call) onAnswer(t q931.MessageType, u h225.Message) {
	if p := c.progress; p != nil {
		switch t {
		case q931.Alerting:
			p(180)
		case q931.Progress:
			p(183)
		}
	}
	c.takeTunnelling(u)
	if len(u.FastStart) > 0 && !c.hasMedia() {
		c.mu.Lock()
		m, err := c.ctl.AcceptFastStart(u.FastStart)
		c.mu.Unlock()
		if err != nil {
			c.log.Info("fast start answer refused: slow start", "err", err.Error())
		} else {
			c.onMedia(m)
		}
	}
	if u.H245Address.IsValid() {
		c.openH245(u)
	}
	if t != q931.Connect {
		return
	}
	c.setConnected()
	c.log.Info("call answered", "tunnelling", c.tunnelled(), "fast_start", c.hasMedia())
	c.mu.Lock()
	tunnel, conn, ln := c.tunnel, c.h245, c.h245ln
	c.mu.Unlock()
	switch {
	case tunnel:
		c.startH245()
	case conn == nil && ln == nil && !u.H245Address.IsValid():
		// The peer neither tunnels nor gave an address: offer ours
		// (Facility startH245, H.323 §8.2.3).
		addr, err := c.listenH245()
		if err != nil {
			c.fail("no h245 listener: "+err.Error(), q931.CauseResourceUnavailable, "")
			return
		}
		if err := c.send(q931.Facility, h225.Message{Body: h225.Facility, FacilityReason: h225.FacilityStartH245, H245Address: addr}, nil); err != nil {
			c.log.Info("facility not sent", "err", err)
		}
	}
}

// takeTunnelling follows the peer's h245Tunneling: once it says false,
// H.245 goes on a separate connection for the rest of the call.
func (c *call) takeTunnelling(u h225.Message) {
	if u.H245Tunneling || u.Body == h225.Empty {
		return
	}
	c.mu.Lock()
	c.tunnel = false
	c.mu.Unlock()
}

// tunnelled reports whether H.245 is tunnelled.
func (c *call) tunnelled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tunnel
}

// openH245 connects to the peer's h245Address, once, unless H.245 is
// tunnelled or already has its connection.
func (c *call) openH245(u h225.Message) {
	c.mu.Lock()
	skip := c.tunnel || c.h245 != nil || c.h245Dialled
	c.h245Dialled = true
	c.mu.Unlock()
	if !skip {
		c.connectH245(u.H245Address)
	}
}

// sendStatus answers with a Status (H.225.0 §7.3.12) carrying the call
// state and cause.
func (c *call) sendStatus(cause uint8) {
	state := q931.CallState(stateIncomingProceeding)
	if c.out {
		state = stateOutgoingProceeding
	}
	c.mu.Lock()
	if c.connected {
		state = stateActive
	}
	tunnel := c.tunnel
	c.mu.Unlock()
	err := c.send(q931.Status, h225.Message{Body: h225.Status, H245Tunneling: tunnel}, func(m *q931.Message) {
		m.Cause = &q931.Cause{Location: q931.LocationUser, Value: cause}
		m.CallState = &state
	})
	if err != nil {
		c.log.Info("status not sent", "err", err)
	}
}

// dialErrorOf classifies the release of a call out that was not answered,
// by its Q.931 cause and H.225.0 reason.
func dialErrorOf(cause uint8, reason h225.ReleaseReason) *bridge.DialError {
	status := bridge.DialFailed
	switch {
	case cause == q931.CauseUserBusy || reason == h225.ReasonInConf || reason == h225.ReasonAdaptiveBusy:
		status = bridge.DialBusy
	case cause == q931.CauseCallRejected || reason == h225.ReasonDestinationRejection:
		status = bridge.DialDeclined
	case cause == q931.CauseUnallocatedNumber || cause == q931.CauseNoRoute || cause == q931.CauseSubscriberAbsent ||
		reason == h225.ReasonCalledNotRegistered || reason == h225.ReasonUnreachable:
		status = bridge.DialNotFound
	case cause == q931.CauseNoUserResponding || cause == q931.CauseNoAnswer:
		status = bridge.DialNoAnswer
	}
	r := fmt.Sprintf("released with cause %d", cause)
	if reason != "" {
		r += " (" + string(reason) + ")"
	}
	return &bridge.DialError{Status: status, Reason: r}
}
