package dialplan

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadTarget is wrapped by every error ParseTarget returns: what was typed
// is not a dial target Parley accepts. The API answers it with 400.
var ErrBadTarget = errors.New("bad dial target")

// MaxTargetLen is the longest input ParseTarget considers, in bytes.
const MaxTargetLen = 256

// Default ports of the direct forms when none is typed.
const (
	// DefaultSIPPort is the port of a #sip: target typed without one
	// (RFC 3261 §19.1.2).
	DefaultSIPPort = 5060
	// DefaultSIPSPort is the port of a sips: URI, or one with
	// transport=tls, typed without one (RFC 3261 §19.1.2).
	DefaultSIPSPort = 5061
	// DefaultH323Port is the port of a #h323: target typed without one
	// (H.225.0 call signalling, ITU-T H.323 §8).
	DefaultH323Port = 1720
)

// acceptedForms is the list every "I do not know this form" error ends with.
const acceptedForms = "use an extension (2001), a phone number (+441632960123), " +
	"#sip:@HOST[:PORT], #sip:USER@HOST[:PORT], sip:USER@HOST or #h323:@HOST"

// Kind says which of the forms of DESIGN.md "Dial targets" a Target is.
type Kind uint8

// The kinds of dial target. The zero Kind is no target at all.
const (
	// KindUnknown is the zero Kind; ParseTarget never returns it.
	KindUnknown Kind = iota
	// KindExtension is 2 to 6 digits with no "+": an extension if the
	// Router knows it, else a short number for the trunks.
	KindExtension
	// KindNumber is a phone number: "+" and 8 to 15 digits (E.164), or 7 to
	// 20 national digits as typed.
	KindNumber
	// KindSIPDirect is "#sip:[USER]@HOST[:PORT]", a SIP endpoint called
	// directly, without registration or trunk.
	KindSIPDirect
	// KindSIPURI is a plain "sip:" or "sips:" URI (RFC 3261 §19.1).
	KindSIPURI
	// KindH323 is "#h323:[ALIAS]@HOST[:PORT]", a direct H.323 endpoint.
	KindH323
)

// String returns the kind's name as `parley route` prints it.
func (k Kind) String() string {
	switch k {
	case KindExtension:
		return "extension"
	case KindNumber:
		return "number"
	case KindSIPDirect:
		return "sip-direct"
	case KindSIPURI:
		return "sip-uri"
	case KindH323:
		return "h323"
	}
	return "unknown"
}

// Target is a parsed dial target. Only the fields its Kind names are set;
// the others are zero. A Target is a plain value, safe to copy and compare.
type Target struct {
	// Kind is the form the input took.
	Kind Kind
	// Raw is the input exactly as given to ParseTarget.
	Raw string
	// Number holds the digits of a KindExtension or KindNumber target,
	// separators removed: "+441632960123" (E.164, with its "+"),
	// "01632960123" (national, as typed) or "2001".
	Number string
	// User is the user part of a KindSIPDirect or KindSIPURI target, or the
	// alias of a KindH323 target, as typed (escapes kept); may be empty.
	User string
	// Host is the host of a KindSIPDirect, KindSIPURI or KindH323 target:
	// a hostname in lower case without a trailing dot, or an IP address in
	// its canonical form (IPv6 without brackets, an IPv4-mapped or numeric
	// IPv4 form as the dotted quad).
	Host string
	// Port is the port of a KindSIPDirect (default 5060) or KindH323
	// (default 1720) target. For KindSIPURI it is 0 when the URI has none,
	// which means "resolve per RFC 3263", not 5060.
	Port int
	// Transport is the lower-cased transport URI parameter of a KindSIPURI
	// target ("udp", "tcp", "tls", "sctp", "ws" or "wss"), or "".
	Transport string
	// URI is the canonical URI of a KindSIPURI target: scheme and host in
	// lower case, user, port and parameters as typed.
	URI string
}

// String writes the target back in the form ParseTarget reads, canonically:
// ParseTarget(t.String()) returns t again, Raw aside.
func (t Target) String() string {
	switch t.Kind {
	case KindExtension, KindNumber:
		return t.Number
	case KindSIPDirect:
		return "#sip:" + t.User + "@" + hostPort(t.Host, t.Port, DefaultSIPPort)
	case KindSIPURI:
		return t.URI
	case KindH323:
		return "#h323:" + t.User + "@" + hostPort(t.Host, t.Port, DefaultH323Port)
	}
	return ""
}

