package media

import (
	"errors"
	"math/rand/v2"

	"github.com/pion/rtp"
)

// RTPWriter is the transport under a Packetizer: a Session for the RTP/UDP
// edges, a WebRTC track (pion's TrackLocalStaticRTP, which adds SRTP) for
// browsers. WriteRTP must not keep pkt or its payload; it returns
// ErrNoRemote, unwrapped or wrapped, for a packet withheld for want of an
// address to send to.
type RTPWriter interface {
	WriteRTP(pkt *rtp.Packet) error
}

// Packetizer is the last outbound stage: it wraps each 20 ms payload in an
// RTP header (RFC 3550 §5.1) and hands it to its transport. The first
// sequence number and timestamp are random; each packet steps them by one
// and by one frame of the format's clock. The marker bit is on until a
// packet is sent (RFC 3551 §4.1: the first packet of the stream). A packet
// the transport withholds (ErrNoRemote) leaves the numbering as it was, so
// the peer sees no gap; any other outcome, a failed send included,
// advances it. The SSRC is the transport's to set. It is not safe for
// concurrent use: one goroutine drives the leg's output.
type Packetizer struct {
	w       RTPWriter
	pkt     rtp.Packet
	step    uint32 // RTP clock ticks per frame
	sentAny bool
}

// NewPacketizer returns the stage that sends payloads of f with payload
// type pt on w.
func NewPacketizer(w RTPWriter, pt uint8, f Format) *Packetizer {
	p := &Packetizer{w: w, step: uint32(f.ClockRate / FramesPerSecond)}
	p.pkt.Version = 2
	p.pkt.PayloadType = pt
	p.pkt.SequenceNumber = uint16(rand.Uint32())
	p.pkt.Timestamp = rand.Uint32()
	return p
}

// WritePayload sends payload as the next packet and returns the
// transport's error. It does not allocate.
func (p *Packetizer) WritePayload(payload []byte) error {
	p.pkt.Marker = !p.sentAny
	p.pkt.Payload = payload
	err := p.w.WriteRTP(&p.pkt)
	p.pkt.Payload = nil
	if err != nil && errors.Is(err, ErrNoRemote) {
		return err
	}
	p.pkt.SequenceNumber++
	p.pkt.Timestamp += p.step
	if err != nil {
		return err
	}
	p.sentAny = true
	return nil
}
