package digest

// The client side of Digest: Parley answers a trunk's challenges through
// sipgo, so this answerer serves the tests, which check the Server against
// it and it against RFC 7616's examples.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/rules"
)

// clientAnswer computes the Authorization or Proxy-Authorization header value
// answering one WWW-Authenticate or Proxy-Authenticate value (RFC 3261
// §22.2–22.3, RFC 7616 §3.4), for a request with the given method and
// Request-URI.
//
// The answer echoes realm, nonce, algorithm and opaque. When the challenge
// offers qop "auth" it uses qop=auth with a fresh random cnonce and
// nc=00000001 (one answer per nonce: Parley does not reuse nonces); when the
// challenge has no qop it gives the RFC 2069 form (RFC 7616 §3.4.1). A
// challenge that offers only auth-int, asks for userhash, or names an
// algorithm this package lacks gives an error wrapping ErrUnsupported; an
// unparsable one, or one without realm or nonce, an error wrapping
// ErrMalformed. username and uri must not contain control characters.
func clientAnswer(challenge, method, uri, username, password string) (authorization string, err error) {
	c, err := parseChallenge(challenge)
	if err != nil {
		return "", err
	}
	cnonce, err := newCnonce()
	if err != nil {
		return "", err
	}
	return c.answer(method, uri, username, password, cnonce)
}

// clientAnswerBest answers the strongest of several challenges (RFC 8760 §2.4:
// a server lists them strongest first, and the client uses the strongest
// it supports): SHA-256 and SHA-256-sess rank above MD5 and MD5-sess, and
// among equals the first offered wins. Challenges that do not parse, are
// not Digest, or are unsupported are skipped; if none is usable the error
// is that of the first challenge. The challenges are taken to be
// alternatives for one realm; answer challenges from several proxies
// (RFC 3261 §22.3) one realm at a time.
func clientAnswerBest(challenges []string, method, uri, username, password string) (authorization string, err error) {
	var best *challengeParams
	var firstErr error
	for _, ch := range challenges {
		c, err := parseChallenge(ch)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if best == nil || c.alg.strength() > best.alg.strength() {
			best = c
		}
	}
	if best == nil {
		if firstErr == nil {
			firstErr = fmt.Errorf("%w: no challenge", ErrMalformed)
		}
		return "", firstErr
	}
	cnonce, err := newCnonce()
	if err != nil {
		return "", err
	}
	return best.answer(method, uri, username, password, cnonce)
}

// challengeParams is a parsed challenge this package can answer.
type challengeParams struct {
	realm, nonce, opaque string
	hasOpaque            bool
	alg                  Algorithm
	qop                  bool // the challenge offers qop "auth"
}

func parseChallenge(challenge string) (*challengeParams, error) {
	scheme, p, err := ParseParams(challenge)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(scheme, "Digest") {
		return nil, fmt.Errorf("%w: scheme %q is not Digest", ErrUnsupported, scheme)
	}
	c := &challengeParams{realm: p["realm"], nonce: p["nonce"]}
	c.opaque, c.hasOpaque = p["opaque"]
	if _, ok := p["realm"]; !ok {
		return nil, fmt.Errorf("%w: challenge without realm", ErrMalformed)
	}
	if c.nonce == "" {
		return nil, fmt.Errorf("%w: challenge without nonce", ErrMalformed)
	}
	if strings.EqualFold(p["userhash"], "true") {
		return nil, fmt.Errorf("%w: userhash (RFC 7616 §3.4.4)", ErrUnsupported)
	}
	if c.alg, err = ParseAlgorithm(p["algorithm"]); err != nil {
		return nil, err
	}
	if qops, ok := p["qop"]; ok {
		for _, q := range strings.Split(qops, ",") {
			if strings.EqualFold(strings.TrimSpace(q), "auth") {
				c.qop = true
			}
		}
		if !c.qop {
			return nil, fmt.Errorf("%w: qop %q", ErrUnsupported, qops)
		}
	}
	if c.alg.sess() && !c.qop {
		return nil, fmt.Errorf("%w: %s without qop", ErrUnsupported, c.alg)
	}
	return c, nil
}

