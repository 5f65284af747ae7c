package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSharedRTPCall runs sipp's hold-and-resume call beside a baresip
// phone in room 1000 on a parley whose SIP legs share one RTP socket
// (rtp.shared_ports: 1): both legs come from 127.0.0.1, so the socket
// tells them apart by source port alone, and the re-INVITEs move sipp's
// leg (unlatch, latch again). Parley must send sipp and the phone RTP
// from the one shared port only, sipp's before the hold and after the
// resume and none while held,
// and the phone must hear sipp's tone after the resume: sipp's packets
// reached sipp's leg, and the mix reached the phone through the batched
// writer; /metrics counts the socket's reads and writes.
func TestSharedRTPCall(t *testing.T) {
	t.Parallel()
	config := strings.Replace(roomConfig, "  ports: 42000-42998\n", "  ports: 42000-42998\n  shared_ports: 1\n", 1)
	if config == roomConfig {
		t.Fatal("roomConfig has no rtp.ports line to add rtp.shared_ports after")
	}
	d := newDialogRoomWith(t, config, "shared", 43700, 14)
	capture := startDialogCapture(t, d.mediaPort)
	phoneCapture := startCapture(t, "udp dst portrange 43700-43719") // what the phone is sent
	res := d.runSipp(t, "dialog_hold.xml", 40*time.Second)
	packets := capture.stop(t)
	toPhone := phoneCapture.stop(t)
	d.phone.wait(t)
	if res.err != nil {
		d.srv.dumpLogs(t)
		t.Fatalf("sipp call failed: %v\n%s\n%s", res.err, res.out, res.errors)
	}
	d.checkNotDropped(t)
	shared := d.srv.logged("rtp sockets shared by sip legs")
	if len(shared) != 1 {
		d.srv.dumpLogs(t)
		t.Fatal("parley did not log its shared RTP sockets")
	}
	sharedPort := fmt.Sprint(shared[0]["ports"]) // "[42046]"
	held, resumed := d.heldAndResumed(t)
	answered, ended := d.sippCall(t)
	toSipp := dialogToPort(packets, d.mediaPort)
	before := dialogBetween(toSipp, answered.Add(500*time.Millisecond), held.Add(-200*time.Millisecond))
	during := dialogBetween(toSipp, held.Add(100*time.Millisecond), resumed.Add(-50*time.Millisecond))
	after := dialogBetween(toSipp, resumed.Add(500*time.Millisecond), ended.Add(-200*time.Millisecond))
	t.Logf("RTP to sipp: %d packets before hold, %d while held, %d after resume", len(before), len(during), len(after))
	if len(before) == 0 {
		t.Errorf("parley sent sipp no RTP before the hold")
	}
	if len(during) != 0 {
		t.Errorf("parley sent %d RTP packets to sipp while held, want none", len(during))
	}
	dialogCheckPackets(t, "after resume", after, ended.Sub(resumed)-700*time.Millisecond, 0, true)
	ports := map[int]bool{} // the ports parley sent sipp and the phone RTP from
	for _, p := range toSipp {
		ports[p.src] = true
	}
	if len(toPhone) == 0 {
		t.Error("no RTP to the phone captured")
	}
	for _, p := range toPhone {
		ports[p.src] = true
	}
	for p := range ports {
		if fmt.Sprintf("[%d]", p) != sharedPort {
			t.Errorf("parley sent RTP (to sipp or the phone) from port %d, not from the shared port %s", p, sharedPort)
		}
	}
	d.checkHears(t, "after resume", resumed.Add(time.Second), ended.Add(-500*time.Millisecond))
	// The shared socket's counters are on /metrics (metrics/sharedrtp.go).
	for _, m := range []string{"parley_rtp_shared_reads_total", "parley_rtp_shared_datagrams_received_total",
		"parley_rtp_shared_writes_total", "parley_rtp_shared_datagrams_sent_total"} {
		if v := metricValue(t, d.srv, m); v <= 0 {
			t.Errorf("%s = %v after two calls on the shared socket, want > 0", m, v)
		}
	}
}
