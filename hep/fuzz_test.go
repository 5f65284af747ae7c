package hep

import (
	"bytes"
	"net/netip"
	"testing"
)

// FuzzDecode feeds Decode arbitrary bytes: it must not panic, and what it
// accepts must encode again to a packet that decodes to the same fields.
func FuzzDecode(f *testing.F) {
	f.Add(vector4)
	f.Add(vector6)
	f.Add([]byte("HEP3\x00\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(data)
		if err != nil {
			return
		}
		wire, err := Append(nil, p)
		if err != nil {
			if p.Src.Addr().Is4In6() != p.Dst.Addr().Is4In6() {
				return // IPv6 chunks holding one IPv4-mapped address: not one family once unmapped
			}
			t.Fatalf("accepted packet does not encode: %v", err)
		}
		q, err := Decode(wire)
		if err != nil {
			t.Fatalf("re-encoded packet does not decode: %v", err)
		}
		// An IPv4-mapped IPv6 address is sent as IPv4.
		unmap := func(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }
		if q.Src != unmap(p.Src) || q.Dst != unmap(p.Dst) || q.Proto != p.Proto || q.AgentID != p.AgentID ||
			q.AuthKey != p.AuthKey || q.CorrID != p.CorrID || !bytes.Equal(q.Payload, p.Payload) ||
			!q.Time.Equal(p.Time) {
			t.Fatalf("round trip changed %+v into %+v", p, q)
		}
	})
}
