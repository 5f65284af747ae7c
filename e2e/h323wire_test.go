package e2e

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/tsharkcheck"
)

// TestH323Wireshark captures, on loopback, a call Parley places (Fast
// Connect, H.245 tunnelled) and one it takes (slow start, H.245
// tunnelled), and has Wireshark's dissector check every H.225.0 message
// Parley sent: none malformed or with an expert complaint, Setup with
// fastStart and its G.711 OpenLogicalChannels, h245Tunnelling on, and
// Parley's tunnelled H.245 (TCS, MSD, OLC and their acks) decoding too.
func TestH323Wireshark(t *testing.T) {
	srv := startParley(t, h323Config)
	_, port, _ := strings.Cut(srv.h323, ":")
	room := startH323Listener(t, h323PeerOptions{tone: 1000})
	probe := newProbe(t)
	capture := startCapture(t, fmt.Sprintf("tcp port %d or tcp port %s or tcp port %d", room.port, port, probe.port()))
	probe.untilCaptured(t, capture.path)

	id := srv.dial(t, "1000", fmt.Sprintf("#h323:@127.0.0.1:%d", room.port), nil)
	if d := srv.waitDial(t, "1000", id, 15*time.Second); d.Status != "answered" {
		t.Fatalf("call out %+v", d)
	}
	caller := startH323Caller(t, h323PeerOptions{alias: "caller", slowStart: true, tone: 440}, "1000@"+srv.h323, 3, false)
	if err := caller.wait(t, 30*time.Second); err != nil {
		srv.dumpLogs(t)
		t.Fatalf("the slow-start call in did not connect: %v\n%s", err, caller.logText())
	}
	srv.stop(t) // releases the call out: Parley's ReleaseComplete is captured too
	room.waitLog(t, "Call end reason", 10*time.Second)
	capture.stop(t) // its RTP count is not what this test checks

	frames := tsharkcheck.DecodeFile(t, capture.path)
	if p := tsharkcheck.Problems(frames, "tcp"); len(p) > 0 {
		t.Errorf("tshark finds problems: %v", p)
	}
	// Parley's messages: to the room system's port (the call out), from
	// its own H.323 port (the call in).
	var sent []tsharkcheck.Frame
	for _, f := range frames {
		if f.Has("h225") && (f.Value("tcp.dstport") == fmt.Sprint(room.port) || f.Value("tcp.srcport") == port) {
			sent = append(sent, f)
		}
	}
	var bodies []string
	setups, olcs, tunnelled, h245, tunnelledOLCs := 0, 0, 0, 0, 0
	for _, f := range sent {
		for _, b := range f.Values("h225.h323_message_body") {
			bodies = append(bodies, b)
		}
		if f.Value("h225.h245Tunnelling") == "1" || f.Value("h225.h245Tunnelling") == "True" {
			tunnelled++
		}
		if f.Has("h245") {
			h245++
			if f.Has("h245.openLogicalChannel_element") && !strings.Contains(f.Showname("h225.h323_message_body"), "setup") &&
				(f.Has("h245.g711Alaw64k") || f.Has("h245.g711Ulaw64k")) {
				tunnelledOLCs++
			}
		}
		if strings.Contains(f.Showname("h225.h323_message_body"), "setup") {
			setups++
			if !f.Has("h225.fastStart") {
				t.Errorf("frame %d: Parley's Setup has no fastStart", f.Number)
			}
			for _, name := range []string{"h245.g711Alaw64k", "h245.g711Ulaw64k"} {
				if !f.Has(name) {
					t.Errorf("frame %d: Parley's Setup proposes no %s", f.Number, name)
				}
			}
			olcs += len(f.Values("h225.FastStart_item"))
		}
	}
	t.Logf("Parley sent %d H.225.0 frames (bodies %v), %d tunnelling, %d with H.245, %d fastStart proposals", len(sent), bodies, tunnelled, h245, olcs)
	want := map[string]string{"0": "setup", "1": "callProceeding", "2": "connect", "5": "releaseComplete", "8": "empty"}
	for v, name := range want {
		if !slices.Contains(bodies, v) {
			t.Errorf("no %s (h323-message-body %s) among Parley's messages %v", name, v, bodies)
		}
	}
	if setups != 1 || olcs != 4 {
		t.Errorf("%d Setups with %d fastStart proposals, want one with 4 (G.711 A-law and µ-law, each way)", setups, olcs)
	}
	if tunnelledOLCs == 0 {
		t.Error("Parley's slow start sent no tunnelled OpenLogicalChannel of G.711")
	}
	if tunnelled == 0 || h245 == 0 {
		t.Errorf("%d messages with h245Tunnelling, %d carrying H.245: want tunnelled H.245", tunnelled, h245)
	}
}

// probe is a TCP listener whose connections show that a capture has
// begun: dumpcap says "Capturing on" a moment before its filter passes
// packets.
type probe struct{ ln net.Listener }

func newProbe(t *testing.T) *probe {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return &probe{ln: ln}
}

func (p *probe) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// untilCaptured connects to the probe every 100 ms until the capture file
// at path holds packets (more than its 24-octet header).
func (p *probe) untilCaptured(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if c, err := net.Dial("tcp", p.ln.Addr().String()); err == nil {
			c.Close()
		}
		if st, err := os.Stat(path); err == nil && st.Size() > 24 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the capture holds no packet after 15 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