// TargetError explains why ParseTarget refused its input. It unwraps to
// ErrBadTarget.
type TargetError struct {
	// Input is what was typed.
	Input string
	// Reason says what is wrong with a form that was recognised, such as
	// "port 0 out of range 1-65535"; empty when no form was recognised.
	Reason string
	// Want describes the recognised form, as the error's hint; empty means
	// all the accepted forms.
	Want string
}

// Error returns a message for the moderator that says which forms are
// accepted.
func (e *TargetError) Error() string {
	in := e.Input
	if len(in) > 64 {
		in = in[:64] + "…"
	}
	if e.Reason == "" {
		return fmt.Sprintf("unrecognised dial target %q: %s", in, acceptedForms)
	}
	want := e.Want
	if want == "" {
		want = acceptedForms[len("use "):]
	}
	return fmt.Sprintf("bad dial target %q: %s; use %s", in, e.Reason, want)
}

// Unwrap returns ErrBadTarget.
func (e *TargetError) Unwrap() error { return ErrBadTarget }

// Hints for the forms, used as TargetError.Want.
const (
	wantNumber = "an extension (2001) or a phone number (+441632960123, 01632960123)"
	wantDirect = "#sip:@HOST[:PORT] or #sip:USER@HOST[:PORT]"
	wantURI    = "sip:USER@HOST[:PORT][;transport=udp|tcp|tls] or sips:…"
	wantH323   = "#h323:@HOST[:PORT]"
)

// ParseTarget turns what a moderator typed into a dial target. It accepts
// the forms of DESIGN.md "Dial targets":
//
//   - 2 to 6 digits ("2001"): KindExtension; the Router decides whether it
//     is a configured extension or a short number;
//   - a phone number: "+" and 8 to 15 digits ("+441632960123") or 7 to 20
//     national digits ("01632960123"): KindNumber. Spaces, dashes, dots and
//     parentheses are dropped, and so is the "(0)" trunk prefix after a
//     country code ("+44 (0)1632 960123" is "+441632960123");
//   - "#sip:[USER]@HOST[:PORT]": KindSIPDirect, port 5060 by default;
//   - "sip:[USER@]HOST[:PORT][;PARAMS]" or "sips:…": KindSIPURI
//     (RFC 3261 §19.1); URI headers ("?…"), passwords and the maddr
//     parameter are refused, since a moderator has no business setting
//     INVITE headers or sending the call elsewhere than its host;
//   - "#h323:[ALIAS]@HOST[:PORT]": KindH323, port 1720 by default.
//
// HOST is an IPv4 address, an IPv6 address in brackets or a hostname; it
// is brought to one canonical spelling (canonicalHost: escapes decoded,
// lower case, no trailing dot, IPv4-mapped and numeric IPv4 forms as the
// dotted quad), so that Target.Host is what routing compares and where
// the call goes.
// Surrounding spaces are ignored; control characters, non-ASCII bytes,
// inputs over MaxTargetLen bytes, empty hosts and ports outside 1-65535 are
// refused. Every error is a *TargetError wrapping ErrBadTarget. ParseTarget
// is pure: it consults no configuration and does no I/O.
func ParseTarget(s string) (Target, error) {
	if len(s) > MaxTargetLen {
		return Target{}, &TargetError{Input: s, Reason: fmt.Sprintf("longer than %d bytes", MaxTargetLen)}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return Target{}, &TargetError{Input: s, Reason: "control characters are not accepted"}
		case c >= 0x80:
			return Target{}, &TargetError{Input: s, Reason: "only ASCII is accepted"}
		}
	}
	in := strings.Trim(s, " ")
	var (
		t   Target
		err *TargetError
	)
	switch lower := strings.ToLower(in); {
	case strings.HasPrefix(lower, "#sip:"):
		t, err = parseDirect(in[len("#sip:"):], KindSIPDirect, DefaultSIPPort, wantDirect)
	case strings.HasPrefix(lower, "#h323:"):
		t, err = parseDirect(in[len("#h323:"):], KindH323, DefaultH323Port, wantH323)
	case strings.HasPrefix(lower, "sip:"):
		t, err = parseSIPURI("sip", in[len("sip:"):])
	case strings.HasPrefix(lower, "sips:"):
		t, err = parseSIPURI("sips", in[len("sips:"):])
	case in != "" && strings.IndexByte("+(0123456789", in[0]) >= 0:
		t, err = parseNumber(in)
	default:
		err = &TargetError{}
	}
	if err != nil {
		err.Input = s
		return Target{}, err
	}
	t.Raw = s
	return t, nil
}