// answer builds the credentials with the given cnonce (ignored without qop).
func (c *challengeParams) answer(method, uri, username, password, cnonce string) (string, error) {
	if method == "" || !rules.IsSIPToken(method) {
		return "", fmt.Errorf("%w: method %q is not a token", ErrMalformed, method)
	}
	e := exchange{
		alg:      c.alg,
		username: username,
		realm:    c.realm,
		method:   method,
		uri:      uri,
		nonce:    c.nonce,
	}
	if c.qop {
		e.qop, e.nc, e.cnonce = "auth", "00000001", cnonce
	}
	w := newHeaderWriter()
	w.quoted("username", username)
	w.quoted("realm", c.realm)
	w.quoted("nonce", c.nonce)
	w.quoted("uri", uri)
	w.quoted("response", e.response(password))
	w.token("algorithm", string(c.alg))
	if c.qop {
		w.quoted("cnonce", e.cnonce)
		w.token("qop", e.qop)
		w.token("nc", e.nc)
	}
	if c.hasOpaque {
		w.quoted("opaque", c.opaque)
	}
	h, err := w.String()
	if err != nil {
		return "", err
	}
	return h, nil
}

// newCnonce returns 128 random bits in hex (RFC 7616 §3.4: the cnonce
// should be unpredictable).
func newCnonce() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("digest: cnonce: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// strength orders algorithms for RFC 8760 §2.4 ("strongest first"):
// the SHA-256 family before the MD5 family; 0 for anything else.
func (a Algorithm) strength() int {
	switch a {
	case SHA256, SHA256Sess:
		return 2
	case MD5, MD5Sess:
		return 1
	}
	return 0
}

// headerWriter builds "Digest k=v, k=v" values.
type headerWriter struct {
	b   strings.Builder
	err error
}

func newHeaderWriter() *headerWriter {
	w := &headerWriter{}
	w.b.WriteString("Digest ")
	return w
}

func (w *headerWriter) sep() {
	if w.b.Len() > len("Digest ") {
		w.b.WriteString(", ")
	}
}

// quoted appends key="value".
func (w *headerWriter) quoted(key, value string) {
	q, err := quote(value)
	if err != nil && w.err == nil {
		w.err = fmt.Errorf("%s: %w", key, err)
	}
	w.sep()
	w.b.WriteString(key)
	w.b.WriteByte('=')
	w.b.WriteString(q)
}

// token appends key=value; value must already be a token.
func (w *headerWriter) token(key, value string) {
	w.sep()
	w.b.WriteString(key)
	w.b.WriteByte('=')
	w.b.WriteString(value)
}

func (w *headerWriter) String() (string, error) { return w.b.String(), w.err }

// TestAnswerRFC7616 answers the RFC 7616 §3.9.1 challenges with the RFC's
// cnonce and checks the published responses and the echoed parameters.
func TestAnswerRFC7616(t *testing.T) {
	for _, tt := range []struct {
		alg  Algorithm
		want string
	}{
		{MD5, "8ca523f5e9506fed4657c9700eebdbec"},
		{SHA256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		t.Run(string(tt.alg), func(t *testing.T) {
			ch := "Digest\r\n    realm=\"http-auth@example.org\",\r\n    qop=\"auth, auth-int\",\r\n    algorithm=" +
				string(tt.alg) + ",\r\n    nonce=\"" + rfc7616Nonce + "\",\r\n    opaque=\"" + rfc7616Opaque + "\""
			c, err := parseChallenge(ch)
			if err != nil {
				t.Fatal(err)
			}
			auth, err := c.answer("GET", "/dir/index.html", "Mufasa", "Circle of Life", rfc7616Cnonce)
			if err != nil {
				t.Fatal(err)
			}
			scheme, p, err := ParseParams(auth)
			if err != nil || scheme != "Digest" {
				t.Fatalf("answer %q does not parse: %v", auth, err)
			}
			want := map[string]string{
				"username": "Mufasa", "realm": rfc7616Realm, "uri": "/dir/index.html",
				"algorithm": string(tt.alg), "nonce": rfc7616Nonce, "nc": "00000001",
				"cnonce": rfc7616Cnonce, "qop": "auth", "response": tt.want, "opaque": rfc7616Opaque,
			}
			for k, v := range want {
				if p[k] != v {
					t.Errorf("%s = %q, want %q", k, p[k], v)
				}
			}
			if len(p) != len(want) {
				t.Errorf("answer has extra parameters: %q", auth)
			}
		})
	}
}

func TestAnswerRandomCnonce(t *testing.T) {
	ch := `Digest realm="r", nonce="n", qop="auth"`
	a1, err1 := clientAnswer(ch, "INVITE", "sip:x", "u", "p")
	a2, err2 := clientAnswer(ch, "INVITE", "sip:x", "u", "p")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	_, p1, _ := ParseParams(a1)
	_, p2, _ := ParseParams(a2)
	if len(p1["cnonce"]) != 32 || p1["cnonce"] == p2["cnonce"] {
		t.Errorf("cnonces %q and %q", p1["cnonce"], p2["cnonce"])
	}
}

func TestAnswerBest(t *testing.T) {
	md5 := `Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"`
	sha := `Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"`
	shaSess := `Digest realm="r", nonce="n3", algorithm=SHA-256-sess, qop="auth"`
	tests := []struct {
		name       string
		challenges []string
		wantNonce  string
		wantErr    error
	}{
		{"SHA-256 after MD5", []string{md5, sha}, "n2", nil},
		{"SHA-256 first", []string{sha, md5}, "n2", nil},
		{"first of equals", []string{shaSess, sha, md5}, "n3", nil},
		{"skips unsupported", []string{`Digest realm="r", nonce="n0", algorithm=SHA-512-256`, md5}, "n1", nil},
		{"skips Basic and garbage", []string{`Basic realm="r"`, `Digest realm="`, md5}, "n1", nil},
		{"none usable", []string{`Digest realm="r", nonce="n0", algorithm=SHA-512-256`}, "", ErrUnsupported},
		{"only auth-int", []string{`Digest realm="r", nonce="n0", qop="auth-int"`}, "", ErrUnsupported},
		{"empty", nil, "", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := clientAnswerBest(tt.challenges, "INVITE", "sip:x", "u", "p")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("clientAnswerBest = %q, %v; want %v", auth, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, p, _ := ParseParams(auth); p["nonce"] != tt.wantNonce {
				t.Errorf("answered nonce %q, want %q (%s)", p["nonce"], tt.wantNonce, auth)
			}
		})
	}
}

func TestAnswerErrors(t *testing.T) {
	tests := []struct {
		name                         string
		challenge, method, uri, user string
		want                         error
	}{
		{"unparsable", `Digest realm="r`, "INVITE", "sip:x", "u", ErrMalformed},
		{"no nonce", `Digest realm="r", qop="auth"`, "INVITE", "sip:x", "u", ErrMalformed},
		{"no realm", `Digest nonce="n", qop="auth"`, "INVITE", "sip:x", "u", ErrMalformed},
		{"Basic", `Basic realm="r"`, "INVITE", "sip:x", "u", ErrUnsupported},
		{"userhash", `Digest realm="r", nonce="n", userhash=true`, "INVITE", "sip:x", "u", ErrUnsupported},
		{"sess without qop", `Digest realm="r", nonce="n", algorithm=MD5-sess`, "INVITE", "sip:x", "u", ErrUnsupported},
		{"CRLF in username", `Digest realm="r", nonce="n"`, "INVITE", "sip:x", "u\r\nVia: evil", ErrMalformed},
		{"CRLF in uri", `Digest realm="r", nonce="n"`, "INVITE", "sip:x\r\n", "u", ErrMalformed},
		{"bad method", `Digest realm="r", nonce="n"`, "IN VITE", "sip:x", "u", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth, err := clientAnswer(tt.challenge, tt.method, tt.uri, tt.user, "p")
			if !errors.Is(err, tt.want) || auth != "" {
				t.Errorf("clientAnswer = %q, %v; want %v", auth, err, tt.want)
			}
		})
	}
}

func TestAnswerEscapes(t *testing.T) {
	s, err := NewServer("r", testKey)
	if err != nil {
		t.Fatal(err)
	}
	user := `odd "user" \ name`
	auth, err := clientAnswer(s.Challenge(MD5, false), "OPTIONS", "sip:x", user, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(auth, `username="odd \"user\" \\ name"`) {
		t.Errorf("username not escaped: %s", auth)
	}
	got, err := s.Verify("OPTIONS", auth, func(u string) (string, bool) { return "pw", u == user })
	if err != nil || got != user {
		t.Errorf("Verify = %q, %v", got, err)
	}
}
