package digest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a clock tests step by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time // guarded by mu
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newTestServer(t *testing.T, opts ...Option) (*Server, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	s, err := NewServer("parley.example", testKey, append([]Option{WithClock(clk.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

var users = map[string]string{"alice": "wonderland", "bob": "zanzibar"}

func lookup(u string) (string, bool) {
	p, ok := users[u]
	return p, ok
}

func mustAnswer(t *testing.T, challenge, method, uri, user, pass string) string {
	t.Helper()
	h, err := clientAnswer(challenge, method, uri, user, pass)
	if err != nil {
		t.Fatalf("clientAnswer(%q): %v", challenge, err)
	}
	return h
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range []Algorithm{SHA256, MD5, SHA256Sess, MD5Sess} {
		t.Run(string(alg), func(t *testing.T) {
			s, _ := newTestServer(t, WithAlgorithms(SHA256, MD5, SHA256Sess, MD5Sess))
			ch := s.Challenge(alg, false)
			if !strings.Contains(ch, "algorithm="+string(alg)+",") {
				t.Fatalf("challenge %q does not name %s", ch, alg)
			}
			auth := mustAnswer(t, ch, "INVITE", "sip:room1@parley.example", "alice", "wonderland")
			user, err := s.Verify("INVITE", auth, lookup)
			if err != nil || user != "alice" {
				t.Fatalf("Verify(%q) = %q, %v", auth, user, err)
			}
			// The method is part of HA2.
			if _, err := s.Verify("BYE", auth, lookup); err != ErrUnauthorized {
				t.Errorf("Verify with another method: %v, want ErrUnauthorized", err)
			}
		})
	}
}

func TestChallengesOrder(t *testing.T) {
	s, _ := newTestServer(t)
	chs := s.Challenges()
	if len(chs) != 2 {
		t.Fatalf("Challenges() = %q", chs)
	}
	for i, want := range []Algorithm{SHA256, MD5} {
		_, p, err := ParseParams(chs[i])
		if err != nil {
			t.Fatal(err)
		}
		if p["algorithm"] != string(want) || p["realm"] != "parley.example" || p["qop"] != "auth" || p["nonce"] == "" {
			t.Errorf("challenge %d = %q, want algorithm %s", i, chs[i], want)
		}
		if _, ok := p["stale"]; ok {
			t.Errorf("challenge %d has stale: %q", i, chs[i])
		}
	}
	for _, ch := range s.StaleChallenges() {
		if !strings.HasSuffix(ch, ", stale=true") {
			t.Errorf("stale challenge %q", ch)
		}
	}
	auth, err := clientAnswerBest(chs, "REGISTER", "sip:parley.example", "bob", "zanzibar")
	if err != nil || !strings.Contains(auth, "algorithm=SHA-256,") {
		t.Fatalf("clientAnswerBest = %q, %v; want SHA-256", auth, err)
	}
	if user, err := s.Verify("REGISTER", auth, lookup); err != nil || user != "bob" {
		t.Errorf("Verify = %q, %v", user, err)
	}
}

func TestChallengeAlgorithmFallback(t *testing.T) {
	s, _ := newTestServer(t, WithAlgorithms(SHA256))
	if got := s.Challenge(MD5, true); !strings.Contains(got, "algorithm=SHA-256,") || !strings.HasSuffix(got, "stale=true") {
		t.Errorf("Challenge(MD5) on a SHA-256-only server = %q", got)
	}
	auth := mustAnswer(t, `Digest realm="parley.example", nonce="`+nonceOf(t, s)+`", algorithm=MD5, qop="auth"`,
		"INVITE", "sip:x@parley.example", "alice", "wonderland")
	if _, err := s.Verify("INVITE", auth, lookup); !errors.Is(err, ErrUnsupported) {
		t.Errorf("MD5 answer to a SHA-256-only server: %v, want ErrUnsupported", err)
	}
}

func nonceOf(t *testing.T, s *Server) string {
	t.Helper()
	_, p, err := ParseParams(s.Challenge(SHA256, false))
	if err != nil {
		t.Fatal(err)
	}
	return p["nonce"]
}

// TestUnknownUserIndistinguishable checks the property the SIP layer relies
// on to avoid username enumeration: same error value, same hashing.
func TestUnknownUserIndistinguishable(t *testing.T) {
	s, _ := newTestServer(t)
	ch := s.Challenge(SHA256, false)
	wrongPass := mustAnswer(t, ch, "INVITE", "sip:r@parley.example", "alice", "guess")
	unknown := mustAnswer(t, ch, "INVITE", "sip:r@parley.example", "mallory", "guess")

	var calls []string
	counting := func(u string) (string, bool) {
		calls = append(calls, u)
		return lookup(u)
	}
	_, err1 := s.Verify("INVITE", wrongPass, counting)
	_, err2 := s.Verify("INVITE", unknown, counting)
	if err1 != ErrUnauthorized || err2 != ErrUnauthorized {
		t.Fatalf("wrong password: %v, unknown user: %v; want ErrUnauthorized for both, unwrapped", err1, err2)
	}
	if len(calls) != 2 {
		t.Errorf("lookup calls = %q", calls)
	}
	// An unknown user is refused even when the response matches the dummy password.
	dummy := mustAnswer(t, ch, "INVITE", "sip:r@parley.example", "mallory", dummyPassword)
	if _, err := s.Verify("INVITE", dummy, lookup); err != ErrUnauthorized {
		t.Errorf("unknown user with the dummy password: %v", err)
	}
	// Equal work: both paths compute one response, so allocations match.
	a1 := testing.AllocsPerRun(50, func() { s.Verify("INVITE", wrongPass, lookup) })
	a2 := testing.AllocsPerRun(50, func() { s.Verify("INVITE", unknown, lookup) })
	if a1 != a2 {
		t.Errorf("allocations: wrong password %v, unknown user %v", a1, a2)
	}
}

func TestStaleNonce(t *testing.T) {
	s, clk := newTestServer(t, WithLifetime(time.Minute))
	auth := mustAnswer(t, s.Challenge(SHA256, false), "INVITE", "sip:r@parley.example", "alice", "wonderland")
	clk.Advance(time.Minute)
	if _, err := s.Verify("INVITE", auth, lookup); err != nil {
		t.Fatalf("at exactly the lifetime: %v", err)
	}
	clk.Advance(time.Nanosecond)
	user, err := s.Verify("INVITE", auth, lookup)
	if err != ErrStale || user != "alice" {
		t.Fatalf("expired nonce, right password: %q, %v; want alice, ErrStale", user, err)
	}
	// Stale is only said for a correct response (RFC 7616 §3.3).
	bad := mustAnswer(t, s.Challenge(SHA256, false), "INVITE", "sip:r@parley.example", "alice", "nope")
	clk.Advance(2 * time.Minute)
	if _, err := s.Verify("INVITE", bad, lookup); err != ErrUnauthorized {
		t.Errorf("expired nonce, wrong password: %v, want ErrUnauthorized", err)
	}
	// A nonce from the future (clock stepped back) is not fresh either.
	future := mustAnswer(t, s.Challenge(SHA256, false), "INVITE", "sip:r@parley.example", "alice", "wonderland")
	clk.Advance(-time.Hour)
	if _, err := s.Verify("INVITE", future, lookup); err != ErrStale {
		t.Errorf("nonce from the future: %v, want ErrStale", err)
	}
	// The default lifetime is five minutes.
	d, clk2 := newTestServer(t)
	auth = mustAnswer(t, d.Challenge(MD5, false), "INVITE", "sip:r@parley.example", "bob", "zanzibar")
	clk2.Advance(DefaultLifetime)
	if _, err := d.Verify("INVITE", auth, lookup); err != nil {
		t.Errorf("default lifetime: %v", err)
	}
	clk2.Advance(time.Second)
	if _, err := d.Verify("INVITE", auth, lookup); err != ErrStale {
		t.Errorf("after default lifetime: %v", err)
	}
}

func TestForgedNonce(t *testing.T) {
	s, clk := newTestServer(t)
	other, err := NewServer("parley.example", []byte("another key, also 16+ bytes"))
	if err != nil {
		t.Fatal(err)
	}
	otherRealm, err := NewServer("elsewhere.example", testKey)
	if err != nil {
		t.Fatal(err)
	}
	nonce := nonceOf(t, s)
	flipped := []byte(nonce)
	flipped[3] ^= 1 // alter the timestamp
	chOf := func(n string) string {
		return `Digest realm="parley.example", nonce="` + n + `", algorithm=SHA-256, qop="auth"`
	}
	for name, ch := range map[string]string{
		"other key":      other.Challenge(SHA256, false),
		"other realm":    strings.Replace(otherRealm.Challenge(SHA256, false), "elsewhere.example", "parley.example", 1),
		"tampered time":  chOf(string(flipped)),
		"RFC 7616 nonce": chOf(rfc7616Nonce),
		"not base64":     chOf("!!!!"),
		"truncated":      chOf(nonce[:20]),
	} {
		auth := mustAnswer(t, ch, "INVITE", "sip:r@parley.example", "alice", "wonderland")
		if _, err := s.Verify("INVITE", auth, lookup); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: %v, want ErrUnauthorized", name, err)
		}
	}
	// A second instance sharing key and realm accepts the nonce.
	twin, err := NewServer("parley.example", testKey, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	auth := mustAnswer(t, twin.Challenge(SHA256, false), "INVITE", "sip:r@parley.example", "alice", "wonderland")
	if _, err := s.Verify("INVITE", auth, lookup); err != nil {
		t.Errorf("twin nonce: %v", err)
	}
}

func TestWrongRealm(t *testing.T) {
	s, _ := newTestServer(t)
	ch := strings.Replace(s.Challenge(SHA256, false), `realm="parley.example"`, `realm="evil.example"`, 1)
	auth := mustAnswer(t, ch, "INVITE", "sip:r@parley.example", "alice", "wonderland")
	if _, err := s.Verify("INVITE", auth, lookup); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong realm: %v, want ErrUnauthorized", err)
	}
}

func TestTamperedResponse(t *testing.T) {
	s, _ := newTestServer(t)
	ch := s.Challenge(SHA256, false)
	auth := mustAnswer(t, ch, "INVITE", "sip:r@parley.example", "alice", "wonderland")
	_, p, _ := ParseParams(auth)
	resp := p["response"]
	swap := func(old, new string) string { return strings.Replace(auth, old, new, 1) }
	flip := []byte(resp)
	if flip[0] == '0' {
		flip[0] = '1'
	} else {
		flip[0] = '0'
	}
	for name, h := range map[string]string{
		"response bit":   swap(resp, string(flip)),
		"response short": swap(resp, resp[:32]),
		"uri":            swap(`uri="sip:r@parley.example"`, `uri="sip:other@parley.example"`),
		"username":       swap(`username="alice"`, `username="bob"`),
		"cnonce":         swap(`cnonce="`, `cnonce="x`),
		"nc":             swap(`nc=00000001`, `nc=00000002`),
		"algorithm":      swap(`algorithm=SHA-256`, `algorithm=MD5`),
	} {
		if _, err := s.Verify("INVITE", h, lookup); err != ErrUnauthorized {
			t.Errorf("%s: %v, want ErrUnauthorized", name, err)
		}
	}
	// Uppercase hex is the same response.
	if _, err := s.Verify("INVITE", swap(resp, strings.ToUpper(resp)), lookup); err != nil {
		t.Errorf("uppercase response: %v", err)
	}
}

func TestMalformedAndUnsupported(t *testing.T) {
	s, _ := newTestServer(t, WithAlgorithms(SHA256, MD5, MD5Sess))
	nonce := nonceOf(t, s)
	base := map[string]string{
		"username": `"alice"`, "realm": `"parley.example"`, "nonce": `"` + nonce + `"`,
		"uri": `"sip:r@parley.example"`, "response": `"00"`, "qop": "auth", "nc": "00000001", "cnonce": `"c"`,
	}
	build := func(drop string, set ...string) string {
		m := map[string]string{}
		for k, v := range base {
			if k != drop {
				m[k] = v
			}
		}
		for i := 0; i+1 < len(set); i += 2 {
			m[set[i]] = set[i+1]
		}
		parts := []string{}
		for k, v := range m {
			parts = append(parts, k+"="+v)
		}
		return "Digest " + strings.Join(parts, ", ")
	}
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"empty", "", ErrMalformed},
		{"basic", `Basic YWxpY2U6d29uZGVybGFuZA==`, ErrMalformed},
		{"no username", build("username"), ErrMalformed},
		{"no realm", build("realm"), ErrMalformed},
		{"no nonce", build("nonce"), ErrMalformed},
		{"no uri", build("uri"), ErrMalformed},
		{"no response", build("response"), ErrMalformed},
		{"qop without nc", build("nc"), ErrMalformed},
		{"qop without cnonce", build("cnonce"), ErrMalformed},
		{"bad nc", build("", "nc", "1"), ErrMalformed},
		{"sess without qop", build("qop", "algorithm", "MD5-sess"), ErrMalformed},
		{"duplicate param", build("") + `, response="11"`, ErrMalformed},
		{"unterminated", build("") + `, opaque="x`, ErrMalformed},
		{"auth-int", build("", "qop", "auth-int"), ErrUnsupported},
		{"SHA-512-256", build("", "algorithm", "SHA-512-256"), ErrUnsupported},
		{"SHA-256-sess not accepted", build("", "algorithm", "SHA-256-sess"), ErrUnsupported},
		{"userhash", build("", "userhash", "true"), ErrUnsupported},
		{"username*", build("", "username*", "UTF-8''alice"), ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			_, err := s.Verify("INVITE", tt.header, func(string) (string, bool) { called = true; return "", false })
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify(%q) = %v, want %v", tt.header, err, tt.want)
			}
			if called {
				t.Error("lookup called for a header refused before hashing")
			}
		})
	}
}

