package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

// The headless Chromium the browser tests drive through chromedp: a tab
// with a fake microphone, its page state and text, screenshots, and
// queries by accessible role and name.

// browser is one headless Chromium tab with a fake microphone.
type browser struct {
	ctx       context.Context
	artifacts string
}

// newBrowser starts Chromium (PEERS.md's flags, a fresh profile, and
// extra) whose fake microphone plays wav; it is stopped when the test ends.
func newBrowser(t *testing.T, wav string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	chromiumPath, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed; run `make test`, which installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 1100),
	}
	opts = append(opts, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.Flag("mute-audio", false), // Headless mutes; keep the audio path as users have it
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	opts = append(opts, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx, artifacts: artifactDir(t)}
	// The first run starts the browser and ties it to its context: b.ctx,
	// not one of the deadlines of b.do.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	b.do(t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, accessibility.Enable, cdp.Empty{})
		return err
	}))
	return b
}

// artifactDir returns where the test saves screenshots: $PARLEY_ARTIFACTS,
// made if need be, or else a temporary directory of the test.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PARLEY_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// do runs actions with a deadline.
func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(t, err)
	}
}

// fail ends the test with err and what the page shows.
func (b *browser) fail(t *testing.T, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
	t.Fatalf("browser: %v\npage text:\n%s", err, body)
}

// eval evaluates a JavaScript expression in the page.
func (b *browser) eval(t *testing.T, expr string) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
	if err != nil {
		b.fail(t, err)
	}
	return v
}

// text returns the visible text of the element that css selects.
func (b *browser) text(t *testing.T, css string) string {
	t.Helper()
	v, _ := b.eval(t, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ''`, css)).(string)
	return v
}

// waitText waits until the element css selects shows want (case does not
// matter).
func (b *browser) waitText(t *testing.T, css, want string, within time.Duration) {
	t.Helper()
	expr := fmt.Sprintf(`((document.querySelector(%q) || {}).innerText || '').toLowerCase().includes(%q)`, css, strings.ToLower(want))
	ctx, cancel := context.WithTimeout(b.ctx, within+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(within))); err != nil {
		b.fail(t, fmt.Errorf("%q never showed %q: %w", css, want, err))
	}
}

// waitState waits for parleyTest.state() to be want.
func (b *browser) waitState(t *testing.T, want string, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, within+5*time.Second)
	defer cancel()
	expr := fmt.Sprintf(`window.parleyTest && parleyTest.state() === %q`, want)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(within))); err != nil {
		b.fail(t, fmt.Errorf("the page did not get to %q: %w", want, err))
	}
}

// clickJoin presses the join page's Join button once the page has settled:
// the microphone and camera lists fill in after the page loads and move
// the button, so a click aimed before then can land beside it.
func (b *browser) clickJoin(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 25*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.parleyTest && parleyTest.settled()`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		b.fail(t, fmt.Errorf("the join page never settled: %w", err))
	}
	b.do(t, chromedp.Click("", byAX("button", "Join", true)))
}

// screenshot saves the page as a PNG among the test's artifacts.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail(t, err)
	}
	path := filepath.Join(b.artifacts, strings.TrimSuffix(t.Name(), "/")+"-"+name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// byAX selects elements by their accessibility role and accessible name,
// as a screen reader finds them: the name equals name (exact) or contains
// it, case aside (not exact). Ignored (hidden) nodes do not count.
func byAX(role, name string, exact bool) chromedp.QueryOption {
	return chromedp.ByFunc(func(ctx context.Context, tg *chromedp.Target, _ *chromedp.Node) ([]cdp.NodeID, error) {
		tree, err := cdp.Call(ctx, tg, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		if err != nil {
			return nil, err
		}
		var ids []cdp.BackendNodeID
		for _, n := range tree.Nodes {
			if n.Ignored || n.BackendDOMNodeID == 0 || axString(n.Role) != role {
				continue
			}
			got := axString(n.Name)
			if (exact && got == name) || (!exact && strings.Contains(strings.ToLower(got), strings.ToLower(name))) {
				ids = append(ids, n.BackendDOMNodeID)
			}
		}
		if len(ids) == 0 {
			return nil, nil // the query retries until its deadline
		}
		res, err := cdp.Call(ctx, tg, dom.PushNodesByBackendIDsToFrontend, dom.PushNodesByBackendIDsToFrontendParams{BackendNodeIDs: ids})
		if err != nil {
			return nil, err
		}
		return res.NodeIDs, nil
	})
}

// axString returns an accessibility value as a string.
func axString(v *accessibility.Value) string {
	if v == nil || len(v.Value) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal([]byte(v.Value), &s) != nil {
		return ""
	}
	return s
}
