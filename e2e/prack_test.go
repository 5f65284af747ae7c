package e2e

import (
	"net"
	"strconv"
	"testing"
	"time"
)

// freeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago,
// for a peer (sipp) that must be told its port before it starts.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestDialOutReliableProvisional: the callee answers with a reliable 183
// (Require: 100rel) holding the SDP answer and a 200 without SDP. Parley
// must PRACK the 183 (RFC 3262), take the answer from it, and join the call;
// the API then hangs it up with a BYE the callee answers.
func TestDialOutReliableProvisional(t *testing.T) {
	srv := startParley(t, dialConfig)
	port := freeUDPPort(t)
	result := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = runSipp(t, "uas_100rel.xml", "callee", "", "-p", strconv.Itoa(port), "-mp", strconv.Itoa(freeUDPPort(t)))
		result <- err
	}()
	time.Sleep(500 * time.Millisecond) // sipp binds its port
	id := srv.dial(t, "1000", "#sip:callee@127.0.0.1:"+strconv.Itoa(port), nil)
	if d := srv.waitDial(t, "1000", id, 10*time.Second); d.Status != "answered" {
		srv.dumpLogs(t)
		t.Fatalf("dial: %+v, want answered", d)
	}
	if code := srv.apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+id, nil, nil); code != 204 {
		t.Errorf("DELETE participant: %d, want 204", code)
	}
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("sipp callee: %v\n%s", err, out)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("sipp callee did not finish")
	}
	if len(srv.logged("PRACK answered")) != 1 {
		t.Error("parley did not log the PRACK's answer")
	}
}
