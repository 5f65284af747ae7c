package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestVideoForwarding is issue 6's video check with real browsers: two
// headless Chromium guests whose fake cameras send a moving test pattern
// join room 1000 by a group link; each page's getStats() must show the
// other's video decoding (frames decoded > 0, and more 2 s later). A third
// guest who joins later must decode a frame of each of the first two
// within 2 s of being told it joined. Then the first guest turns the camera
// off and on again with the in-call button, which needs no new offer; and
// when the third leaves, its tile leaves the other pages.
func TestVideoForwarding(t *testing.T) {
	srv := startParley(t, browserConfig)
	wav := toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 60)
	link := createLink(t, srv, "1000")

	a := joinWithCamera(t, srv, link, wav, "Ada Lovelace", "video-join-form.png")
	b := joinWithCamera(t, srv, link, wav, "Bob Kahn", "")
	for _, p := range []struct{ viewer, sender *videoGuest }{{a, b}, {b, a}} {
		first := p.viewer.waitDecoding(t, []string{p.sender.id}, 10*time.Second)
		time.Sleep(2 * time.Second)
		later := p.viewer.inbound(t)
		from, to := first[p.sender.id], later[p.sender.id]
		t.Logf("%s receives %s's video: %d frames decoded, %d 2 s later, %d px wide",
			p.viewer.name, p.sender.name, from.FramesDecoded, to.FramesDecoded, to.FrameWidth)
		if to.FramesDecoded <= from.FramesDecoded || to.FrameWidth == 0 {
			t.Errorf("%s: %s's video is not decoding: %+v, then %+v", p.viewer.name, p.sender.name, from, to)
		}
	}

	// A latecomer gets a picture at once: the server asks the publishers
	// for a keyframe when its m-lines are live.
	c := joinWithCamera(t, srv, link, wav, "Cerf Vint", "")
	ms := c.timeToFrames(t, []string{a.id, b.id}, 5*time.Second)
	t.Logf("%s decoded a frame of %s's and %s's video %.0f ms after its \"joined\"", c.name, a.name, b.name, ms)
	if ms > 2000 {
		t.Errorf("the third guest took %.0f ms to decode the others' video, want ≤ 2000 ms", ms)
	}
	a.waitDecoding(t, []string{c.id}, 5*time.Second)
	b.waitDecoding(t, []string{c.id}, 5*time.Second)
	time.Sleep(time.Second) // let the tiles paint
	for _, g := range []*videoGuest{a, b} {
		if text := c.text(t, "#videos"); !strings.Contains(text, g.name) {
			t.Errorf("the third page's videos read %q, want a tile labelled %s", text, g.name)
		}
	}
	c.screenshot(t, "video-call.png")

	// The camera button: off stops A's frames at B, on brings them back.
	a.do(t, chromedp.Click("", byAX("button", "Stop camera", true)))
	time.Sleep(700 * time.Millisecond)
	off := b.inbound(t)[a.id].FramesDecoded
	time.Sleep(time.Second)
	if still := b.inbound(t)[a.id].FramesDecoded; still > off+2 {
		t.Errorf("with A's camera off, B still decodes A's video: %d frames, then %d", off, still)
	}
	a.do(t, chromedp.Click("", byAX("button", "Start camera", true)))
	b.waitMore(t, a.id, off+5, 5*time.Second)

	// C leaves: its m-line goes inactive on the others' pages and its tile
	// goes with it.
	c.do(t, chromedp.Click("", byAX("button", "Leave", true)))
	for _, g := range []*videoGuest{a, b} {
		expr := fmt.Sprintf(`!document.querySelector('#videos [data-participant=%q]')`, c.id)
		ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(5*time.Second)))
		cancel()
		if err != nil {
			t.Errorf("%s still shows the tile of %s, who left: %v", g.name, c.name, err)
		}
	}
}

// videoGuest is a browser guest in the call, with a camera.
type videoGuest struct {
	*browser
	name, id string
}

