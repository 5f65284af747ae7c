package sip

import (
	"strings"

	gosip "github.com/emiago/sipgo/sip"
)

// secureTransport reports whether req came over TLS (or secure
// WebSocket): the only signalling SDES keys may travel over (RFC 4568
// §8.3).
func secureTransport(req *gosip.Request) bool {
	t := req.Transport()
	return strings.EqualFold(t, "TLS") || strings.EqualFold(t, "WSS")
}

// srtpMode is the SRTP policy of calls in.
func (s *Server) srtpMode() SRTPMode {
	if s.opts.SRTP == "" {
		return SRTPOptional
	}
	return s.opts.SRTP
}

// negotiateIn answers an offer of a call in (or of its re-INVITE) under
// the SRTP policy; secure says it came over TLS.
func (s *Server) negotiateIn(offer []byte, secure bool) (*Negotiation, error) {
	return NegotiateSRTP(offer, s.srtpMode(), secure)
}

// srtpSuite names the SRTP suite of n for logs, "off" for plain RTP. Never
// the keys.
func (n *Negotiation) srtpSuite() string {
	if n.SRTP == nil {
		return "off"
	}
	return n.SRTP.Keys.Suite.String()
}

// srtpChanged reports whether neg turns SRTP on or off against m: that
// takes a new stream, a session's SRTP being for its life.
func (c *call) srtpChanged(m *callStream, neg *Negotiation) bool {
	_, on := m.Session().SRTP()
	return on != (neg.SRTP != nil)
}

// rekey applies neg's SRTP to m, an SRTP stream that goes on: the same
// keys when the offerer kept its own (and our answer repeats ours), else
// new keys both ways and new contexts (media.Session.SetSRTP). It runs
// within the dialog's offer/answer exchange.
func (c *call) rekey(m *callStream, neg *Negotiation) error {
	neg.keepKeys(m.srtp)
	if err := m.Session().SetSRTP(neg.SRTP.Keys); err != nil {
		return err
	}
	if m.srtp == nil || !m.srtp.Keys.Equal(neg.SRTP.Keys) {
		c.log.Info("srtp rekeyed", "srtp", neg.srtpSuite())
	}
	m.srtp = neg.SRTP
	return nil
}
