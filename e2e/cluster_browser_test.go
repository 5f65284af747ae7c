package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zaf/g711"

	"github.com/parleyhq/parley/internal/testnats"
)

// browserClusterNode is the config of node name of a cluster on natsURL
// whose store is the SQLite file db, shared with the other nodes (as a
// PostgreSQL store would be), so that a link made on one node opens on
// any: room 1000 admits guests.
func browserClusterNode(name, natsURL, rtpPorts, db string) string {
	cfg := strings.Replace(clusterNode(name, natsURL, rtpPorts), "    name: Cluster room\n", "    name: Cluster room\n    guest_access: true\n", 1)
	return cfg + "store:\n  path: " + db + "\n"
}

// TestClusterBrowserJoin: a phone (a 1 kHz tone) calls node 1 for room
// 1000, which makes the room node 1's. A Chromium guest opens the room's
// link on node 2: node 2's join socket names node 1's, the page opens that
// one (its content security policy and node 1's origin check let it), and
// the guest joins on node 1 and hears the phone.
func TestClusterBrowserJoin(t *testing.T) {
	t.Parallel()
	ns := testnats.Start(t)
	db := filepath.Join(t.TempDir(), "shared.db")
	n1 := startParley(t, browserClusterNode("b1", ns.URL, "50600-50698", db))
	n1.waitLog(t, "cluster joined", 1, 5*time.Second)
	n2 := startParley(t, browserClusterNode("b2", ns.URL, "50700-50798", db))
	n2.waitLog(t, "cluster joined", 1, 5*time.Second)
	link := createLink(t, n2, "1000")

	tone := filepath.Join(t.TempDir(), "tone1k.ulaw")
	if err := os.WriteFile(tone, g711.EncodeUlaw(dialogPCM(dialogSippTone, dialogAmplitude, 30*time.Second)), 0o644); err != nil {
		t.Fatal(err)
	}
	startBgSipp(t, "rtp_stop.xml", map[string]string{"TONE_FILE": tone}, "1000", n1.sipUDP,
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(dialogFreePort(t)))
	n1.waitLog(t, "call joined", 1, 10*time.Second)
	readLeases(t, ns.URL).wait(t, "room.1000", "b1", 2*time.Second)

	b := newBrowser(t, toneFile(t, "browser.wav", 48000, 440, toneAmplitude, 30))
	b.do(t, chromedp.Navigate(link.url(n2)+"?raw=1"))
	b.do(t, chromedp.SendKeys("", "Ada Lovelace", byAX("textbox", "name", false)))
	b.clickJoin(t)
	b.waitState(t, "joined", 20*time.Second)
	n2.waitLog(t, "browser guest sent to the room's node", 1, 5*time.Second)
	n1.waitLog(t, "participant joined", 2, 5*time.Second)
	if got := n2.logged("participant joined"); len(got) != 0 {
		t.Errorf("node 2 took the guest too: %v", got)
	}
	if via := n1.logged("participant joined")[1]["via"]; via != "webrtc" {
		t.Errorf("node 1's second participant came via %v, want webrtc", via)
	}
	heard := pollTone(t, b, "parleyTest.remote", dialogSippTone, 10*time.Second)
	t.Logf("the guest sent to node 1 hears the phone's %.0f Hz", heard.Frequency)
	if text := b.text(t, "#participants"); !strings.Contains(text, "Ada Lovelace") {
		t.Errorf("the participant list reads %q, want the guest's name", text)
	}
}
