package digest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/rules"
)

// Answer computes the Authorization or Proxy-Authorization header value
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
func Answer(challenge, method, uri, username, password string) (authorization string, err error) {
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

// AnswerBest answers the strongest of several challenges (RFC 8760 §2.4:
// a server lists them strongest first, and the client uses the strongest
// it supports): SHA-256 and SHA-256-sess rank above MD5 and MD5-sess, and
// among equals the first offered wins. Challenges that do not parse, are
// not Digest, or are unsupported are skipped; if none is usable the error
// is that of the first challenge. The challenges are taken to be
// alternatives for one realm; answer challenges from several proxies
// (RFC 3261 §22.3) one realm at a time.
func AnswerBest(challenges []string, method, uri, username, password string) (authorization string, err error) {
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
	if !rules.IsSIPToken(method) {
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
