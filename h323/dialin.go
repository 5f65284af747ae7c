package h323

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/h323/h225"
	"github.com/parleyhq/parley/h323/q931"
	"github.com/parleyhq/parley/ivr"
)

// serveConn carries a connection from an endpoint that calls in: its
// Setup (within SetupTimeout), the room its destination names, the answer
// (CallProceeding, Connect with the fastStart answer, or slow start), and
// then the call until it ends. It runs on the connection's goroutine,
// which becomes the call's signalling reader.
func (s *Server) serveConn(conn net.Conn) {
	sig := newTPKTConn(conn, s.opts.SetupTimeout)
	defer sig.Close()
	log := s.log.With("remote", conn.RemoteAddr().String())
	b, err := sig.next(s.opts.SetupTimeout)
	if err != nil {
		log.Info("h323 connection closed before a setup", "err", err.Error())
		return
	}
	sg, err := decodeSignal(b)
	if err != nil || sg.q.Type != q931.Setup || sg.uu.Body != h225.Setup {
		why := "not a setup"
		if err != nil {
			why = err.Error()
		}
		log.Info("h323 connection refused", "reason", why)
		return
	}
	c := s.newCall(log, sig, false)
	c.callRef, c.callID, c.confID = sg.q.CallRef, sg.uu.CallID, sg.uu.ConferenceID
	if c.callID == (h225.GUID{}) { // H.225.0 version 1
		c.callID = h225.NewGUID()
	}
	number := roomNumber(sg)
	c.log = log.With("room", number, "caller", callerName(sg, c.peerIP))
	c.leg.log = c.log
	refuse := func(why string, cause uint8, reason h225.ReleaseReason) {
		c.log.Info("call refused", "reason", why, "cause", cause)
		err := c.send(q931.ReleaseComplete, h225.Message{Body: h225.ReleaseComplete, Reason: reason}, func(m *q931.Message) {
			m.Cause = &q931.Cause{Location: q931.LocationUser, Value: cause}
		})
		if err != nil {
			c.log.Debug("release complete not sent", "err", err)
		}
	}
	if s.rooms.Draining() {
		refuse(bridge.ErrDraining.Error(), q931.CauseTemporaryFailure, "")
		return
	}
	room, err := s.rooms.Room(number)
	if err != nil {
		if errors.Is(err, bridge.ErrUnknownRoom) {
			refuse("no room "+number, q931.CauseUnallocatedNumber, h225.ReasonCalledNotRegistered)
		} else {
			refuse(err.Error(), q931.CauseTemporaryFailure, "")
		}
		return
	}
	if room.Full() {
		refuse(bridge.ErrFull.Error(), q931.CauseUserBusy, h225.ReasonInConf)
		return
	}
	if err := s.addCall(c); err != nil {
		refuse(err.Error(), q931.CauseNoCircuit, "")
		return
	}
	c.routed = s.route(number, c.log)
	if err := c.answerSetup(sg.uu); err != nil {
		c.fail("answer failed: "+err.Error(), q931.CauseResourceUnavailable, "")
		c.release()
		return
	}
	who := ivr.Caller{Addr: c.peerIP, Join: bridge.JoinOptions{Name: callerName(sg, c.peerIP), Via: "h323",
		Source: "dial_in", Address: callerAddress(sg, c.peerIP)}}
	s.wg.Add(2)
	go c.run()
	go c.flow(room, who)
	c.readSignal()
}

// answerSetup answers a Setup: media and H.245 session, the fastStart
// answer if the caller proposed one we take, the H.245 transport the caller
// chose (tunnelled, its h245Address, or ours), CallProceeding, then
// Connect: Parley answers at once, the PIN prompt comes after.
func (c *call) answerSetup(setup h225.Message) error {
	err := c.prepare()
	if err != nil {
		return err
	}
	var answer [][]byte
	if len(setup.FastStart) > 0 {
		a, med, err := c.ctl.AnswerFastStart(setup.FastStart)
		if err != nil {
			c.log.Info("fast start refused: slow start", "err", err.Error())
		} else {
			answer = a
			c.onMedia(med)
		}
	}
	c.mu.Lock()
	c.tunnel = setup.H245Tunneling
	c.mu.Unlock()
	proceeding := h225.Message{Body: h225.CallProceeding, H245Tunneling: setup.H245Tunneling}
	switch {
	case setup.H245Tunneling:
	case setup.H245Address.IsValid():
		c.mu.Lock()
		c.h245Dialled = true
		c.mu.Unlock()
		c.connectH245(setup.H245Address)
	default:
		if proceeding.H245Address, err = c.listenH245(); err != nil {
			return err
		}
	}
	if err := c.send(q931.CallProceeding, proceeding, nil); err != nil {
		return err
	}
	connect := proceeding
	connect.Body, connect.FastStart = h225.Connect, answer
	if setup.H245Tunneling {
		c.mu.Lock()
		c.started = true
		connect.H245Control, err = c.ctl.Start(time.Now())
		c.mu.Unlock()
		if err != nil {
			return err
		}
	}
	if err := c.send(q931.Connect, connect, nil); err != nil {
		return err
	}
	c.setConnected()
	c.log.Info("call answered", "tunnelling", setup.H245Tunneling, "fast_start", answer != nil)
	return nil
}

// roomNumber is the room a Setup calls: its first destinationAddress
// alias (dialedDigits or h323-ID), else the Called party number.
func roomNumber(sg signal) string {
	for _, a := range sg.uu.DestinationAddress {
		if (a.Kind == h225.DialedDigits || a.Kind == h225.H323ID || a.Kind == h225.PartyNumber) && a.Value != "" {
			return a.Value
		}
	}
	if p := sg.q.CalledPartyNumber; p != nil {
		return p.Digits
	}
	return ""
}

// callerName is the caller's Display, else its first h323-ID, else its
// address (callerAddress).
func callerName(sg signal, peer netip.Addr) string {
	if sg.q.Display != "" {
		return sg.q.Display
	}
	for _, a := range sg.uu.SourceAddress {
		if a.Kind == h225.H323ID && a.Value != "" {
			return a.Value
		}
	}
	return callerAddress(sg, peer)
}

// callerAddress is what the caller calls from: its first E.164 alias or
// Calling party number, else its first alias, else its IP address.
func callerAddress(sg signal, peer netip.Addr) string {
	for _, a := range sg.uu.SourceAddress {
		if (a.Kind == h225.DialedDigits || a.Kind == h225.PartyNumber) && a.Value != "" {
			return a.Value
		}
	}
	if p := sg.q.CallingPartyNumber; p != nil && p.Digits != "" {
		return p.Digits
	}
	for _, a := range sg.uu.SourceAddress {
		if a.Value != "" {
			return a.Value
		}
	}
	return peer.String()
}

// route asks Options.Cluster about a call in for room and returns what to
// call once the call is over (nil without a cluster). With cascading the
// router links this node to the room's owner first, so the caller joins
// the room everyone else is in. A redirect cannot be followed: it names a
// SIP address, and an H.323 endpoint knows no such thing; the call is
// taken here, logged, and the room is served on both nodes until one of
// them empties (the SIP edge would have sent a SIP caller there).
func (s *Server) route(room string, log *slog.Logger) func() {
	if s.opts.Cluster == nil {
		return nil
	}
	target, done := s.opts.Cluster.RouteCall(room)
	if target != "" {
		log.Warn("h323: the room is served by another node, which an H.323 call cannot be sent to: taking it here", "node_sip", target)
	}
	return done
}
