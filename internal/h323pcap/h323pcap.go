// Package h323pcap reads the H.323 messages out of a capture file (pcap or
// pcapng; Ethernet, Linux cooked or raw IP; IPv4 or IPv6), independently of
// Parley's own h323/q931 package, so tests can use real captures as decoder
// vectors:
//
//	pdus, err := h323pcap.Read("testdata/captures/ndpi-h323.pcap")
//	for _, p := range pdus {
//		// p.Kind says which ASN.1 type p.Bytes encode; p.Frame is the
//		// frame number tshark shows for it.
//	}
//
// TCP is reassembled per direction (retransmissions, keep-alive probes and
// out-of-order segments are handled) and cut into TPKT records (RFC 1006).
// A TCP connection with port 1720 (or another port given to Read) carries
// Q.931; the H323-UserInformation is the user-user information element's
// content after its protocol discriminator. Any other TCP connection whose
// bytes are TPKT records carries H.245. UDP port 1719 carries RAS. Tunnelled H.245 and fastStart
// are inside the H.225.0 messages, for the caller's decoder to find.
package h323pcap

import (
	"fmt"
	"net/netip"
	"os"
	"slices"
	"sort"
)

// Kind names the ASN.1 type a PDU's bytes encode.
type Kind int

const (
	// H225 is an H323-UserInformation (module H323-MESSAGES) from a Q.931
	// message's user-user information element.
	H225 Kind = iota + 1
	// H245 is a MultimediaSystemControlMessage (MULTIMEDIA-SYSTEM-CONTROL),
	// one TPKT record on a separate H.245 connection.
	H245
	// RAS is a RasMessage (H323-MESSAGES), one UDP datagram.
	RAS
)

// String names the kind as a test log should.
func (k Kind) String() string {
	switch k {
	case H225:
		return "H.225.0"
	case H245:
		return "H.245"
	case RAS:
		return "RAS"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// PDU is one H.323 message found in a capture.
type PDU struct {
	Kind Kind
	// Frame is the number (from 1, as tshark counts) of the frame that
	// brought the message's last byte.
	Frame int
	// Q931 is the Q.931 message type for an H225 PDU (0x05 Setup, 0x02
	// CallProceeding, 0x01 Alerting, 0x07 Connect, 0x5a ReleaseComplete,
	// 0x62 Facility...), else 0.
	Q931 byte
	// Bytes is the PER encoding, as sent.
	Bytes []byte
	// Src and Dst are the sender's and the receiver's address.
	Src, Dst netip.AddrPort
}

// Read reads the capture file at path; see Parse.
func Read(path string, q931Ports ...uint16) ([]PDU, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("h323pcap: %w", err)
	}
	return Parse(b, q931Ports...)
}

// Parse returns the H.323 messages of a capture file's bytes, in the order
// of the frames that completed them. The TCP connections to or from
// q931Ports (1720 when none are given) carry Q.931. A Q.931 message that
// does not parse, or a Q.931 stream that is not TPKT, is an error; a
// trailing incomplete TPKT record is ignored (the capture stopped).
func Parse(file []byte, q931Ports ...uint16) ([]PDU, error) {
	if len(q931Ports) == 0 {
		q931Ports = []uint16{1720}
	}
	pkts, err := readFile(file)
	if err != nil {
		return nil, err
	}
	var (
		pdus    []PDU
		streams = map[flow]*stream{}
		order   []*stream
	)
	for _, p := range pkts {
		s, ok, err := transport(p)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if !s.tcp {
			if s.src.Port() == 1719 || s.dst.Port() == 1719 {
				pdus = append(pdus, PDU{Kind: RAS, Frame: s.frame, Bytes: s.payload, Src: s.src, Dst: s.dst})
			}
			continue
		}
		f := flow{s.src, s.dst}
		st := streams[f]
		if st == nil {
			st = &stream{flow: f}
			streams[f] = st
			order = append(order, st)
		}
		st.add(s)
	}
	for _, st := range order {
		q931 := slices.Contains(q931Ports, st.src.Port()) || slices.Contains(q931Ports, st.dst.Port())
		ps, err := streamPDUs(st, q931)
		if err != nil {
			return nil, err
		}
		pdus = append(pdus, ps...)
	}
	sort.SliceStable(pdus, func(i, j int) bool { return pdus[i].Frame < pdus[j].Frame })
	return pdus, nil
}

// streamPDUs cuts a reassembled stream into TPKT records and those into
// PDUs (Q.931 messages' user-user contents if q931, else H.245 messages).
func streamPDUs(st *stream, q931 bool) ([]PDU, error) {
	if len(st.data) == 0 || (!q931 && (st.data[0] != 3 || len(st.data) < 2 || st.data[1] != 0)) {
		return nil, nil // no data, or not TPKT on a port other than 1720
	}
	var pdus []PDU
	for off := 0; len(st.data)-off >= 4; {
		d := st.data[off:]
		n := int(d[2])<<8 | int(d[3])
		if d[0] != 3 || n < 4 {
			return nil, fmt.Errorf("h323pcap: frame %d: %v→%v: not a TPKT header: % x", st.frames[off], st.src, st.dst, d[:4])
		}
		if n > len(d) {
			break // the capture stopped inside the record
		}
		frame, body := st.frames[off+n-1], d[4:n]
		off += n
		if !q931 {
			pdus = append(pdus, PDU{Kind: H245, Frame: frame, Bytes: body, Src: st.src, Dst: st.dst})
			continue
		}
		typ, uu, err := userUser(body)
		if err != nil {
			return nil, fmt.Errorf("h323pcap: frame %d: %w", frame, err)
		}
		if uu != nil {
			pdus = append(pdus, PDU{Kind: H225, Frame: frame, Q931: typ, Bytes: uu, Src: st.src, Dst: st.dst})
		}
	}
	return pdus, nil
}

// userUser returns a Q.931 message's type and the content of its user-user
// information element after the protocol discriminator (nil without one).
// H.225.0 gives the user-user element a two-octet length.
func userUser(b []byte) (typ byte, uu []byte, err error) {
	if len(b) < 3 || b[0] != 0x08 {
		return 0, nil, fmt.Errorf("not a Q.931 message: % x", b[:min(len(b), 3)])
	}
	crl := int(b[1] & 0x0f)
	if len(b) < 3+crl {
		return 0, nil, fmt.Errorf("Q.931 call reference truncated")
	}
	typ = b[2+crl]
	for i := 3 + crl; i < len(b); {
		id := b[i]
		i++
		if id&0x80 != 0 { // single-octet element
			continue
		}
		n := 0
		switch {
		case id == 0x7e && len(b)-i >= 2:
			n, i = int(b[i])<<8|int(b[i+1]), i+2
		case id != 0x7e && len(b)-i >= 1:
			n, i = int(b[i]), i+1
		default:
			return 0, nil, fmt.Errorf("Q.931 element 0x%02x: length truncated", id)
		}
		if n > len(b)-i {
			return 0, nil, fmt.Errorf("Q.931 element 0x%02x: %d bytes, %d left", id, n, len(b)-i)
		}
		if id == 0x7e {
			if n == 0 {
				return 0, nil, fmt.Errorf("Q.931 user-user element empty")
			}
			uu = b[i+1 : i+n]
		}
		i += n
	}
	return typ, uu, nil
}
