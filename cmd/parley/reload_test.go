package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/media"
)

// reloadApp starts an app from the config file yaml (%s: the store's
// path) and returns it with its file and log; it is shut down when the
// test ends.
func reloadApp(t *testing.T, yaml string) (*app, string, *syncBuffer) {
	t.Helper()
	dir := t.TempDir()
	return startTestApp(t, dir, fmt.Sprintf(yaml, filepath.Join(dir, "parley.db")))
}

func writeConfig(t *testing.T, path, yaml string) {
	t.Helper()
	if !strings.HasPrefix(yaml, "h323:") && !strings.Contains(yaml, "\nh323:") {
		yaml += "\nh323:\n  listen: 127.0.0.1:0\n" // tests run side by side: not 1720
	}
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
}

const reloadAppBase = `sip:
  listen: [udp://127.0.0.1:0]
http:
  listen: 127.0.0.1:0
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
store:
  path: %s
rooms:
  - {number: "1000", name: Stand-up}
  - {number: "2000", name: Board}
extensions:
  - {number: "2001", name: Alice, password: alicepass}
`

// TestAppReload: a reload adds, changes and removes rooms (the removed
// one's caller is hung up after the goodbye), adds an extension and a
// trunk that routes at once, says what changed in one log line and one
// event, keeps a sip.domain change for a restart, and refuses a broken file
// with FILE:LINE, changing nothing.
func TestAppReload(t *testing.T) {
	a, path, logs := reloadApp(t, reloadAppBase)
	sub := a.b.Subscribe()
	defer sub.Close()
	board, err := a.b.Room("2000")
	if err != nil {
		t.Fatal(err)
	}
	leg := &reloadLeg{done: make(chan struct{})}
	if _, err := board.Join(leg, bridge.JoinOptions{Name: "caller"}); err != nil {
		t.Fatal(err)
	}
	writeConfig(t, path, fmt.Sprintf(`sip:
  listen: [udp://127.0.0.1:0]
  domain: parley.example
http:
  listen: 127.0.0.1:0
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
store:
  path: %s
rooms:
  - {number: "1000", name: Stand-up, quota: 2}
  - {number: "3000", name: New}
extensions:
  - {number: "2001", name: Alice, password: alicepass}
  - {number: "2005", name: Eve, password: evepass1}
trunks:
  - {name: pstn, proxy: "sip:127.0.0.1:5099", allow: ["^\\+44[0-9]{10}$"]}
`, a.cfg.Store.Path))
	if _, err := a.b.Route("1000", "+441632960123", ""); err == nil {
		t.Fatal("a number routed before its trunk existed")
	}
	res, err := a.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	const want = "rooms +3000 -2000 ~1000, extensions +2005, trunks +pstn"
	if res.Changes != want || !slices.Equal(res.RestartNeeded, []string{"sip.domain changed: restart needed"}) {
		t.Errorf("Reload = %+v, want %q and the listen change for a restart", res, want)
	}
	if _, err := a.b.Room("3000"); err != nil {
		t.Errorf("added room: %v", err)
	}
	if r, err := a.b.Room("1000"); err != nil || r.Settings().Quota != 2 {
		t.Errorf("changed room: %v, quota %d", err, r.Settings().Quota)
	}
	if _, err := a.b.Room("2000"); !errors.Is(err, bridge.ErrUnknownRoom) {
		t.Errorf("removed room: %v, want unknown", err)
	}
	select {
	case <-leg.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the removed room's caller was not hung up")
	}
	if r, err := a.b.Route("1000", "+441632960123", ""); err != nil || r.Trunk != "pstn" {
		t.Errorf("route through the new trunk: %+v, %v", r, err)
	}
	if !strings.Contains(logs.String(), "sip.domain changed: restart needed") {
		t.Errorf("no restart-needed line in the log")
	}
	if n := strings.Count(logs.String(), `msg="config reloaded"`); n != 1 {
		t.Errorf("%d 'config reloaded' lines, want 1", n)
	}
	for e := range sub.C {
		if e.Type == bridge.EventReloaded {
			if e.Changes != want {
				t.Errorf("reloaded event says %q", e.Changes)
			}
			break
		}
	}

	// A broken file: refused with FILE:LINE, the running config stays.
	writeConfig(t, path, "rooms:\n  - {number: \"1000\"}\n  - {number: abc}\n")
	_, err = a.Reload(context.Background())
	var refused *api.ReloadRefused
	if !errors.As(err, &refused) || len(refused.Problems) == 0 || !strings.HasPrefix(refused.Problems[0], path+":3: ") {
		t.Fatalf("broken file: %v, want problems at %s:3", err, path)
	}
	if !strings.Contains(logs.String(), "reload refused: "+path+":3: ") {
		t.Errorf("the log does not name %s:3", path)
	}
	if _, err := a.b.Room("3000"); err != nil {
		t.Errorf("a refused reload removed room 3000: %v", err)
	}
}

