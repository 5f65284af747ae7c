package webrtc

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/media"
)

// testBrowser is a pion PeerConnection playing a browser guest: it offers
// Opus with the RFC 6464 audio level extension, sends a tone every 20 ms,
// decodes the Opus it receives and keeps it at 48 kHz. With a camera
// (newVideoBrowser) it also sends VP8 and counts the PLIs it gets; it
// answers the server's offers and keeps what video it receives. It keeps
// the last roster apart from the other messages.
type testBrowser struct {
	t     *testing.T
	sig   *memSignaller
	pc    *pion.PeerConnection
	track *pion.TrackLocalStaticRTP
	snd   *pion.RTPSender

	levelID atomic.Uint32 // negotiated audio level extension ID; 0 until the answer
	level   atomic.Int32  // the audio level the packets carry, 0 (loud) to 127 (silence)
	sent    atomic.Uint64

	msgs chan Message // what the server sent, except answers, offers and candidates

	camera   *pion.TrackLocalStaticRTP // nil without a camera
	plis     atomic.Uint64             // PLIs received for the camera's track
	offers   atomic.Uint64             // server offers answered
	glare    atomic.Bool               // send a crossing offer before answering the next server offer
	deaf     atomic.Bool               // never answer server offers
	videoSnd *pion.RTPSender

	mu        sync.Mutex
	heard     []int16             // guarded by mu
	videos    map[string]*videoIn // guarded by mu: received video by stream ID
	roster    []RosterEntry       // guarded by mu: the last roster the server sent
	rosterRaw []byte              // guarded by mu: the same, as it came

	stop chan struct{}
	wg   sync.WaitGroup
}

// newTestBrowser connects a browser sending freq Hz over sig; the server
// must be handling the other end.
func newTestBrowser(t *testing.T, sig *memSignaller, freq float64) *testBrowser {
	t.Helper()
	return newBrowser(t, sig, freq, 0)
}

// newVideoBrowser is newTestBrowser with a camera that sends VP8 frames
// tagged with tag.
func newVideoBrowser(t *testing.T, sig *memSignaller, freq float64, tag byte) *testBrowser {
	t.Helper()
	return newBrowser(t, sig, freq, tag)
}

// newBrowser connects a browser, with a camera sending VP8 frames tagged
// with tag unless tag is 0.
func newBrowser(t *testing.T, sig *memSignaller, freq float64, tag byte) *testBrowser {
	t.Helper()
	pc := newBrowserPC(t)
	var err error
	b := &testBrowser{t: t, sig: sig, pc: pc, msgs: make(chan Message, 32), stop: make(chan struct{}),
		videos: make(map[string]*videoIn)}
	b.track, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", "browser")
	if err != nil {
		t.Fatal(err)
	}
	if b.snd, err = pc.AddTrack(b.track); err != nil {
		t.Fatal(err)
	}
	if tag != 0 {
		b.camera, err = pion.NewTrackLocalStaticRTP(pion.RTPCodecCapability{MimeType: pion.MimeTypeVP8, ClockRate: 90000}, "camera", "browser")
		if err != nil {
			t.Fatal(err)
		}
		if b.videoSnd, err = pc.AddTrack(b.camera); err != nil {
			t.Fatal(err)
		}
	}
	pc.OnICECandidate(func(c *pion.ICECandidate) {
		if c != nil {
			init := c.ToJSON()
			_ = sig.WriteJSON(context.Background(), Message{Type: TypeCandidate, Candidate: &init})
		}
	})
	pc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		b.wg.Add(1)
		defer b.wg.Done()
		if tr.Kind() == pion.RTPCodecTypeVideo {
			b.receiveVideo(tr)
			return
		}
		b.receive(tr)
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	if err := sig.WriteJSON(context.Background(), Message{Type: TypeOffer, SDP: offer.SDP}); err != nil {
		t.Fatal(err)
	}
	b.wg.Add(2)
	go b.signalling()
	go b.send(freq)
	if tag != 0 {
		b.wg.Add(2)
		go b.sendVideo(tag)
		go b.readPLIs()
	}
	t.Cleanup(b.close)
	return b
}

// newBrowserPC returns a PeerConnection set up as a browser's: pion's
// default codecs and interceptors, the RFC 6464 audio level extension,
// loopback only. The caller closes it.
func newBrowserPC(tb testing.TB) *pion.PeerConnection {
	tb.Helper()
	m := &pion.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		tb.Fatal(err)
	}
	if err := m.RegisterHeaderExtension(pion.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, pion.RTPCodecTypeAudio); err != nil {
		tb.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := pion.RegisterDefaultInterceptors(m, ir); err != nil {
		tb.Fatal(err)
	}
	se := pion.SettingEngine{LoggerFactory: loggerFactory{quietLogger()}}
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	api := pion.NewAPI(pion.WithMediaEngine(m), pion.WithInterceptorRegistry(ir), pion.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		tb.Fatal(err)
	}
	return pc
}

