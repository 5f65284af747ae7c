package e2e

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestRoomSystemVideo is issue 6's check of SIP video room systems, with
// real peers: baresip with an H.264 camera (libx264 encoding baresip's
// fake video source, 352×288) calls room 1000, where two headless
// Chromium guests with cameras are, Ada at 640×480 and Bob at 320×240.
//   - Both pages decode the room system's H.264 video, with frames growing.
//   - The browsers send H.264, as Parley answers it first.
//   - The room system is shown the active speaker: Ada talks (her
//     microphone plays 1 kHz, Bob is muted), and the frame baresip decodes
//     is 640×480; then Ada mutes and Bob unmutes, and within a few seconds
//     (a keyframe request to Bob) the frame it decodes is 320×240.
func TestRoomSystemVideo(t *testing.T) {
	srv := startParley(t, browserConfig)
	wav := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 90)
	link := createLink(t, srv, "1000")

	ada := joinIn(t, cameraBrowser(t, wav, 640, 480), srv, link, "Ada Lovelace", "")
	bob := joinIn(t, cameraBrowser(t, wav, 320, 240), srv, link, "Bob Kahn", "")
	bob.do(t, chromedp.Click("", byAX("button", "Mute", true)))
	// Bob talked until he muted: Ada stops and talks again, so that she
	// is the latest to start talking.
	ada.do(t, chromedp.Click("", byAX("button", "Mute", true)))
	time.Sleep(time.Second)
	ada.do(t, chromedp.Click("", byAX("button", "Unmute", true)))

	room := newVideoPhone(t, "roomsys", toneFile(t, "roomsys.wav", 8000, 440, toneAmplitude, 90), 32000, "")
	room.dial(t, "sip:1000@"+srv.sipUDP, 80)
	srv.waitLog(t, "call joined", 1, 15*time.Second)
	if answered := srv.logged("call answered"); answered[0]["video"] != true {
		t.Fatalf("the room system's call has no video: %v", answered[0])
	}
	id, _ := srv.logged("call joined")[0]["participant"].(string)

	for _, g := range []*videoGuest{ada, bob} {
		first := g.waitDecoding(t, []string{id}, 15*time.Second)[id]
		time.Sleep(2 * time.Second)
		later := g.inbound(t)[id]
		t.Logf("%s receives the room system's video: %d frames decoded, %d 2 s later, %d×%d",
			g.name, first.FramesDecoded, later.FramesDecoded, later.FrameWidth, later.FrameHeight)
		if later.FramesDecoded <= first.FramesDecoded || later.FrameWidth != 352 {
			t.Errorf("%s: the room system's video is not decoding at 352 px: %+v, then %+v", g.name, first, later)
		}
	}

	// Browsers send H.264 (Parley answers it first), which the room
	// system decodes: video is never transcoded.
	for _, r := range srv.logged("guest publishes video") {
		if r["codec"] != "video/H264" {
			t.Errorf("a browser publishes %v, want video/H264", r["codec"])
		}
	}
	if w, h := room.receivedSize(t, 15*time.Second); w != 640 || h != 480 {
		t.Errorf("with Ada talking the room system shows %d×%d, want Ada's 640×480", w, h)
	}
	ada.do(t, chromedp.Click("", byAX("button", "Mute", true)))
	bob.do(t, chromedp.Click("", byAX("button", "Unmute", true)))
	switched := time.Now()
	deadline := switched.Add(10 * time.Second)
	for {
		w, h := room.receivedSize(t, 5*time.Second)
		if w == 320 && h == 240 {
			t.Logf("the room system shows Bob's video %v after the switch of talkers", time.Since(switched).Round(100*time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after Bob took over the room system still shows %d×%d, want Bob's 320×240", w, h)
		}
		time.Sleep(500 * time.Millisecond)
	}
	shown := srv.logged("video shows the speaker")
	if len(shown) < 2 || shown[len(shown)-2]["participant"] != ada.id || shown[len(shown)-1]["participant"] != bob.id {
		t.Errorf("the room system's video switched %v, want from Ada (%s) to Bob (%s)", shown, ada.id, bob.id)
	}
}

// TestRoomSystemDialOut has a moderator call a room system out, as
// #sip:roomsys@HOST:PORT: Parley's offer carries H.264 video, baresip
// answers it (auto-answer), the guest's page decodes the room system's
// video and the room system decodes the guest's.
func TestRoomSystemDialOut(t *testing.T) {
	srv := startParley(t, browserConfig)
	link := createLink(t, srv, "1000")
	ada := joinIn(t, cameraBrowser(t, toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 60), 640, 480),
		srv, link, "Ada Lovelace", "")

	port := freeTCPPort(t)
	room := newVideoPhone(t, "roomsys", toneFile(t, "roomsys.wav", 8000, 440, toneAmplitude, 60), 32100,
		fmt.Sprintf("<sip:roomsys@127.0.0.1:%d>;regint=0;answermode=auto", port))
	room.listenOn(t, port)
	room.start(t, 50)
	id := srv.dial(t, "1000", fmt.Sprintf("#sip:roomsys@127.0.0.1:%d", port), nil)
	if d := srv.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" {
		t.Fatalf("call out %+v", d)
	}
	if answered := srv.logged("call answered"); len(answered) != 1 || answered[0]["video"] != true {
		t.Fatalf("the call out has no video: %v", answered)
	}
	first := ada.waitDecoding(t, []string{id}, 15*time.Second)[id]
	time.Sleep(2 * time.Second)
	later := ada.inbound(t)[id]
	t.Logf("the guest receives the called room system's video: %d frames decoded, %d 2 s later, %d×%d",
		first.FramesDecoded, later.FramesDecoded, later.FrameWidth, later.FrameHeight)
	if later.FramesDecoded <= first.FramesDecoded || later.FrameWidth != 352 {
		t.Errorf("the room system's video is not decoding at 352 px: %+v, then %+v", first, later)
	}
	if w, h := room.receivedSize(t, 15*time.Second); w != 640 || h != 480 {
		t.Errorf("the called room system shows %d×%d, want the guest's 640×480", w, h)
	}
}

