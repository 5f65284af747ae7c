package h323pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// packet is one captured frame: its number (from 1, as tshark counts) and
// its link-layer bytes.
type packet struct {
	frame    int
	linkType uint32
	data     []byte
}

// Link-layer types this reader understands.
const (
	linkEthernet = 1
	linkRaw      = 101
	linkSLL      = 113
)

// readFile splits a classic pcap or a pcapng file into packets.
func readFile(b []byte) ([]packet, error) {
	if len(b) < 4 {
		return nil, errors.New("h323pcap: file too short")
	}
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		return readPcap(b, binary.LittleEndian)
	case 0xd4c3b2a1, 0x4d3cb2a1:
		return readPcap(b, binary.BigEndian)
	case 0x0a0d0d0a:
		return readPcapng(b)
	}
	return nil, errors.New("h323pcap: neither pcap nor pcapng")
}

func readPcap(b []byte, order binary.ByteOrder) ([]packet, error) {
	if len(b) < 24 {
		return nil, errors.New("h323pcap: pcap header truncated")
	}
	link := order.Uint32(b[20:]) & 0x0fffffff
	var pkts []packet
	for off := 24; off < len(b); {
		if len(b)-off < 16 {
			return nil, fmt.Errorf("h323pcap: frame %d: record header truncated", len(pkts)+1)
		}
		n := int(order.Uint32(b[off+8:]))
		off += 16
		if n > len(b)-off {
			return nil, fmt.Errorf("h323pcap: frame %d: %d bytes captured, %d left", len(pkts)+1, n, len(b)-off)
		}
		pkts = append(pkts, packet{frame: len(pkts) + 1, linkType: link, data: b[off : off+n]})
		off += n
	}
	return pkts, nil
}

// readPcapng reads the blocks of a pcapng file: section headers (for the
// byte order), interface descriptions (for the link type), and enhanced and
// simple packet blocks; it skips every other block.
func readPcapng(b []byte) ([]packet, error) {
	var (
		order binary.ByteOrder = binary.LittleEndian
		links []uint32
		pkts  []packet
	)
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return nil, errors.New("h323pcap: pcapng block header truncated")
		}
		typ := binary.LittleEndian.Uint32(b[off:])
		if typ == 0x0a0d0d0a { // section header: its byte-order magic decides
			switch binary.LittleEndian.Uint32(b[off+8:]) {
			case 0x1a2b3c4d:
				order = binary.LittleEndian
			case 0x4d3c2b1a:
				order = binary.BigEndian
			default:
				return nil, errors.New("h323pcap: pcapng byte-order magic")
			}
			links = nil
		}
		typ = order.Uint32(b[off:])
		size := int(order.Uint32(b[off+4:]))
		if size < 12 || size%4 != 0 || size > len(b)-off {
			return nil, fmt.Errorf("h323pcap: pcapng block of %d bytes at %d", size, off)
		}
		body := b[off+8 : off+size-4]
		switch typ {
		case 1: // interface description
			if len(body) < 2 {
				return nil, errors.New("h323pcap: pcapng interface block truncated")
			}
			links = append(links, uint32(order.Uint16(body)))
		case 6: // enhanced packet
			if len(body) < 20 {
				return nil, errors.New("h323pcap: pcapng packet block truncated")
			}
			iface, n := int(order.Uint32(body)), int(order.Uint32(body[12:]))
			if iface >= len(links) || n > len(body)-20 {
				return nil, fmt.Errorf("h323pcap: frame %d: bad pcapng packet block", len(pkts)+1)
			}
			pkts = append(pkts, packet{frame: len(pkts) + 1, linkType: links[iface], data: body[20 : 20+n]})
		case 3: // simple packet: interface 0, the whole rest captured
			if len(links) == 0 || len(body) < 4 {
				return nil, fmt.Errorf("h323pcap: frame %d: bad pcapng simple packet block", len(pkts)+1)
			}
			n := min(int(order.Uint32(body)), len(body)-4)
			pkts = append(pkts, packet{frame: len(pkts) + 1, linkType: links[0], data: body[4 : 4+n]})
		}
		off += size
	}
	return pkts, nil
}
