package clientaddr

import "strings"

// forwardedFor returns the for= node of each element of the Forwarded
// header values (RFC 7239 §4), the client first; an element without for=
// gives an empty hop (a node nobody named). ok is false when a value does
// not follow the grammar:
//
//	Forwarded         = 1#forwarded-element
//	forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//	forwarded-pair    = token "=" value
//	value             = token / quoted-string
func forwardedFor(values []string) (hops []string, ok bool) {
	for _, v := range values {
		s := scanner{s: v}
		for {
			hop, more, ok := s.element()
			if !ok {
				return nil, false
			}
			if hop != nil {
				hops = append(hops, *hop)
			}
			if !more {
				break
			}
		}
	}
	return hops, true
}

// scanner reads one Forwarded header value.
type scanner struct {
	s string
	i int
}

// element reads one forwarded-element and the comma after it: hop is its
// for= value ("" when it has none; nil for an empty list element), more
// whether another element follows.
func (sc *scanner) element() (hop *string, more, ok bool) {
	var forVal *string
	named := false
	for {
		sc.ows()
		if sc.i < len(sc.s) && sc.s[sc.i] != ';' && sc.s[sc.i] != ',' {
			name, val, ok := sc.pair()
			if !ok {
				return nil, false, false
			}
			if strings.EqualFold(name, "for") {
				if forVal != nil {
					return nil, false, false // RFC 7239 §4: each parameter once per element
				}
				forVal = &val
			}
			named = true
			sc.ows()
		}
		if sc.i >= len(sc.s) {
			break
		}
		c := sc.s[sc.i]
		sc.i++
		if c == ',' {
			more = true
			break
		}
		if c != ';' {
			return nil, false, false
		}
	}
	switch {
	case forVal != nil:
		return forVal, more, true
	case named:
		return new(string), more, true
	}
	return nil, more, true
}

// pair reads a forwarded-pair: token "=" (token / quoted-string).
func (sc *scanner) pair() (name, val string, ok bool) {
	name = sc.token()
	if name == "" || sc.i >= len(sc.s) || sc.s[sc.i] != '=' {
		return "", "", false
	}
	sc.i++
	if sc.i < len(sc.s) && sc.s[sc.i] == '"' {
		val, ok = sc.quoted()
		return name, val, ok
	}
	val = sc.token()
	return name, val, val != ""
}

// ows skips optional white space (RFC 9110 §5.6.3).
func (sc *scanner) ows() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t') {
		sc.i++
	}
}

// token reads a token (RFC 9110 §5.6.2); "" if none is there.
func (sc *scanner) token() string {
	start := sc.i
	for sc.i < len(sc.s) && isTchar(sc.s[sc.i]) {
		sc.i++
	}
	return sc.s[start:sc.i]
}

// quoted reads a quoted-string at sc.i (RFC 9110 §5.6.4) and returns it
// unquoted.
func (sc *scanner) quoted() (string, bool) {
	var b strings.Builder
	for sc.i++; sc.i < len(sc.s); sc.i++ {
		switch c := sc.s[sc.i]; {
		case c == '"':
			sc.i++
			return b.String(), true
		case c == '\\':
			if sc.i++; sc.i >= len(sc.s) || !isQuotedChar(sc.s[sc.i]) {
				return "", false
			}
			b.WriteByte(sc.s[sc.i])
		case isQuotedChar(c):
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	return "", false
}

// isTchar reports whether c may appear in a token.
func isTchar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isQuotedChar reports whether c may appear in a quoted-string: HTAB, SP,
// visible ASCII and obs-text.
func isQuotedChar(c byte) bool { return c == '\t' || c >= 0x20 && c != 0x7f }
