package h323pcap

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sort"
)

// segment is the transport payload of one frame.
type segment struct {
	frame    int
	tcp      bool
	src, dst netip.AddrPort
	seq      uint32 // TCP only
	syn      bool   // TCP only
	payload  []byte
}

// transport strips the link, IP and TCP/UDP headers of p. ok is false for
// a frame that is neither TCP nor UDP over IPv4 or IPv6 (ARP, ICMP...).
func transport(p packet) (s segment, ok bool, err error) {
	ip, ok := network(p)
	if !ok {
		return segment{}, false, nil
	}
	bad := func(what string) (segment, bool, error) {
		return segment{}, false, fmt.Errorf("h323pcap: frame %d: %s", p.frame, what)
	}
	var (
		proto    byte
		src, dst netip.Addr
		body     []byte
	)
	switch ip[0] >> 4 {
	case 4:
		hl := int(ip[0]&0x0f) * 4
		if len(ip) < 20 || hl < 20 || len(ip) < hl {
			return bad("IPv4 header truncated")
		}
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if total < hl || total > len(ip) {
			total = len(ip) // captured short, or the length is nonsense: keep what is there
		}
		if binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
			return segment{}, false, nil // an IP fragment: not needed by these captures
		}
		proto = ip[9]
		src, dst = netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		body = ip[hl:total]
	case 6:
		if len(ip) < 40 {
			return bad("IPv6 header truncated")
		}
		proto = ip[6]
		src, dst = netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
		body = ip[40:min(len(ip), 40+int(binary.BigEndian.Uint16(ip[4:])))]
	default:
		return segment{}, false, nil
	}
	switch proto {
	case 6:
		if len(body) < 20 || int(body[12]>>4)*4 < 20 || int(body[12]>>4)*4 > len(body) {
			return bad("TCP header truncated")
		}
		return segment{
			frame:   p.frame,
			tcp:     true,
			src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(body)),
			dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(body[2:])),
			seq:     binary.BigEndian.Uint32(body[4:]),
			syn:     body[13]&0x02 != 0,
			payload: body[int(body[12]>>4)*4:],
		}, true, nil
	case 17:
		if len(body) < 8 {
			return bad("UDP header truncated")
		}
		return segment{
			frame:   p.frame,
			src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(body)),
			dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(body[2:])),
			payload: body[8:],
		}, true, nil
	}
	return segment{}, false, nil
}

// network returns the IP packet inside p's link-layer frame.
func network(p packet) ([]byte, bool) {
	b := p.data
	switch p.linkType {
	case linkEthernet:
		if len(b) < 14 {
			return nil, false
		}
		etype, b := binary.BigEndian.Uint16(b[12:]), b[14:]
		for etype == 0x8100 || etype == 0x88a8 { // VLAN tags
			if len(b) < 4 {
				return nil, false
			}
			etype, b = binary.BigEndian.Uint16(b[2:]), b[4:]
		}
		if etype != 0x0800 && etype != 0x86dd {
			return nil, false
		}
		return b, len(b) > 0
	case linkSLL:
		if len(b) < 16 {
			return nil, false
		}
		return b[16:], len(b) > 16
	case linkRaw:
		return b, len(b) > 0
	}
	return nil, false
}

// flow is one direction of a TCP connection.
type flow struct{ src, dst netip.AddrPort }

// stream is the reassembled bytes of one direction of a TCP connection,
// with the frame that brought each byte.
type stream struct {
	flow
	data   []byte
	frames []int // frames[i] brought data[i]
	next   uint32
	begun  bool
	held   []segment // arrived ahead of a gap
}

// add puts s in sequence; a retransmission or a keep-alive probe (bytes
// already had) is dropped, a segment beyond a gap waits for the gap to fill.
func (st *stream) add(s segment) {
	if s.syn {
		st.next, st.begun = s.seq+1, true
		return
	}
	if len(s.payload) == 0 {
		return
	}
	if !st.begun {
		st.next, st.begun = s.seq, true
	}
	st.held = append(st.held, s)
	sort.SliceStable(st.held, func(i, j int) bool { return int32(st.held[i].seq-st.held[j].seq) < 0 })
	for len(st.held) > 0 {
		h := st.held[0]
		ahead := int32(h.seq - st.next)
		if ahead > 0 {
			return // a gap
		}
		st.held = st.held[1:]
		if skip := int(-ahead); skip < len(h.payload) {
			for range h.payload[skip:] {
				st.frames = append(st.frames, h.frame)
			}
			st.data = append(st.data, h.payload[skip:]...)
			st.next += uint32(len(h.payload) - skip)
		}
	}
}
