package trace

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// ParseSource reads a source address for a Filter: an IP address (a
// single host) or a CIDR prefix, IPv4 or IPv6.
func ParseSource(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%w: source %q: %w", ErrFilter, s, err)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%w: source %q: want an IP address or a CIDR prefix", ErrFilter, s)
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// CallID returns the value of the Call-ID header (or its compact form
// "i") of the SIP message msg, trimmed, or "" when it has none (RFC 3261
// §7.3.1, §20.8). It reads only the header section.
func CallID(msg []byte) string {
	first := true
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			if first {
				continue // CRLFs before the message
			}
			return "" // the end of the headers
		}
		if first {
			first = false
			continue // the start line
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		name := bytes.TrimRight(line[:colon], " \t")
		if bytes.EqualFold(name, []byte("Call-ID")) || bytes.EqualFold(name, []byte("i")) {
			return string(bytes.TrimSpace(line[colon+1:]))
		}
	}
	return ""
}

// Format writes m as the trace's text: a header line with the time (UTC,
// microseconds), direction, transport, source and destination, Call-ID
// and size, the whole message, and an empty line.
func Format(b *bytes.Buffer, t time.Time, m *Message, callID string) {
	fmt.Fprintf(b, "%s %s %s %s -> %s call-id=%q %d bytes\n", t.UTC().Format("2006-01-02T15:04:05.000000Z"),
		m.Dir, m.Transport, m.src(), m.dst(), callID, len(m.Data))
	b.Write(m.Data)
	if !bytes.HasSuffix(m.Data, []byte("\n")) {
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}
