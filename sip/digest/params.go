package digest

import (
	"fmt"
	"strings"

	"github.com/parleyhq/parley/rules"
)

// ParseParams parses one challenge or credentials header value,
// such as a WWW-Authenticate, Proxy-Authenticate, Authorization or
// Proxy-Authorization value (RFC 3261 §25.1 challenge/credentials,
// RFC 7235 §2.1):
//
//	Digest realm="biloxi.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"
//
// It returns the scheme as written and the parameters keyed by lowercase
// name, with quoted-string values unquoted and their quoted-pairs undone.
// Line folding (CRLF followed by whitespace) counts as a space, as in
// RFC 3261 §7.3.1.
//
// The parser is strict where ambiguity could be exploited and lenient where
// real user agents differ: a parameter given twice, a control character
// (other than HTAB) in a value, an unterminated quoted string or a missing
// "=" is an error; empty list elements (", ,") are skipped (RFC 7230 §7),
// and an unquoted value may hold any visible character other than a comma,
// double quote or backslash, because some agents leave values such as uri
// unquoted. Only one challenge per header value is read: a second scheme
// after a comma is an error.
//
// Every error wraps ErrMalformed.
func ParseParams(header string) (scheme string, params map[string]string, err error) {
	p := paramParser{s: header}
	p.skipLWS()
	scheme = p.token()
	if scheme == "" {
		return "", nil, p.errorf("expected auth scheme")
	}
	params = make(map[string]string)
	if p.eof() {
		return scheme, params, nil
	}
	if !p.skipLWS() {
		return "", nil, p.errorf("expected whitespace after scheme %q", scheme)
	}
	for {
		p.skipLWS()
		if p.eof() {
			return scheme, params, nil
		}
		if p.peek() == ',' {
			p.i++ // empty list element
			continue
		}
		key := p.token()
		if key == "" {
			return "", nil, p.errorf("expected parameter name")
		}
		p.skipLWS()
		if p.eof() || p.peek() != '=' {
			return "", nil, p.errorf("expected '=' after %q", key)
		}
		p.i++
		p.skipLWS()
		var val string
		if !p.eof() && p.peek() == '"' {
			if val, err = p.quoted(); err != nil {
				return "", nil, err
			}
		} else if val, err = p.unquoted(); err != nil {
			return "", nil, err
		}
		key = strings.ToLower(key)
		if _, dup := params[key]; dup {
			return "", nil, p.errorf("parameter %q given twice", key)
		}
		params[key] = val
		p.skipLWS()
		if p.eof() {
			return scheme, params, nil
		}
		if p.peek() != ',' {
			return "", nil, p.errorf("expected ',' after %q", key)
		}
		p.i++
	}
}

type paramParser struct {
	s string
	i int
}

func (p *paramParser) eof() bool  { return p.i >= len(p.s) }
func (p *paramParser) peek() byte { return p.s[p.i] }

func (p *paramParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: at offset %d: %s", ErrMalformed, p.i, fmt.Sprintf(format, args...))
}

// skipLWS skips SP, HTAB and CRLF line folds (RFC 3261 §25.1 LWS) and
// reports whether it skipped anything.
func (p *paramParser) skipLWS() bool {
	start := p.i
	for !p.eof() {
		switch {
		case p.s[p.i] == ' ' || p.s[p.i] == '\t':
			p.i++
		case p.fold():
			p.i += 3
		default:
			return p.i > start
		}
	}
	return p.i > start
}

// fold reports whether a line fold (CRLF followed by SP or HTAB) starts at i.
func (p *paramParser) fold() bool {
	return p.i+2 < len(p.s) && p.s[p.i] == '\r' && p.s[p.i+1] == '\n' &&
		(p.s[p.i+2] == ' ' || p.s[p.i+2] == '\t')
}

// token reads an RFC 3261 §25.1 token; it returns "" if none starts at i.
func (p *paramParser) token() string {
	start := p.i
	for !p.eof() && rules.IsSIPTokenChar(p.peek()) {
		p.i++
	}
	return p.s[start:p.i]
}

// quoted reads an RFC 3261 §25.1 quoted-string starting at the opening
// double quote and returns its content with quoted-pairs undone and line
// folds reduced to their whitespace.
func (p *paramParser) quoted() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for !p.eof() {
		c := p.peek()
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", p.errorf("unterminated quoted-pair")
			}
			c = p.s[p.i+1]
			if isCTL(c) && c != '\t' {
				return "", p.errorf("control character 0x%02x in quoted-pair", c)
			}
			b.WriteByte(c)
			p.i += 2
		case p.fold():
			b.WriteByte(p.s[p.i+2])
			p.i += 3
		case isCTL(c) && c != '\t':
			return "", p.errorf("control character 0x%02x in quoted-string", c)
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errorf("unterminated quoted-string")
}

// unquoted reads a bare value: a token, or leniently any run of visible
// characters other than comma, double quote and backslash.
func (p *paramParser) unquoted() (string, error) {
	start := p.i
	for !p.eof() {
		c := p.peek()
		if c == ',' || c == ' ' || c == '\t' || c == '\r' {
			break
		}
		if c == '"' || c == '\\' || isCTL(c) {
			return "", p.errorf("unexpected character 0x%02x in value", c)
		}
		p.i++
	}
	if p.i == start {
		return "", p.errorf("empty value")
	}
	return p.s[start:p.i], nil
}

func isCTL(c byte) bool { return c < 0x20 || c == 0x7f }

// quote renders s as an RFC 3261 §25.1 quoted-string, escaping '"' and
// '\'. It refuses control characters other than HTAB, which a quoted-pair
// cannot carry (CR, LF) or which have no business in a header (the rest).
func quote(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isCTL(c) && c != '\t' {
			return "", fmt.Errorf("%w: control character 0x%02x in %q", ErrMalformed, c, s)
		}
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String(), nil
}
