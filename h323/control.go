package h323

import (
	"net"
	"net/netip"
	"time"

	"github.com/parleyhq/parley/h323/h225"
	"github.com/parleyhq/parley/h323/h245"
	"github.com/parleyhq/parley/h323/q931"
)

// This file carries the call's H.245 session: tunnelled in H.225.0
// (h245Control of Facility messages whose body is empty, H.323 §8.2.1) or
// on a separate TPKT-framed TCP connection (h245Address), and its timers.

// armH245Timer sets t to the session's next deadline.
func (c *call) armH245Timer(t *time.Timer) {
	c.mu.Lock()
	d, ok := c.ctl.Deadline()
	c.mu.Unlock()
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	if ok {
		t.Reset(max(time.Until(d), 0))
	} else {
		t.Reset(time.Hour)
	}
}

// tickH245 expires the session's timers.
func (c *call) tickH245(now time.Time) {
	c.mu.Lock()
	out, ev, err := c.ctl.Tick(now)
	c.mu.Unlock()
	if err != nil {
		c.log.Warn("h245 timer", "err", err)
		return
	}
	c.sendH245(out)
	c.onEvents(ev)
}

// onH245 hands received PDUs to the session, answers them and acts on its
// events. The first PDU starts our side of the session too (TCS, MSD).
func (c *call) onH245(pdus [][]byte) {
	if len(pdus) == 0 {
		return
	}
	c.startH245()
	for _, pdu := range pdus {
		c.mu.Lock()
		out, ev, err := c.ctl.Handle(time.Now(), pdu)
		c.mu.Unlock()
		if err != nil {
			c.log.Info("h245 message dropped", "err", err.Error())
			continue
		}
		c.sendH245(out)
		c.onEvents(ev)
	}
}

// startH245 begins slow start (our TerminalCapabilitySet and
// MasterSlaveDetermination) once: after Connect, when the peer's first PDU
// comes, or when the separate connection is up.
func (c *call) startH245() {
	c.mu.Lock()
	if c.started {
		c.mu.Unlock()
		return
	}
	c.started = true
	out, err := c.ctl.Start(time.Now())
	c.mu.Unlock()
	if err != nil {
		c.log.Warn("h245 start", "err", err)
		return
	}
	c.sendH245(out)
}

// sendH245 sends PDUs the way the call carries H.245: in a Facility when
// tunnelled, on the separate connection once it is up, else they wait for
// it.
func (c *call) sendH245(pdus [][]byte) {
	if len(pdus) == 0 {
		return
	}
	c.mu.Lock()
	tunnel, conn := c.tunnel, c.h245
	if !tunnel && conn == nil {
		c.pending = append(c.pending, pdus...)
	}
	c.mu.Unlock()
	switch {
	case tunnel:
		if err := c.send(q931.Facility, h225.Message{Body: h225.Empty, H245Tunneling: true, H245Control: pdus}, nil); err != nil {
			c.log.Info("tunnelled h245 not sent", "err", err)
		}
	case conn != nil:
		for _, pdu := range pdus {
			if err := conn.send(pdu); err != nil {
				c.log.Info("h245 not sent", "err", err)
				return
			}
		}
	}
}

// onEvents acts on the session's events.
func (c *call) onEvents(ev []h245.Event) {
	for _, e := range ev {
		switch e := e.(type) {
		case h245.MediaReady:
			c.onMedia(e.Media)
		case h245.Digit:
			c.leg.digitIn(e.Key, "h245")
		case h245.ChannelClosed:
			c.log.Debug("h245 channel closed", "direction", int(e.Direction))
		case h245.Ended:
			c.hangup("the peer ended the h245 session")
		case h245.Failed:
			c.fail("h245: "+e.Err.Error(), q931.CauseNormalUnspecified, "")
		}
	}
}

// connectH245 opens the separate H.245 connection to the peer's
// h245Address, in the background.
func (c *call) connectH245(addr netip.AddrPort) {
	c.s.wg.Add(1)
	go func() {
		defer c.s.wg.Done()
		defer c.s.recoverCall(c, "h245")
		d := net.Dialer{Timeout: c.s.opts.SetupTimeout}
		conn, err := d.Dial("tcp", addr.String())
		if err != nil {
			c.fail("h245 connection to "+addr.String()+" failed: "+err.Error(), q931.CauseNoRoute, "")
			return
		}
		c.h245Up(conn)
	}()
}

// listenH245 binds our H.245 listener on the signalling connection's local
// address and returns the address to give the peer; the peer's first
// connection becomes the call's H.245 channel.
func (c *call) listenH245() (netip.AddrPort, error) {
	local := addrOf(c.sig.LocalAddr()).Addr()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(local, 0).String())
	if err != nil {
		return netip.AddrPort{}, err
	}
	c.mu.Lock()
	c.h245ln = ln
	c.mu.Unlock()
	c.s.wg.Add(1)
	go func() {
		defer c.s.wg.Done()
		defer c.s.recoverCall(c, "h245")
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			return // the call ended first
		}
		if !sameHost(addrOf(conn.RemoteAddr()).Addr(), c.peerIP) {
			conn.Close()
			c.fail("h245 connection from another host", q931.CauseProtocolError, "")
			return
		}
		c.h245Up(conn)
	}()
	return netip.AddrPortFrom(c.s.advertised(local), addrOf(ln.Addr()).Port()), nil
}

// sameHost reports whether a is the signalling peer's address.
func sameHost(a, peer netip.Addr) bool { return a.Unmap() == peer.Unmap() }

// h245Up makes conn the call's H.245 channel: the PDUs waiting go out,
// slow start begins, and its reader runs until the call ends.
func (c *call) h245Up(conn net.Conn) {
	t := newTPKTConn(conn, c.s.opts.SetupTimeout)
	c.mu.Lock()
	select {
	case <-c.quit:
		c.mu.Unlock()
		conn.Close()
		return
	default:
	}
	c.h245 = t
	c.h245ln = nil
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	c.log.Info("h245 connected", "remote", conn.RemoteAddr().String())
	c.sendH245(pending)
	c.startH245()
	for {
		pdu, err := t.next(0)
		if err != nil {
			select {
			case <-c.quit:
			default:
				c.log.Info("h245 connection closed", "err", err.Error())
			}
			return
		}
		select {
		case c.h245In <- pdu:
		case <-c.quit:
			return
		}
	}
}
