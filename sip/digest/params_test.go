package digest

import (
	"errors"
	"maps"
	"testing"
)

func TestParseParams(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		scheme string
		want   map[string]string
	}{
		{"RFC 3261 §22.4 challenge",
			`Digest realm="biloxi.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			"Digest", map[string]string{"realm": "biloxi.com", "qop": "auth,auth-int",
				"nonce": "dcd98b7102dd2f0e8b11d0f600bfb0c093", "opaque": "5ccc069c403ebaf9f0171e9517f40e41"}},
		{"tokens and case-insensitive keys",
			`digest Realm="x", ALGORITHM=SHA-256, qop=auth, NC=00000001, stale=TRUE`,
			"digest", map[string]string{"realm": "x", "algorithm": "SHA-256", "qop": "auth", "nc": "00000001", "stale": "TRUE"}},
		{"quoted comma and escapes",
			`Digest username="a\"b\\c", realm="one, two", uri="sip:x@y;transport=tcp"`,
			"Digest", map[string]string{"username": `a"b\c`, "realm": "one, two", "uri": "sip:x@y;transport=tcp"}},
		{"whitespace around = and commas",
			"Digest  realm = \"r\"\t,\tnonce =\"n\" ,qop= auth",
			"Digest", map[string]string{"realm": "r", "nonce": "n", "qop": "auth"}},
		{"line folding",
			"Digest realm=\"r\",\r\n nonce=\"n\r\n\tm\"",
			"Digest", map[string]string{"realm": "r", "nonce": "n\tm"}},
		{"empty list elements", `Digest , realm="r",, nonce="n",`,
			"Digest", map[string]string{"realm": "r", "nonce": "n"}},
		{"empty quoted value", `Digest realm="", opaque=""`,
			"Digest", map[string]string{"realm": "", "opaque": ""}},
		{"lenient unquoted uri", `Digest uri=sip:bob@biloxi.com, nonce=abc/+=`,
			"Digest", map[string]string{"uri": "sip:bob@biloxi.com", "nonce": "abc/+="}},
		{"scheme only", `Digest`, "Digest", map[string]string{}},
		{"UTF-8 in quoted", `Digest username="Jäsøn Doe"`, "Digest", map[string]string{"username": "Jäsøn Doe"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme, got, err := ParseParams(tt.in)
			if err != nil {
				t.Fatalf("ParseParams: %v", err)
			}
			if scheme != tt.scheme || !maps.Equal(got, tt.want) {
				t.Errorf("ParseParams = %q %v, want %q %v", scheme, got, tt.scheme, tt.want)
			}
		})
	}
}

func TestParseParamsErrors(t *testing.T) {
	for _, in := range []string{
		``,
		`   `,
		`"Digest" realm="r"`,
		`Digest realm`,
		`Digest realm=`,
		`Digest realm="r`,
		`Digest realm="r\`,
		`Digest realm="r" nonce="n"`,
		`Digest realm="r", realm="s"`,
		`Digest realm="r", REALM="s"`,
		`Digest realm="a"b`,
		`Digest realm=a"b"`,
		`Digest realm=a\b`,
		"Digest realm=\"a\nb\"",
		"Digest realm=\"a\r\nb\"",
		"Digest realm=\"a\\\nb\"",
		"Digest realm=\"a\x00b\"",
		"Digest realm=a\x7f",
		"Digest realm=\"r\"\r\nnonce=\"n\"",
		`Digest realm="r", Basic realm="s"`,
		`Digest =x`,
		`Digest, realm="r"`,
		`Digest realm="r",nonce`,
	} {
		if _, _, err := ParseParams(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseParams(%q) err = %v, want ErrMalformed", in, err)
		}
	}
}

func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", `a"b`, `a\b`, `\"\\"`, "tab\there", "ü"} {
		q, err := quote(s)
		if err != nil {
			t.Fatalf("quote(%q): %v", s, err)
		}
		_, p, err := ParseParams("Digest k=" + q)
		if err != nil || p["k"] != s {
			t.Errorf("quote(%q) = %s, parses back to %q, %v", s, q, p["k"], err)
		}
	}
	for _, s := range []string{"a\rb", "a\nb", "a\x00b", "\x7f"} {
		if _, err := quote(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("quote(%q) err = %v, want ErrMalformed", s, err)
		}
	}
}

func BenchmarkParseParams(b *testing.B) {
	h := `Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ParseParams(h); err != nil {
			b.Fatal(err)
		}
	}
}
