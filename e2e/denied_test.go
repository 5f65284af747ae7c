package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestBrowserMicDenied: a guest who blocked the microphone and the camera
// reads why on the join page, joins anyway, and hears the phone in the
// room: a listener.
func TestBrowserMicDenied(t *testing.T) {
	srv := startParley(t, browserConfig)
	link := createLink(t, srv, "1000")
	ph := newPhone(t, "phone", toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 40), "PCMU/8000/1", 41820)
	ph.dial(t, "sip:1000@"+srv.sipUDP, 35)
	srv.waitLog(t, "call joined", 1, 10*time.Second)

	b := newBrowser(t, toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 40))
	// Headless Chromium's fake media UI grants every request, whatever
	// its permission settings say; so the page's getUserMedia is made to
	// fail as a browser whose user blocked the site does, with a
	// NotAllowedError.
	deny := `navigator.mediaDevices.getUserMedia = () =>
		Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));`
	b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: deny})
		return err
	}))
	b.do(t, chromedp.Navigate(link.url(srv)+"?raw=1"))
	b.waitText(t, "#alert", "The camera is blocked.", 10*time.Second)
	b.waitText(t, "#alert", "The microphone is blocked.", 10*time.Second) // both show
	b.screenshot(t, "join-mic-denied.png")
	b.do(t, chromedp.SendKeys("", "Quiet Listener", byAX("textbox", "name", false)))
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)
	got := pollTone(t, b, "parleyTest.remote", 440, 10*time.Second)
	t.Logf("the guest without a microphone hears the phone: %.0f Hz, amplitude %.3f", got.Frequency, got.Amplitude)
}