// TestRFC2069 checks the form without qop (RFC 3261 §22.4, RFC 7616 §3.4.1).
func TestRFC2069(t *testing.T) {
	s, _ := newTestServer(t)
	nonce := nonceOf(t, s)
	for _, alg := range []Algorithm{MD5, SHA256} {
		ch := `Digest realm="parley.example", nonce="` + nonce + `", algorithm=` + string(alg)
		auth := mustAnswer(t, ch, "REGISTER", "sip:parley.example", "bob", "zanzibar")
		for _, p := range []string{"qop=", "nc=", "cnonce="} {
			if strings.Contains(auth, p) {
				t.Errorf("RFC 2069 answer %q has %s", auth, p)
			}
		}
		if user, err := s.Verify("REGISTER", auth, lookup); err != nil || user != "bob" {
			t.Errorf("%s: Verify(%q) = %q, %v", alg, auth, user, err)
		}
	}
	// No algorithm parameter at all means MD5.
	e := exchange{alg: MD5, username: "bob", realm: "parley.example", method: "REGISTER", uri: "sip:parley.example", nonce: nonce}
	h := `Digest username="bob", realm="parley.example", nonce="` + nonce + `", uri="sip:parley.example", response="` + e.response("zanzibar") + `"`
	if user, err := s.Verify("REGISTER", h, lookup); err != nil || user != "bob" {
		t.Errorf("no algorithm: %q, %v", user, err)
	}
}

