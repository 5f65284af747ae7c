package digest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultLifetime is how long a nonce stays fresh unless WithLifetime says
// otherwise; RFC 7616 §5.4 leaves the choice to the server.
const DefaultLifetime = 5 * time.Minute

// MinKeyLen is the shortest nonce key NewServer accepts: 128 bits, so that
// nonces cannot be forged (RFC 7616 §3.3 asks that only the server can
// produce them).
const MinKeyLen = 16

// dummyPassword is hashed for unknown users so that Verify does the same
// work whether or not the user exists. Its value does not matter: an
// unknown user is refused whatever the response.
const dummyPassword = "parley-digest-dummy-password"

// Server issues Digest challenges and verifies the credentials sent back
// (RFC 3261 §22.4, RFC 7616 §3.3–3.4, RFC 8760 §2).
//
// A Server is immutable once built and safe for concurrent use by any
// number of goroutines. It keeps no per-nonce state: see the package
// comment on replays.
type Server struct {
	realm    string
	qrealm   string // realm as a quoted-string
	key      []byte
	lifetime time.Duration
	now      func() time.Time
	algs     []Algorithm // offered by Challenges and accepted by Verify, strongest first
}

// Option configures a Server; a bad option makes NewServer fail.
type Option func(*Server) error

// WithLifetime sets how long a nonce stays fresh (default DefaultLifetime).
// After that Verify answers ErrStale for an otherwise correct response
// (RFC 7616 §3.3 stale). d must be positive.
func WithLifetime(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return fmt.Errorf("digest: nonce lifetime %v is not positive", d)
		}
		s.lifetime = d
		return nil
	}
}

// WithClock replaces time.Now for issuing and ageing nonces; tests use it to
// step time. now must not be nil and must be safe for concurrent use.
func WithClock(now func() time.Time) Option {
	return func(s *Server) error {
		if now == nil {
			return errors.New("digest: nil clock")
		}
		s.now = now
		return nil
	}
}

// WithAlgorithms sets the algorithms the Server offers in Challenges and
// accepts in Verify, in the order given, which should be strongest first
// (RFC 8760 §2.4). The default is SHA256 then MD5. Use it to refuse MD5, or
// to accept the -sess variants.
func WithAlgorithms(algs ...Algorithm) Option {
	return func(s *Server) error {
		if len(algs) == 0 {
			return errors.New("digest: no algorithms")
		}
		s.algs = s.algs[:0:0]
		for _, a := range algs {
			if !a.valid() {
				return fmt.Errorf("digest: algorithm %q not implemented", a)
			}
			for _, b := range s.algs {
				if a == b {
					return fmt.Errorf("digest: algorithm %q given twice", a)
				}
			}
			s.algs = append(s.algs, a)
		}
		return nil
	}
}