// cameraBrowser is a Chromium whose pages get the fake camera at
// width×height, whatever size the page asks for: the room system can tell
// two guests apart by the size of the picture it decodes.
func cameraBrowser(t *testing.T, wav string, width, height int) *browser {
	t.Helper()
	b := newBrowser(t, wav)
	script := fmt.Sprintf(`(() => {
		const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
		navigator.mediaDevices.getUserMedia = (c) => {
			if (c && c.video) {
				const v = typeof c.video === 'object' ? c.video : {};
				c = Object.assign({}, c, { video: Object.assign({}, v, { width: { exact: %d }, height: { exact: %d } }) });
			}
			return gum(c);
		};
	})();`, width, height)
	b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	}))
	return b
}

// newVideoPhone is a baresip phone that is a video room system: PCMU
// audio and H.264 video, its camera baresip's fake video source (a moving
// pattern, 352×288 at 15 fps) encoded by libx264, and what it receives
// decoded by FFmpeg; the snapshot module saves a received frame on demand
// (receivedSize).
func newVideoPhone(t *testing.T, name, wav string, rtpMin int, account string) *phone {
	t.Helper()
	p := newPhoneAccount(t, name, wav, "PCMU/8000/1", rtpMin, account)
	cfg, err := os.OpenFile(filepath.Join(p.dir, "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	if _, err := fmt.Fprint(cfg, `video_source fakevideo,nil
video_display fakevideo,nil
video_size 352x288
video_bitrate 500000
video_fps 15
module avcodec.so
module fakevideo.so
module snapshot.so
`); err != nil {
		t.Fatal(err)
	}
	accounts := filepath.Join(p.dir, "accounts")
	acc, err := os.ReadFile(accounts)
	if err != nil {
		t.Fatal(err)
	}
	acc = []byte(strings.TrimSpace(string(acc)) + ";video_codecs=H264\n")
	if err := os.WriteFile(accounts, acc, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// listenOn makes the phone take calls on a known SIP port.
func (p *phone) listenOn(t *testing.T, port int) {
	t.Helper()
	path := filepath.Join(p.dir, "config")
	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "sip_listen 127.0.0.1:0", fmt.Sprintf("sip_listen 127.0.0.1:%d", port), 1))
	if err := os.WriteFile(path, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
}

// receivedSize has the room system save the next video frame it decodes
// and returns its size. baresip 1.0's snapshot module saves the next
// frame it sends and the next it receives as snapshot-send-DATE.png and
// snapshot-recv-DATE.png in its working directory.
func (p *phone) receivedSize(t *testing.T, within time.Duration) (width, height int) {
	t.Helper()
	pattern := filepath.Join(p.dir, "snapshot-recv-*.png")
	old, _ := filepath.Glob(pattern)
	for _, f := range old {
		_ = os.Remove(f)
	}
	if err := p.command(t, "/snapshot"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(within)
	for {
		files, _ := filepath.Glob(pattern)
		if len(files) > 0 {
			time.Sleep(200 * time.Millisecond) // let baresip finish writing it
			f, err := os.Open(files[0])
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			cfg, err := png.DecodeConfig(f)
			if err != nil {
				t.Fatalf("%s: %v", files[0], err)
			}
			return cfg.Width, cfg.Height
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s saved no received frame within %v; baresip log:\n%s", p.name, within, p.logText())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
