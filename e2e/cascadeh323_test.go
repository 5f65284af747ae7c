package e2e

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/testnats"
)

// TestClusterCascadeH323: two nodes with cluster.sip_routing cascade. A
// baresip phone with a 440 Hz tone calls node 1, which then owns room
// 1000; the H323Plus endpoint calls node 2's H.323 listener for the same
// room with a 1 kHz tone. Node 2 links the room with node 1 before the
// H.323 caller joins, as it does for a SIP caller, so each hears the
// other across the link: the phone the 1 kHz tone, the room system 440 Hz.
func TestClusterCascadeH323(t *testing.T) {
	t.Parallel()
	ns := testnats.Start(t)
	owner := startParley(t, clusterNode("h1", ns.URL, "53800-53898")+"  sip_routing: cascade\n")
	other := startParley(t, clusterNode("h2", ns.URL, "53900-53998")+"  sip_routing: cascade\n")
	other.waitLog(t, "cluster joined", 1, 5*time.Second)

	bob := h323Phone(t, owner, "1000", 54100, 18)
	caller := startH323Caller(t, h323PeerOptions{alias: "caller", tone: 1000}, "1000@"+other.h323, 12, false)
	if err := caller.wait(t, 30*time.Second); err != nil {
		other.dumpLogs(t)
		t.Fatalf("the H.323 call did not connect: %v\n%s", err, caller.logText())
	}
	if len(other.logged("cascade: room linked with its owner")) != 1 {
		other.dumpLogs(t)
		t.Fatal("node 2 took the H.323 call without linking the room with its owner")
	}
	owner.waitLog(t, "cascade: a node joined a room here", 1, 5*time.Second)

	bob.wait(t)
	x, rate, err := readWAV(bob.recording(t))
	if err != nil {
		t.Fatal(err)
	}
	checkTone(t, "the phone on node 1", x, rate, 6, 12, 1000)
	x, rate = caller.recording(t)
	// After the prompts, and the link up: the owner's phone.
	checkTone(t, "the H.323 caller on node 2", x, rate, 6, 11, 440)
}
