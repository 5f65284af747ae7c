package h323

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/h323/h225"
	"github.com/parleyhq/parley/h323/h245"
	"github.com/parleyhq/parley/h323/q931"
	"github.com/parleyhq/parley/ivr"
	"github.com/parleyhq/parley/media"
)

// call is one H.323 call, in or out: its call-signalling connection
// (Q.931/H.225.0), its H.245 session and transport, its RTP and its leg.
//
// Three goroutines carry it: the reader of the signalling connection
// (readSignal), the loop that runs the state machine (run: every message,
// H.245 PDU and timer), and the phone flow (flow). What they share is
// under mu; no lock is held across a write to the network.
type call struct {
	s       *Server
	log     *slog.Logger
	leg     *leg
	out     bool // Parley placed the call
	sig     *tpktConn
	callRef uint16
	callID  h225.GUID
	confID  h225.GUID
	peerIP  netip.Addr // the signalling peer: media comes from it
	media   *callMedia

	progress func(code int) // a call out: told of Alerting (180) and Progress (183)
	routed   func()         // a call in routed by Options.Cluster: called once it is over

	sigIn   chan signal   // the reader's messages, in order
	h245In  chan []byte   // PDUs of the separate H.245 connection
	quit    chan struct{} // closed by finish
	mediaUp chan struct{} // closed once the stream exists
	conn    chan struct{} // closed once Connect is sent or received
	gone    chan struct{} // closed by release: the call holds nothing
	closed  chan struct{} // closed once finish has said goodbye and closed the connections

	mu          sync.Mutex
	ctl         *h245.Session // guarded by mu
	tunnel      bool          // H.245 travels in h245Control; guarded by mu
	h245        *tpktConn     // the separate H.245 connection, once up; guarded by mu
	h245ln      net.Listener  // our H.245 listener until the peer connects; guarded by mu
	h245Dialled bool          // we connect to the peer's h245Address; guarded by mu
	pending     [][]byte      // H.245 PDUs waiting for the separate connection; guarded by mu
	started     bool          // H.245 slow start (Start) done; guarded by mu
	connected   bool          // conn closed; guarded by mu
	mediaOpen   bool          // mediaUp closed; guarded by mu
	releaseErr  error         // why the call ended, for Dial; guarded by mu
	endOnce     sync.Once
}

// signal is one received call-signalling message.
type signal struct {
	q  *q931.Message
	uu h225.Message
}

// Q.931 call states (Q.931 §2.1) a Status reports.
const (
	stateOutgoingProceeding = 3
	stateIncomingProceeding = 9
	stateActive             = 10
)

// causeStatusEnquiry is the Cause of a Status that answers a Status
// enquiry (Q.850: "response to STATUS ENQUIRY").
const causeStatusEnquiry = 30

// newCall returns a call on the signalling connection sig.
func (s *Server) newCall(log *slog.Logger, sig *tpktConn, out bool) *call {
	c := &call{s: s, log: log, out: out, sig: sig,
		peerIP: addrOf(sig.RemoteAddr()).Addr(),
		sigIn:  make(chan signal, 16), h245In: make(chan []byte, 16),
		quit: make(chan struct{}), mediaUp: make(chan struct{}), conn: make(chan struct{}),
		gone: make(chan struct{}), closed: make(chan struct{})}
	c.leg = newLeg(log, c.hangup)
	return c
}

