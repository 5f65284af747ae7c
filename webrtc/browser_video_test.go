package webrtc

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"
)

// videoIn is what a test browser received on one forwarded video track.
type videoIn struct {
	track   *pion.TrackRemote
	packets int
	tags    map[byte]int // packets by the sender's tag
	ended   bool         // the track's reads ended: the server removed it
}

// answer answers an offer from the server, as a browser's
// setRemoteDescription + createAnswer + setLocalDescription does.
func (b *testBrowser) answer(offer string) error {
	if err := b.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeOffer, SDP: offer}); err != nil {
		return err
	}
	ans, err := b.pc.CreateAnswer(nil)
	if err != nil {
		return err
	}
	if err := b.pc.SetLocalDescription(ans); err != nil {
		return err
	}
	b.offers.Add(1)
	return b.sig.WriteJSON(context.Background(), Message{Type: TypeAnswer, SDP: ans.SDP})
}

// offerAgain sends an offer of the browser's own, crossing the server's
// offer, as a page that renegotiates against the protocol would. pion
// cannot roll back, so this browser does not apply its offer: it plays
// the polite peer that rolls back when the server's offer arrives.
func (b *testBrowser) offerAgain() error {
	o, err := b.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	return b.sig.WriteJSON(context.Background(), Message{Type: TypeOffer, SDP: o.SDP})
}

// sendVideo sends a synthetic VP8 stream, 30 frames a second of one packet
// each: a VP8 payload descriptor (RFC 7741 §4.2, start of partition 0),
// then the tag and the frame number, so a receiver can tell whose frames
// it gets. pion forwards without decoding, so no real frame is needed.
func (b *testBrowser) sendVideo(tag byte) {
	defer b.wg.Done()
	seq, ts := uint16(7000), uint32(90000)
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	for frame := uint16(0); ; frame++ {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		}
		payload := []byte{0x10, tag, 0, 0, 0x9d, 0x01, 0x2a}
		binary.BigEndian.PutUint16(payload[2:], frame)
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, Marker: true, SequenceNumber: seq, Timestamp: ts}, Payload: payload}
		_ = b.camera.WriteRTP(pkt)
		seq++
		ts += 3000
	}
}

// readPLIs counts the PLIs the server sends for the camera's track.
func (b *testBrowser) readPLIs() {
	defer b.wg.Done()
	for {
		pkts, _, err := b.videoSnd.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			if _, ok := p.(*rtcp.PictureLossIndication); ok {
				b.plis.Add(1)
			}
		}
	}
}

// receiveVideo counts the packets of a forwarded video track by tag,
// until the track ends.
func (b *testBrowser) receiveVideo(tr *pion.TrackRemote) {
	in := &videoIn{track: tr, tags: make(map[byte]int)}
	b.mu.Lock()
	b.videos[tr.StreamID()] = in
	b.mu.Unlock()
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			break
		}
		b.mu.Lock()
		in.packets++
		if len(pkt.Payload) > 1 {
			in.tags[pkt.Payload[1]]++
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	in.ended = true
	b.mu.Unlock()
}

// video returns a copy of what the browser received from the publisher
// with participant ID stream, and whether it received anything.
func (b *testBrowser) video(stream string) (videoIn, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	in, ok := b.videos[stream]
	if !ok {
		return videoIn{}, false
	}
	cp := *in
	cp.tags = make(map[byte]int, len(in.tags))
	for k, v := range in.tags {
		cp.tags[k] = v
	}
	return cp, true
}

// requestKeyframe sends the server a PLI for the video received from
// stream, as a browser's decoder does when it lost a picture.
func (b *testBrowser) requestKeyframe(stream string) error {
	in, ok := b.video(stream)
	if !ok {
		return errTimeout
	}
	return b.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(in.track.SSRC())}})
}
