package hep

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// Decode parses one HEP3 packet: the "HEP3" magic, a total length no
// longer than data, and chunks each within it. Chunks of other vendors
// and unknown types are skipped; a known chunk of the wrong size, or a
// packet without family, addresses or ports, is an error. Payload, AuthKey
// and CorrID are copies.
func Decode(data []byte) (Packet, error) {
	var p Packet
	if len(data) < headerLen {
		return p, ErrShort
	}
	if string(data[:4]) != "HEP3" {
		return p, ErrMagic
	}
	total := int(binary.BigEndian.Uint16(data[4:]))
	if total < headerLen || total > len(data) {
		return p, fmt.Errorf("%w: total %d of %d bytes", ErrLength, total, len(data))
	}
	var (
		family        uint8
		src, dst      netip.Addr
		sport, dport  uint16
		havePorts     int
		sec, usec     uint32
		srcFam, dstFm uint8
	)
	rest := data[headerLen:total]
	for len(rest) > 0 {
		if len(rest) < chunkHeaderLen {
			return p, fmt.Errorf("%w: %d bytes left for a chunk header", ErrShort, len(rest))
		}
		vendor := binary.BigEndian.Uint16(rest)
		typ := binary.BigEndian.Uint16(rest[2:])
		n := int(binary.BigEndian.Uint16(rest[4:]))
		if n < chunkHeaderLen || n > len(rest) {
			return p, fmt.Errorf("%w: chunk 0x%04x of %d bytes, %d left", ErrLength, typ, n, len(rest))
		}
		v := rest[chunkHeaderLen:n]
		rest = rest[n:]
		if vendor != 0 {
			continue
		}
		if want := fixedSize(typ); want > 0 && len(v) != want {
			return p, fmt.Errorf("%w: chunk 0x%04x has %d value bytes, want %d", ErrLength, typ, len(v), want)
		}
		switch typ {
		case chunkFamily:
			family = v[0]
		case chunkProto:
			p.Proto = v[0]
		case chunkSrcIPv4, chunkSrcIPv6:
			src, _ = netip.AddrFromSlice(v)
			srcFam = familyOf(typ == chunkSrcIPv4)
		case chunkDstIPv4, chunkDstIPv6:
			dst, _ = netip.AddrFromSlice(v)
			dstFm = familyOf(typ == chunkDstIPv4)
		case chunkSrcPort:
			sport = binary.BigEndian.Uint16(v)
			havePorts |= 1
		case chunkDstPort:
			dport = binary.BigEndian.Uint16(v)
			havePorts |= 2
		case chunkTimeSec:
			sec = binary.BigEndian.Uint32(v)
		case chunkTimeUsec:
			usec = binary.BigEndian.Uint32(v)
		case chunkProtoType:
			p.Type = v[0]
		case chunkAgentID:
			p.AgentID = binary.BigEndian.Uint32(v)
		case chunkAuthKey:
			p.AuthKey = string(v)
		case chunkCorrelation:
			p.CorrID = string(v)
		case chunkPayload:
			p.Payload = append([]byte(nil), v...)
		}
	}
	switch {
	case family != familyIPv4 && family != familyIPv6:
		return p, fmt.Errorf("%w: IP family (0x0001) missing or unknown", ErrMissing)
	case !src.IsValid() || !dst.IsValid():
		return p, fmt.Errorf("%w: source or destination address", ErrMissing)
	case srcFam != family || dstFm != family:
		return p, fmt.Errorf("hep: addresses not of family %d", family)
	case havePorts != 3:
		return p, fmt.Errorf("%w: source or destination port", ErrMissing)
	case usec >= 1e6:
		return p, fmt.Errorf("hep: %d microseconds is not an offset within a second", usec)
	}
	p.Src, p.Dst = netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
	p.Time = time.Unix(int64(sec), int64(usec)*1000).UTC()
	return p, nil
}

func familyOf(is4 bool) uint8 {
	if is4 {
		return familyIPv4
	}
	return familyIPv6
}

// fixedSize is the value size of a chunk type of fixed size, 0 for octet
// strings and types Decode does not know.
func fixedSize(typ uint16) int {
	switch typ {
	case chunkFamily, chunkProto, chunkProtoType:
		return 1
	case chunkSrcPort, chunkDstPort:
		return 2
	case chunkSrcIPv4, chunkDstIPv4, chunkTimeSec, chunkTimeUsec, chunkAgentID:
		return 4
	case chunkSrcIPv6, chunkDstIPv6:
		return 16
	}
	return 0
}