// addrOf is a net.Addr as an AddrPort, unmapped.
func addrOf(a net.Addr) netip.AddrPort {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// prepare binds the call's RTP and RTCP ports, advertised at the
// signalling connection's local address (or the public one), and makes its
// H.245 session, which receives at them.
func (c *call) prepare() error {
	m, err := c.s.newMedia(c.s.advertised(addrOf(c.sig.LocalAddr()).Addr()))
	if err != nil {
		return err
	}
	c.media = m
	ctl, err := h245.NewSession(h245.Config{RTP: m.rtpAddr(), RTCP: m.rtcpAddr()})
	if err != nil {
		return err
	}
	c.ctl = ctl
	return nil
}

// endpointInfo is Parley's EndpointType: a terminal with its vendor.
// Parley mixes like an MCU, but each room system sees one point-to-point
// call, so it claims no MC (which would invite conference requests).
func endpointInfo() h225.EndpointType {
	return h225.EndpointType{Terminal: true, Vendor: h225.ParleyVendor("")}
}

// send sends one call-signalling message of type t carrying u; mod, if
// not nil, adds Q.931 elements.
func (c *call) send(t q931.MessageType, u h225.Message, mod func(*q931.Message)) error {
	u.CallID, u.ConferenceID = c.callID, c.confID
	if u.Info == (h225.EndpointType{}) {
		u.Info = endpointInfo()
	}
	m := q931.Message{Type: t, CallRef: c.callRef, CallRefFlag: !c.out}
	if mod != nil {
		mod(&m)
	}
	enc, err := h225.Pack(m, u)
	if err != nil {
		return fmt.Errorf("h323: %s: %w", t, err)
	}
	return c.sig.send(enc)
}

// readSignal reads the signalling connection until it fails or closes,
// handing each message to the loop; it runs on the goroutine that owns the
// connection.
func (c *call) readSignal() {
	defer c.s.recoverCall(c, "signalling")
	for {
		b, err := c.sig.next(0)
		if err != nil {
			c.finish("signalling connection closed: "+err.Error(), 0, "", false)
			return
		}
		sg, err := decodeSignal(b)
		if err != nil {
			c.log.Info("h323 message dropped", "err", err.Error())
			continue
		}
		select {
		case c.sigIn <- sg:
		case <-c.quit:
			return
		}
	}
}

// decodeSignal decodes one Q.931 message and its H323-UserInformation;
// a message without one (a bare Status enquiry, say) has uu.Body "".
func decodeSignal(b []byte) (signal, error) {
	q, m, err := h225.Unpack(b)
	if err != nil && !errors.Is(err, h225.ErrNoUserUser) {
		return signal{}, err
	}
	return signal{q: q, uu: m}, nil
}

// hangup is the leg's Hangup: a ReleaseComplete with cause 16 (normal
// call clearing).
func (c *call) hangup(reason string) {
	c.finish(reason, q931.CauseNormalCallClearing, "", true)
}

// finish ends the call once and returns at once: the leg is done and the
// loop stops; with send, an EndSessionCommand (H.323 §8.5) and a
// ReleaseComplete with cause (and the H.225.0 reason, if any) go out on
// a goroutine of their own before the connections close (release waits
// for it).
func (c *call) finish(why string, cause uint8, reason h225.ReleaseReason, send bool) {
	c.endOnce.Do(func() {
		c.log.Info("call ended", "reason", why)
		c.mu.Lock()
		var end [][]byte
		if send && c.ctl != nil {
			end, _ = c.ctl.End()
		}
		tunnel, h245c, ln := c.tunnel, c.h245, c.h245ln
		if c.releaseErr == nil {
			c.releaseErr = errors.New(why)
		}
		close(c.quit) // under mu: h245Up and listenH245 see it
		c.mu.Unlock()
		c.leg.end()
		go func() {
			defer close(c.closed)
			if send {
				c.sendRelease(cause, reason, tunnel, h245c, end)
			}
			c.sig.Close()
			if h245c != nil {
				h245c.Close()
			}
			if ln != nil {
				ln.Close()
			}
		}()
	})
}

// sendRelease sends our EndSessionCommand (tunnelled in the
// ReleaseComplete, or on the separate connection) and the ReleaseComplete.
func (c *call) sendRelease(cause uint8, reason h225.ReleaseReason, tunnel bool, h245c *tpktConn, end [][]byte) {
	u := h225.Message{Body: h225.ReleaseComplete, H245Tunneling: tunnel, Reason: reason}
	if tunnel {
		u.H245Control = end
	} else if h245c != nil {
		for _, pdu := range end {
			_ = h245c.send(pdu)
		}
	}
	err := c.send(q931.ReleaseComplete, u, func(m *q931.Message) {
		m.Cause = &q931.Cause{Location: q931.LocationUser, Value: cause}
	})
	if err != nil {
		c.log.Debug("release complete not sent", "err", err)
	}
}

// rtpCheck is how often the loop looks for the RTP timeout.
const rtpCheck = time.Second

// run is the call's loop until it ends; then it releases the call.
func (c *call) run() {
	defer c.s.wg.Done()
	defer c.release()
	defer c.s.recoverCall(c, "call")
	var mediaDue <-chan time.Time // the setup timeout for media, from Connect on
	check := time.NewTicker(rtpCheck)
	defer check.Stop()
	h245Timer := time.NewTimer(time.Hour)
	defer h245Timer.Stop()
	up, connected := c.mediaUp, c.conn
	for {
		c.armH245Timer(h245Timer)
		select {
		case <-c.quit:
			return
		case sg := <-c.sigIn:
			c.onSignal(sg)
		case pdu := <-c.h245In:
			c.onH245([][]byte{pdu})
		case now := <-h245Timer.C:
			c.tickH245(now)
		case <-connected:
			connected = nil // selected once
			if up != nil {
				t := time.NewTimer(c.s.opts.SetupTimeout)
				defer t.Stop()
				mediaDue = t.C
			}
		case <-up:
			up, mediaDue = nil, nil
		case <-mediaDue:
			if !c.hasMedia() {
				c.fail("no media within the setup timeout", q931.CauseTimerExpiry, "")
			}
		case now := <-check.C:
			if s := c.leg.stream.Load(); s != nil && c.s.opts.RTPTimeout > 0 && s.Session().TimedOut(now, c.s.opts.RTPTimeout) {
				c.hangup("rtp timeout")
			}
		}
	}
}

// fail ends the call with a ReleaseComplete of that cause; a call out not
// yet answered reports why to Dial.
func (c *call) fail(why string, cause uint8, reason h225.ReleaseReason) {
	c.mu.Lock()
	if c.releaseErr == nil {
		c.releaseErr = &bridge.DialError{Status: bridge.DialFailed, Reason: why}
	}
	c.mu.Unlock()
	c.finish(why, cause, reason, true)
}

// hasMedia reports whether the stream exists.
func (c *call) hasMedia() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mediaOpen
}

