package h323pcap

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/tsharkcheck"
)

const captures = "../../h323/per/testdata/captures"

// TestReadCaptures checks the messages found in the real captures against
// tshark's view of them: the frames `tshark -r FILE` lists as H.225.0 and
// H.245 (two H.245 messages in frame 32), and the size tshark gives the
// H323-UserInformation (`-T pdml`, h225.H323_UserInformation_element).
func TestReadCaptures(t *testing.T) {
	tests := []struct {
		file string
		want string // frame kind q931-type length, one PDU per line
	}{
		{"ndpi-h323.pcap", `
6 H.225.0 0x5 132
10 H.225.0 0x2 51
14 H.225.0 0x1 51
18 H.225.0 0x7 75
25 H.245 0x0 24
27 H.245 0x0 7
29 H.245 0x0 45
30 H.245 0x0 7
32 H.245 0x0 3
32 H.245 0x0 2
34 H.245 0x0 3
36 H.245 0x0 2
38 H.245 0x0 20
39 H.245 0x0 19
41 H.245 0x0 26
42 H.245 0x0 27
47 H.225.0 0x5 102
50 H.225.0 0x1 30
59 RAS 0x0 38
60 RAS 0x0 83
61 RAS 0x0 132
62 RAS 0x0 125
63 RAS 0x0 369
64 RAS 0x0 33
65 H.225.0 0x5 114
66 H.225.0 0x5a 33
67 RAS 0x0 25
68 RAS 0x0 25
69 RAS 0x0 134
70 RAS 0x0 134
71 RAS 0x0 337
72 RAS 0x0 254
73 RAS 0x0 337
74 RAS 0x0 254
75 RAS 0x0 337`},
		{"ndpi-h323-overflow.pcap", `
1 H.245 0x0 0`},
		{"intel-setup-v1.pcap", `
1 H.225.0 0x5 218`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			pdus, err := Read(filepath.Join(captures, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, p := range pdus {
				fmt.Fprintf(&got, "\n%d %v %#x %d", p.Frame, p.Kind, p.Q931, len(p.Bytes))
			}
			if got.String() != tt.want {
				t.Errorf("got:%s\nwant:%s", got.String(), tt.want)
			}
		})
	}
}

// frame builds an Ethernet/IPv4/TCP frame from 10.0.0.1:sport to
// 10.0.0.2:dport.
func frame(sport, dport uint16, seq uint32, flags byte, payload []byte) []byte {
	from := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), sport)
	to := netip.AddrPortFrom(netip.MustParseAddr("10.0.0.2"), dport)
	return tsharkcheck.TCPFrame(from, to, seq, 0, flags, payload)
}

// TestReassembly checks TCP reassembly on made-up streams: out of order,
// retransmitted, a keep-alive probe, two records in a segment, a record
// split over three segments, and an incomplete last record.
func TestReassembly(t *testing.T) {
	tpkt := func(body ...byte) []byte { return append([]byte{3, 0, 0, byte(4 + len(body))}, body...) }
	a := tpkt(1, 2, 3)
	b := tpkt(4, 5)
	c := tpkt(6, 7, 8, 9)
	const syn = 0x02
	stream := append(append(append([]byte{}, a...), b...), c...) // 7 + 6 + 8 bytes from seq 101
	file := tsharkcheck.Pcap(
		frame(5000, 3000, 100, syn, nil),
		frame(5000, 3000, 101+13, 0, stream[13:17]),     // c's start, ahead of a gap
		frame(5000, 3000, 101, 0, stream[:10]),          // a, and b's start
		frame(5000, 3000, 101, 0, stream[:10]),          // retransmitted
		frame(5000, 3000, 110, 0, []byte{0xff}),         // keep-alive: a byte already had
		frame(5000, 3000, 111, 0, stream[10:13]),        // b's end
		frame(5000, 3000, 101+17, 0, stream[17:]),       // c's end
		frame(5000, 3000, 101+21, 0, tpkt(1, 2, 3)[:5]), // never completed
	)
	pdus, err := Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pdus {
		got = append(got, fmt.Sprintf("%d %v % x", p.Frame, p.Kind, p.Bytes))
	}
	want := []string{"3 H.245 01 02 03", "6 H.245 04 05", "7 H.245 06 07 08 09"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if p := pdus[0]; p.Src.String() != "10.0.0.1:5000" || p.Dst.String() != "10.0.0.2:3000" {
		t.Errorf("addresses %v → %v", p.Src, p.Dst)
	}
}

func TestParseRefuses(t *testing.T) {
	q931 := func(body ...byte) []byte { return append([]byte{3, 0, 0, byte(4 + len(body))}, body...) }
	tests := map[string][]byte{
		"not a capture":          []byte("hello, world"),
		"truncated pcap record":  tsharkcheck.Pcap(frame(5000, 1720, 1, 0, nil))[:40],
		"not TPKT on 1720":       tsharkcheck.Pcap(frame(5000, 1720, 1, 0, []byte{9, 9, 9, 9, 9})),
		"not Q.931":              tsharkcheck.Pcap(frame(5000, 1720, 1, 0, q931(9, 0, 5))),
		"user-user beyond end":   tsharkcheck.Pcap(frame(5000, 1720, 1, 0, q931(8, 1, 1, 5, 0x7e, 0, 9, 5))),
		"empty user-user":        tsharkcheck.Pcap(frame(5000, 1720, 1, 0, q931(8, 1, 1, 5, 0x7e, 0, 0))),
		"element length missing": tsharkcheck.Pcap(frame(5000, 1720, 1, 0, q931(8, 1, 1, 5, 0x6c))),
	}
	for name, file := range tests {
		t.Run(name, func(t *testing.T) {
			if pdus, err := Parse(file); err == nil {
				t.Fatalf("got %v, want an error", pdus)
			}
		})
	}
}

// FuzzParse: any bytes give PDUs or an error, never a panic.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"ndpi-h323-overflow.pcap", "intel-setup-v1.pcap"} {
		b, err := os.ReadFile(filepath.Join(captures, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pdus, err := Parse(b)
		if err != nil && pdus != nil {
			t.Fatal("PDUs with an error")
		}
	})
}

// TestFramesAgreeWithTshark: the frames that complete a message are the
// frames tshark decodes as H.225.0 (call signalling or RAS) or H.245, in
// every capture but the overflow one (a TPKT to port 80 tshark leaves be).
func TestFramesAgreeWithTshark(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(captures, "*.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.Contains(f, "overflow") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			pdus, err := Read(f, 1720, 21720)
			if err != nil {
				t.Fatal(err)
			}
			ours := map[int]bool{}
			for _, p := range pdus {
				ours[p.Frame] = true
			}
			theirs := map[int]bool{}
			for _, fr := range tsharkcheck.DecodeFile(t, f) {
				if fr.Has("h225") || fr.Has("h245") {
					theirs[fr.Number] = true
				}
			}
			if len(ours) == 0 || fmt.Sprint(ours) != fmt.Sprint(theirs) {
				t.Errorf("frames with messages: ours %v, tshark's %v", ours, theirs)
			}
		})
	}
}
