package webrtc

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"
)

// onTrack reads a track the browser sends, on the goroutine pion starts
// for it: the first Opus audio track feeds the receiver; video is
// forwarded to the room's other guests (onVideo); any other track is read
// and dropped.
func (c *call) onTrack(t *pion.TrackRemote, r *pion.RTPReceiver) {
	if !c.media.add() {
		return
	}
	defer c.media.done()
	defer c.recoverMedia()
	if t.Kind() == pion.RTPCodecTypeVideo {
		c.onVideo(t, r)
		return
	}
	if t.Kind() != pion.RTPCodecTypeAudio || !strings.EqualFold(t.Codec().MimeType, pion.MimeTypeOpus) ||
		!c.audio.CompareAndSwap(false, true) {
		drainTrack(t)
		return
	}
	rx := c.leg.rx
	for _, ext := range r.GetParameters().HeaderExtensions {
		if ext.URI == sdp.AudioLevelURI {
			rx.levelID = uint8(ext.ID)
		}
	}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		rx.push(&pkt)
	}
}

// drainTrack reads a track until it ends, so that its RTCP keeps flowing.
func drainTrack(t *pion.TrackRemote) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
	}
}

// drainRTCP reads the RTCP for a sender until the sender stops: pion's
// interceptors (reports, NACK) act on it as it is read.
func drainRTCP(s *pion.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// goMedia runs f on a media goroutine the call waits for, unless the call
// is tearing down.
func (c *call) goMedia(f func()) {
	if !c.media.add() {
		return
	}
	go func() {
		defer c.media.done()
		defer c.recoverMedia()
		f()
	}()
}

// recoverMedia, deferred by every goroutine that reads what the browser
// sends, turns a panic into the end of this guest's call alone: one log
// line with the stack, then the leg hangs up; the process and the other
// calls go on.
func (c *call) recoverMedia() {
	if v := recover(); v != nil {
		c.log.Error("guest media panicked: call ended", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		c.leg.Hangup("internal error")
	}
}
