package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authenticator checks admin bearer tokens (RFC 6750 §2.1). It keeps only
// the SHA-256 of each token and compares digests, so the time a check takes
// depends neither on where a guess first differs nor on its length.
type authenticator struct {
	sums [][sha256.Size]byte
}

func newAuthenticator(tokens []string) authenticator {
	var a authenticator
	for _, t := range tokens {
		if t != "" { // an unset ${VAR} must never authenticate
			a.sums = append(a.sums, sha256.Sum256([]byte(t)))
		}
	}
	return a
}

// check returns nil when r carries "Authorization: Bearer TOKEN" with one
// of the admin tokens, else an *Error with status 401.
func (a authenticator) check(r *http.Request) error {
	if len(a.sums) == 0 {
		return &Error{Status: http.StatusUnauthorized,
			Message: "the admin API is disabled: admin_tokens is empty in the config"}
	}
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return &Error{Status: http.StatusUnauthorized, Field: "Authorization",
			Message: "missing credentials: send Authorization: Bearer TOKEN with an admin token"}
	}
	got := sha256.Sum256([]byte(token))
	match := 0
	for i := range a.sums { // every token is compared, whichever matches
		match |= subtle.ConstantTimeCompare(got[:], a.sums[i][:])
	}
	if match != 1 {
		return &Error{Status: http.StatusUnauthorized, Field: "Authorization", Message: "invalid admin token",
			bearerError: "invalid_token"}
	}
	return nil
}

// authenticate lets through the requests that carry an admin token.
func (s *server) authenticate(next http.Handler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if err := s.auth.check(r); err != nil {
			s.log.Warn("api request refused", "remote", r.RemoteAddr, "method", r.Method, "path", r.URL.Path,
				"reason", err.Error())
			return err
		}
		next.ServeHTTP(w, r)
		return nil
	})
}
