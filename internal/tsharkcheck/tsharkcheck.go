// Package tsharkcheck has Wireshark's tshark (Debian's tshark package, an
// H.225.0/H.245 decoder independent of Parley's) decode what Parley sends,
// for tests to assert on its fields and on the absence of malformed-packet
// and expert complaints.
//
// Bytes as sent (each message TPKT-framed, as written to the TCP
// connection):
//
//	frames := tsharkcheck.H225(t, setupTPKT, connectTPKT) // frames[i] is msgs[i]
//	if got := frames[0].Showname("h225.h323_message_body"); got != "h323-message-body: setup (0)" { … }
//	if p := tsharkcheck.Problems(frames); len(p) > 0 { t.Errorf("tshark: %v", p) }
//
//	frames = tsharkcheck.H245(t, tcsTPKT) // an H.245 connection of its own
//
// A capture of the loopback interface during an end-to-end test (see
// StartLive), or any capture file:
//
//	live := tsharkcheck.StartLive(t, "tcp port 1720 or tcp portrange 30000-30100")
//	... the call ...
//	frames := tsharkcheck.DecodeFile(t, live.Stop(t))
//	bad := tsharkcheck.Problems(frames, "tcp") // ignore TCP analysis notes
//
// tshark finds Q.931 in TPKT on any TCP port by itself, and a separate
// H.245 connection from the h245Address it saw in H.225.0; for an H.245
// connection it did not see negotiated, add "-d", "tcp.port==N,h245".
//
// Field names are Wireshark's (`tshark -G fields | grep h225`):
// Value gives the raw value as tshark shows it ("0" for a CHOICE's first
// alternative, "0.0.8.2250.0.7" for an OBJECT IDENTIFIER), Showname the
// line of the packet tree ("h323-message-body: setup (0)"). A test fails
// when tshark is missing; `make test` installs it (scripts/deps.sh).
package tsharkcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// H245Port is the TCP port H245 puts its made-up H.245 connection on
// (and tells tshark to decode as H.245).
const H245Port = 1731

// Frame is tshark's decoding of one frame.
type Frame struct {
	// Number counts frames from 1.
	Number int
	// Protocols are the frame's protocol layers, outermost first, as
	// tshark names them ("eth", "ip", "tcp", "tpkt", "q931", "h225").
	Protocols []string
	// Problems are tshark's malformed-packet and expert complaints of
	// severity warning or error.
	Problems []Problem
	fields   map[string][]field
}

type field struct{ show, showname string }

// Problem is one complaint of tshark's about a frame.
type Problem struct {
	Frame    int
	Protocol string // the layer that complained; "_ws.malformed" for an exception
	Severity string // "Warning" or "Error"
	Message  string
}

// String reads "frame 4: h225: Warning: something unknown here [...]".
func (p Problem) String() string {
	return fmt.Sprintf("frame %d: %s: %s: %s", p.Frame, p.Protocol, p.Severity, p.Message)
}

// Value is the first value of the named field in the frame, "" if absent.
func (f Frame) Value(name string) string {
	if v := f.fields[name]; len(v) > 0 {
		return v[0].show
	}
	return ""
}

// Values are all the values of the named field in the frame, in order.
func (f Frame) Values(name string) []string {
	var out []string
	for _, v := range f.fields[name] {
		out = append(out, v.show)
	}
	return out
}

// Showname is the first packet-tree line of the named field, "" if absent.
func (f Frame) Showname(name string) string {
	if v := f.fields[name]; len(v) > 0 {
		return v[0].showname
	}
	return ""
}

// Shownames are all the packet-tree lines of the named field, in order.
func (f Frame) Shownames(name string) []string {
	var out []string
	for _, v := range f.fields[name] {
		out = append(out, v.showname)
	}
	return out
}

// Has tells whether the frame has the named field or protocol.
func (f Frame) Has(name string) bool {
	if len(f.fields[name]) > 0 {
		return true
	}
	for _, p := range f.Protocols {
		if p == name {
			return true
		}
	}
	return false
}

