package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Algorithm names a Digest algorithm as it appears in the algorithm
// parameter (RFC 7616 §3.3, RFC 8760 §2.2). The constants are the values
// this package implements.
type Algorithm string

// The algorithms this package implements (RFC 7616 §3.4.2, RFC 8760 §2).
const (
	// MD5 is the RFC 2617 algorithm and the default when a challenge or
	// an answer omits the algorithm parameter (RFC 7616 §3.3).
	MD5 Algorithm = "MD5"
	// SHA256 is the SHA-256 algorithm added to SIP by RFC 8760 §2.
	SHA256 Algorithm = "SHA-256"
	// MD5Sess is the session variant of MD5 (RFC 7616 §3.4.2).
	MD5Sess Algorithm = "MD5-sess"
	// SHA256Sess is the session variant of SHA-256 (RFC 7616 §3.4.2).
	SHA256Sess Algorithm = "SHA-256-sess"
)

// ParseAlgorithm returns the Algorithm named by s, compared without regard
// to case (RFC 7616 §3.3 names are tokens). An empty s means MD5, the
// default of RFC 7616 §3.3 and RFC 3261 §22.4. A name this package does not
// implement yields an error wrapping ErrUnsupported.
func ParseAlgorithm(s string) (Algorithm, error) {
	if s == "" {
		return MD5, nil
	}
	for _, a := range []Algorithm{MD5, SHA256, MD5Sess, SHA256Sess} {
		if strings.EqualFold(s, string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: algorithm %q", ErrUnsupported, s)
}

// valid reports whether a is one of the constants above.
func (a Algorithm) valid() bool {
	switch a {
	case MD5, SHA256, MD5Sess, SHA256Sess:
		return true
	}
	return false
}

// sess reports whether a is a session variant, whose HA1 also covers the
// nonce and cnonce (RFC 7616 §3.4.2).
func (a Algorithm) sess() bool { return a == MD5Sess || a == SHA256Sess }

func (a Algorithm) newHash() hash.Hash {
	if a == SHA256 || a == SHA256Sess {
		return sha256.New()
	}
	return md5.New()
}

// h is RFC 7616 §3.4's H(data): the lowercase hex digest of the parts
// joined by colons.
func (a Algorithm) h(parts ...string) string {
	w := a.newHash()
	for i, p := range parts {
		if i > 0 {
			w.Write([]byte{':'})
		}
		w.Write([]byte(p))
	}
	return hex.EncodeToString(w.Sum(nil))
}

// exchange holds the values one Digest response is computed from.
type exchange struct {
	alg      Algorithm
	username string
	realm    string
	method   string
	uri      string
	nonce    string
	nc       string // only with qop
	cnonce   string // only with qop
	qop      string // "auth" or "" (RFC 2069 form)
}

// response computes the request-digest of RFC 7616 §3.4.1 (qop=auth) or,
// when qop is empty, of RFC 2069 §2.1.2 as kept by RFC 3261 §22.4:
//
//	HA1 = H(username:realm:password), or for -sess H(H(username:realm:password):nonce:cnonce)
//	HA2 = H(method:uri)
//	response = H(HA1:nonce:nc:cnonce:qop:HA2), or without qop H(HA1:nonce:HA2)
func (e *exchange) response(password string) string {
	ha1 := e.alg.h(e.username, e.realm, password)
	if e.alg.sess() {
		ha1 = e.alg.h(ha1, e.nonce, e.cnonce)
	}
	ha2 := e.alg.h(e.method, e.uri)
	if e.qop == "" {
		return e.alg.h(ha1, e.nonce, ha2)
	}
	return e.alg.h(ha1, e.nonce, e.nc, e.cnonce, e.qop, ha2)
}
