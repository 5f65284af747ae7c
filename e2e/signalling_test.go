package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRefusedCalls checks the statuses of calls Parley cannot take, sent by
// sipp, and that each refusal is logged with its reason.
func TestRefusedCalls(t *testing.T) {
	srv := startParley(t, roomConfig)
	tests := []struct {
		name, room, fmts, status, reason string
	}{
		{"unknown room", "9999", "0", "404", "unknown room"},
		{"no common codec", "1000", "3 4", "488", "no common codec"}, // GSM and G.723: not in Parley's list
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runSippWith(t, "refused.xml", map[string]string{"STATUS": tt.status}, tt.room, srv.sipUDP, "-key", "fmts", tt.fmts)
			if err != nil {
				t.Fatalf("sipp did not get %s: %v\n%s", tt.status, err, out)
			}
			found := false
			for _, rec := range srv.logged("call refused") {
				if strings.Contains(rec["reason"].(string), tt.reason) && rec["room"] == tt.room {
					found = true
				}
			}
			if !found {
				srv.dumpLogs(t)
				t.Errorf("no log line refusing the call with %q", tt.reason)
			}
		})
	}
}

// TestOptions checks that Parley answers an OPTIONS ping with 200 and Allow.
func TestOptions(t *testing.T) {
	srv := startParley(t, roomConfig)
	for _, target := range []struct{ name, addr, transport string }{
		{"udp", srv.sipUDP, "u1"},
		{"tcp", srv.sipTCP, "t1"},
	} {
		t.Run(target.name, func(t *testing.T) {
			if out, err := runSipp(t, "options.xml", "1000", target.addr, "-t", target.transport); err != nil {
				t.Fatalf("OPTIONS over %s failed: %v\n%s", target.name, err, out)
			}
		})
	}
}

// TestRTPTimeoutHangsUp checks that a call which sends no RTP is hung up
// by Parley with a BYE after media.rtp_timeout.
func TestRTPTimeoutHangsUp(t *testing.T) {
	srv := startParley(t, roomConfig+"media:\n  rtp_timeout: 2s\n")
	start := time.Now()
	if out, err := runSipp(t, "wait_bye.xml", "1000", srv.sipUDP); err != nil {
		t.Fatalf("no BYE from parley: %v\n%s", err, out)
	}
	if d := time.Since(start); d < 2*time.Second || d > 8*time.Second {
		t.Errorf("BYE came after %v, want about 2 s", d)
	}
	found := false
	for _, rec := range srv.logged("hanging up") {
		if rec["reason"] == "rtp timeout" {
			found = true
		}
	}
	if !found {
		t.Error("no log line saying the call was hung up for rtp timeout")
	}
}

// TestShutdownHangsUpCalls checks that SIGINT sends BYE to calls in progress
// before Parley exits.
func TestShutdownHangsUpCalls(t *testing.T) {
	srv := startParley(t, roomConfig)
	result := make(chan error, 1)
	var out string
	go func() {
		var err error
		out, err = runSipp(t, "wait_bye.xml", "1000", srv.sipUDP)
		result <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.logged("call answered")) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("call not answered")
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop(t)
	if err := <-result; err != nil {
		t.Fatalf("no BYE on shutdown: %v\n%s", err, out)
	}
}

// TestHealthz checks that a running parley says it is ready over HTTP.
func TestHealthz(t *testing.T) {
	srv := startParley(t, roomConfig)
	res, err := http.Get("http://" + srv.http + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Errorf("GET /healthz: %d %q, want 200 ok", res.StatusCode, body)
	}
}
