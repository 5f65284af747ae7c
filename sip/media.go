package sip

import (
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/media"
)

// callStream is the media of one call: the stream and the port it owns.
type callStream struct {
	*media.Stream
	port int
	srtp *SDES // the keys in use, nil for plain RTP; changed by rekey only
}

// LocalPort is the RTP port to write into the SDP answer.
func (c *callStream) LocalPort() int { return c.port }

// logDropped logs, once the stream has ended, the RTP it dropped from
// sources the latch did not accept and the packets it withheld for want of
// a verified address (media.Latch): the trace of a hijack or reflection
// attempt.
func (c *callStream) logDropped(log *slog.Logger) {
	st := c.Stats().Session
	if st.Ignored > 0 || st.Withheld > 0 {
		log.Info("rtp dropped by the source check", "rtp_ignored", st.Ignored, "rtp_withheld", st.Withheld,
			"rtp_accepted", st.PacketsIn, "rtp_sent", st.PacketsOut)
	}
	if st.SRTPFailed > 0 {
		log.Info("srtp packets dropped: authentication failed", "packets", st.SRTPFailed, "rtp_accepted", st.PacketsIn)
	}
	if st.Panics > 0 {
		log.Error("rtp handler panicked: packets dropped", "packets", st.Panics, "first", c.Session().FirstPanic())
	}
}

// openMedia binds an RTP port from the range and starts a stream for the
// negotiated audio. Its media comes only from the offer's IP or sig, the
// signalling source IP (any port, for NAT), and goes to the latched source,
// or before that to the offer's address only if its IP is sig (see
// media.Latch). Digits are handed to onDigit on the stream's reader
// goroutine. The stream owns port from then on; on error, port is closed.
func (s *Server) openMedia(port rtpPort, neg *Negotiation, sig netip.Addr, onDigit func(rune)) (*callStream, error) {
	stream, err := media.NewStream(port, s.peerOf(neg.Remote, sig), media.StreamConfig{
		Format: neg.Format, PayloadType: neg.PayloadType, EventPayloadType: neg.EventPayloadType,
		OnDigit: onDigit,
		// Phones that negotiate no telephone-event send DTMF as tones.
		InbandDTMF: neg.EventPayloadType == 0,
	})
	if err != nil {
		port.Close()
		return nil, err
	}
	if neg.SRTP != nil {
		if err := stream.Session().SetSRTP(neg.SRTP.Keys); err != nil {
			stream.Close()
			return nil, err
		}
	}
	_, shared := port.(*media.SharedLeg)
	s.enableRTCP(stream, port.Number(), shared, neg)
	if err := stream.Start(); err != nil {
		stream.Close()
		return nil, err
	}
	return &callStream{Stream: stream, port: port.Number(), srtp: neg.SRTP}, nil
}

// peerOf is media.NewPeer's Peer of a stream whose SDP names sdp and whose
// signalling came from sig; a failure to read the interfaces is logged.
func (s *Server) peerOf(sdp netip.AddrPort, sig netip.Addr) media.Peer {
	p, err := media.NewPeer(sdp, sig)
	if err != nil {
		s.log.Warn("cannot read the interfaces' broadcast addresses", "err", err)
	}
	return p
}

// rtpBindAddr is the address RTP sockets bind to: Options.RTPListenIP, or
// every interface when it is not set.
func (s *Server) rtpBindAddr() netip.Addr {
	if s.opts.RTPListenIP.IsValid() {
		return s.opts.RTPListenIP
	}
	return netip.IPv4Unspecified()
}

// rtpPort is the RTP socket of a call's audio: a port of its own
// (*media.Port) or a share of one (*media.SharedLeg).
type rtpPort interface {
	media.UDPConn
	// Number is the port the SDP offers.
	Number() int
}

// newPort binds an RTP port from the range, or takes a share of a shared
// socket when Options.Shared is set, unless neg (the peer's offer or
// answer, nil before it) names an IP other than sig, the signalling
// source: a phone behind NAT, whose media will come from a port no SDP
// names, gets a port of its own, since a shared socket could not tell two
// such phones of one NAT apart before either is latched (media.SharedPorts).
func (s *Server) newPort(neg *Negotiation, sig netip.Addr) (rtpPort, error) {
	if s.opts.Shared != nil && !behindNAT(neg, sig) {
		leg, err := s.opts.Shared.Leg()
		if err != nil {
			return nil, fmt.Errorf("rtp: %w", err)
		}
		return leg, nil
	}
	return s.ownPort()
}

// behindNAT reports whether neg's media address is not sig, the IP its
// signalling came from.
func behindNAT(neg *Negotiation, sig netip.Addr) bool {
	if neg == nil || !neg.Remote.Addr().IsValid() || neg.Remote.Addr().IsUnspecified() {
		return false
	}
	return neg.Remote.Addr().Unmap() != sig.Unmap()
}

// ownPort binds an RTP port from the range: always for video, whose
// packets a shared socket does not carry.
func (s *Server) ownPort() (*media.Port, error) {
	port, err := s.opts.Ports.Listen(s.rtpBindAddr())
	if err != nil {
		return nil, fmt.Errorf("rtp: %w", err)
	}
	return port, nil
}

// signallingIP is the IP the call's signalling peer uses: the source of
// the INVITE of a call in; for a call out, the source of the 2xx, else the
// address the INVITE was sent to.
func (c *call) signallingIP() netip.Addr {
	switch {
	case c.uas != nil:
		return guard.SourceOf(c.uas.InviteRequest.Source())
	case c.uac != nil:
		if c.uac.InviteResponse != nil {
			if ip := guard.SourceOf(c.uac.InviteResponse.Source()); ip.IsValid() {
				return ip
			}
		}
		return guard.SourceOf(c.uac.InviteRequest.Destination())
	}
	return netip.Addr{}
}