// NewServer returns a Server for realm that signs its nonces with key.
//
// realm is the protection domain sent in every challenge (RFC 3261 §22.1:
// typically the host name of the proxy or registrar); it must be non-empty
// and free of control characters. key must be at least MinKeyLen bytes of
// secret randomness; instances that share a key accept each other's
// nonces. NewServer copies key and has no side effects.
func NewServer(realm string, key []byte, opts ...Option) (*Server, error) {
	if realm == "" {
		return nil, errors.New("digest: empty realm")
	}
	qrealm, err := quote(realm)
	if err != nil {
		return nil, fmt.Errorf("digest: realm: %w", err)
	}
	if len(key) < MinKeyLen {
		return nil, fmt.Errorf("digest: key is %d bytes, want at least %d", len(key), MinKeyLen)
	}
	s := &Server{
		realm:    realm,
		qrealm:   qrealm,
		key:      append([]byte(nil), key...),
		lifetime: DefaultLifetime,
		now:      time.Now,
		algs:     []Algorithm{SHA256, MD5},
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Realm returns the realm the Server challenges for (RFC 3261 §22.1).
func (s *Server) Realm() string { return s.realm }

// Challenge returns a WWW-Authenticate or Proxy-Authenticate header value
// (RFC 3261 §22.2–22.3, RFC 7616 §3.3) carrying a fresh nonce, qop="auth"
// and the given algorithm:
//
//	Digest realm="example.com", nonce="…", algorithm=SHA-256, qop="auth"
//
// stale=true is added when stale is set, after Verify returned ErrStale.
// An alg the Server does not accept (see WithAlgorithms) is replaced by its
// strongest one.
func (s *Server) Challenge(alg Algorithm, stale bool) string {
	if !s.accepts(alg) {
		alg = s.algs[0]
	}
	return s.challenge(s.newNonce(), alg, stale)
}

// Challenges returns one challenge per algorithm the Server accepts,
// strongest first (SHA-256 then MD5 by default), all with the same nonce,
// to be sent as separate header fields in that order (RFC 8760 §2.4,
// RFC 7616 §3.7).
func (s *Server) Challenges() []string {
	nonce := s.newNonce()
	out := make([]string, len(s.algs))
	for i, a := range s.algs {
		out[i] = s.challenge(nonce, a, false)
	}
	return out
}

// StaleChallenges is Challenges with stale=true, for answering ErrStale
// (RFC 7616 §3.3).
func (s *Server) StaleChallenges() []string {
	nonce := s.newNonce()
	out := make([]string, len(s.algs))
	for i, a := range s.algs {
		out[i] = s.challenge(nonce, a, true)
	}
	return out
}

func (s *Server) challenge(nonce string, alg Algorithm, stale bool) string {
	var b strings.Builder
	b.WriteString("Digest realm=")
	b.WriteString(s.qrealm)
	b.WriteString(`, nonce="`)
	b.WriteString(nonce)
	b.WriteString(`", algorithm=`)
	b.WriteString(string(alg))
	b.WriteString(`, qop="auth"`)
	if stale {
		b.WriteString(", stale=true")
	}
	return b.String()
}

func (s *Server) accepts(alg Algorithm) bool {
	for _, a := range s.algs {
		if a == alg {
			return true
		}
	}
	return false
}

// Nonce layout: 8-byte big-endian issue time (Unix nanoseconds), then
// HMAC-SHA256(key, time || realm); base64 without padding (RFC 4648 §3.2),
// whose alphabet needs no escaping in a quoted-string.
const (
	tsLen    = 8
	nonceLen = tsLen + sha256.Size
)

func (s *Server) newNonce() string {
	var raw [nonceLen]byte
	binary.BigEndian.PutUint64(raw[:tsLen], uint64(s.now().UnixNano()))
	copy(raw[tsLen:], s.mac(raw[:tsLen]))
	return base64.RawStdEncoding.EncodeToString(raw[:])
}

func (s *Server) mac(ts []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(ts)
	m.Write([]byte(s.realm))
	return m.Sum(nil)
}

// checkNonce reports whether nonce was issued by a Server with this key and
// realm and, if so, whether it is still fresh.
func (s *Server) checkNonce(nonce string) (authentic, fresh bool) {
	raw, err := base64.RawStdEncoding.DecodeString(nonce)
	if err != nil || len(raw) != nonceLen {
		return false, false
	}
	if !hmac.Equal(raw[tsLen:], s.mac(raw[:tsLen])) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:tsLen])))
	age := s.now().Sub(issued)
	return true, age >= 0 && age <= s.lifetime
}

