package webrtc

import (
	"testing"
	"time"

	pion "github.com/pion/webrtc/v4"

	"github.com/parleyhq/parley/bridge"
)

// BenchmarkGuestSend measures one 20 ms Opus packet from the mixer to a
// connected browser: sender.write, the packetiser, pion's interceptors,
// SRTP and the UDP send, on a server's PeerConnection (newAPI, the shared
// UDP mux) connected over loopback to a pion "browser" that reads and
// drops what it receives.
func BenchmarkGuestSend(b *testing.B) {
	b.ReportAllocs()
	srv, err := New(Options{Bridge: benchBridge(b), ListenIP: "127.0.0.1", Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	pc, err := srv.api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = pc.Close() })
	browser := benchBrowserPC(b)

	track, err := pion.NewTrackLocalStaticRTP(opusCodec, "audio", "parley")
	if err != nil {
		b.Fatal(err)
	}
	rtpSender, err := pc.AddTrack(track)
	if err != nil {
		b.Fatal(err)
	}
	go drainRTCP(rtpSender)
	browser.OnTrack(func(t *pion.TrackRemote, _ *pion.RTPReceiver) { drainTrack(t) })
	connected := make(chan struct{})
	pc.OnConnectionStateChange(func(s pion.PeerConnectionState) {
		if s == pion.PeerConnectionStateConnected {
			close(connected)
		}
	})
	benchNegotiate(b, pc, browser)
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		b.Fatal("not connected within 10 s")
	}

	var stats counters
	s := newSender(track, &stats)
	payload := make([]byte, 80) // a 32 kbit/s Opus frame
	for range 100 {             // past the first packets' one-time work
		s.write(payload)
	}
	b.ResetTimer()
	for range b.N {
		s.write(payload)
	}
	b.StopTimer()
	if stats.sendErrors.Load() != 0 {
		b.Fatalf("%d send errors", stats.sendErrors.Load())
	}
}

// benchBridge returns a bridge with no rooms, closed when b ends.
func benchBridge(b *testing.B) *bridge.Bridge {
	br, err := bridge.New(bridge.Options{Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = br.Close() })
	return br
}

// benchBrowserPC returns a browser's PeerConnection (newBrowserPC) that
// receives audio, closed when b ends.
func benchBrowserPC(b *testing.B) *pion.PeerConnection {
	pc := newBrowserPC(b)
	b.Cleanup(func() { _ = pc.Close() })
	if _, err := pc.AddTransceiverFromKind(pion.RTPCodecTypeAudio,
		pion.RTPTransceiverInit{Direction: pion.RTPTransceiverDirectionRecvonly}); err != nil {
		b.Fatal(err)
	}
	return pc
}

// benchNegotiate has the browser offer and the server answer, each with
// its candidates gathered (no trickle).
func benchNegotiate(b *testing.B, server, browser *pion.PeerConnection) {
	offer, err := browser.CreateOffer(nil)
	if err != nil {
		b.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(browser)
	if err := browser.SetLocalDescription(offer); err != nil {
		b.Fatal(err)
	}
	<-gathered
	if err := server.SetRemoteDescription(*browser.LocalDescription()); err != nil {
		b.Fatal(err)
	}
	answer, err := server.CreateAnswer(nil)
	if err != nil {
		b.Fatal(err)
	}
	gathered = pion.GatheringCompletePromise(server)
	if err := server.SetLocalDescription(answer); err != nil {
		b.Fatal(err)
	}
	<-gathered
	if err := browser.SetRemoteDescription(*server.LocalDescription()); err != nil {
		b.Fatal(err)
	}
}
