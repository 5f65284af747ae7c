package sip

import (
	"fmt"
	"net/netip"
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

// srtpOr is mode, or the policy of calls in when mode is empty.
func (s *Server) srtpOr(mode SRTPMode) SRTPMode {
	if mode != "" {
		return mode
	}
	return s.srtpMode()
}

// negotiateIn answers the offer of a call in under the SRTP policy;
// secure says it came over TLS.
func (s *Server) negotiateIn(offer []byte, secure bool) (*Negotiation, error) {
	return s.opts.Codecs.NegotiateSRTP(offer, s.srtpMode(), secure)
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

// outSRTP is the SRTP mode of a call out: the trunk's, else the server's.
func (s *Server) outSRTP(auth TrunkAuth) SRTPMode { return s.srtpOr(auth.SRTP) }

// negotiate answers an offer within c's dialog (a re-INVITE or UPDATE)
// under c's own SRTP policy: a call out's trunk's, the one it was dialled
// with, else the server's; secure says the offer came over TLS.
func (c *call) negotiate(offer []byte, secure bool) (*Negotiation, error) {
	return c.server.opts.Codecs.NegotiateSRTP(offer, c.server.srtpOr(c.srtp), secure)
}

// offerOut is the offer of a call out over transport: RTP/SAVP when mode
// requires SRTP, which it refuses over anything but TLS (keys never go
// over cleartext), else plain RTP. offered holds the keys of an SRTP
// offer, for readAnswerOut.
func (s *Server) offerOut(mode SRTPMode, transport string, local netip.Addr, port, videoPort int, sdpID uint64) (offer []byte, offered []Crypto, err error) {
	if mode != SRTPRequired {
		offer, err = s.opts.Codecs.Offer(local, port, videoPort, sdpID, sdpID)
		return offer, nil, err
	}
	if !strings.EqualFold(transport, "tls") {
		return nil, nil, fmt.Errorf("%w: srtp is required and the call goes over %s: SRTP keys go over TLS only", ErrSRTPRefused, transport)
	}
	return s.opts.Codecs.OfferSRTP(local, port, sdpID, sdpID)
}

// readAnswerOut reads the answer to offerOut's offer.
func (s *Server) readAnswerOut(answer []byte, offered []Crypto) (*Negotiation, error) {
	if offered == nil {
		return s.opts.Codecs.ReadAnswer(answer)
	}
	return s.opts.Codecs.ReadAnswerSRTP(answer, offered)
}

// lateOfferSRTP refuses an INVITE without SDP while SRTP is required:
// Parley's late offer is plain RTP.
func (s *Server) lateOfferSRTP() error {
	if s.srtpMode() == SRTPRequired {
		return fmt.Errorf("%w: INVITE without SDP (late offer) and rtp.srtp is required: offer RTP/SAVP in the INVITE", ErrSRTPRefused)
	}
	return nil
}