// parseNumber reads an extension or a phone number.
func parseNumber(in string) (Target, *TargetError) {
	bad := func(format string, args ...any) (Target, *TargetError) {
		return Target{}, &TargetError{Reason: fmt.Sprintf(format, args...), Want: wantNumber}
	}
	rest, plus := strings.CutPrefix(in, "+")
	if plus {
		// "+44 (0)1632 960123": the (0) is the national trunk prefix, which
		// is not dialled after a country code.
		rest = strings.Replace(rest, "(0)", "", 1)
	}
	digits := make([]byte, 0, len(rest))
	open := false
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; c {
		case ' ', '-', '.':
		case '(':
			if open {
				return bad("nested parentheses")
			}
			open = true
		case ')':
			if !open {
				return bad("unbalanced parentheses")
			}
			open = false
		case '+':
			return bad(`"+" belongs only at the start`)
		default:
			if c < '0' || c > '9' {
				return Target{}, &TargetError{} // not a number at all
			}
			digits = append(digits, c)
		}
	}
	if open {
		return bad("unbalanced parentheses")
	}
	n := len(digits)
	switch {
	case plus && (n < 8 || n > 15):
		return bad("an E.164 number has 8 to 15 digits after the +, not %d", n)
	case plus && digits[0] == '0':
		return bad("a country code does not start with 0")
	case plus:
		return Target{Kind: KindNumber, Number: "+" + string(digits)}, nil
	case n >= 2 && n <= 6:
		return Target{Kind: KindExtension, Number: string(digits)}, nil
	case n >= 7 && n <= 20:
		return Target{Kind: KindNumber, Number: string(digits)}, nil
	}
	return bad("%d digits is neither an extension (2 to 6) nor a number (7 to 20)", n)
}

// parseDirect reads the part after "#sip:" or "#h323:": [USER]@HOST[:PORT].
func parseDirect(rest string, kind Kind, defPort int, want string) (Target, *TargetError) {
	bad := func(reason string) (Target, *TargetError) {
		return Target{}, &TargetError{Reason: reason, Want: want}
	}
	user, hostport, ok := strings.Cut(rest, "@")
	switch {
	case !ok:
		return bad(`missing "@" before the host`)
	case strings.IndexByte(hostport, '@') >= 0:
		return bad(`more than one "@"`)
	}
	if reason := checkUser(user); reason != "" {
		return bad(reason)
	}
	host, port, reason := parseHostPort(hostport, defPort)
	if reason != "" {
		return bad(reason)
	}
	return Target{Kind: kind, User: user, Host: host, Port: port}, nil
}

// parseSIPURI reads a SIP or SIPS URI after its scheme (RFC 3261 §19.1.1):
// [USER@]HOST[:PORT][;PARAMS]. Headers ("?…") and passwords are refused.
func parseSIPURI(scheme, rest string) (Target, *TargetError) {
	bad := func(reason string) (Target, *TargetError) {
		return Target{}, &TargetError{Reason: reason, Want: wantURI}
	}
	if strings.IndexByte(rest, '?') >= 0 {
		return bad(`URI headers ("?…") are not accepted`)
	}
	var user string
	switch strings.Count(rest, "@") {
	case 0:
	case 1:
		user, rest, _ = strings.Cut(rest, "@")
		if user == "" {
			return bad(`empty user before "@"`)
		}
		if reason := checkUser(user); reason != "" {
			return bad(reason)
		}
	default:
		return bad(`more than one "@"`)
	}
	hostport, params, hasParams := strings.Cut(rest, ";")
	host, port, reason := parseHostPort(hostport, 0)
	if reason != "" {
		return bad(reason)
	}
	var transport string
	if hasParams {
		for _, p := range strings.Split(params, ";") {
			name, value, hasValue := strings.Cut(p, "=")
			switch {
			case name == "":
				return bad("empty URI parameter")
			case hasValue && value == "":
				return bad(fmt.Sprintf("URI parameter %q has an empty value", name))
			case !paramChars(name) || !paramChars(value):
				return bad(fmt.Sprintf("URI parameter %q has a character not allowed there", p))
			}
			if strings.EqualFold(name, "maddr") {
				// maddr sends the request to another address than the
				// URI's host (RFC 3261 §19.1.1): the host is what routing
				// checks, so it alone says where the call goes.
				return bad("the maddr URI parameter is not accepted")
			}
			if !strings.EqualFold(name, "transport") {
				continue
			}
			if transport != "" {
				return bad("transport given twice")
			}
			switch v := strings.ToLower(value); v {
			case "udp", "tcp", "tls", "sctp", "ws", "wss":
				transport = v
			default:
				return bad(fmt.Sprintf("unknown transport %q", value))
			}
		}
	}
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteByte(':')
	if user != "" {
		b.WriteString(user)
		b.WriteByte('@')
	}
	b.WriteString(hostPort(host, port, 0))
	if hasParams {
		b.WriteByte(';')
		b.WriteString(params)
	}
	return Target{Kind: KindSIPURI, User: user, Host: host, Port: port, Transport: transport, URI: b.String()}, nil
}

