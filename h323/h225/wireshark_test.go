package h225

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/h323/q931"
)

// pcapWriter writes TCP segments between a caller and port 1720 into a
// pcap file (Ethernet, IPv4, TCP), so that tshark dissects the payloads
// as H.225.0 call signalling.
type pcapWriter struct {
	buf      bytes.Buffer
	seq      [2]uint32 // next sequence number of each direction
	segments int
}

func newPcapWriter() *pcapWriter {
	w := &pcapWriter{seq: [2]uint32{1000, 5000}}
	// Global header: magic, version 2.4, zone, sigfigs, snaplen, Ethernet.
	binary.Write(&w.buf, binary.LittleEndian, []uint32{0xa1b2c3d4})
	binary.Write(&w.buf, binary.LittleEndian, []uint16{2, 4})
	binary.Write(&w.buf, binary.LittleEndian, []uint32{0, 0, 65535, 1})
	return w
}

// segment writes payload from the caller (toCallee) or to it.
func (w *pcapWriter) segment(toCallee bool, payload []byte) {
	dir, ports, ips := 0, [2]uint16{40000, 1720}, [2][4]byte{{192, 0, 2, 10}, {192, 0, 2, 20}}
	if !toCallee {
		dir, ports[0], ports[1], ips[0], ips[1] = 1, ports[1], ports[0], ips[1], ips[0]
	}
	var pkt bytes.Buffer
	pkt.Write([]byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00}) // Ethernet, IPv4
	ip := make([]byte, 20)
	ip[0], ip[8], ip[9] = 0x45, 64, 6
	binary.BigEndian.PutUint16(ip[2:], uint16(20+20+len(payload)))
	copy(ip[12:], ips[0][:])
	copy(ip[16:], ips[1][:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	pkt.Write(ip)
	tcp := make([]byte, 20)
	binary.BigEndian.PutUint16(tcp[0:], ports[0])
	binary.BigEndian.PutUint16(tcp[2:], ports[1])
	binary.BigEndian.PutUint32(tcp[4:], w.seq[dir])
	binary.BigEndian.PutUint32(tcp[8:], w.seq[1-dir])
	tcp[12], tcp[13] = 5<<4, 0x18 // 20 octets, PSH ACK
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	pkt.Write(tcp)
	pkt.Write(payload)
	w.seq[dir] += uint32(len(payload))
	w.segments++
	binary.Write(&w.buf, binary.LittleEndian, []uint32{uint32(w.segments), 0, uint32(pkt.Len()), uint32(pkt.Len())})
	w.buf.Write(pkt.Bytes())
}

// tshark runs tshark on the pcap with args and returns its output lines.
func tshark(t *testing.T, pcap string, args ...string) []string {
	t.Helper()
	out, err := exec.Command("tshark", append([]string{"-r", pcap}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, out)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" && !strings.HasPrefix(l, "Running as user") {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestWiresharkDecodes writes what Pack makes for every body into a pcap
// of a call on TCP port 1720 and checks that Wireshark's H.225.0 and
// Q.931 dissectors read each field back, with no malformed packet nor
// any expert warning.
func TestWiresharkDecodes(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed; run `make test`, which installs it (package tshark)")
	}
	msgs := messages(t)
	order := []string{"setup", "callProceeding", "alerting", "connect", "progress", "information",
		"facility", "facilityForwarded", "empty", "status", "statusInquiry", "notify", "releaseComplete"}
	w := newPcapWriter()
	for i, name := range order {
		b, err := Pack(q931.Message{CallRef: 0x1234, CallRefFlag: i > 0}, msgs[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var tpkt bytes.Buffer
		if err := q931.WriteTPKT(&tpkt, b); err != nil {
			t.Fatal(err)
		}
		w.segment(i == 0, tpkt.Bytes())
	}
	pcap := filepath.Join(t.TempDir(), "h225.pcap")
	if err := os.WriteFile(pcap, w.buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if bad := tshark(t, pcap, "-Y", "_ws.malformed || _ws.expert.severity >= warning || !h225"); len(bad) > 0 {
		t.Errorf("tshark finds malformed or undissected packets:\n%s\n%s", strings.Join(bad, "\n"),
			strings.Join(tshark(t, pcap, "-V", "-Y", "_ws.malformed || _ws.expert.severity >= warning"), "\n"))
	}
	fields := []string{"q931.message_type", "h225.h323_message_body", "h225.protocolIdentifier", "h225.guid",
		"h225.conferenceID", "h225.h245Tunnelling", "h225.FastStart_item", "h245.forwardLogicalChannelNumber",
		"h245.tsapIdentifier", "h225.H245Control_item", "h245.statusDeterminationNumber", "h225.reason",
		"q931.cause_value", "q931.calling_party_number.digits", "q931.called_party_number.digits",
		"q931.display_information", "h225.h323_ID", "h225.dialledDigits", "h225.url_ID", "h225.productId",
		"h225.mc", "h225.ipV4", "h225.ipV4_port", "h225.ipV6", "h225.ipV6_port", "h225.h245Ip", "h225.h245IpPort"}
	args := []string{"-T", "fields", "-E", "separator=|"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	got := tshark(t, pcap, args...)
	const (
		v7   = "0.0.8.2250.0.7"
		call = "10010203-0405-0607-0809-0a0b0c0d0e0f"
		conf = "20010203-0405-0607-0809-0a0b0c0d0e0f"
	)
	// One row per frame, the fields above in order; FastStart_item and
	// H245Control_item show the length of each item.
	want := []string{
		"0x05|0|" + v7 + "|" + call + "|" + conf + "|1|18,18|1,1|5001,5003|6|12345|||100#|2001|Parley Caf?|Parley Café|100#,2001|h323:room@example.org|Parley|0|192.0.2.9,192.0.2.9|1720,1720|2001:db8::1|40000||",
		"0x02|1|" + v7 + "|" + call + "||1||||||||||||||Parley|1||||||",
		"0x01|3|" + v7 + "|" + call + "||1|18|1|5001|||||||||||Parley|1||||||",
		"0x07|2|" + v7 + "|" + call + "|" + conf + "|1|18|1|5003|||||||||||Parley|1|||||192.0.2.1|30000",
		"0x03|7|" + v7 + "|" + call + "||0|||||||||||||||0||||||",
		"0x7b|4|" + v7 + "|" + call + "||0|||||||||||||||||||||",
		"0x62|6|" + v7 + "|" + call + "|" + conf + "|0||||||5||||||||||||||192.0.2.1|30001", // startH245
		"0x62|6|" + v7 + "|" + call + "||0||||||9|||||||||||||||",                           // forwardedElements
		"0x62|8||||1||||6|12345||||||||||||||||",                                            // empty
		"0x7d|9|" + v7 + "|" + call + "||0|||||||||||||||||||||",
		"0x75|10|" + v7 + "|" + call + "||0|||||||||||||||||||||",
		"0x6e|12|" + v7 + "|" + call + "||0|||||||||||||||||||||",
		"0x5a|5|" + v7 + "|" + call + "||0||||||10|17||||||||||||||", // inConf, user busy
	}
	for i, line := range got {
		if i < len(want) && line != want[i] {
			t.Errorf("frame %d (%s):\n got %s\nwant %s", i+1, order[i], line, want[i])
		}
	}
	if len(got) != len(order) {
		t.Errorf("tshark shows %d frames, want %d:\n%s", len(got), len(order), strings.Join(got, "\n"))
	}
}
