package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// reloadHeader is what the reload tests' configs share.
const reloadHeader = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5] # baresip 1.0 fails when offered two
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
`

// reloadBefore is the config `parley serve` starts with in the reload
// tests: room 1000 where two phones talk, room 2000 that the reload
// removes, extension 2001; no trunk.
const reloadBefore = reloadHeader + `extensions:
  - {number: "2001", name: Alice, password: secret-alice-1}
rooms:
  - {number: "1000", name: E2E room}
  - {number: "2000", name: Going away}
`

// reloadAfter is the config the reload reads: room 3000, extension 2005
// and the trunk pstn (its proxy a sipp UAS on port %d) added, room 2000
// removed.
const reloadAfter = reloadHeader + `extensions:
  - {number: "2001", name: Alice, password: secret-alice-1}
  - {number: "2005", name: Eve, password: secret-eve-5}
trunks:
  - name: pstn
    proxy: "sip:127.0.0.1:%d"
    username: parley
    password: trunk-secret-1
    caller_id: "+441632960000"
    allow: ['^\+44[0-9]{10}$']
rooms:
  - {number: "1000", name: E2E room}
  - {number: "3000", name: Weekly sync, caller_id: "+441632960100"}
`

// TestReloadKeepsCalls: two baresip phones talk in room 1000 across a
// SIGHUP that adds a room, an extension and a trunk and removes another
// room; the removed room's caller (sipp) gets its BYE, the new extension
// registers from baresip, a dial through the new trunk reaches a sipp UAS
// (digest and caller ID checked by its scenario) into the new room. A
// second SIGHUP with a broken file is refused with FILE:LINE in the log.
// Afterwards each phone still hears the other's tone at the level it was
// sent: no call dropped.
func TestReloadKeepsCalls(t *testing.T) {
	uas := startUAS(t, "uas_trunk.xml", map[string]string{
		"RURI":     `\+441632960123@127\.0\.0\.1:UAS_PORT`,
		"CALLERID": `\+441632960100`,
		"HOLD":     "2000",
	}, 60*time.Second)
	srv := startParley(t, reloadBefore)

	// The call in the room the reload removes: it waits for Parley's BYE.
	removed := make(chan error, 1)
	var removedOut string
	go func() {
		var err error
		removedOut, err = runSipp(t, "wait_bye.xml", "2000", srv.sipUDP)
		removed <- err
	}()

	const amplitude = 0.25
	const seconds = 18 // each phone's call
	tones := []reloadTone{{"alice", 440}, {"bob", 1000}}
	start := time.Now()
	phones := dialTones(t, srv, tones, amplitude, seconds)
	srv.waitLog(t, "call answered", 3, 10*time.Second)

	// The reload.
	if err := os.WriteFile(srv.config, []byte(fmt.Sprintf(reloadAfter, uas.port)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, "config reloaded", 1, 10*time.Second)
	const changes = "rooms +3000 -2000, extensions +2005, trunks +pstn"
	if !loggedWith(srv, "config reloaded", "changes", changes) {
		srv.dumpLogs(t)
		t.Fatalf("no %q line with changes %q", "config reloaded", changes)
	}
	select {
	case err := <-removed:
		if err != nil {
			t.Errorf("the removed room's call got no BYE: %v\n%s", err, removedOut)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the removed room's call still runs 15 s after the reload")
	}

	// The new extension registers.
	quiet := filepath.Join(t.TempDir(), "quiet.wav")
	if err := writeTone(quiet, 8000, 300, 0, 1); err != nil {
		t.Fatal(err)
	}
	eve := newPhoneAccount(t, "eve", quiet, "PCMU/8000/1", 41200,
		"<sip:2005@"+srv.sipUDP+">;auth_pass=secret-eve-5;regint=300")
	eve.start(t, 15)
	deadline := time.Now().Add(10 * time.Second)
	for !loggedWith(srv, "registration added", "extension", "2005") {
		if time.Now().After(deadline) {
			srv.dumpLogs(t)
			t.Fatalf("extension 2005 did not register after the reload; baresip log:\n%s", eve.logText())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The new trunk carries a call out of the new room.
	id := srv.dial(t, "3000", "+441632960123", nil)
	if d := srv.waitDial(t, "3000", id, 10*time.Second); d.Status != "answered" {
		uas.dump(t)
		srv.dumpLogs(t)
		t.Fatalf("dial through the reloaded trunk: %+v, want answered", d)
	}
	if err := uas.wait(t); err != nil {
		uas.dump(t)
		t.Fatalf("the trunk's scenario failed: %v", err)
	}

	// A broken file is refused, with FILE:LINE, and nothing changes.
	if err := os.WriteFile(srv.config, []byte("rooms:\n  - {number: abc}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, "reload refused: the running config stays", 1, 10*time.Second)
	if !loggedPrefix(srv, "reload refused: "+srv.config+":2: ") {
		srv.dumpLogs(t)
		t.Errorf("no refusal naming %s:2", srv.config)
	}
	if n := len(srv.logged("config reloaded")); n != 1 {
		t.Errorf("%d reloads logged, want the first only", n)
	}

	// Both phones talked on: listen to 4 s after the last reload.
	hearEachOther(t, phones, tones, amplitude, seconds, time.Since(start)+time.Second, "the reloads")
	if n := len(srv.logged("SIGHUP: reloading the config")); n != 2 {
		t.Errorf("%d SIGHUP lines, want 2", n)
	}
}

// TestReloadMovesSIPListener: two baresip phones talk in room 1000 over
// the udp listener while a SIGHUP adds a tcp listener to sip.listen,
// where a sipp OPTIONS is answered at once; a second SIGHUP removes it,
// and it no longer accepts. The udp listener keeps its port throughout
// and neither call ends: each phone still hears the other's tone at the
// level it was sent.
func TestReloadMovesSIPListener(t *testing.T) {
	srv := startParley(t, reloadBefore)
	udp := srv.sipUDP
	const amplitude = 0.25
	const seconds = 16
	tones := []reloadTone{{"alice", 440}, {"bob", 1000}}
	start := time.Now()
	phones := dialTones(t, srv, tones, amplitude, seconds)
	srv.waitLog(t, "call answered", 2, 10*time.Second)

	started, err := os.ReadFile(srv.config) // with what startParley added
	if err != nil {
		t.Fatal(err)
	}
	reload := func(n int, listen string) map[string]any {
		t.Helper()
		after := strings.Replace(string(started), "listen: [udp://127.0.0.1:0]", "listen: ["+listen+"]", 1)
		if err := os.WriteFile(srv.config, []byte(after), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := srv.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		srv.waitLog(t, "config reloaded", n, 10*time.Second)
		rec := srv.logged("config reloaded")[n-1]
		if rec["restart_needed"] != 0.0 {
			srv.dumpLogs(t)
			t.Fatalf("reload %d: %v", n, rec)
		}
		return rec
	}

	rec := reload(1, "udp://127.0.0.1:0, tcp://127.0.0.1:0")
	srv.logMu.Lock()
	tcp := srv.sipTCP
	srv.logMu.Unlock()
	if want := "sip.listen udp://" + udp + " tcp://" + tcp; tcp == "" || rec["changes"] != want {
		srv.dumpLogs(t)
		t.Fatalf("reload adding tcp: changes %q, want %q", rec["changes"], want)
	}
	if out, err := runSipp(t, "options.xml", "1000", tcp, "-t", "t1"); err != nil {
		t.Fatalf("OPTIONS over the added tcp listener %s: %v\n%s", tcp, err, out)
	}

	rec = reload(2, "udp://127.0.0.1:0")
	if want := "sip.listen udp://" + udp; rec["changes"] != want {
		t.Fatalf("reload removing tcp: changes %q, want %q", rec["changes"], want)
	}
	if c, err := net.DialTimeout("tcp", tcp, time.Second); err == nil {
		c.Close()
		t.Errorf("the removed tcp listener %s still accepts", tcp)
	}
	if out, err := runSipp(t, "options.xml", "1000", udp); err != nil {
		t.Errorf("OPTIONS over the kept udp listener %s: %v\n%s", udp, err, out)
	}
	if ended := srv.logged("call ended"); len(ended) != 0 {
		t.Errorf("calls ended during the reloads: %v", ended)
	}
	hearEachOther(t, phones, tones, amplitude, seconds, time.Since(start)+time.Second, "the listener moves")
}

// TestReloadCommandAndAPI: `parley reload` against the running server
// reloads and prints what changed, here a renamed room and http.listen,
// which moves while the events stream opened on the old address goes on
// and brings the reloaded event; POST /api/v1/reload with a room's
// moderator token is refused with 403 and reloads nothing; a broken file
// makes the command say where it is broken.
func TestReloadCommandAndAPI(t *testing.T) {
	srv := startParley(t, reloadBefore)
	apiURL := "http://" + srv.http
	after := strings.Replace(reloadBefore, `  - {number: "2000", name: Going away}`, `  - {number: "2000", name: Renamed}`, 1)
	after = strings.Replace(after, "http:\n  listen: 127.0.0.1:0\n", "http:\n  listen: localhost:0\n", 1)
	if err := os.WriteFile(srv.config, []byte(after), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events, _, err := websocket.Dial(ctx, "ws://"+srv.http+"/api/v1/events",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + adminToken}}})
	if err != nil {
		t.Fatal(err)
	}
	defer events.CloseNow()

	var tok struct {
		Token string `json:"token"`
	}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/tokens", map[string]any{"role": "moderator", "label": "e2e"}, &tok); code != http.StatusCreated {
		t.Fatalf("mint a moderator token: %d", code)
	}
	req, _ := http.NewRequest("POST", apiURL+"/api/v1/reload", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("reload with a room token: %d, want 403", resp.StatusCode)
	}
	if n := len(srv.logged("config reloaded")); n != 0 {
		t.Errorf("a refused caller reloaded %d times", n)
	}

	out, code := runParley(t, "reload", "--api", apiURL, "--token", adminToken)
	if code != 0 || !strings.Contains(out, "reloaded: rooms ~2000, http.listen ") {
		t.Fatalf("parley reload: exit %d, %q; want 0, rooms ~2000 and the new http.listen", code, out)
	}
	srv.waitLog(t, "config reloaded", 1, 5*time.Second)
	var ev struct {
		Type, Room, Changes string
	}
	for ev.Type != "reloaded" {
		_, data, err := events.Read(ctx)
		if err != nil {
			t.Fatalf("the events stream opened before http.listen moved: %v", err)
		}
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
	}
	_, newAddr, _ := strings.Cut(ev.Changes, "http.listen ")
	if ev.Room != "" || !strings.HasPrefix(ev.Changes, "rooms ~2000, http.listen ") || newAddr == srv.http {
		t.Fatalf("reloaded event %+v", ev)
	}
	resp, err = http.Get("http://" + newAddr + "/healthz")
	if err != nil {
		t.Fatalf("GET /healthz on the new http.listen: %v", err)
	}
	resp.Body.Close()
	if c, err := net.DialTimeout("tcp", srv.http, time.Second); err == nil {
		c.Close()
		t.Errorf("the old http.listen %s still accepts", srv.http)
	}
	apiURL = "http://" + newAddr

	if err := os.WriteFile(srv.config, []byte("rooms:\n  - {number: abc}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = runParley(t, "reload", "--api", apiURL, "--token", adminToken)
	if code != 1 || !strings.Contains(out, "422") || !strings.Contains(out, srv.config+":2: rooms[0].number") {
		t.Errorf("parley reload of a broken file: exit %d, %q; want 1 with %s:2", code, out, srv.config)
	}
}

// reloadTone is what one phone of a reload test sends: a sine of freq.
type reloadTone struct {
	name string
	freq float64
}

// dialTones starts one baresip phone per tone, each sending its tone at
// amplitude into room 1000 over srv's udp listener for seconds.
func dialTones(t *testing.T, srv *server, tones []reloadTone, amplitude float64, seconds int) []*phone {
	t.Helper()
	phones := make([]*phone, len(tones))
	for i, tn := range tones {
		wav := filepath.Join(t.TempDir(), tn.name+".wav")
		if err := writeTone(wav, 8000, tn.freq, amplitude, seconds+5); err != nil {
			t.Fatal(err)
		}
		phones[i] = newPhone(t, tn.name, wav, "PCMU/8000/1", 41000+40*i)
	}
	for _, p := range phones {
		p.dial(t, "sip:1000@"+srv.sipUDP, seconds)
	}
	return phones
}

// hearEachOther waits for the two phones of dialTones to end their calls
// and checks that each heard the other's tone at the level it was sent
// for 4 s from `from` into the call (after what), so that no call
// dropped.
func hearEachOther(t *testing.T, phones []*phone, tones []reloadTone, amplitude float64, seconds int, from time.Duration, what string) {
	t.Helper()
	if from > time.Duration(seconds-6)*time.Second {
		t.Fatalf("%s took until %v of the %d s calls: no time left to listen", what, from, seconds)
	}
	for _, p := range phones {
		p.wait(t)
	}
	for i, tn := range tones {
		x, rate, err := readWAV(phones[i].recording(t))
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := int(from.Seconds()*float64(rate)), int((from.Seconds()+4)*float64(rate))
		if len(x) < hi {
			t.Fatalf("%s: recording is %.1f s long, want %.1f s: the call dropped; log:\n%s",
				tn.name, float64(len(x))/float64(rate), float64(hi)/float64(rate), phones[i].logText())
		}
		other := tones[1-i].freq
		spec := newSpectrum(x[lo:hi], rate)
		level := dB(spec.amplitude(other) / amplitude)
		t.Logf("%s hears %v Hz at %+.1f dB from %.1f s, after %s", tn.name, other, level, from.Seconds(), what)
		if math.Abs(level) > 6 {
			t.Errorf("%s hears %v Hz at %+.1f dB after %s, want within 6 dB of the sent level", tn.name, other, level, what)
		}
	}
}

// runParley runs the parley binary with args and returns its combined
// output and exit code.
func runParley(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(parleyBin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return out.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), 0
}

// loggedPrefix reports whether parley logged a message starting with
// prefix.
func loggedPrefix(srv *server, prefix string) bool {
	srv.logMu.Lock()
	defer srv.logMu.Unlock()
	for _, r := range srv.logs {
		if m, _ := r["msg"].(string); strings.HasPrefix(m, prefix) {
			return true
		}
	}
	return false
}
