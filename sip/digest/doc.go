// Package digest implements HTTP Digest access authentication as SIP uses
// it: RFC 3261 §22.4, updated by RFC 8760 for SHA-256, with the response
// formulas of RFC 7616 §3.4 (and RFC 2617/RFC 2069 for the legacy forms).
//
// The package is a leaf: it depends on the standard library only and knows
// nothing of SIP messages. The SIP layer hands it header values and method
// names and maps its errors to status codes (401/407 with a fresh challenge,
// 400 for a malformed header).
//
// Supported: the algorithms MD5, SHA-256, MD5-sess and SHA-256-sess
// (RFC 7616 §3.4.2, RFC 8760 §2), with qop=auth or with no qop at all (the
// RFC 2069 form kept by RFC 7616 §3.4.1 and RFC 3261 §22.4). Not supported,
// and refused with ErrUnsupported: qop=auth-int, userhash=true (RFC 7616
// §3.4.4), SHA-512-256, and the username* parameter.
//
// The server side ([Server]) is stateless: a nonce carries its own issue time
// and an HMAC-SHA256 over that time and the realm, so any instance holding the
// same key can check it, and nothing is stored per challenge. The price is
// that replays are only bounded by the nonce lifetime: a captured
// Authorization header can be replayed, for the same method and URI, until its
// nonce goes stale. RFC 7616 §5.5 describes tracking nonce-count (nc) values
// per nonce to stop this; this package does not, because that needs shared
// state. Run SIP over TLS, keep the lifetime short, or track (nonce, nc)
// pairs above this package if replay matters.
//
// There is no client side here: Parley answers a trunk's or a proxy's
// challenge through sipgo.
package digest

import "errors"

// Sentinel errors. Verify and ParseParams wrap ErrMalformed and
// ErrUnsupported with detail; test them with errors.Is.
var (
	// ErrUnauthorized means the credentials were not accepted: unknown user,
	// wrong password, wrong realm, or a nonce this server did not issue.
	// For an unknown user and a wrong password Verify returns exactly this
	// value, unwrapped, after the same amount of hashing (RFC 7616 §5.2 and
	// the username-enumeration concern of RFC 3261 §26.2). The SIP layer
	// answers 401 or 407 with a fresh challenge (RFC 3261 §22.3).
	ErrUnauthorized = errors.New("digest: unauthorized")

	// ErrStale means the response was correct for its nonce but the nonce
	// has expired. The SIP layer re-challenges with stale=true so that the
	// client retries without asking its user again (RFC 7616 §3.3).
	ErrStale = errors.New("digest: stale nonce")

	// ErrMalformed means the header could not be parsed or lacks a required
	// parameter (RFC 3261 §25.1, RFC 7616 §3.4). The SIP layer answers 400.
	ErrMalformed = errors.New("digest: malformed header")

	// ErrUnsupported means the header asks for an algorithm or qop this
	// package does not implement (see the package comment), or one the
	// Server was not configured to accept. The SIP layer re-challenges
	// with the algorithms it does support (RFC 8760 §2.4).
	ErrUnsupported = errors.New("digest: unsupported algorithm or qop")
)
