package dialplan

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// canonicalHost brings the host of a dial target to the one spelling that
// routing compares (docs/security/tollfraud.md): percent-escapes decoded,
// brackets and one trailing dot removed, letters in lower case, an
// IPv4-mapped IPv6 address (::ffff:192.0.2.1) as its IPv4 address, and the
// numeric IPv4 forms that inet_aton(3) and so many resolvers accept
// (2130706433, 0177.0.0.1, 0x7f.1, 127.1, leading zeros) as the dotted
// quad they mean. IPv6 addresses with a zone ("%eth0") are refused: a zone
// names an interface of this machine, not a destination. bracketed says
// the host was written in brackets (RFC 3261 §19.1.1 IPv6reference). It
// returns the canonical host, or a reason it is not one.
func canonicalHost(host string, bracketed bool) (string, string) {
	decoded, ok := percentDecode(host)
	if !ok {
		return "", fmt.Sprintf("%q has a bad percent-escape", host)
	}
	if bracketed {
		if strings.IndexByte(decoded, '%') >= 0 {
			return "", fmt.Sprintf("%q: IPv6 zone IDs are not accepted", host)
		}
		a, err := netip.ParseAddr(decoded)
		if err != nil || !a.Is6() {
			return "", fmt.Sprintf("%q is not an IPv6 address", host)
		}
		return a.Unmap().String(), ""
	}
	h := strings.ToLower(strings.TrimSuffix(decoded, "."))
	if h == "" {
		return "", "empty host"
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if a.Is6() {
			return "", "an IPv6 address goes in brackets, as [2001:db8::1]"
		}
		return a.String(), ""
	}
	if a, ok := parseInetAton(h); ok {
		return a.String(), ""
	}
	if validHostname(h) {
		return h, ""
	}
	return "", fmt.Sprintf("%q is neither an IP address nor a hostname", host)
}

// parseInetAton reads the IPv4 forms of inet_aton(3): one to four parts
// separated by dots, each decimal, octal (a leading 0) or hexadecimal (a
// leading 0x); the last part fills the bytes the others leave ("127.1" is
// 127.0.0.1, "2130706433" is 127.0.0.1).
func parseInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if digits == "" || digits[0] == '+' || digits[0] == '-' {
			return netip.Addr{}, false
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	last := len(vals) - 1
	var n uint64
	for i := 0; i < last; i++ {
		if vals[i] > 0xff {
			return netip.Addr{}, false
		}
		n |= vals[i] << (8 * (3 - i))
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// percentDecode decodes the %XX escapes of s (RFC 3986 §2.1); a "%" not
// followed by two hex digits makes it fail.
func percentDecode(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", false
		}
		v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
		b = append(b, byte(v))
		i += 2
	}
	return string(b), true
}

// defaultPort is the port a SIP URI without one is sent to (RFC 3261
// §19.1.2): 5061 for sips: or transport=tls, 5060 otherwise.
func defaultPort(scheme, transport string) int {
	if strings.EqualFold(scheme, "sips") || transport == "tls" {
		return DefaultSIPSPort
	}
	return DefaultSIPPort
}