// TestAppReloadConcurrent: reloads from several goroutines at once (the
// API and SIGHUP) run one at a time, under the race detector.
func TestAppReloadConcurrent(t *testing.T) {
	a, _, _ := reloadApp(t, reloadAppBase)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := a.Reload(context.Background()); err != nil {
				t.Error(err)
			}
			if _, err := a.b.Room("1000"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

// TestAppReloadWithoutFile: a server on the embedded default has nothing
// to re-read.
func TestAppReloadWithoutFile(t *testing.T) {
	a := &app{reloader: reloader{running: &config.Config{}}, log: newLogger(config.Log{}, &syncBuffer{})}
	if _, err := a.Reload(context.Background()); !errors.Is(err, api.ErrNoConfigFile) {
		t.Errorf("Reload = %v, want api.ErrNoConfigFile", err)
	}
}

// reloadLeg is a silent leg that records its hang-up.
type reloadLeg struct {
	once sync.Once
	done chan struct{}
}

func (l *reloadLeg) ReadAudio(frame []int16, rate int) bool { return false }
func (l *reloadLeg) Format() media.Format                   { return media.PCMU }
func (l *reloadLeg) WriteAudio(payload []byte)              {}
func (l *reloadLeg) Hangup(string)                          { l.once.Do(func() { close(l.done) }) }
func (l *reloadLeg) Done() <-chan struct{}                  { return l.done }

// TestAppReloadRebindsListeners: a changed http.listen and metrics.listen
// move without stopping their servers; one that cannot bind stays where
// it is and says why.
func TestAppReloadRebindsListeners(t *testing.T) {
	const base = `sip:
  listen: [udp://127.0.0.1:0]
http:
  listen: %s
metrics:
  listen: %s
webrtc:
  udp_port: 0
  listen_ip: 127.0.0.1
store:
  path: %%s
`
	a, path, _ := reloadApp(t, fmt.Sprintf(base, "127.0.0.1:0", "127.0.0.1:0"))
	oldHTTP, oldMetrics := a.HTTPAddr().String(), a.MetricsAddr().String()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	writeConfig(t, path, fmt.Sprintf(fmt.Sprintf(base, "localhost:0", busy.Addr().String()), a.cfg.Store.Path))
	res, err := a.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	newHTTP := a.HTTPAddr().String()
	if newHTTP == oldHTTP || res.Changes != "http.listen "+newHTTP {
		t.Errorf("http on %s (was %s), changes %q", newHTTP, oldHTTP, res.Changes)
	}
	if a.MetricsAddr().String() != oldMetrics || len(res.RestartNeeded) != 1 ||
		!strings.HasPrefix(res.RestartNeeded[0], "metrics.listen changed: cannot bind "+busy.Addr().String()) {
		t.Errorf("metrics on %s (was %s), restart needed %q", a.MetricsAddr(), oldMetrics, res.RestartNeeded)
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	if code, _ := httpGet(t, client, "http://"+newHTTP+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz on the new address: %d", code)
	}
	if c, err := net.DialTimeout("tcp", oldHTTP, time.Second); err == nil {
		c.Close()
		t.Errorf("the old http address %s still accepts", oldHTTP)
	}
	// The next reload still reports the metrics change it could not make.
	res, err = a.Reload(context.Background())
	if err != nil || res.Changes != "no changes" || len(res.RestartNeeded) != 1 {
		t.Errorf("second reload: %+v, %v", res, err)
	}
}

// TestAppReloadWebhook: a webhook the reload adds gets the reload's own
// event, signed, with what changed.
func TestAppReloadWebhook(t *testing.T) {
	got := make(chan *http.Request, 10)
	bodies := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- string(b)
	}))
	defer hook.Close()
	a, path, _ := reloadApp(t, reloadAppBase)
	url := hook.URL + "/parley"
	writeConfig(t, path, fmt.Sprintf(reloadAppBase+`webhooks:
  - {url: "%s", secret: "0123456789abcdef", events: [reloaded]}
`, a.cfg.Store.Path, url))
	if _, err := a.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		body := <-bodies
		if r.Header.Get("X-Parley-Event") != "reloaded" || !strings.Contains(body, `"changes":"webhooks +`+url+`"`) {
			t.Errorf("webhook got %s %s", r.Header.Get("X-Parley-Event"), body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the new webhook got no reloaded event")
	}
}

// TestAppReloadMovesSIPListeners: a reload that adds a sip.listen URL
// serves SIP on it at once while the kept one keeps its port; one whose
// new URL cannot be bound changes nothing and says why; one that removes
// the URL closes its listener.
func TestAppReloadMovesSIPListeners(t *testing.T) {
	const udp = "udp://127.0.0.1:0"
	a, path, _ := reloadApp(t, reloadAppBase)
	kept := a.SIPAddrs()[0]
	reload := func(listen string) api.ReloadResult {
		t.Helper()
		base := strings.Replace(reloadAppBase, "listen: ["+udp+"]", "listen: ["+listen+"]", 1)
		writeConfig(t, path, fmt.Sprintf(base, a.cfg.Store.Path))
		res, err := a.Reload(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	busy, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	res := reload(udp + ", tcp://" + busy.Addr().String())
	if res.Changes != "no changes" || len(res.RestartNeeded) != 1 ||
		!strings.HasPrefix(res.RestartNeeded[0], "sip.listen changed: ") || !strings.Contains(res.RestartNeeded[0], busy.Addr().String()) ||
		!strings.HasSuffix(res.RestartNeeded[0], "still on "+kept) {
		t.Errorf("reload onto a busy address: %+v", res)
	}
	if got := a.SIPAddrs(); !slices.Equal(got, []string{kept}) {
		t.Errorf("SIP on %q after a refused move, want %q", got, kept)
	}

	res = reload(udp + ", tcp://127.0.0.1:0")
	addrs := a.SIPAddrs()
	if len(addrs) != 2 || addrs[0] != kept || !strings.HasPrefix(addrs[1], "tcp://") ||
		res.Changes != "sip.listen "+strings.Join(addrs, " ") || len(res.RestartNeeded) != 0 {
		t.Fatalf("reload adding tcp: %+v, SIP on %q", res, addrs)
	}
	tcpAddr := strings.TrimPrefix(addrs[1], "tcp://")
	c, err := net.DialTimeout("tcp", tcpAddr, time.Second)
	if err != nil {
		t.Fatalf("the added tcp listener: %v", err)
	}
	c.Close()
	if status := sipOptions(t, strings.TrimPrefix(kept, "udp://")); status != "SIP/2.0 200 OK" {
		t.Errorf("OPTIONS on the kept udp listener: %q", status)
	}

	res = reload(udp)
	if got := a.SIPAddrs(); !slices.Equal(got, []string{kept}) || res.Changes != "sip.listen "+kept {
		t.Errorf("reload removing tcp: %+v, SIP on %q", res, got)
	}
	if c, err := net.DialTimeout("tcp", tcpAddr, time.Second); err == nil {
		c.Close()
		t.Errorf("the removed tcp listener %s still accepts", tcpAddr)
	}
	if status := sipOptions(t, strings.TrimPrefix(kept, "udp://")); status != "SIP/2.0 200 OK" {
		t.Errorf("OPTIONS on the kept udp listener after the removal: %q", status)
	}
	if err := a.sip.Ready(); err != nil {
		t.Errorf("SIP not ready after the reloads: %v", err)
	}
}