func TestNewServerErrors(t *testing.T) {
	tests := []struct {
		name  string
		realm string
		key   []byte
		opts  []Option
	}{
		{"empty realm", "", testKey, nil},
		{"CRLF in realm", "a\r\nVia: x", testKey, nil},
		{"short key", "r", []byte("short"), nil},
		{"zero lifetime", "r", testKey, []Option{WithLifetime(0)}},
		{"nil clock", "r", testKey, []Option{WithClock(nil)}},
		{"no algorithms", "r", testKey, []Option{WithAlgorithms()}},
		{"unknown algorithm", "r", testKey, []Option{WithAlgorithms("SHA-512-256")}},
		{"duplicate algorithm", "r", testKey, []Option{WithAlgorithms(MD5, MD5)}},
	}
	for _, tt := range tests {
		if s, err := NewServer(tt.realm, tt.key, tt.opts...); err == nil {
			t.Errorf("%s: NewServer = %v, want error", tt.name, s)
		}
	}
	// A realm needing escapes round-trips.
	s, err := NewServer(`the "quoted" realm`, testKey)
	if err != nil {
		t.Fatal(err)
	}
	auth := mustAnswer(t, s.Challenge(SHA256, false), "INVITE", "sip:x", "alice", "wonderland")
	if _, err := s.Verify("INVITE", auth, lookup); err != nil {
		t.Errorf("escaped realm: %v", err)
	}
	if s.Realm() != `the "quoted" realm` {
		t.Errorf("Realm() = %q", s.Realm())
	}
}

func TestVerifyConcurrent(t *testing.T) {
	s, _ := newTestServer(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			auth, err := clientAnswer(s.Challenge(SHA256, false), "INVITE", "sip:r", "alice", "wonderland")
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := s.Verify("INVITE", auth, lookup); err != nil {
				t.Errorf("goroutine %d: %v", i, err)
			}
		})
	}
	wg.Wait()
}

func BenchmarkVerify(b *testing.B) {
	s, err := NewServer("parley.example", testKey)
	if err != nil {
		b.Fatal(err)
	}
	auth, err := clientAnswer(s.Challenge(SHA256, false), "INVITE", "sip:r@parley.example", "alice", "wonderland")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify("INVITE", auth, lookup); err != nil {
			b.Fatal(err)
		}
	}
}
