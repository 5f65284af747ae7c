package hep

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

// vector4 is a HEP3 packet written out by hand from the specification's
// chunk table (https://github.com/sipcapture/HEP, HEP3 Network Protocol
// Specification): every chunk is vendor 0x0000, type, length including
// its 6-byte header, value; integers are big-endian.
var vector4 = []byte{
	'H', 'E', 'P', '3', 0x00, 0x7a, // magic, total length 122
	0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x02, // IP family: 2 (IPv4)
	0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x11, // IP protocol: 17 (UDP)
	0x00, 0x00, 0x00, 0x03, 0x00, 0x0a, 192, 0, 2, 10, // IPv4 source
	0x00, 0x00, 0x00, 0x04, 0x00, 0x0a, 198, 51, 100, 1, // IPv4 destination
	0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x13, 0xc4, // source port 5060
	0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x13, 0xd8, // destination port 5080
	0x00, 0x00, 0x00, 0x09, 0x00, 0x0a, 0x65, 0x53, 0xf1, 0x00, // seconds 1700000000
	0x00, 0x00, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x01, 0xe2, 0x40, // microseconds 123456
	0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x01, // protocol type: 1 (SIP)
	0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x00, 0x07, 0xd1, // capture agent 2001
	0x00, 0x00, 0x00, 0x0e, 0x00, 0x08, 'p', 'w', // auth key "pw"
	0x00, 0x00, 0x00, 0x11, 0x00, 0x09, 'a', 'b', 'c', // correlation ID "abc"
	0x00, 0x00, 0x00, 0x0f, 0x00, 0x0c, 'O', 'P', 'T', 'I', 'O', 'N', // payload
}

var packet4 = Packet{
	Proto:   ProtoUDP,
	Src:     netip.MustParseAddrPort("192.0.2.10:5060"),
	Dst:     netip.MustParseAddrPort("198.51.100.1:5080"),
	Time:    time.Unix(1700000000, 123456000).UTC(),
	Type:    TypeSIP,
	AgentID: 2001,
	AuthKey: "pw",
	CorrID:  "abc",
	Payload: []byte("OPTION"),
}

// vector6 has IPv6 addresses over TCP and no auth key or correlation ID.
var vector6 = []byte{
	'H', 'E', 'P', '3', 0x00, 0x7d, // total length 125
	0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x0a, // IP family: 10 (IPv6)
	0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 0x06, // IP protocol: 6 (TCP)
	0x00, 0x00, 0x00, 0x05, 0x00, 0x16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, // 2001:db8::1
	0x00, 0x00, 0x00, 0x06, 0x00, 0x16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, // 2001:db8::2
	0x00, 0x00, 0x00, 0x07, 0x00, 0x08, 0x13, 0xc4, // 5060
	0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0xc3, 0x50, // 50000
	0x00, 0x00, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x01, // 1 s
	0x00, 0x00, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x02, // 2 µs
	0x00, 0x00, 0x00, 0x0b, 0x00, 0x07, 0x01, // SIP
	0x00, 0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, // agent 0
	0x00, 0x00, 0x00, 0x0f, 0x00, 0x08, 'B', 'Y', // payload
}

var packet6 = Packet{
	Proto:   ProtoTCP,
	Src:     netip.MustParseAddrPort("[2001:db8::1]:5060"),
	Dst:     netip.MustParseAddrPort("[2001:db8::2]:50000"),
	Time:    time.Unix(1, 2000).UTC(),
	Type:    TypeSIP,
	Payload: []byte("BY"),
}

func TestVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Packet
		wire []byte
	}{
		{"ipv4 udp with auth and correlation", packet4, vector4},
		{"ipv6 tcp", packet6, vector6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Append(nil, tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.wire) {
				t.Errorf("encoded\n% x\nwant\n% x", got, tc.wire)
			}
			back, err := Decode(tc.wire)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.p) {
				t.Errorf("decoded %+v\nwant %+v", back, tc.p)
			}
		})
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	got, err := Append([]byte("xy"), packet4)
	if err != nil || string(got[:2]) != "xy" || !bytes.Equal(got[2:], vector4) {
		t.Fatalf("Append after a prefix = % x, %v", got, err)
	}
}

func TestAppendRefuses(t *testing.T) {
	mixed := packet4
	mixed.Dst = netip.MustParseAddrPort("[2001:db8::2]:5060")
	big := packet4
	big.Payload = make([]byte, MaxLen)
	for _, tc := range []struct {
		name string
		p    Packet
	}{
		{"mixed families", mixed},
		{"no addresses", Packet{Payload: []byte("x")}},
		{"too long", big},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Append([]byte("ab"), tc.p)
			if err == nil {
				t.Fatal("no error")
			}
			if string(got) != "ab" {
				t.Errorf("left %q, want the input as it was", got)
			}
		})
	}
}

// TestMappedIPv4 sends an IPv4-mapped IPv6 address (a dual-stack socket's
// view of an IPv4 peer) as IPv4.
func TestMappedIPv4(t *testing.T) {
	p := packet4
	p.Src = netip.MustParseAddrPort("[::ffff:192.0.2.10]:5060")
	got, err := Append(nil, p)
	if err != nil || !bytes.Equal(got, vector4) {
		t.Fatalf("mapped source encoded as % x, %v", got, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	patch := func(at int, b ...byte) []byte {
		v := append([]byte(nil), vector4...)
		copy(v[at:], b)
		return v
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"hep2 magic", patch(0, 'H', 'E', 'P', '2'), ErrMagic},
		{"total over data", patch(4, 0x00, 0x7b), ErrLength},
		{"total under header", patch(4, 0x00, 0x05), ErrLength},
		{"chunk header cut", append(patch(5, 0x7a+3), 0, 0, 0), ErrShort},
		{"chunk length under its header", patch(6+4, 0x00, 0x05), ErrLength},
		{"chunk past the end", patch(6+4, 0x00, 0xff), ErrLength},
		{"family of 2 bytes", fixChunk(vector4, 6, 8), ErrLength},
		{"no family", patch(6+2, 0x00, 0x7f), ErrMissing},
		{"no destination port", patch(6+7+7+10+10+8+2, 0x00, 0x7f), ErrMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Decode(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("Decode = %v, want %v", err, tc.want)
			}
		})
	}
}

// fixChunk rewrites the length of the chunk at off to n and makes the
// following bytes follow on (the packet is then misparsed).
func fixChunk(v []byte, off int, n uint16) []byte {
	out := append([]byte(nil), v...)
	out[off+4], out[off+5] = byte(n>>8), byte(n)
	return out
}

func TestDecodeSkipsOtherVendors(t *testing.T) {
	v := append([]byte(nil), vector4...)
	v = append(v, 0x00, 0x21, 0x00, 0x0f, 0x00, 0x08, 'z', 'z') // vendor 0x21, type 0x0f
	v[5] += 8
	got, err := Decode(v)
	if err != nil || string(got.Payload) != "OPTION" {
		t.Fatalf("Decode = %+v, %v", got, err)
	}
}

func BenchmarkAppend(b *testing.B) {
	p := packet4
	p.Payload = bytes.Repeat([]byte("x"), 800)
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Append(buf[:0], p); err != nil {
			b.Fatal(err)
		}
	}
}
