package h245

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/h323/per"
)

// h245Port is the TCP port the test captures carry H.245 on.
const h245Port = 11745

// writePcap writes pdus as one TCP stream to port h245Port, each PDU
// TPKT-framed (RFC 1006) in its own segment, as a raw-IPv4 pcap file.
func writePcap(t *testing.T, path string, pdus [][]byte) {
	t.Helper()
	var f bytes.Buffer
	hdr := []any{uint32(0xa1b2c3d4), uint16(2), uint16(4), int32(0), uint32(0), uint32(65535), uint32(101)} // LINKTYPE_RAW
	for _, v := range hdr {
		binary.Write(&f, binary.LittleEndian, v)
	}
	seq := uint32(1000)
	for i, p := range pdus {
		payload := binary.BigEndian.AppendUint16([]byte{3, 0}, uint16(len(p)+4))
		payload = append(payload, p...)
		tcp := make([]byte, 20)
		binary.BigEndian.PutUint16(tcp[0:], 40000)
		binary.BigEndian.PutUint16(tcp[2:], h245Port)
		binary.BigEndian.PutUint32(tcp[4:], seq)
		binary.BigEndian.PutUint32(tcp[8:], 1)
		tcp[12] = 5 << 4
		tcp[13] = 0x18 // PSH, ACK
		binary.BigEndian.PutUint16(tcp[14:], 65535)
		seq += uint32(len(payload))
		ip := make([]byte, 20)
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)+len(payload)))
		ip[8], ip[9] = 64, 6
		copy(ip[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[j:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		pkt := append(append(ip, tcp...), payload...)
		for _, v := range []uint32{uint32(1796605000 + i), 0, uint32(len(pkt)), uint32(len(pkt))} {
			binary.Write(&f, binary.LittleEndian, v)
		}
		f.Write(pkt)
	}
	if err := os.WriteFile(path, f.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tshark runs tshark on a capture of pdus with H.245 decoded on h245Port
// and returns one line per packet of the tab-separated fields.
func tshark(t *testing.T, pdus [][]byte, fields ...string) []string {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed (apt-get install tshark; scripts/deps.sh)")
	}
	path := filepath.Join(t.TempDir(), "h245.pcap")
	writePcap(t, path, pdus)
	args := []string{"-r", path, "-o", "tcp.desegment_tcp_streams:TRUE", "-d", "tcp.port==11745,h245", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user preferences
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != len(pdus) {
		t.Fatalf("tshark printed %d lines for %d packets:\n%s", len(lines), len(pdus), out)
	}
	return lines
}

// TestWiresharkDecodesCaptures checks the harness itself: the captured
// H323Plus PDUs decode cleanly through writePcap and tshark.
func TestWiresharkDecodesCaptures(t *testing.T) {
	var pdus [][]byte
	for _, v := range vectors(t, "h323plus-separate") {
		pdus = append(pdus, v.pdu)
	}
	for i, l := range tshark(t, pdus, "h245.pdu_type", "_ws.malformed", "_ws.expert.message") {
		fs := strings.Split(l, "\t")
		if fs[0] == "" || fs[1] != "" || fs[2] != "" {
			t.Errorf("capture %d: %q", i, l)
		}
	}
}

// TestWiresharkDecodesOurs writes every message a Session builds into a
// capture and checks that Wireshark's H.245 dissector decodes each without
// a malformed or expert mark, with the fields we meant.
func TestWiresharkDecodesOurs(t *testing.T) {
	s := newSession(t, "192.0.2.1", 4000, func(c *Config) { c.TerminalType = 190; c.Random = fixed(12345) })
	start, err := s.Start(t0)
	if err != nil {
		t.Fatal(err)
	}
	offer, err := newSession(t, "192.0.2.1", 4000, nil).OfferFastStart()
	if err != nil {
		t.Fatal(err)
	}
	ours, err := EncodeOLC(OpenLogicalChannel{Number: 7, Forward: &Params{Audio: Audio{Codec: PCMU, Frames: 20}, H2250: true, SessionID: 1, MediaControlChannel: s.cfg.RTCP}})
	if err != nil {
		t.Fatal(err)
	}
	// Fast-start elements are bare OpenLogicalChannels: wrap them as
	// requests for the dissector.
	var olcs []Message
	for _, b := range append(offer, ours) {
		m, err := DecodeOLC(b)
		if err != nil {
			t.Fatal(err)
		}
		olcs = append(olcs, m)
	}
	typ, _ := messageType()
	loop := wrap("request", "maintenanceLoopRequest", per.Seq{"type": per.Choice{Name: "systemLoop", Value: per.Null{}}})
	type check struct {
		msg  any // a Message, or the bytes of one
		want map[string]string
	}
	checks := []check{
		{start[0], map[string]string{"h245.request": "2", "h245.sequenceNumber": "1", "h245.g711Alaw64k": "20", "h245.g711Ulaw64k": "20", "h245.capabilityTableEntryNumber": "1,2,3,4,5", "h245.protocolIdentifier": "0.0.8.245.0.13"}},
		{start[1], map[string]string{"h245.request": "1", "h245.terminalType": "190", "h245.statusDeterminationNumber": "12345"}},
		{MasterSlaveDeterminationAck{Master: true}, map[string]string{"h245.response": "1", "h245.decision": "0"}},
		{MasterSlaveDeterminationAck{}, map[string]string{"h245.decision": "1"}},
		{MasterSlaveDeterminationReject{}, map[string]string{"h245.response": "2"}},
		{MasterSlaveDeterminationRelease{}, map[string]string{"h245.indication": "2"}},
		{TerminalCapabilitySetAck{Sequence: 3}, map[string]string{"h245.response": "3", "h245.sequenceNumber": "3"}},
		{TerminalCapabilitySetReject{Sequence: 3, Cause: "undefinedTableEntryUsed"}, map[string]string{"h245.response": "4", "h245.cause": "1"}},
		{TerminalCapabilitySetRelease{}, map[string]string{"h245.indication": "3"}},
		{SendTerminalCapabilitySet{}, map[string]string{"h245.command": "2"}},
		{olcs[0], map[string]string{"h245.forwardLogicalChannelNumber": "1", "h245.audioData": "1", "h245.g711Alaw64k": "20", "h245.sessionID": "1", "h245.ip4_network": "192.0.2.1", "h245.tsapIdentifier": "4001"}},
		{olcs[1], map[string]string{"h245.forwardLogicalChannelNumber": "2", "h245.dataType": "1,3", "h245.g711Alaw64k": "20", "h245.tsapIdentifier": "4000,4001"}},
		{olcs[2], map[string]string{"h245.forwardLogicalChannelNumber": "3", "h245.audioData": "3", "h245.g711Ulaw64k": "20"}},
		{olcs[3], map[string]string{"h245.forwardLogicalChannelNumber": "4", "h245.g711Ulaw64k": "20", "h245.tsapIdentifier": "4000,4001"}},
		{olcs[4], map[string]string{"h245.forwardLogicalChannelNumber": "7", "h245.g711Ulaw64k": "20"}},
		{OpenLogicalChannelAck{Number: 7, SessionID: 1, MediaChannel: s.cfg.RTP, MediaControlChannel: s.cfg.RTCP}, map[string]string{"h245.response": "5", "h245.forwardLogicalChannelNumber": "7", "h245.tsapIdentifier": "4000,4001", "h245.flowControlToZero": "0"}},
		{OpenLogicalChannelReject{Number: 7, Cause: "dataTypeNotSupported"}, map[string]string{"h245.response": "6", "h245.cause": "2"}},
		{CloseLogicalChannel{Number: 7}, map[string]string{"h245.request": "4", "h245.source": "0"}},
		{CloseLogicalChannel{Number: 7, LCSE: true}, map[string]string{"h245.source": "1"}},
		{CloseLogicalChannelAck{Number: 7}, map[string]string{"h245.response": "7", "h245.forwardLogicalChannelNumber": "7"}},
		{RequestChannelClose{Number: 7}, map[string]string{"h245.request": "5"}},
		{RequestChannelCloseAck{Number: 7}, map[string]string{"h245.response": "8"}},
		{RequestChannelCloseReject{Number: 7}, map[string]string{"h245.response": "9"}},
		{EndSessionCommand{}, map[string]string{"h245.command": "5", "h245.endSessionCommand": "1"}},
		{RoundTripDelayRequest{Sequence: 200}, map[string]string{"h245.request": "9", "h245.sequenceNumber": "200"}},
		{RoundTripDelayResponse{Sequence: 200}, map[string]string{"h245.response": "16", "h245.sequenceNumber": "200"}},
		{UserInput{Alphanumeric: "5"}, map[string]string{"h245.indication": "13", "h245.alphanumeric": "5"}},
		{UserInput{Signal: '#', Duration: 250 * time.Millisecond}, map[string]string{"h245.signalType": "#", "h245.duration": "250"}},
		{FunctionNotUnderstood{Kind: "request.maintenanceLoopRequest", of: loop}, map[string]string{"h245.indication": "1", "h245.functionNotUnderstood": "0"}},
	}
	fieldSet := map[string]bool{}
	var pdus [][]byte
	for _, c := range checks {
		b, ok := c.msg.([]byte)
		if !ok {
			m := c.msg.(Message)
			if b, err = Encode(m); err != nil {
				t.Fatalf("%#v: %v", m, err)
			}
		}
		if _, err := typ.Decode(b); err != nil {
			t.Fatalf("%x: %v", b, err)
		}
		pdus = append(pdus, b)
		for f := range c.want {
			fieldSet[f] = true
		}
	}
	fields := []string{"_ws.malformed", "_ws.expert.message"}
	for f := range fieldSet {
		fields = append(fields, f)
	}
	for i, l := range tshark(t, pdus, fields...) {
		got := strings.Split(l, "\t")
		if got[0] != "" || got[1] != "" {
			t.Errorf("%d %#v: malformed %q expert %q", i, checks[i].msg, got[0], got[1])
		}
		for j, f := range fields[2:] {
			if w, ok := checks[i].want[f]; ok && got[j+2] != w {
				t.Errorf("%d %#v: %s = %q, want %q", i, checks[i].msg, f, got[j+2], w)
			}
		}
	}
}
