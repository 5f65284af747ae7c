package h245

import (
	"bufio"
	"encoding/hex"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

// vector is one captured H.245 PDU of testdata/h245-vectors.txt.
type vector struct {
	name, from string
	pdu        []byte
}

// vectors returns the captured PDUs of the named capture ("" for all), in
// capture order.
func vectors(t testing.TB, name string) []vector {
	t.Helper()
	f, err := os.Open("testdata/h245-vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("bad vector line %q", line)
		}
		b, err := hex.DecodeString(fs[2])
		if err != nil {
			t.Fatalf("vector %q: %v", line, err)
		}
		if name == "" || fs[0] == name {
			out = append(out, vector{fs[0], fs[1], b})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no vectors named %q", name)
	}
	return out
}

// from returns the PDUs of vs sent by from.
func from(vs []vector, who string) [][]byte {
	var out [][]byte
	for _, v := range vs {
		if v.from == who {
			out = append(out, v.pdu)
		}
	}
	return out
}

var t0 = time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)

// fixed returns a Random that yields n.
func fixed(n uint32) func() uint32 { return func() uint32 { return n } }

// newSession returns a Session with media on host:port and port+1.
func newSession(t testing.TB, host string, port uint16, mod func(*Config)) *Session {
	t.Helper()
	ip := netip.MustParseAddr(host)
	cfg := Config{RTP: netip.AddrPortFrom(ip, port), RTCP: netip.AddrPortFrom(ip, port+1)}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decodeAll decodes PDUs a Session sent, failing the test on any error.
func decodeAll(t testing.TB, pdus [][]byte) []Message {
	t.Helper()
	var out []Message
	for _, b := range pdus {
		m, err := Decode(b)
		if err != nil {
			t.Fatalf("decode our own %x: %v", b, err)
		}
		out = append(out, m)
	}
	return out
}

// mustEncode encodes m, failing the test on error.
func mustEncode(t testing.TB, m Message) []byte {
	t.Helper()
	b, err := Encode(m)
	if err != nil {
		t.Fatalf("encode %#v: %v", m, err)
	}
	return b
}

// handle feeds m to s, failing the test on error, and returns the decoded
// answers and events.
func handle(t testing.TB, s *Session, now time.Time, m Message) ([]Message, []Event) {
	t.Helper()
	out, ev, err := s.Handle(now, mustEncode(t, m))
	if err != nil {
		t.Fatalf("handle %#v: %v", m, err)
	}
	return decodeAll(t, out), ev
}

// pump delivers the PDUs each of a and b sends to the other until neither
// has more, and returns the events of each.
func pump(t testing.TB, a, b *Session, toB, toA [][]byte) (evA, evB []Event) {
	t.Helper()
	for i := 0; len(toA)+len(toB) > 0; i++ {
		if i > 100 {
			t.Fatal("sessions never settle")
		}
		var nextA, nextB [][]byte
		for _, p := range toB {
			out, ev, err := b.Handle(t0, p)
			if err != nil {
				t.Fatalf("b: %v", err)
			}
			nextA, evB = append(nextA, out...), append(evB, ev...)
		}
		for _, p := range toA {
			out, ev, err := a.Handle(t0, p)
			if err != nil {
				t.Fatalf("a: %v", err)
			}
			nextB, evA = append(nextB, out...), append(evA, ev...)
		}
		toA, toB = nextA, nextB
	}
	return evA, evB
}