// Verify checks an Authorization or Proxy-Authorization header value sent
// with a request of the given method (RFC 3261 §22.2–22.3, RFC 7616 §3.4)
// and returns the authenticated username.
//
// lookup returns the password of a username, or ok=false if there is no
// such user; Verify calls it at most once, synchronously, on the caller's
// goroutine. For an unknown user Verify hashes a dummy password instead, so
// that an unknown user and a wrong password cost the same and both return
// ErrUnauthorized itself, unwrapped. (lookup's own timing is the caller's
// concern.)
//
// Checks, in order: the header parses and names the Digest scheme, and has
// username, realm, nonce, uri and response (else ErrMalformed, wrapped);
// the algorithm and qop are ones this Server accepts, qop being "auth" or
// absent (RFC 2069 form), with nc (8 hex digits) and cnonce present when
// qop is given and -sess requiring qop (else ErrUnsupported or
// ErrMalformed, wrapped); the realm is ours and the nonce carries our HMAC
// (else ErrUnauthorized, wrapped); the response matches, compared in
// constant time (else ErrUnauthorized); and the nonce is within its
// lifetime. An expired nonce with a correct response gives ErrStale and
// the username, so that the SIP layer can re-challenge with stale=true
// (RFC 7616 §3.3); an expired nonce with a wrong response gives
// ErrUnauthorized.
//
// Verify hashes the uri parameter as sent; it does not compare it with the
// Request-URI, which proxies may have rewritten (RFC 3261 §22.4 leaves the
// check out). Nonce counts are not tracked: see the package comment.
func (s *Server) Verify(method string, header string, lookup func(username string) (password string, ok bool)) (username string, err error) {
	scheme, p, err := ParseParams(header)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(scheme, "Digest") {
		return "", fmt.Errorf("%w: scheme %q is not Digest", ErrMalformed, scheme)
	}
	for _, k := range []string{"username", "realm", "nonce", "uri", "response"} {
		if _, ok := p[k]; !ok {
			return "", fmt.Errorf("%w: missing %s", ErrMalformed, k)
		}
	}
	if _, ok := p["username*"]; ok {
		return "", fmt.Errorf("%w: username* (RFC 7616 §3.4.4)", ErrUnsupported)
	}
	if strings.EqualFold(p["userhash"], "true") {
		return "", fmt.Errorf("%w: userhash (RFC 7616 §3.4.4)", ErrUnsupported)
	}
	alg, err := ParseAlgorithm(p["algorithm"])
	if err != nil {
		return "", err
	}
	if !s.accepts(alg) {
		return "", fmt.Errorf("%w: algorithm %s not accepted here", ErrUnsupported, alg)
	}
	e := exchange{
		alg:      alg,
		username: p["username"],
		realm:    p["realm"],
		method:   method,
		uri:      p["uri"],
		nonce:    p["nonce"],
	}
	if qop, ok := p["qop"]; ok {
		if !strings.EqualFold(qop, "auth") {
			return "", fmt.Errorf("%w: qop %q", ErrUnsupported, qop)
		}
		e.qop = "auth"
		e.nc, e.cnonce = p["nc"], p["cnonce"]
		if !isNC(e.nc) {
			return "", fmt.Errorf("%w: nc %q is not 8 hex digits", ErrMalformed, e.nc)
		}
		if e.cnonce == "" {
			return "", fmt.Errorf("%w: qop without cnonce", ErrMalformed)
		}
	} else if alg.sess() {
		return "", fmt.Errorf("%w: %s needs qop and cnonce", ErrMalformed, alg)
	}
	if e.realm != s.realm {
		return "", fmt.Errorf("%w: realm %q is not ours", ErrUnauthorized, e.realm)
	}
	authentic, fresh := s.checkNonce(e.nonce)
	if !authentic {
		return "", fmt.Errorf("%w: nonce not issued here", ErrUnauthorized)
	}

	password, known := lookup(e.username)
	if !known {
		password = dummyPassword
	}
	want := e.response(password)
	got := strings.ToLower(p["response"])
	match := subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
	if !match || !known {
		return "", ErrUnauthorized
	}
	if !fresh {
		return e.username, ErrStale
	}
	return e.username, nil
}

// isNC reports whether s is an RFC 7616 §3.4 nc-value: exactly 8 hex digits.
func isNC(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
