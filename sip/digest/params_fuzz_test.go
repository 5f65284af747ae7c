package digest

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
)

// FuzzParseParams checks that ParseParams never panics, that every error
// wraps ErrMalformed, that parsed values carry no CR, LF or NUL (so they
// cannot smuggle a header), and that what it accepts survives a round trip
// through quote. Seeds are in testdata/fuzz/FuzzParseParams.
func FuzzParseParams(f *testing.F) {
	f.Add(`Digest realm="biloxi.com", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093"`)
	f.Fuzz(func(t *testing.T, in string) {
		scheme, p, err := ParseParams(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		var b strings.Builder
		b.WriteString(scheme)
		for i, k := range slices.Sorted(maps.Keys(p)) {
			v := p[k]
			if strings.ContainsAny(v, "\r\n\x00") {
				t.Fatalf("value of %q holds CR, LF or NUL: %q", k, v)
			}
			q, err := quote(v)
			if err != nil {
				t.Fatalf("quote(%q): %v", v, err)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(" " + k + "=" + q)
		}
		scheme2, p2, err := ParseParams(b.String())
		if err != nil {
			t.Fatalf("reparse of %q: %v", b.String(), err)
		}
		if scheme2 != scheme || !maps.Equal(p, p2) {
			t.Fatalf("round trip: %q %v became %q %v", scheme, p, scheme2, p2)
		}
	})
}