// signalling applies the server's answer and candidates, keeps the last
// roster and passes every other message on to msgs.
func (b *testBrowser) signalling() {
	defer b.wg.Done()
	for {
		var raw json.RawMessage
		if err := b.sig.ReadJSON(context.Background(), &raw); err != nil {
			return
		}
		var m Message
		if err := json.Unmarshal(raw, &m); err != nil {
			b.t.Errorf("browser: %v: %s", err, raw)
			return
		}
		switch m.Type {
		case TypeRoster:
			b.mu.Lock()
			b.roster, b.rosterRaw = m.Roster, raw
			b.mu.Unlock()
		case TypeAnswer:
			if err := b.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: m.SDP}); err != nil {
				b.t.Errorf("browser: answer: %v", err)
				return
			}
			for _, ext := range b.snd.GetParameters().HeaderExtensions {
				if ext.URI == sdp.AudioLevelURI {
					b.levelID.Store(uint32(ext.ID))
				}
			}
		case TypeOffer:
			if b.deaf.Load() {
				continue
			}
			if b.glare.CompareAndSwap(true, false) {
				if err := b.offerAgain(); err != nil {
					b.t.Errorf("browser: glare offer: %v", err)
					return
				}
			}
			if err := b.answer(m.SDP); err != nil {
				// A late offer to a browser that is closing, or whose
				// connection the server closed (pion closes the
				// PeerConnection on the DTLS close_notify), is of no
				// interest.
				if b.pc.ConnectionState() != pion.PeerConnectionStateClosed && !errors.Is(err, pion.ErrConnectionClosed) {
					select {
					case <-b.stop:
					default:
						b.t.Errorf("browser: server offer: %v", err)
					}
				}
				return
			}
		case TypeCandidate:
			if err := b.pc.AddICECandidate(*m.Candidate); err != nil {
				b.t.Errorf("browser: candidate: %v", err)
			}
		default:
			b.msgs <- m
		}
	}
}

// send sends freq Hz as Opus RTP every 20 ms, marked with the current
// audio level, until close.
func (b *testBrowser) send(freq float64) {
	defer b.wg.Done()
	enc, err := media.NewEncoder(media.Opus)
	if err != nil {
		b.t.Error(err)
		return
	}
	tone := toneGen{freq: freq, amp: 8000}
	pcm, buf := make([]int16, 960), make([]byte, 1500)
	seq, ts := uint16(1000), uint32(5000)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-tick.C:
		}
		tone.fill(pcm, 48000)
		n, err := enc.Encode(pcm, buf)
		if err != nil {
			b.t.Error(err)
			return
		}
		pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, Marker: seq == 1000}, Payload: buf[:n]}
		if id := b.levelID.Load(); id != 0 {
			if err := pkt.SetExtension(uint8(id), []byte{byte(b.level.Load())}); err != nil {
				b.t.Error(err)
				return
			}
		}
		seq++
		ts += 960
		if err := b.track.WriteRTP(pkt); err == nil && b.levelID.Load() != 0 {
			b.sent.Add(1)
		}
	}
}

// receive decodes what the server sends.
func (b *testBrowser) receive(tr *pion.TrackRemote) {
	dec, err := media.NewDecoder(media.Opus)
	if err != nil {
		b.t.Error(err)
		return
	}
	pcm := make([]int16, 960*3)
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		n, err := dec.Decode(pkt.Payload, pcm)
		if err != nil {
			continue
		}
		b.mu.Lock()
		b.heard = append(b.heard, pcm[:n]...)
		b.mu.Unlock()
	}
}

// last returns the last d of what the browser heard, at 48 kHz.
func (b *testBrowser) last(d time.Duration) []int16 {
	n := int(d.Seconds() * 48000)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.heard) < n {
		return append([]int16(nil), b.heard...)
	}
	return append([]int16(nil), b.heard[len(b.heard)-n:]...)
}

// heardFor is how much audio the browser has received.
func (b *testBrowser) heardFor() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Duration(len(b.heard)) * time.Second / 48000
}

// expect waits for the next message of type typ, skipping config, and
// fails the test after d.
func (b *testBrowser) expect(typ string, d time.Duration) Message {
	b.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case m := <-b.msgs:
			if m.Type == typ {
				return m
			}
			if m.Type != TypeConfig {
				b.t.Fatalf("browser got %+v while waiting for %q", m, typ)
			}
		case <-timer.C:
			b.t.Fatalf("browser: no %q message in %v", typ, d)
			return Message{}
		}
	}
}

// close hangs up the browser's PeerConnection and waits for its goroutines.
func (b *testBrowser) close() {
	select {
	case <-b.stop:
		return
	default:
	}
	close(b.stop)
	_ = b.pc.GracefulClose()
	b.sig.Close()
	b.wg.Wait()
}

// quietLogger logs only errors, to the test's stderr.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
