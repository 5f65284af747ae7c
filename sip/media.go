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
}

// LocalPort is the RTP port to write into the SDP answer.
func (c *callStream) LocalPort() int { return c.port }

// openMedia binds an RTP port from the range and starts a stream for the
// negotiated audio, sending to the offer's address until the peer's real
// source is latched (symmetric RTP). Digits are handed to onDigit on the
// stream's reader goroutine.
func (s *Server) openMedia(neg *Negotiation, onDigit func(rune)) (*callStream, error) {
	port, err := s.opts.Ports.Listen(netip.IPv4Unspecified())
	if err != nil {
		return nil, fmt.Errorf("rtp: %w", err)
	}
	stream, err := media.NewStream(port, neg.Remote, media.StreamConfig{
		Format: neg.Format, PayloadType: neg.PayloadType, EventPayloadType: neg.EventPayloadType,
		OnDigit: onDigit,
	})
	if err != nil {
		port.Close()
		return nil, err
	}
	if err := stream.Start(); err != nil {
		stream.Close()
		return nil, err
	}
	return &callStream{Stream: stream, port: port.Number()}, nil
}
