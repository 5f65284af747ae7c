package e2e

import (
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// drainConfig is roomConfig with the admin token and a drain of grace
// (shutdown.grace).
func drainConfig(grace string) string {
	return roomConfig + "admin_tokens: [\"" + adminToken + "\"]\nshutdown:\n  grace: " + grace + "\n"
}

// readyz answers GET /readyz: the status and the body.
func (s *server) readyz(t *testing.T) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	res, err := c.Get("http://" + s.http + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// waitExit waits up to within for parley to exit by itself and returns
// how it exited (nil: status 0).
func (s *server) waitExit(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-s.stopped:
	case <-time.After(within):
		s.dumpLogs(t)
		t.Fatalf("parley still runs %v later", within)
	}
	return s.cmd.Wait()
}

// lastRunSilent reports whether the latest packets the peer got carry
// none of its tones: a prompt heard before has ended.
func (p *rtpPeer) lastRunSilent() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := len(p.runs) - 1
	return k >= 0 && p.runs[k].label == '.' && p.runs[k].packets >= 5
}

// TestDrainOnSIGTERM: a call is up (sipp signals, the test is its media)
// and Parley gets SIGTERM with shutdown.grace 3s. /readyz goes 503 before
// anything else happens; a new INVITE gets 503 with Retry-After: 60;
// OPTIONS is still answered; a dial through the API and a guest's join
// page get 503 with Retry-After, the page saying why; the call hears the
// restarting prompt (a tone here, from prompts.dir), gets Parley's BYE
// about 3 s after the signal, and the process exits 0.
func TestDrainOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	for id, freq := range map[string]float64{"first_participant": 700, "restarting": 1200} {
		if err := writeTone(filepath.Join(dir, id+".wav"), 8000, freq, 0.3, 1); err != nil {
			t.Fatal(err)
		}
	}
	srv := startParley(t, drainConfig("3s")+"prompts:\n  dir: "+dir+"\n")
	peer := newRTPPeer(t, map[rune]float64{'F': 700, 'R': 1200})
	result := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = runSippWith(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(peer.port())}, "1000", srv.sipUDP)
		result <- err
	}()
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	// The greeting is private and would hide the room's announcement:
	// wait for it to end.
	deadline := time.Now().Add(10 * time.Second)
	for !(strings.Contains(peer.heard(), "F") && peer.lastRunSilent()) {
		if time.Now().After(deadline) {
			t.Fatalf("the caller never heard the greeting end: %q", peer.heard())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := srv.readyz(t); code != http.StatusOK {
		t.Fatalf("GET /readyz before SIGTERM: %d %q, want 200", code, body)
	}
	var link inviteLink
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/links", map[string]any{"kind": "guest", "name": "Ada"}, &link); code != http.StatusCreated {
		t.Fatalf("POST link: %d %+v", code, link)
	}

	signalled := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for {
		code, body := srv.readyz(t)
		if code == http.StatusServiceUnavailable {
			if body != "not ready: draining\n" {
				t.Errorf("GET /readyz while draining: %q, want not ready: draining", body)
			}
			break
		}
		if time.Since(signalled) > 2*time.Second {
			t.Fatalf("GET /readyz still %d %q 2 s after SIGTERM", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-result:
		t.Fatalf("the call ended before /readyz said 503: %v\n%s", err, out)
	default:
	}

	if out, err := runSipp(t, "refused_retry.xml", "1000", srv.sipUDP); err != nil {
		srv.dumpLogs(t)
		t.Errorf("a new INVITE while draining did not get 503 with Retry-After: 60: %v\n%s", err, out)
	}
	if out, err := runSipp(t, "options.xml", "1000", srv.sipUDP); err != nil {
		t.Errorf("OPTIONS while draining not answered 200: %v\n%s", err, out)
	}
	code, h, body := srv.apiRaw(t, "POST", "/api/v1/rooms/1000/dial", "application/json", []byte(`{"to": "#sip:bob@127.0.0.1:5099"}`))
	if code != http.StatusServiceUnavailable || h.Get("Retry-After") != "60" || !strings.Contains(string(body), "restarting") {
		t.Errorf("dial while draining: %d, Retry-After %q, %s; want 503, 60, restarting", code, h.Get("Retry-After"), body)
	}
	res, err := http.Get("http://" + srv.http + "/join/" + link.Token)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "60" ||
		!strings.Contains(string(page), "This service is restarting. Please join again in a minute.") {
		t.Errorf("join page while draining: %d, Retry-After %q; want 503, 60 and the restarting text:\n%s",
			res.StatusCode, res.Header.Get("Retry-After"), page)
	}

	deadline = signalled.Add(3 * time.Second)
	for !strings.Contains(peer.heard(), "FR") {
		if time.Now().After(deadline) {
			srv.dumpLogs(t)
			t.Fatalf("the caller heard %q by the end of the grace, want the restarting prompt after the greeting (FR)", peer.heard())
		}
		time.Sleep(20 * time.Millisecond)
	}

	if err := <-result; err != nil {
		srv.dumpLogs(t)
		t.Fatalf("no BYE after the grace: %v\n%s", err, out)
	}
	// runSippWith returns 200 ms after sipp, which ends on the BYE.
	bye := time.Since(signalled) - 200*time.Millisecond
	t.Logf("BYE %v after SIGTERM (grace 3s)", bye.Round(10*time.Millisecond))
	if bye < 2900*time.Millisecond || bye > 6*time.Second {
		t.Errorf("BYE %v after SIGTERM, want about the 3 s grace", bye)
	}
	if err := srv.waitExit(t, 10*time.Second); err != nil {
		t.Errorf("parley exited with %v, want status 0", err)
	}
	if !loggedWith(srv, "drain over", "reason", "grace over") {
		srv.dumpLogs(t)
		t.Error(`no "drain over" log with reason "grace over"`)
	}
}

// TestDrainEndsWhenCallsEnd: with shutdown.grace 20s, a call that hangs
// up by itself during the drain lets the process exit then, long before
// the grace is over; the call ends with its own BYE, not Parley's.
func TestDrainEndsWhenCallsEnd(t *testing.T) {
	srv := startParley(t, drainConfig("20s"))
	result := make(chan error, 1)
	var out string
	go func() {
		var err error
		// call_bye.xml hangs up 2 s after its ACK; 5 s leaves time to signal.
		out, err = runSippWith(t, "call_bye.xml", map[string]string{`<pause milliseconds="2000"/>`: `<pause milliseconds="5000"/>`},
			"1000", srv.sipUDP)
		result <- err
	}()
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	signalled := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.waitExit(t, 15*time.Second); err != nil {
		t.Errorf("parley exited with %v, want status 0", err)
	}
	exited := time.Since(signalled)
	t.Logf("exited %v after SIGTERM (grace 20s)", exited.Round(10*time.Millisecond))
	if exited > 10*time.Second {
		t.Errorf("exited %v after SIGTERM: the call ended within 5 s", exited)
	}
	if err := <-result; err != nil {
		t.Errorf("the call did not end with its own BYE answered 200: %v\n%s", err, out)
	}
	draining := srv.logged("draining: new calls refused, the calls in progress told")
	if len(draining) != 1 || draining[0]["calls"] != float64(1) {
		srv.dumpLogs(t)
		t.Errorf("draining logs %v, want one with calls=1", draining)
	}
	if !loggedWith(srv, "drain over", "reason", "calls ended") {
		srv.dumpLogs(t)
		t.Error(`no "drain over" log with reason "calls ended"`)
	}
}

// TestDrainSecondSignal: with shutdown.grace 20s and a call up, a second
// SIGTERM during the drain ends it at once: the call gets BYE and the
// process exits 0, long before the grace is over.
func TestDrainSecondSignal(t *testing.T) {
	srv := startParley(t, drainConfig("20s"))
	result := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = runSipp(t, "wait_bye.xml", "1000", srv.sipUDP)
		result <- err
	}()
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, "draining: new calls refused, the calls in progress told", 1, 5*time.Second)
	second := time.Now()
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv.waitExit(t, 15*time.Second); err != nil {
		t.Errorf("parley exited with %v, want status 0", err)
	}
	exited := time.Since(second)
	t.Logf("exited %v after the second SIGTERM (grace 20s)", exited.Round(10*time.Millisecond))
	if exited > 5*time.Second {
		t.Errorf("exited %v after the second SIGTERM, want at once", exited)
	}
	if err := <-result; err != nil {
		t.Errorf("the call got no BYE: %v\n%s", err, out)
	}
	if !loggedWith(srv, "drain over", "reason", "second signal") {
		srv.dumpLogs(t)
		t.Error(`no "drain over" log with reason "second signal"`)
	}
}
