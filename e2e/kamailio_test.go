package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/parleyhq/parley/internal/testnats"
)

// kamailio is a Kamailio proxy running packaging/kamailio/kamailio.cfg,
// started by the test.
type kamailio struct {
	addr string // host:port of its UDP listener
	log  string // the path of its log (stderr)
}

// startKamailio runs Debian's kamailio on a free loopback UDP port with
// the repository's dispatcher config, the nodes as its dispatcher set and
// the dispatcher algorithm alg; it is stopped when the test ends.
func startKamailio(t *testing.T, alg string, nodes ...string) *kamailio {
	t.Helper()
	bin, err := exec.LookPath("kamailio")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/kamailio"); err != nil {
			t.Fatal("kamailio is not installed; run `make test`, which installs it (scripts/deps.sh test)")
		}
	}
	cfg, err := filepath.Abs("../packaging/kamailio/kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	list := "# written by the test\n"
	for _, n := range nodes {
		list += "1 sip:" + n + " 0 0\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "dispatcher.list"), []byte(list), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	c.Close()
	k := &kamailio{addr: addr, log: filepath.Join(dir, "kamailio.log")}
	logf, err := os.Create(k.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, "-f", cfg, "-DD", "-E", "-m", "64", "-M", "8",
		"-A", fmt.Sprintf("DS_LIST=%q", filepath.Join(dir, "dispatcher.list")),
		"-A", fmt.Sprintf("DS_ALG=%q", alg),
		"-l", "udp:"+addr, "-Y", dir, "-P", filepath.Join(dir, "kamailio.pid"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt) // the main process stops its children
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !k.answersOptions() {
		select {
		case <-exited:
			t.Fatalf("kamailio exited:\n%s", k.logText(t))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kamailio does not answer OPTIONS after 10 s:\n%s", k.logText(t))
		}
	}
	return k
}

// answersOptions reports whether the proxy answers an OPTIONS for itself
// with 200 within 200 ms.
func (k *kamailio) answersOptions() bool {
	c, err := net.Dial("udp4", k.addr)
	if err != nil {
		return false
	}
	defer c.Close()
	req := "OPTIONS sip:" + k.addr + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP " + c.LocalAddr().String() + ";branch=z9hG4bK" + fmt.Sprint(time.Now().UnixNano()) + ";rport\r\n" +
		"Max-Forwards: 5\r\nFrom: <sip:probe@127.0.0.1>;tag=probe\r\nTo: <sip:" + k.addr + ">\r\n" +
		"Call-ID: probe-" + fmt.Sprint(time.Now().UnixNano()) + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	return err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200")
}

// logText is the proxy's log so far.
func (k *kamailio) logText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(k.log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// count is how many lines of the proxy's log contain s.
func (k *kamailio) count(t *testing.T, s string) int {
	t.Helper()
	return strings.Count(k.logText(t), s)
}

// waitCount waits until the proxy's log has n lines containing s.
func (k *kamailio) waitCount(t *testing.T, s string, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for k.count(t, s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("kamailio logged %q %d times after %v, want %d:\n%s", s, k.count(t, s), within, n, k.logText(t))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// firstJoined waits until one of nodes has logged a joined call and
// returns it.
func firstJoined(t *testing.T, nodes []*server, within time.Duration) *server {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, n := range nodes {
			if len(n.logged("call joined")) > 0 {
				return n
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no node took a call within %v", within)
	return nil
}

// TestKamailioDispatcher: three `parley serve` nodes on one nats-server
// behind Debian's Kamailio running packaging/kamailio/kamailio.cfg with
// round-robin dispatching (so that each phone reaches another node). A
// talker (a 1 kHz tone), a listener and a third phone dial the proxy's one
// address for room 1000: the node that got the talker owns the room, the
// other two answer 302 and Kamailio sends those calls to the owner itself,
// so all three land in the same room on one node and the listener hears
// the talker. The ACKs and the owner's BYEs (kicks through its API) go
// through the proxy (record-routing), and each phone gets its BYE.
func TestKamailioDispatcher(t *testing.T) {
	t.Parallel()
	ns := testnats.Start(t)
	var nodes []*server
	var addrs []string
	for i, ports := range []string{"50100-50198", "50200-50298", "50300-50398"} {
		n := startParley(t, clusterNode(fmt.Sprintf("k%d", i+1), ns.URL, ports))
		n.waitLog(t, "cluster joined", 1, 5*time.Second)
		nodes = append(nodes, n)
		addrs = append(addrs, n.sipUDP)
	}
	proxy := startKamailio(t, "4", addrs...)

	tone := filepath.Join(t.TempDir(), "tone1k.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(dialogSippTone, dialogAmplitude, 10*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	talker := startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", proxy.addr,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	owner := firstJoined(t, nodes, 10*time.Second)
	ear := newRTPPeer(t, map[rune]float64{'T': dialogSippTone})
	listener := startBgSipp(t, "pin_go_media.xml", map[string]string{"@PORT@": fmt.Sprint(ear.port())}, "1000", proxy.addr)
	owner.waitLog(t, "call joined", 2, 10*time.Second)
	third := startBgSipp(t, "wait_bye.xml", nil, "1000", proxy.addr)
	owner.waitLog(t, "call joined", 3, 10*time.Second)
	if !ear.waitRun('T', 25, 10*time.Second) {
		t.Fatalf("the listener never heard the talker: %q", ear.heard())
	}

	redirected := 0
	for _, n := range nodes {
		redirected += len(n.logged("call redirected"))
		if n != owner && len(n.logged("call joined")) != 0 {
			t.Errorf("node %s took a call for the owner's room", n.sipUDP)
		}
	}
	if redirected != 2 {
		t.Errorf("%d calls redirected, want 2 (round robin over 3 nodes, the first takes the room)", redirected)
	}
	if got := proxy.count(t, "REDIRECT: INVITE"); got != redirected {
		t.Errorf("kamailio followed %d redirects, the nodes sent %d:\n%s", got, redirected, proxy.logText(t))
	}
	proxy.waitCount(t, "DLG: ACK", 3, 5*time.Second)

	var ids []string
	for _, rec := range owner.logged("call joined") {
		id, _ := rec["participant"].(string)
		ids = append(ids, id)
	}
	for _, id := range ids {
		if code := owner.apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+id, nil, nil); code != http.StatusNoContent && code != http.StatusOK {
			t.Fatalf("kick %s: %d", id, code)
		}
	}
	for _, c := range []*bgSipp{talker, listener, third} {
		if err := c.wait(t, 10*time.Second); err != nil {
			t.Fatalf("a kicked phone did not get its BYE: %v\n%s", err, c.out.String())
		}
	}
	if got := proxy.count(t, "DLG: BYE"); got != 3 {
		t.Errorf("%d BYEs went through kamailio, want 3:\n%s", got, proxy.logText(t))
	}
}
