package rules

import "strings"

// IsHTTPToken reports whether s is a token of RFC 9110 §5.6.2 (the grammar
// of RFC 7230 §3.2.6), the syntax of an HTTP field name (RFC 9110 §5.1)
// and of a method: one or more of ALPHA / DIGIT / "!" / "#" / "$" / "%" /
// "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~".
func IsHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlphanum(c) && strings.IndexByte("!#$%&'*+-.^_`|~", c) < 0 {
			return false
		}
	}
	return true
}

// IsSIPToken reports whether s is a token of RFC 3261 §25.1, the syntax of
// a SIP method and of most header parameters: one or more characters for
// which IsSIPTokenChar holds. It is narrower than an HTTP token: "#", "$",
// "&", "^" and "|" are not in it.
func IsSIPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !IsSIPTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// IsSIPTokenChar reports whether c may appear in an RFC 3261 §25.1 token:
// alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~".
func IsSIPTokenChar(c byte) bool {
	return isAlphanum(c) || strings.IndexByte("-.!%*_+`'~", c) >= 0
}

// isAlphanum reports whether c is an ASCII letter or digit (RFC 5234
// ALPHA / DIGIT).
func isAlphanum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
