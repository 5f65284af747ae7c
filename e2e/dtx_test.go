package e2e

import (
	"net/netip"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSilentGuestUsesDTX: a Chromium guest whose microphone hears
// digital silence sends Parley a few Opus packets a second, not 50:
// Parley's answer allows Opus DTX (usedtx=1, webrtc/dtx.go), so a silent
// browser costs Parley a small part of what one sending every 20 ms does.
// The packets are counted on the wire, by payload type, to Parley's WebRTC
// port.
func TestBrowserSilentGuestUsesDTX(t *testing.T) {
	srv := startParley(t, browserConfig)
	listening := srv.logged("webrtc listening")
	if len(listening) != 1 {
		t.Fatalf("parley logged %d \"webrtc listening\" lines, want 1", len(listening))
	}
	addr, err := netip.ParseAddrPort(listening[0]["udp"].(string))
	if err != nil {
		t.Fatal(err)
	}
	capture := startDialogCapture(t, int(addr.Port()))
	link := createLink(t, srv, "1000")
	b := newBrowser(t, toneFile(t, "silence.wav", 48000, 0, 0, 30))
	b.do(t, chromedp.Navigate(link.url(srv)+"?raw=1"))
	b.do(t, chromedp.SendKeys("", "Quiet Guest", byAX("textbox", "name", false)))
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)
	from := time.Now().Add(3 * time.Second) // past the first packets and any probing
	time.Sleep(9 * time.Second)
	to := time.Now().Add(-time.Second)

	opus := 0
	for _, p := range dialogBetween(dialogToPort(capture.stop(t), int(addr.Port())), from, to) {
		if p.pt == 111 { // Chromium's Opus; RTCP's types read as 72–79 here
			opus++
		}
	}
	rate := float64(opus) / to.Sub(from).Seconds()
	t.Logf("the silent guest sent %d Opus packets in %.1f s: %.1f a second (50 without DTX)", opus, to.Sub(from).Seconds(), rate)
	if opus == 0 {
		t.Fatal("no Opus packet from the guest at all: the test proves nothing")
	}
	if rate > 10 {
		t.Errorf("the silent guest sends %.1f Opus packets a second, want DTX's few (under 10)", rate)
	}
}
