// Package hep encodes and decodes HEP version 3 (the Homer Encapsulation
// Protocol, also called EEP), the format in which a capture agent sends a
// copy of each SIP message to a collector such as Homer or sngrep
// (https://github.com/sipcapture/HEP, "HEP3 Network Protocol
// Specification"). It is a leaf: standard library only.
package hep

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Chunk types of the generic vendor (0x0000) that Parley writes and
// reads (HEP3 specification, "Chunk types").
const (
	chunkFamily      = 0x0001 // IP protocol family: uint8
	chunkProto       = 0x0002 // IP protocol ID: uint8
	chunkSrcIPv4     = 0x0003 // IPv4 source address: 4 octets
	chunkDstIPv4     = 0x0004 // IPv4 destination address: 4 octets
	chunkSrcIPv6     = 0x0005 // IPv6 source address: 16 octets
	chunkDstIPv6     = 0x0006 // IPv6 destination address: 16 octets
	chunkSrcPort     = 0x0007 // source port: uint16
	chunkDstPort     = 0x0008 // destination port: uint16
	chunkTimeSec     = 0x0009 // timestamp in seconds since the epoch: uint32
	chunkTimeUsec    = 0x000a // microseconds offset of the timestamp: uint32
	chunkProtoType   = 0x000b // protocol type of the payload (1 = SIP): uint8
	chunkAgentID     = 0x000c // capture agent ID: uint32
	chunkAuthKey     = 0x000e // authentication key: octets
	chunkPayload     = 0x000f // captured payload: octets
	chunkCorrelation = 0x0011 // internal correlation ID: octets
)

// IP protocol family values of chunk 0x0001 and protocol IDs of 0x0002.
const (
	familyIPv4 = 2
	familyIPv6 = 10

	// ProtoUDP and ProtoTCP are the IP protocol IDs a Packet's Proto takes
	// (IANA protocol numbers); TLS is sent as TCP.
	ProtoUDP = 17
	ProtoTCP = 6
)

// TypeSIP is the protocol type (chunk 0x000b) of a SIP payload.
const TypeSIP = 1

// headerLen is the "HEP3" magic and the total length; chunkHeaderLen is a
// chunk's vendor ID, type ID and length.
const (
	headerLen      = 6
	chunkHeaderLen = 6
)

// MaxLen is the largest packet: its length field is 16 bits.
const MaxLen = 0xffff

// Packet is one captured message with its addresses. Src and Dst are of
// the same family.
type Packet struct {
	Proto    uint8          // IP protocol: ProtoUDP or ProtoTCP
	Src, Dst netip.AddrPort // the message's source and destination
	Time     time.Time      // when it was captured (microsecond precision on the wire)
	Type     uint8          // payload protocol type: TypeSIP
	AgentID  uint32         // capture agent ID
	AuthKey  string         // the collector's password; empty writes no chunk
	CorrID   string         // correlation ID (Parley sends the Call-ID); empty writes no chunk
	Payload  []byte         // the message as sent or received
}

// Errors Decode returns; wrapped with detail.
var (
	ErrShort   = errors.New("hep: packet too short")
	ErrMagic   = errors.New("hep: not HEP3")
	ErrLength  = errors.New("hep: bad length")
	ErrMissing = errors.New("hep: chunk missing")
)

// Append appends p encoded as HEP3 to b. It fails when the addresses are
// not of one family or the packet would exceed MaxLen.
func Append(b []byte, p Packet) ([]byte, error) {
	src, dst := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return b, fmt.Errorf("hep: addresses %v and %v are not of one family", p.Src, p.Dst)
	}
	start := len(b)
	b = append(b, 'H', 'E', 'P', '3', 0, 0)
	if src.Is4() {
		b = appendUint8(b, chunkFamily, familyIPv4)
	} else {
		b = appendUint8(b, chunkFamily, familyIPv6)
	}
	b = appendUint8(b, chunkProto, p.Proto)
	srcType, dstType := uint16(chunkSrcIPv4), uint16(chunkDstIPv4)
	if !src.Is4() {
		srcType, dstType = chunkSrcIPv6, chunkDstIPv6
	}
	b = appendBytes(b, srcType, src.AsSlice())
	b = appendBytes(b, dstType, dst.AsSlice())
	b = appendUint16(b, chunkSrcPort, p.Src.Port())
	b = appendUint16(b, chunkDstPort, p.Dst.Port())
	b = appendUint32(b, chunkTimeSec, uint32(p.Time.Unix()))
	b = appendUint32(b, chunkTimeUsec, uint32(p.Time.Nanosecond()/1000))
	b = appendUint8(b, chunkProtoType, p.Type)
	b = appendUint32(b, chunkAgentID, p.AgentID)
	if p.AuthKey != "" {
		b = appendBytes(b, chunkAuthKey, []byte(p.AuthKey))
	}
	if p.CorrID != "" {
		b = appendBytes(b, chunkCorrelation, []byte(p.CorrID))
	}
	b = appendBytes(b, chunkPayload, p.Payload)
	n := len(b) - start
	if n > MaxLen {
		return b[:start], fmt.Errorf("hep: %d bytes, over %d: %w", n, MaxLen, ErrLength)
	}
	binary.BigEndian.PutUint16(b[start+4:], uint16(n))
	return b, nil
}

func appendChunkHeader(b []byte, typ uint16, n int) []byte {
	b = binary.BigEndian.AppendUint16(b, 0) // generic vendor
	b = binary.BigEndian.AppendUint16(b, typ)
	return binary.BigEndian.AppendUint16(b, uint16(chunkHeaderLen+n))
}

func appendUint8(b []byte, typ uint16, v uint8) []byte {
	return append(appendChunkHeader(b, typ, 1), v)
}

func appendUint16(b []byte, typ uint16, v uint16) []byte {
	return binary.BigEndian.AppendUint16(appendChunkHeader(b, typ, 2), v)
}

func appendUint32(b []byte, typ uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(appendChunkHeader(b, typ, 4), v)
}

// appendBytes appends a chunk of octets. A chunk too long for its length
// field makes the packet longer than MaxLen, which Append refuses.
func appendBytes(b []byte, typ uint16, v []byte) []byte {
	return append(appendChunkHeader(b, typ, len(v)), v...)
}