// joinWithCamera opens the join page in a new Chromium whose fake camera
// and microphone run, checks the camera is on by default, and joins as
// name; with shot set, it saves a screenshot of the form (and preview)
// under that name first.
func joinWithCamera(t *testing.T, srv *server, l link, wav, name, shot string) *videoGuest {
	t.Helper()
	return joinIn(t, newBrowser(t, wav), srv, l, name, shot)
}

// joinIn is joinWithCamera in a browser of the caller's.
func joinIn(t *testing.T, b *browser, srv *server, l link, name, shot string) *videoGuest {
	t.Helper()
	b.do(t, chromedp.Navigate(l.url(srv)))
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.parleyTest && parleyTest.camera()`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		b.fail(t, fmt.Errorf("the camera did not come on by itself: %w", err))
	}
	b.do(t, chromedp.SendKeys("", name, byAX("textbox", "name", false)))
	if shot != "" {
		b.screenshot(t, shot)
	}
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)
	id, _ := b.eval(t, `parleyTest.participant()`).(string)
	if id == "" {
		b.fail(t, fmt.Errorf("%s joined without a participant ID", name))
	}
	return &videoGuest{browser: b, name: name, id: id}
}

// videoStats is one entry of parleyTest.inboundVideo().
type videoStats struct {
	Participant   *string `json:"participant"`
	FramesDecoded int     `json:"framesDecoded"`
	FrameWidth    int     `json:"frameWidth"`
	FrameHeight   int     `json:"frameHeight"`
}

// inbound returns the page's inbound video stats by publisher.
func (g *videoGuest) inbound(t *testing.T) map[string]videoStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(g.ctx, 10*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`parleyTest.inboundVideo()`, chromedp.EvalAwaitPromise))
	if err != nil {
		g.fail(t, err)
	}
	var list []videoStats
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("inboundVideo: %v: %s", err, raw)
	}
	out := make(map[string]videoStats, len(list))
	for _, s := range list {
		if s.Participant != nil {
			out[*s.Participant] = s
		}
	}
	return out
}

// waitDecoding waits until the page has decoded a frame of each of ids'
// videos, and returns the stats that showed it.
func (g *videoGuest) waitDecoding(t *testing.T, ids []string, within time.Duration) map[string]videoStats {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := g.inbound(t)
		ok := true
		for _, id := range ids {
			ok = ok && got[id].FramesDecoded > 0
		}
		if ok {
			return got
		}
		if time.Now().After(deadline) {
			g.fail(t, fmt.Errorf("%s: no decoded video from %v within %v: %+v", g.name, ids, within, got))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitMore waits until the page has decoded more than n frames of id's
// video.
func (g *videoGuest) waitMore(t *testing.T, id string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for g.inbound(t)[id].FramesDecoded <= n {
		if time.Now().After(deadline) {
			g.fail(t, fmt.Errorf("%s: %s's video did not come back within %v", g.name, id, within))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// timeToFrames measures, in the page, the milliseconds from its "joined"
// to the first poll (every 20 ms) at which it has decoded a frame of each
// of ids' videos.
func (g *videoGuest) timeToFrames(t *testing.T, ids []string, within time.Duration) float64 {
	t.Helper()
	idsJSON, _ := json.Marshal(ids)
	expr := fmt.Sprintf(`(async () => {
		const ids = %s, limit = performance.now() + %d;
		for (;;) {
			const got = await parleyTest.inboundVideo();
			if (ids.every((id) => got.some((s) => s.participant === id && s.framesDecoded > 0))) {
				return performance.now() - parleyTest.joinedAt();
			}
			if (performance.now() > limit) return -1;
			await new Promise((r) => setTimeout(r, 20));
		}
	})()`, idsJSON, within.Milliseconds())
	ctx, cancel := context.WithTimeout(g.ctx, within+5*time.Second)
	defer cancel()
	ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		g.fail(t, err)
	}
	if ms < 0 {
		g.fail(t, fmt.Errorf("%s decoded no frame of %v within %v: %+v", g.name, ids, within, g.inbound(t)))
	}
	return ms
}
