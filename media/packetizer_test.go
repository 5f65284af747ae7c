package media_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/pion/rtp"

	"github.com/parleyhq/parley/media"
)

// scriptedWriter records the packets written to it and answers each with
// the next error of its script (nil once the script runs out).
type scriptedWriter struct {
	errs     []error
	hdrs     []rtp.Header
	payloads [][]byte
	last     *rtp.Packet
}

func (w *scriptedWriter) WriteRTP(p *rtp.Packet) error {
	w.hdrs = append(w.hdrs, p.Header)
	w.payloads = append(w.payloads, bytes.Clone(p.Payload))
	w.last = p
	if len(w.errs) == 0 {
		return nil
	}
	err := w.errs[0]
	w.errs = w.errs[1:]
	return err
}

// TestPacketizer checks the numbering: the payload type given, a step of
// one sequence number and one frame of the clock per packet, the marker
// until a packet is sent, no step for a withheld packet (so the peer sees
// no gap), a step for a failed one, and no payload kept.
func TestPacketizer(t *testing.T) {
	withheld := fmt.Errorf("wrapped: %w", media.ErrNoRemote)
	failed := errors.New("socket says no")
	tests := []struct {
		name    string
		f       media.Format
		pt      uint8
		errs    []error
		seqStep []uint16 // from each packet to the next
		marker  []bool
	}{
		{"PCMU", media.PCMU, 0, nil, []uint16{1, 1}, []bool{true, false, false}},
		{"Opus", media.Opus, 111, nil, []uint16{1, 1}, []bool{true, false, false}},
		// 8000 Hz RTP clock for 16 kHz audio: 160 ticks a frame.
		{"G722", media.G722, 9, nil, []uint16{1, 1}, []bool{true, false, false}},
		{"withheld first", media.PCMU, 0, []error{withheld, withheld}, []uint16{0, 0}, []bool{true, true, true}},
		{"failed first", media.PCMU, 0, []error{failed}, []uint16{1, 1}, []bool{true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &scriptedWriter{errs: tt.errs}
			p := media.NewPacketizer(w, tt.pt, tt.f)
			for i := range 3 {
				err := p.WritePayload([]byte{byte(i), 1, 2})
				if i < len(tt.errs) && !errors.Is(err, tt.errs[i]) || i >= len(tt.errs) && err != nil {
					t.Errorf("packet %d: %v", i, err)
				}
			}
			step := uint32(tt.f.ClockRate / media.FramesPerSecond)
			for i, h := range w.hdrs {
				if h.Version != 2 || h.PayloadType != tt.pt || h.Marker != tt.marker[i] || !bytes.Equal(w.payloads[i], []byte{byte(i), 1, 2}) {
					t.Errorf("packet %d: header %+v, payload %x", i, h, w.payloads[i])
				}
				if i == 0 {
					continue
				}
				prev := w.hdrs[i-1]
				if ds, dt := h.SequenceNumber-prev.SequenceNumber, h.Timestamp-prev.Timestamp; ds != tt.seqStep[i-1] || dt != uint32(ds)*step {
					t.Errorf("packet %d: seq +%d, ts +%d; want +%d, +%d", i, ds, dt, tt.seqStep[i-1], uint32(tt.seqStep[i-1])*step)
				}
			}
			if w.last.Payload != nil {
				t.Error("the packetizer keeps the payload")
			}
		})
	}
}

// BenchmarkPacketizer is the packetiser stage per 20 ms payload, short of
// the transport.
func BenchmarkPacketizer(b *testing.B) {
	p := media.NewPacketizer(discardRTP{}, 0, media.PCMU)
	payload := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		p.WritePayload(payload)
	}
}

// discardRTP is an RTPWriter that sends nothing.
type discardRTP struct{}

func (discardRTP) WriteRTP(*rtp.Packet) error { return nil }