// release frees what the call holds once it has ended.
func (c *call) release() {
	<-c.closed
	if c.media != nil {
		c.media.close()
	}
	if s := c.leg.stream.Load(); s != nil {
		logDropped(c.log, s)
	}
	c.s.removeCall(c)
	if c.routed != nil {
		c.routed()
	}
	close(c.gone)
}

// logDropped logs the RTP the stream dropped from sources the latch did
// not accept, once the call is over: the trace of a hijack attempt.
func logDropped(log *slog.Logger, s *media.Stream) {
	st := s.Stats().Session
	if st.Ignored > 0 || st.Withheld > 0 {
		log.Info("rtp dropped by the source check", "rtp_ignored", st.Ignored, "rtp_withheld", st.Withheld,
			"rtp_accepted", st.PacketsIn, "rtp_sent", st.PacketsOut)
	}
}

// onMedia takes the media H.245 agreed (fast start, or slow start's
// channels): it makes the stream in the codec we send, or tells it where
// the peer now wants RTP.
func (c *call) onMedia(m h245.Media) {
	if m.Send != m.Receive && m.Receive != 0 {
		c.log.Warn("h323 codecs differ by direction: the stream uses the one we send", "send", m.Send.String(), "receive", m.Receive.String())
	}
	f, pt := media.PCMA, uint8(8)
	if m.Send == h245.PCMU {
		f, pt = media.PCMU, 0
	}
	if c.media.stream == nil {
		stream, err := c.media.open(f, pt, m.RemoteRTP, m.RemoteRTCP, c.peerIP, c.leg.onDigit, c.log)
		if err != nil {
			c.fail("media failed: "+err.Error(), q931.CauseResourceUnavailable, "")
			return
		}
		c.leg.setStream(stream)
		c.log.Info("call media", "codec", f.String(), "remote_rtp", m.RemoteRTP.String())
		c.mu.Lock()
		c.mediaOpen = true
		c.mu.Unlock()
		close(c.mediaUp)
		return
	}
	c.media.setRemote(m.RemoteRTP, m.RemoteRTCP)
}

// keypad takes the digits of a Q.931 Keypad facility element (an
// Information message's): those of the DTMF keys, in order.
func (c *call) keypad(s string) {
	for _, r := range s {
		if strings.ContainsRune("0123456789*#ABCD", r) {
			c.leg.digitIn(r, "keypad")
		}
	}
}

// flow runs the phone flow once the call has media: a call in gives its
// PIN and joins room as who; then (and for a call out, which the bridge
// joined) every digit goes to the phone keys until the call ends.
func (c *call) flow(room *bridge.Room, who ivr.Caller) {
	defer c.s.wg.Done()
	defer c.s.recoverCall(c, "flow")
	select {
	case <-c.mediaUp:
	case <-c.leg.Done():
		return
	}
	line := c.s.opts.Flow.Line(c.leg, c.log)
	if room != nil && !line.DialIn(room, who) {
		return
	}
	for {
		select {
		case <-c.leg.Done():
			return
		case d := <-c.leg.digits:
			line.Press(d)
		}
	}
}

// setConnected marks the call answered, once.
func (c *call) setConnected() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.connected {
		c.connected = true
		close(c.conn)
	}
}
