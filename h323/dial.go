package h323

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strings"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/h323/h225"
	"github.com/parleyhq/parley/h323/q931"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/rules"
)

// Dial places a call out to an H.323 endpoint (bridge.Dialer, ViaH323
// routes): a Setup with fastStart proposals for G.711 A-law and µ-law and
// H.245 tunnelling, sent to exactly the address the router checked, with
// the target's alias as destinationAddress. It returns once the endpoint
// has answered and the media is up, or with a *bridge.DialError when it
// releases the call, cannot be reached, or ctx ends (the ring timeout:
// the call is then released).
func (s *Server) Dial(ctx context.Context, out bridge.Outbound) (_ bridge.Leg, err error) {
	if out.Route.Via != dialplan.ViaH323 {
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: "the H.323 edge cannot dial via " + out.Route.Via}
	}
	if !out.Route.Addr.IsValid() {
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: "the route carries no checked address"}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", out.Route.Addr.String())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: "cannot reach " + out.Route.Addr.String() + ": " + err.Error()}
	}
	sig := newTPKTConn(conn, s.opts.SetupTimeout)
	log := s.log.With("room", out.Room.Number, "to", out.Route.Destination)
	c := s.newCall(log, sig, true)
	c.callRef = uint16(rand.IntN(0x7fff) + 1)
	c.callID, c.confID = h225.NewGUID(), h225.NewGUID()
	c.progress = out.OnProgress
	if err := s.addCall(c); err != nil {
		sig.Close()
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
	}
	if err := c.sendSetup(out); err != nil {
		c.fail("setup failed: "+err.Error(), q931.CauseResourceUnavailable, "")
		c.release()
		return nil, &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
	}
	s.wg.Add(2)
	go c.run()
	go func() {
		defer s.wg.Done()
		c.readSignal()
	}()
	for ch := c.conn; ; {
		select {
		case <-ch:
			if ch == c.mediaUp {
				s.wg.Add(1)
				go c.flow(nil, ivr.Caller{})
				return c.leg, nil
			}
			ch = c.mediaUp
		case <-c.quit:
			<-c.gone // the port and the call's place are free again
			c.mu.Lock()
			err := c.releaseErr
			c.mu.Unlock()
			var de *bridge.DialError
			if !errors.As(err, &de) {
				de = &bridge.DialError{Status: bridge.DialFailed, Reason: err.Error()}
			}
			return nil, de
		case <-ctx.Done():
			c.finish("no answer: "+ctx.Err().Error(), q931.CauseNormalUnspecified, "", true)
			<-c.gone
			return nil, ctx.Err()
		}
	}
}

// sendSetup sends the Setup of a call out.
func (c *call) sendSetup(out bridge.Outbound) error {
	if err := c.prepare(); err != nil {
		return err
	}
	offer, err := c.ctl.OfferFastStart()
	if err != nil {
		return err
	}
	c.tunnel = true // unless the called side's answer says otherwise
	u := h225.Message{Body: h225.Setup, H245Tunneling: true, FastStart: offer, DestCallSignalAddress: out.Route.Addr}
	if user := out.Route.Target.User; user != "" {
		u.DestinationAddress = []h225.Alias{aliasOf(user)}
	}
	name := out.Room.Name
	if name == "" {
		name = out.Room.Number
	}
	u.SourceAddress = []h225.Alias{{Kind: h225.H323ID, Value: name}}
	if isDigits(out.Room.Number) {
		u.SourceAddress = append(u.SourceAddress, h225.Alias{Kind: h225.DialedDigits, Value: out.Room.Number})
	}
	return c.send(q931.Setup, u, func(q *q931.Message) {
		q.Display = name
		if id := out.Route.CallerID; id != "" && rules.CallerID(id) == nil {
			typ := uint8(q931.NumberUnknown)
			if strings.HasPrefix(id, "+") {
				typ = q931.NumberInternational
			}
			q.CallingPartyNumber = &q931.PartyNumber{Type: typ, Plan: q931.PlanE164, WithPresentation: true, Digits: strings.TrimPrefix(id, "+")}
		}
	})
}

// aliasOf is the AliasAddress of a target's alias: dialedDigits when it is
// all digits (E.164 style), else an h323-ID.
func aliasOf(s string) h225.Alias {
	if isDigits(s) {
		return h225.Alias{Kind: h225.DialedDigits, Value: s}
	}
	return h225.Alias{Kind: h225.H323ID, Value: s}
}

// isDigits reports whether s is a non-empty run of the digits dialedDigits
// allows (0-9, #, *; commas are pauses and not taken).
func isDigits(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	return strings.Trim(s, "0123456789#*") == ""
}
