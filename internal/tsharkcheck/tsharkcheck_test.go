package tsharkcheck

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TPKT-framed messages from h323/per/testdata/captures/ndpi-h323.pcap.
const (
	releaseComplete = "0300002e080280015a7e00220525c0060008914a00045808110024ab157276fa18109a58001321f0699002800100"                                                                                                                                                                                                                       // frame 66
	malformedSetup  = "03000099080200010504039090a26c08c1353239353637327008c1393234363532367e00730520a8060008914a000401030085c89a5220ae01003d001102007a06b800003dfd3000004833800005040302010000cd0d800207001102007c06b81100004091fb7289f911802a050403020100010001000100010019017820140011696e666f406173656c73616e2e636f6d6f6d2810800100a1" // frame 65
	tcs             = "0300001c0230010600088175000500801bc520401d00800000001bc5"                                                                                                                                                                                                                                                           // frame 25
	msdAck          = "030000062080"                                                                                                                                                                                                                                                                                                       // frame 36
)

func TestH225(t *testing.T) {
	frames := H225(t, unhex(t, releaseComplete), unhex(t, malformedSetup), unhex(t, releaseComplete)[:40])
	if len(frames) != 3 {
		t.Fatalf("%d frames, want 3", len(frames))
	}
	rc := frames[0]
	if got := rc.Showname("h225.h323_message_body"); got != "h323-message-body: releaseComplete (5)" {
		t.Errorf("message body %q", got)
	}
	if got := rc.Value("h225.protocolIdentifier"); got != "0.0.8.2250.0.4" {
		t.Errorf("protocolIdentifier %q", got)
	}
	if got := fmt.Sprint(rc.Protocols); got != "[eth ip tcp tpkt q931 h225]" {
		t.Errorf("protocols %s", got)
	}
	if len(rc.Problems) != 0 {
		t.Errorf("problems in a good message: %v", rc.Problems)
	}
	if p := frames[1].Problems; len(p) == 0 || !strings.Contains(fmt.Sprint(p), "Malformed") {
		t.Errorf("malformed Setup: problems %v", p)
	}
	if p := frames[2].Problems; len(p) == 0 || p[len(p)-1].Protocol != "tsharkcheck" {
		t.Errorf("truncated record: problems %v", p)
	}
	if got := len(Problems(frames, "_ws.malformed", "h225", "tsharkcheck")); got != 0 {
		t.Errorf("Problems ignoring every layer left %d", got)
	}
}

func TestH245(t *testing.T) {
	frames := H245(t, unhex(t, tcs), unhex(t, msdAck))
	if p := Problems(frames); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	if got := frames[0].Showname("h245.request"); got != "request: terminalCapabilitySet (2)" {
		t.Errorf("request %q", got)
	}
	if got := frames[0].Values("h245.receiveAudioCapability"); fmt.Sprint(got) != "[1]" {
		t.Errorf("receiveAudioCapability %q", got)
	}
	if got := frames[1].Showname("h245.response"); got != "response: masterSlaveDeterminationAck (1)" {
		t.Errorf("response %q", got)
	}
}

// TestDecodeFile: of the real capture's frames, tshark complains (leaving
// TCP's retransmission notes aside) about the two malformed ones only.
func TestDecodeFile(t *testing.T) {
	frames := DecodeFile(t, "../../h323/per/testdata/captures/ndpi-h323.pcap")
	if len(frames) != 75 {
		t.Fatalf("%d frames, want 75", len(frames))
	}
	bad := map[int]bool{}
	for _, p := range Problems(frames, "tcp") {
		bad[p.Frame] = true
	}
	if fmt.Sprint(bad) != "map[59:true 65:true]" {
		t.Errorf("frames with problems: %v (%v)", bad, Problems(frames, "tcp"))
	}
}

// TestLive captures a TCP connection on the loopback interface that carries
// a good and a malformed H.225.0 message, and decodes the capture.
func TestLive(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	received := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			received <- nil
			return
		}
		defer c.Close()
		b, _ := io.ReadAll(c)
		received <- b
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	live := StartLive(t, fmt.Sprintf("tcp port %d", port))
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sent := append(unhex(t, releaseComplete), unhex(t, malformedSetup)...)
	if _, err := c.Write(sent); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := <-received; !bytes.Equal(got, sent) {
		t.Fatalf("the listener received %d bytes, want %d", len(got), len(sent))
	}
	frames := DecodeFile(t, live.Stop(t)) // tshark finds Q.931 in TPKT on any port
	var bodies []string
	for _, f := range frames {
		bodies = append(bodies, f.Shownames("h225.h323_message_body")...)
	}
	if !slices.Contains(bodies, "h323-message-body: releaseComplete (5)") {
		t.Errorf("no releaseComplete in the capture: %q", bodies)
	}
	if p := Problems(frames, "tcp"); !strings.Contains(fmt.Sprint(p), "Malformed") {
		t.Errorf("the malformed Setup went unnoticed: %v", p)
	}
}
