package digest

import (
	"errors"
	"testing"
)

// The RFC 7616 §3.9.1 example: user "Mufasa", password "Circle of Life"
// (lowercase "of", erratum 4495), GET /dir/index.html.
const (
	rfc7616Realm  = "http-auth@example.org"
	rfc7616Nonce  = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
	rfc7616Cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
	rfc7616Opaque = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
)

func TestResponseKnownAnswers(t *testing.T) {
	rfc7616 := func(alg Algorithm, qop string) exchange {
		e := exchange{alg: alg, username: "Mufasa", realm: rfc7616Realm, method: "GET",
			uri: "/dir/index.html", nonce: rfc7616Nonce}
		if qop != "" {
			e.qop, e.nc, e.cnonce = qop, "00000001", rfc7616Cnonce
		}
		return e
	}
	tests := []struct {
		name     string
		e        exchange
		password string
		want     string
	}{
		// Published in RFC 7616 §3.9.1.
		{"RFC 7616 §3.9.1 MD5", rfc7616(MD5, "auth"), "Circle of Life", "8ca523f5e9506fed4657c9700eebdbec"},
		{"RFC 7616 §3.9.1 SHA-256", rfc7616(SHA256, "auth"), "Circle of Life",
			"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
		// Published in RFC 2617 §3.5 (capital "Of").
		{"RFC 2617 §3.5 MD5", exchange{alg: MD5, username: "Mufasa", realm: "testrealm@host.com",
			method: "GET", uri: "/dir/index.html", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
			qop: "auth", nc: "00000001", cnonce: "0a4f113b"}, "Circle Of Life", "6629fae49393a05397450978507c4ef1"},
		// Computed with the standard formulas (RFC 2069 §2.1.2, RFC 7616 §3.4.2)
		// by an independent implementation (Python hashlib).
		{"RFC 2069 form MD5", rfc7616(MD5, ""), "Circle of Life", "7b2cc3b30e75b4777ea31027084363fd"},
		{"RFC 2069 form SHA-256", rfc7616(SHA256, ""), "Circle of Life",
			"a1306b0595a6c7fe96c448631fb5cfbd5107bd1fe1da729d978dd7446b812363"},
		{"MD5-sess", rfc7616(MD5Sess, "auth"), "Circle of Life", "e783283f46242139c486a698fec7211d"},
		{"SHA-256-sess", rfc7616(SHA256Sess, "auth"), "Circle of Life",
			"2fd51b3a77ad75bad6afad6003e818d767133c46d9e2749e7f5232ae1ea3efd7"},
		{"SIP REGISTER SHA-256", exchange{alg: SHA256, username: "bob", realm: "biloxi.com",
			method: "REGISTER", uri: "sip:biloxi.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
			qop: "auth", nc: "00000001", cnonce: "0a4f113b"}, "zanzibar",
			"93e0e23c30bf2e3b139a3410a7edc9a5b15b1cfd8fd557ca8ee303e4372339a1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.response(tt.password); got != tt.want {
				t.Errorf("response = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseAlgorithm(t *testing.T) {
	tests := []struct {
		in   string
		want Algorithm
		err  error
	}{
		{"", MD5, nil},
		{"MD5", MD5, nil},
		{"md5", MD5, nil},
		{"SHA-256", SHA256, nil},
		{"sha-256", SHA256, nil},
		{"MD5-sess", MD5Sess, nil},
		{"SHA-256-SESS", SHA256Sess, nil},
		{"SHA-512-256", "", ErrUnsupported},
		{"SHA256", "", ErrUnsupported},
	}
	for _, tt := range tests {
		got, err := ParseAlgorithm(tt.in)
		if got != tt.want || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
			t.Errorf("ParseAlgorithm(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