// Problems gathers the problems of frames, leaving out those of the
// protocols named in ignore.
func Problems(frames []Frame, ignore ...string) []Problem {
	var out []Problem
	for _, f := range frames {
		for _, p := range f.Problems {
			if !contains(ignore, p.Protocol) {
				out = append(out, p)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// H225 has tshark decode msgs, each a TPKT-framed Q.931 message carrying
// H.225.0, sent in that order on a TCP connection to port 1720 (see
// Capture). It returns one frame per message: frames[i] carries msgs[i].
// A frame tshark did not decode as H.225.0 (a record shorter than its TPKT
// length shows only as a reassembly fragment, not as malformed) gets a
// Problem of its own (Protocol "tsharkcheck").
func H225(t testing.TB, msgs ...[]byte) []Frame {
	t.Helper()
	return expect(DecodeBytes(t, Capture(1720, msgs...))[3:], "h225")
}

// H245 is H225 for TPKT-framed H.245 messages on an H.245 connection of
// their own (port H245Port).
func H245(t testing.TB, msgs ...[]byte) []Frame {
	t.Helper()
	frames := DecodeBytes(t, Capture(H245Port, msgs...), "-d", fmt.Sprintf("tcp.port==%d,h245", H245Port))
	return expect(frames[3:], "h245")
}

// expect adds a Problem to each frame without the protocol layer proto.
func expect(frames []Frame, proto string) []Frame {
	for i, f := range frames {
		if !f.Has(proto) {
			frames[i].Problems = append(f.Problems, Problem{Frame: f.Number, Protocol: "tsharkcheck", Severity: "Error",
				Message: fmt.Sprintf("no %s layer: tshark did not decode the message (incomplete TPKT record?)", proto)})
		}
	}
	return frames
}

// DecodeBytes has tshark decode a capture file's bytes; see DecodeFile.
func DecodeBytes(t testing.TB, pcap []byte, args ...string) []Frame {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capture.pcap")
	if err := os.WriteFile(path, pcap, 0o644); err != nil {
		t.Fatal(err)
	}
	return DecodeFile(t, path, args...)
}

// DecodeFile has tshark decode the capture file at path, passing it args
// too (e.g. "-d", "tcp.port==N,h245" for an H.245 connection tshark did
// not see negotiated). It fails the test when tshark does not run.
func DecodeFile(t testing.TB, path string, args ...string) []Frame {
	t.Helper()
	cmd := exec.Command("tshark", append([]string{"-n", "-r", path, "-T", "pdml"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	frames, err := parsePDML(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	return frames
}

// pdmlNode is a <proto> or <field> element of tshark's PDML output.
type pdmlNode struct {
	XMLName  xml.Name
	Name     string     `xml:"name,attr"`
	Show     string     `xml:"show,attr"`
	Showname string     `xml:"showname,attr"`
	Children []pdmlNode `xml:",any"`
}

// parsePDML reads tshark's PDML, one <packet> at a time.
func parsePDML(r io.Reader) ([]Frame, error) {
	dec := xml.NewDecoder(r)
	var frames []Frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return frames, nil
		}
		if err != nil {
			return nil, fmt.Errorf("PDML: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "packet" {
			continue
		}
		var pkt pdmlNode
		if err := dec.DecodeElement(&pkt, &start); err != nil {
			return nil, fmt.Errorf("PDML: %w", err)
		}
		f := Frame{fields: map[string][]field{}}
		for _, proto := range pkt.Children {
			f.walk(proto, proto.Name)
		}
		n, err := strconv.Atoi(f.Value("num"))
		if err != nil {
			return nil, fmt.Errorf("PDML: packet without a number: %w", err)
		}
		f.Number = n
		for i := range f.Problems {
			f.Problems[i].Frame = n
		}
		frames = append(frames, f)
	}
}

// walk records n and what it holds; proto is the innermost enclosing layer.
func (f *Frame) walk(n pdmlNode, proto string) {
	if n.XMLName.Local == "proto" {
		proto = n.Name
		if n.Name != "geninfo" && n.Name != "frame" && !strings.HasPrefix(n.Name, "_ws.") {
			f.Protocols = append(f.Protocols, n.Name)
		}
	}
	if n.Name == "_ws.expert" {
		f.expert(n, proto)
	}
	if n.Name != "" {
		f.fields[n.Name] = append(f.fields[n.Name], field{n.Show, n.Showname})
	}
	for _, c := range n.Children {
		f.walk(c, proto)
	}
}

// Expert severities (Wireshark's PI_WARN and PI_ERROR).
const (
	severityWarning = 0x600000
	severityError   = 0x800000
)

// expert records an expert-info element of severity warning or worse.
func (f *Frame) expert(n pdmlNode, proto string) {
	var msg string
	sev := 0
	for _, c := range n.Children {
		switch c.Name {
		case "_ws.expert.message":
			msg = c.Show
		case "_ws.expert.severity":
			sev, _ = strconv.Atoi(c.Show)
		}
	}
	switch {
	case sev >= severityError:
		f.Problems = append(f.Problems, Problem{Protocol: proto, Severity: "Error", Message: msg})
	case sev >= severityWarning:
		f.Problems = append(f.Problems, Problem{Protocol: proto, Severity: "Warning", Message: msg})
	}
}
