package sip

import (
	"fmt"
	"net/netip"

	"github.com/parleyhq/parley/media"
)

// callStream is the media of one call: the stream and the port it owns.
type callStream struct {
	*media.Stream
	port int
	neg  *Negotiation // what was agreed; re-INVITE handling reads and replaces it on its goroutine
}

// LocalPort is the RTP port to write into the SDP answer.
func (c *callStream) LocalPort() int { return c.port }

// openMedia binds an RTP port from the range and starts a stream for the
// negotiated audio, sending to the offer's address until the peer's real
// source is latched (symmetric RTP). Digits are handed to onDigit on the
// stream's reader goroutine.
// The stream owns port from then on; on error, port is closed.
func (s *Server) openMedia(port *media.Port, neg *Negotiation, onDigit func(rune)) (*callStream, error) {
	stream, err := media.NewStream(port, neg.Remote, media.StreamConfig{
		Format: neg.Format, PayloadType: neg.PayloadType, EventPayloadType: neg.EventPayloadType,
		OnDigit: onDigit,
		// Phones that negotiate no telephone-event send DTMF as tones.
		InbandDTMF: neg.EventPayloadType == 0,
	})
	if err != nil {
		port.Close()
		return nil, err
	}
	if err := stream.Start(); err != nil {
		stream.Close()
		return nil, err
	}
	return &callStream{Stream: stream, port: port.Number(), neg: neg}, nil
}

// rtpBindAddr is the address RTP sockets bind to: every interface.
func (s *Server) rtpBindAddr() netip.Addr { return netip.IPv4Unspecified() }

// newPort binds an RTP port from the range.
func (s *Server) newPort() (*media.Port, error) {
	port, err := s.opts.Ports.Listen(s.rtpBindAddr())
	if err != nil {
		return nil, fmt.Errorf("rtp: %w", err)
	}
	return port, nil
}