// parseHostPort reads HOST[:PORT] where HOST is an IPv4 address, an IPv6
// address in brackets or a hostname (RFC 3261 §25.1). A missing port is
// defPort. It returns a reason when the input is not acceptable.
func parseHostPort(s string, defPort int) (host string, port int, reason string) {
	var portStr string
	hasPort := false
	bracketed := strings.HasPrefix(s, "[")
	if bracketed {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, `missing "]" after the IPv6 address`
		}
		host, s = s[1:end], s[end+1:]
		if s != "" {
			if s[0] != ':' {
				return "", 0, `unexpected text after "]"`
			}
			portStr, hasPort = s[1:], true
		}
	} else {
		if strings.Count(s, ":") > 1 {
			return "", 0, "an IPv6 address goes in brackets, as [2001:db8::1]"
		}
		host, portStr, hasPort = strings.Cut(s, ":")
		if host == "" {
			return "", 0, "empty host"
		}
	}
	host, reason = canonicalHost(host, bracketed)
	if reason != "" {
		return "", 0, reason
	}
	if !hasPort {
		return host, defPort, ""
	}
	n := 0
	if portStr == "" || len(portStr) > 5 {
		n = -1
	}
	for i := 0; i < len(portStr) && n >= 0; i++ {
		if portStr[i] < '0' || portStr[i] > '9' {
			n = -1
			break
		}
		n = n*10 + int(portStr[i]-'0')
	}
	if n < 1 || n > 65535 {
		return "", 0, fmt.Sprintf("port %q out of range 1-65535", portStr)
	}
	return host, n, ""
}

// validHostname reports whether h is a hostname of RFC 3261 §25.1: dot
// separated labels of letters, digits and inner hyphens, the last label
// starting with a letter (so "192.0.2.300" is not one).
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			if !isAlnum(l[i]) && l[i] != '-' {
				return false
			}
		}
	}
	top := labels[len(labels)-1][0]
	return top < '0' || top > '9'
}

// checkUser returns why user is not a SIP user part (RFC 3261 §25.1:
// unreserved, escaped and user-unreserved characters, no "?"), or "".
func checkUser(user string) string {
	for i := 0; i < len(user); i++ {
		c := user[i]
		switch {
		case isAlnum(c) || strings.IndexByte("-_.!~*'()&=+$,;/", c) >= 0:
		case c == '%' && i+2 < len(user) && isHex(user[i+1]) && isHex(user[i+2]):
			i += 2
		case c == ':':
			return "passwords in the URI are not accepted"
		default:
			return fmt.Sprintf("%q is not allowed in the user part", string(c))
		}
	}
	return ""
}

// paramChars reports whether s has only paramchar characters of RFC 3261
// §25.1 (unreserved, escaped and "[]/:&+$").
func paramChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlnum(c) || strings.IndexByte("-_.!~*'()[]/:&+$", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

// hostPort joins host and port as a URI writes them; port is left out when
// it is omit.
func hostPort(host string, port, omit int) string {
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]"
	}
	if port == omit {
		return host
	}
	return host + ":" + strconv.Itoa(port)
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
