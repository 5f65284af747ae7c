package digest

import (
	"errors"
	"strings"
	"testing"
)

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
	a1, err1 := Answer(ch, "INVITE", "sip:x", "u", "p")
	a2, err2 := Answer(ch, "INVITE", "sip:x", "u", "p")
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
			auth, err := AnswerBest(tt.challenges, "INVITE", "sip:x", "u", "p")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("AnswerBest = %q, %v; want %v", auth, err, tt.wantErr)
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
			auth, err := Answer(tt.challenge, tt.method, tt.uri, tt.user, "p")
			if !errors.Is(err, tt.want) || auth != "" {
				t.Errorf("Answer = %q, %v; want %v", auth, err, tt.want)
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
	auth, err := Answer(s.Challenge(MD5, false), "OPTIONS", "sip:x", user, "pw")
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
