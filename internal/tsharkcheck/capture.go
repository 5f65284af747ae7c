package tsharkcheck

import (
	"bytes"
	"encoding/binary"
	"net/netip"
)

// Capture returns a classic pcap file of one TCP connection from a client
// to port on which the client sent each of msgs in a segment of its own
// (after the three-way handshake, with sequence and acknowledgement
// numbers right), as a real capture would show bytes sent that way. msgs
// are what goes on the wire: TPKT-framed Q.931 for port 1720, TPKT-framed
// H.245 on an H.245 connection. Frame 4 carries msgs[0].
func Capture(port uint16, msgs ...[]byte) []byte {
	const (
		syn = 0x02
		ack = 0x10
		psh = 0x08
	)
	client := netip.MustParseAddrPort("192.0.2.1:40000")
	server := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.2"), port)
	cseq, sseq := uint32(1000), uint32(5000)
	frames := [][]byte{
		TCPFrame(client, server, cseq, 0, syn, nil),
		TCPFrame(server, client, sseq, cseq+1, syn|ack, nil),
		TCPFrame(client, server, cseq+1, sseq+1, ack, nil),
	}
	cseq++
	for _, m := range msgs {
		frames = append(frames, TCPFrame(client, server, cseq, sseq+1, psh|ack, m))
		cseq += uint32(len(m))
	}
	return Pcap(frames...)
}

// TCPFrame returns an Ethernet frame holding an IPv4 TCP segment from src
// to dst (IPv4 addresses) with the given TCP header flags (0x02 SYN, 0x10
// ACK...), checksums right.
func TCPFrame(from, to netip.AddrPort, seq, ackNo uint32, flags byte, payload []byte) []byte {
	src, dst := from.Addr().As4(), to.Addr().As4()
	b := make([]byte, 14+20+20, 54+len(payload))
	copy(b[0:6], []byte{0x02, 0, 0, 0, 0, dst[3]})
	copy(b[6:12], []byte{0x02, 0, 0, 0, 0, src[3]})
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(40+len(payload)))
	ip[6] = 0x40 // don't fragment
	ip[8] = 64
	ip[9] = 6
	copy(ip[12:], src[:])
	copy(ip[16:], dst[:])
	binary.BigEndian.PutUint16(ip[10:], checksum(ip, 0))
	tcp := b[34:54]
	binary.BigEndian.PutUint16(tcp, from.Port())
	binary.BigEndian.PutUint16(tcp[2:], to.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], ackNo)
	tcp[12] = 5 << 4
	tcp[13] = flags
	binary.BigEndian.PutUint16(tcp[14:], 65535)
	b = append(b, payload...)
	pseudo := uint32(src[0])<<8 | uint32(src[1]) + uint32(src[2])<<8 | uint32(src[3]) +
		uint32(dst[0])<<8 | uint32(dst[1]) + uint32(dst[2])<<8 | uint32(dst[3]) +
		6 + uint32(20+len(payload))
	binary.BigEndian.PutUint16(b[34+16:], checksum(b[34:], pseudo))
	return b
}

// checksum is the Internet checksum of b, starting from sum.
func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// Pcap wraps Ethernet frames in a classic little-endian pcap file, one
// millisecond apart.
func Pcap(frames ...[]byte) []byte {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	b.Write(hdr)
	for i, f := range frames {
		rec := make([]byte, 16)
		binary.LittleEndian.PutUint32(rec[4:], uint32(i*1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(f)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(f)))
		b.Write(rec)
		b.Write(f)
	}
	return b.Bytes()
}
