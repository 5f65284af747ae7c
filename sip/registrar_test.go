package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosip "github.com/emiago/sipgo/sip"
	icdigest "github.com/icholy/digest"

	"github.com/parleyhq/parley/sip/digest"
)

// regTx is the part of a sipgo server transaction the registrar uses: it
// records the response.
type regTx struct {
	mu  sync.Mutex
	res []*gosip.Response
}

var _ gosip.ServerTransaction = (*regTx)(nil)

func (tx *regTx) Respond(res *gosip.Response) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.res = append(tx.res, res)
	return nil
}
func (tx *regTx) Terminate()                           {}
func (tx *regTx) OnTerminate(gosip.FnTxTerminate) bool { return false }
func (tx *regTx) Done() <-chan struct{}                { return nil }
func (tx *regTx) Err() error                           { return nil }
func (tx *regTx) Acks() <-chan *gosip.Request          { return nil }
func (tx *regTx) OnCancel(gosip.FnTxCancel) bool       { return false }

// regClock is a clock the test steps by hand.
type regClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *regClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *regClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// regFixture is a registrar for extensions 2001 (secret1) and 2002
// (secret2) on a stepped clock, with its log captured.
type regFixture struct {
	r     *Registrar
	auth  *digest.Server
	clock *regClock
	logMu sync.Mutex
	logs  bytes.Buffer
}

func (f *regFixture) Write(p []byte) (int, error) {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	return f.logs.Write(p)
}

func (f *regFixture) log() string {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	return f.logs.String()
}

func newRegFixture(t *testing.T, opts RegistrarOptions) *regFixture {
	t.Helper()
	f := &regFixture{clock: &regClock{now: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}}
	auth, err := digest.NewServer("parley.test", bytes.Repeat([]byte("k"), 32), digest.WithClock(f.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	f.auth = auth
	opts.Clock = f.clock.Now
	opts.Logger = slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.r, err = NewRegistrar([]Extension{
		{Number: "2001", Name: "Alice", Password: "secret1"},
		{Number: "2002", Name: "Bob", Password: "secret2"},
	}, auth, opts)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// regReq describes a REGISTER to build.
type regReq struct {
	ext       string   // To and From user
	contacts  []string // Contact values
	expires   string   // Expires header; "" for none
	callID    string   // default "call-1"
	cseq      uint32   // default 1
	source    string   // default 192.0.2.10:5060
	via       string   // sent-by; default the source
	rport     bool     // add an empty rport to the Via
	transport string   // default UDP
	auth      string   // Authorization value; "" for none
	extra     []gosip.Header
}

func (q regReq) build(t *testing.T) *gosip.Request {
	t.Helper()
	if q.callID == "" {
		q.callID = "call-1"
	}
	if q.cseq == 0 {
		q.cseq = 1
	}
	if q.source == "" {
		q.source = "192.0.2.10:5060"
	}
	if q.via == "" {
		q.via = q.source
	}
	if q.transport == "" {
		q.transport = "UDP"
	}
	req := gosip.NewRequest(gosip.REGISTER, gosip.Uri{Scheme: "sip", Host: "parley.test"})
	host, port, err := gosip.ParseAddr(q.via)
	if err != nil {
		t.Fatal(err)
	}
	via := &gosip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: q.transport,
		Host: host, Port: port, Params: gosip.NewParams()}
	via.Params.Add("branch", gosip.GenerateBranch())
	if q.rport {
		via.Params.Add("rport", "")
	}
	req.AppendHeader(via)
	from := &gosip.FromHeader{Address: gosip.Uri{Scheme: "sip", User: q.ext, Host: "parley.test"}, Params: gosip.NewParams()}
	from.Params.Add("tag", "ftag")
	req.AppendHeader(from)
	req.AppendHeader(&gosip.ToHeader{Address: gosip.Uri{Scheme: "sip", User: q.ext, Host: "parley.test"}})
	callID := gosip.CallIDHeader(q.callID)
	req.AppendHeader(&callID)
	req.AppendHeader(&gosip.CSeqHeader{SeqNo: q.cseq, MethodName: gosip.REGISTER})
	for _, c := range q.contacts {
		h := &gosip.ContactHeader{}
		if c == "*" {
			h.Address.Wildcard = true
		} else if _, err := gosip.ParseAddressValue(c, &h.Address, &h.Params); err != nil {
			t.Fatalf("contact %q: %v", c, err)
		}
		req.AppendHeader(h)
	}
	if q.expires != "" {
		req.AppendHeader(gosip.NewHeader("Expires", q.expires))
	}
	if q.auth != "" {
		req.AppendHeader(gosip.NewHeader("Authorization", q.auth))
	}
	req.AppendHeader(gosip.NewHeader("User-Agent", "test-phone/1.0"))
	for _, h := range q.extra {
		req.AppendHeader(h)
	}
	req.SetSource(q.source)
	req.SetTransport(q.transport)
	return req
}

// send hands req to the registrar and returns its one response.
func (f *regFixture) send(t *testing.T, req *gosip.Request) *gosip.Response {
	t.Helper()
	tx := &regTx{}
	f.r.HandleRegister(req, tx)
	if len(tx.res) != 1 {
		t.Fatalf("%d responses, want 1", len(tx.res))
	}
	return tx.res[0]
}

// creds gets a challenge and answers its alg variant for user/password.
func (f *regFixture) creds(t *testing.T, alg digest.Algorithm, user, password string) string {
	t.Helper()
	res := f.send(t, regReq{ext: user, contacts: []string{"<sip:x@192.0.2.99>"}, callID: "challenge-" + user}.build(t))
	if res.StatusCode != 401 {
		t.Fatalf("unauthenticated REGISTER got %d, want 401", res.StatusCode)
	}
	for _, h := range res.GetHeaders("WWW-Authenticate") {
		if strings.Contains(h.Value(), "algorithm="+string(alg)+",") {
			// icholy/digest, the client sipgo answers challenges with.
			ch, err := icdigest.ParseChallenge(h.Value())
			if err != nil {
				t.Fatal(err)
			}
			cred, err := icdigest.Digest(ch, icdigest.Options{Method: "REGISTER", URI: "sip:parley.test",
				Username: user, Password: password})
			if err != nil {
				t.Fatal(err)
			}
			return cred.String()
		}
	}
	t.Fatalf("no %s challenge in %v", alg, res)
	return ""
}

// contactExpires maps each Contact URI of res to its expires parameter.
func contactExpires(t *testing.T, res *gosip.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, h := range res.GetHeaders("Contact") {
		c := h.(*gosip.ContactHeader)
		e, ok := c.Params.Get("expires")
		if !ok {
			t.Errorf("contact %s has no expires", c.Value())
		}
		out[c.Address.String()] = e
	}
	return out
}

func headerNames(res *gosip.Response) []string {
	var out []string
	for _, h := range res.Headers() {
		out = append(out, h.Name())
	}
	return out
}

func TestRegistrarChallenge(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	res := f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10:5060>"}}.build(t))
	if res.StatusCode != 401 || res.Reason != "Unauthorized" {
		t.Fatalf("got %d %s, want 401 Unauthorized", res.StatusCode, res.Reason)
	}
	chs := res.GetHeaders("WWW-Authenticate")
	if len(chs) != 2 || !strings.Contains(chs[0].Value(), "algorithm=SHA-256") || !strings.Contains(chs[1].Value(), "algorithm=MD5") {
		t.Fatalf("challenges %v, want SHA-256 then MD5 (RFC 8760 §2.4)", chs)
	}
	for _, c := range chs {
		if !strings.Contains(c.Value(), `realm="parley.test"`) || !strings.Contains(c.Value(), `qop="auth"`) || strings.Contains(c.Value(), "stale") {
			t.Errorf("challenge %q", c.Value())
		}
	}
	if got := f.r.Contacts("2001"); len(got) != 0 {
		t.Errorf("unauthenticated REGISTER bound %v", got)
	}
}

func TestRegistrarSuccess(t *testing.T) {
	for _, alg := range []digest.Algorithm{digest.MD5, digest.SHA256} {
		t.Run(string(alg), func(t *testing.T) {
			f := newRegFixture(t, RegistrarOptions{})
			auth := f.creds(t, alg, "2001", "secret1")
			res := f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10:5060>"}, cseq: 2, auth: auth}.build(t))
			if res.StatusCode != 200 {
				t.Fatalf("got %d %s, want 200", res.StatusCode, res.Reason)
			}
			if got := contactExpires(t, res); got["sip:2001@192.0.2.10:5060"] != "3600" || len(got) != 1 {
				t.Errorf("contacts %v, want the one with expires=3600", got)
			}
			date := res.GetHeader("Date")
			if date == nil {
				t.Fatal("no Date header (RFC 3261 §10.3 step 8)")
			}
			if d, err := time.Parse(time.RFC1123, date.Value()); err != nil || !d.Equal(f.clock.Now()) {
				t.Errorf("Date %q (%v), want %v", date.Value(), err, f.clock.Now())
			}
			bs := f.r.Contacts("2001")
			if len(bs) != 1 {
				t.Fatalf("Contacts = %v, want one", bs)
			}
			b := bs[0]
			if b.Contact.String() != "sip:2001@192.0.2.10:5060" || b.Destination != "192.0.2.10:5060" || b.Transport != "udp" ||
				b.NAT || b.UserAgent != "test-phone/1.0" || !b.Expires.Equal(f.clock.Now().Add(time.Hour)) || b.Extension != "2001" {
				t.Errorf("binding %+v", b)
			}
			if !strings.Contains(f.log(), `"msg":"registration added"`) {
				t.Errorf("no registration log line:\n%s", f.log())
			}
		})
	}
}

// TestRegistrarUnknownAndWrongPasswordAlike checks that a wrong password
// and an unknown extension get the same answer, including the 403 after
// repeated failures, and that the log never holds a password or response.
func TestRegistrarUnknownAndWrongPasswordAlike(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{}) // the guard's defaults: 3 free failures, then 1 s, 2 s, …
	n := 0
	attempt := func(ext, password, source string) *gosip.Response {
		auth := f.creds(t, digest.SHA256, ext, password)
		n++
		return f.send(t, regReq{ext: ext, contacts: []string{"<sip:x@192.0.2.10>"}, callID: fmt.Sprint("attempt-", n),
			auth: auth, source: source}.build(t))
	}
	same := func(a, b *gosip.Response) {
		t.Helper()
		if a.StatusCode != b.StatusCode || a.Reason != b.Reason || !slices.Equal(headerNames(a), headerNames(b)) {
			t.Errorf("responses differ:\n%v\n%v", a, b)
		}
		ca, cb := a.GetHeaders("WWW-Authenticate"), b.GetHeaders("WWW-Authenticate")
		if len(ca) != len(cb) {
			t.Fatalf("%d vs %d challenges", len(ca), len(cb))
		}
		for i := range ca {
			strip := func(s string) string { // the nonces differ, by design
				i := strings.Index(s, `nonce="`)
				j := strings.Index(s[i+7:], `"`)
				return s[:i] + s[i+7+j:]
			}
			if strip(ca[i].Value()) != strip(cb[i].Value()) {
				t.Errorf("challenge %d differs: %q vs %q", i, ca[i].Value(), cb[i].Value())
			}
		}
	}
	for i := range 4 {
		wrong := attempt("2001", "not-secret", "192.0.2.20:5060")
		unknown := attempt("2999", "whatever", "192.0.2.21:5060")
		if wrong.StatusCode != 401 || len(wrong.GetHeaders("WWW-Authenticate")) != 2 {
			t.Fatalf("attempt %d: wrong password got %v", i, wrong)
		}
		same(wrong, unknown)
	}
	// Blocked now: 403, the same for both, even with the right password.
	wrong := attempt("2001", "secret1", "192.0.2.20:5060")
	unknown := attempt("2999", "whatever", "192.0.2.21:5060")
	if wrong.StatusCode != 403 {
		t.Fatalf("after 4 failures got %d, want 403", wrong.StatusCode)
	}
	same(wrong, unknown)
	// Another source is not blocked.
	if res := attempt("2001", "secret1", "192.0.2.22:5060"); res.StatusCode != 200 {
		t.Errorf("other source got %d, want 200", res.StatusCode)
	}
	// The block lapses.
	f.clock.Advance(time.Minute)
	if res := attempt("2001", "secret1", "192.0.2.20:5060"); res.StatusCode != 200 {
		t.Errorf("after the block got %d, want 200", res.StatusCode)
	}

	logs := f.log()
	for _, want := range []string{`"reason":"wrong password"`, `"reason":"unknown extension"`, `"extension":"2999"`, `"source":"192.0.2.20:5060"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	for _, secret := range []string{"secret1", "not-secret", "whatever", "response="} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q:\n%s", secret, logs)
		}
	}
}

func TestRegistrarStaleNonce(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.MD5, "2001", "secret1")
	f.clock.Advance(digest.DefaultLifetime + time.Second)
	res := f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10>"}, cseq: 2, auth: auth}.build(t))
	chs := res.GetHeaders("WWW-Authenticate")
	if res.StatusCode != 401 || len(chs) != 2 || !strings.Contains(chs[0].Value(), "stale=true") || !strings.Contains(chs[1].Value(), "stale=true") {
		t.Fatalf("got %v, want 401 with stale=true challenges", res)
	}
}

func TestRegistrarOtherExtensionForbidden(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.SHA256, "2002", "secret2")
	res := f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10>"}, cseq: 2, auth: auth}.build(t))
	if res.StatusCode != 403 || len(f.r.Contacts("2001")) != 0 {
		t.Fatalf("2002 registering 2001 got %d, want 403", res.StatusCode)
	}
}

func TestRegistrarMultipleContactsAndUnregister(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	reg := func(q regReq) *gosip.Response {
		t.Helper()
		q.ext, q.auth = "2001", auth
		res := f.send(t, q.build(t))
		if res.StatusCode != 200 {
			t.Fatalf("got %d %s, want 200", res.StatusCode, res.Reason)
		}
		return res
	}
	reg(regReq{contacts: []string{"<sip:2001@192.0.2.10:5060>", "<sip:2001@192.0.2.10:5070>;expires=600"}, expires: "1800"})
	f.clock.Advance(10 * time.Second)
	res := reg(regReq{contacts: []string{"<sip:2001@192.0.2.11:5060;transport=tcp>"}, callID: "call-2", source: "192.0.2.11:5060"})
	want := map[string]string{
		"sip:2001@192.0.2.10:5060":               "1790",
		"sip:2001@192.0.2.10:5070":               "590",
		"sip:2001@192.0.2.11:5060;transport=tcp": "3600",
	}
	if got := contactExpires(t, res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("200 lists %v, want %v (RFC 3261 §10.3 step 8)", got, want)
	}
	if bs := f.r.Contacts("2001"); len(bs) != 3 || bs[2].Transport != "tcp" {
		t.Fatalf("Contacts = %+v", bs)
	}

	// A query (no Contact) lists the bindings and changes nothing (§10.2.3).
	if got := contactExpires(t, reg(regReq{callID: "call-3"})); len(got) != 3 {
		t.Errorf("query lists %v", got)
	}

	// expires=0 on one contact removes only that one.
	res = reg(regReq{contacts: []string{"<sip:2001@192.0.2.10:5070>;expires=0"}, cseq: 2})
	if got := contactExpires(t, res); len(got) != 2 || got["sip:2001@192.0.2.10:5070"] != "" {
		t.Errorf("after removing one: %v", got)
	}
	if !strings.Contains(f.log(), `"msg":"registration removed"`) {
		t.Error("no log line for the removal")
	}

	// "*" needs Expires: 0 and to be alone (§10.3 step 6).
	for _, q := range []regReq{
		{contacts: []string{"*"}, cseq: 3},
		{contacts: []string{"*"}, expires: "60", cseq: 3},
		{contacts: []string{"*", "<sip:2001@192.0.2.10>"}, expires: "0", cseq: 3},
	} {
		q.ext, q.auth = "2001", auth
		if res := f.send(t, q.build(t)); res.StatusCode != 400 {
			t.Errorf("%v got %d, want 400", q.contacts, res.StatusCode)
		}
	}
	res = reg(regReq{contacts: []string{"*"}, expires: "0", callID: "call-9"})
	if len(res.GetHeaders("Contact")) != 0 || len(f.r.Contacts("2001")) != 0 {
		t.Errorf("after *: %v, %v", res.GetHeaders("Contact"), f.r.Contacts("2001"))
	}
}

// TestRegistrarCallIDCSeqOrder checks RFC 3261 §10.3 step 7: for the same
// Call-ID a CSeq that is not higher fails the request (500) and changes
// nothing; another Call-ID may update.
func TestRegistrarCallIDCSeqOrder(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	send := func(callID string, cseq uint32, contact string) int {
		return f.send(t, regReq{ext: "2001", contacts: []string{contact}, callID: callID, cseq: cseq, auth: auth}.build(t)).StatusCode
	}
	if got := send("a", 10, "<sip:2001@192.0.2.10>"); got != 200 {
		t.Fatalf("got %d", got)
	}
	for _, c := range []uint32{10, 9} {
		if got := send("a", c, "<sip:2001@192.0.2.10>;expires=0"); got != 500 {
			t.Errorf("cseq %d got %d, want 500", c, got)
		}
	}
	if got := f.send(t, regReq{ext: "2001", contacts: []string{"*"}, expires: "0", callID: "a", cseq: 10, auth: auth}.build(t)).StatusCode; got != 500 {
		t.Errorf("* with the same cseq got %d, want 500", got)
	}
	if len(f.r.Contacts("2001")) != 1 {
		t.Fatal("a refused update changed the bindings")
	}
	if got := send("b", 1, "<sip:2001@192.0.2.10>;expires=0"); got != 200 || len(f.r.Contacts("2001")) != 0 {
		t.Errorf("other call-id got %d and left %v", got, f.r.Contacts("2001"))
	}
}

func TestRegistrarIntervalTooBrief(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	for _, q := range []regReq{
		{contacts: []string{"<sip:2001@192.0.2.10>"}, expires: "30"},
		{contacts: []string{"<sip:2001@192.0.2.10>;expires=59"}},
	} {
		q.ext, q.auth = "2001", auth
		res := f.send(t, q.build(t))
		if h := res.GetHeader("Min-Expires"); res.StatusCode != 423 || h == nil || h.Value() != "60" {
			t.Errorf("got %v, want 423 with Min-Expires: 60", res)
		}
	}
	if len(f.r.Contacts("2001")) != 0 {
		t.Error("423 left a binding")
	}
	// Too long is shortened to MaxExpires (§10.3 step 7).
	res := f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10>"}, expires: "86400", auth: auth}.build(t))
	if got := contactExpires(t, res); got["sip:2001@192.0.2.10"] != "3600" {
		t.Errorf("expires %v, want 3600", got)
	}
}

func TestRegistrarExpirySweep(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10>;expires=120", "<sip:2001@192.0.2.10:5070>"}, auth: auth}.build(t))
	f.clock.Advance(119 * time.Second)
	f.r.sweep(f.clock.Now())
	if n := len(f.r.Contacts("2001")); n != 2 {
		t.Fatalf("%d bindings at 119 s, want 2", n)
	}
	f.clock.Advance(time.Second)
	if n := len(f.r.Contacts("2001")); n != 1 {
		t.Fatalf("Contacts returned %d bindings at 120 s, want 1 (expired ones are never returned)", n)
	}
	f.r.sweep(f.clock.Now())
	f.r.mu.Lock()
	n := len(f.r.bindings["2001"])
	f.r.mu.Unlock()
	if n != 1 || !strings.Contains(f.log(), `"reason":"expired"`) {
		t.Errorf("after the sweep %d stored, log:\n%s", n, f.log())
	}
	f.clock.Advance(time.Hour)
	f.r.sweep(f.clock.Now())
	f.r.mu.Lock()
	left := len(f.r.bindings)
	f.r.mu.Unlock()
	if left != 0 {
		t.Errorf("%d extensions left after everything expired", left)
	}
}

func TestRegistrarNAT(t *testing.T) {
	tests := []struct {
		name            string
		q               regReq
		wantDest, wantT string
		wantNAT         bool
		wantVia         map[string]string // parameters of the response's Via
	}{
		{
			name:     "behind NAT with rport",
			q:        regReq{contacts: []string{"<sip:2001@192.168.1.20:5060>"}, source: "203.0.113.5:40000", via: "192.168.1.20:5060", rport: true},
			wantDest: "203.0.113.5:40000", wantT: "udp", wantNAT: true,
			wantVia: map[string]string{"received": "203.0.113.5", "rport": "40000"},
		},
		{
			name:     "behind NAT without rport",
			q:        regReq{contacts: []string{"<sip:2001@192.168.1.20:5060>"}, source: "203.0.113.5:40000", via: "192.168.1.20:5060"},
			wantDest: "203.0.113.5:40000", wantT: "udp", wantNAT: true,
			wantVia: map[string]string{"received": "203.0.113.5"},
		},
		{
			name:     "port-restricted NAT keeps the address",
			q:        regReq{contacts: []string{"<sip:2001@203.0.113.5:5060>"}, source: "203.0.113.5:40000", via: "203.0.113.5:5060", rport: true},
			wantDest: "203.0.113.5:40000", wantT: "udp", wantNAT: true,
			wantVia: map[string]string{"received": "203.0.113.5", "rport": "40000"},
		},
		{
			name:     "private contact, public source (STUN-less phone with a fixed Via)",
			q:        regReq{contacts: []string{"<sip:2001@10.0.0.7:5060>"}, source: "203.0.113.5:5060"},
			wantDest: "203.0.113.5:5060", wantT: "udp", wantNAT: true,
			wantVia: map[string]string{},
		},
		{
			name:     "TCP: back over the phone's connection",
			q:        regReq{contacts: []string{"<sip:2001@192.168.1.20:5060;transport=tcp>"}, source: "203.0.113.5:51234", via: "192.168.1.20:5060", transport: "TCP"},
			wantDest: "203.0.113.5:51234", wantT: "tcp", wantNAT: true,
			wantVia: map[string]string{"received": "203.0.113.5"},
		},
		{
			name:     "no NAT",
			q:        regReq{contacts: []string{"<sip:2001@192.0.2.10:5062>"}, source: "192.0.2.10:5062"},
			wantDest: "192.0.2.10:5062", wantT: "udp",
			wantVia: map[string]string{},
		},
		{
			name:     "third-party contact, no NAT",
			q:        regReq{contacts: []string{"<sip:desk@192.0.2.30;transport=tcp>"}, source: "192.0.2.10:5062"},
			wantDest: "192.0.2.30:5060", wantT: "tcp",
			wantVia: map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRegFixture(t, RegistrarOptions{})
			tt.q.ext, tt.q.auth = "2001", f.creds(t, digest.SHA256, "2001", "secret1")
			res := f.send(t, tt.q.build(t))
			if res.StatusCode != 200 {
				t.Fatalf("got %d", res.StatusCode)
			}
			for _, k := range []string{"received", "rport"} {
				got, ok := res.Via().Params.Get(k)
				want, wantOK := tt.wantVia[k]
				if ok != wantOK || got != want {
					t.Errorf("Via %s = %q (%v), want %q (%v); Via: %s", k, got, ok, want, wantOK, res.Via().Value())
				}
			}
			bs := f.r.Contacts("2001")
			if len(bs) != 1 {
				t.Fatalf("Contacts = %v", bs)
			}
			b := bs[0]
			if b.Destination != tt.wantDest || b.Transport != tt.wantT || b.NAT != tt.wantNAT || b.Source != tt.q.source {
				t.Errorf("binding to %s over %s (nat %v, source %s), want %s over %s (nat %v)",
					b.Destination, b.Transport, b.NAT, b.Source, tt.wantDest, tt.wantT, tt.wantNAT)
			}
			if want := strings.Trim(tt.q.contacts[0], "<>"); b.Contact.String() != want {
				t.Errorf("contact %s, want the original %s", b.Contact.String(), want)
			}
		})
	}
}

func TestRegistrarInstanceAndMaxContacts(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{MaxContacts: 2})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	inst := `;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1`
	send := func(callID, contact string) *gosip.Response {
		return f.send(t, regReq{ext: "2001", contacts: []string{contact}, callID: callID, auth: auth}.build(t))
	}
	send("boot-1", "<sip:2001@192.0.2.10:5060>"+inst)
	f.clock.Advance(time.Second)
	// The phone rebooted onto another port: same instance, so it replaces.
	res := send("boot-2", "<sip:2001@192.0.2.10:5099>"+inst)
	bs := f.r.Contacts("2001")
	if len(bs) != 1 || bs[0].Contact.Port != 5099 || bs[0].Instance != "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>" || bs[0].RegID != 1 {
		t.Fatalf("Contacts = %+v", bs)
	}
	if c := res.GetHeaders("Contact"); len(c) != 1 || !strings.Contains(c[0].Value(), "+sip.instance") {
		t.Errorf("200 Contact %v should echo +sip.instance", c)
	}
	// Over MaxContacts: the binding expiring soonest goes.
	f.clock.Advance(time.Second)
	send("c", "<sip:2001@192.0.2.11>")
	f.clock.Advance(time.Second)
	send("d", "<sip:2001@192.0.2.12>")
	var got []string
	for _, b := range f.r.Contacts("2001") {
		got = append(got, b.Contact.Host)
	}
	if !slices.Equal(got, []string{"192.0.2.11", "192.0.2.12"}) {
		t.Errorf("hosts %v after eviction", got)
	}
	res = f.send(t, regReq{ext: "2001", contacts: []string{"<sip:a@192.0.2.1>", "<sip:b@192.0.2.2>", "<sip:c@192.0.2.3>"}, callID: "e", auth: auth}.build(t))
	if res.StatusCode != 403 {
		t.Errorf("3 contacts with MaxContacts 2 got %d, want 403", res.StatusCode)
	}
}

func TestRegistrarRejects(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	tests := []struct {
		name string
		q    regReq
		want int
	}{
		{"tel contact", regReq{contacts: []string{"<tel:+15551234>"}}, 416},
		{"require", regReq{contacts: []string{"<sip:2001@192.0.2.10>"}, extra: []gosip.Header{gosip.NewHeader("Require", "outbound")}}, 420},
		{"malformed authorization", regReq{contacts: []string{"<sip:2001@192.0.2.10>"}, auth: "Digest username="}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.q.ext = "2001"
			if tt.q.auth == "" {
				tt.q.auth = auth
			}
			if res := f.send(t, tt.q.build(t)); res.StatusCode != tt.want {
				t.Errorf("got %d %s, want %d", res.StatusCode, res.Reason, tt.want)
			}
		})
	}
}

// regProber is a fake SendOptions: it fails for the destinations in dead.
type regProber struct {
	mu    sync.Mutex
	dead  map[string]bool
	calls atomic.Int64
}

func (p *regProber) send(ctx context.Context, b Binding) error {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead[b.Destination] {
		return errors.New("timeout")
	}
	return nil
}

func TestRegistrarKeepAliveDropsAfterThreeFailures(t *testing.T) {
	p := &regProber{dead: map[string]bool{"192.0.2.10:5070": true}}
	f := newRegFixture(t, RegistrarOptions{SendOptions: p.send})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10:5060>", "<sip:2001@192.0.2.10:5070>"}, auth: auth}.build(t))
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		f.r.keepAlive(ctx)
		if n := len(f.r.Contacts("2001")); n != 2 {
			t.Fatalf("after %d failed probes %d bindings, want 2", i, n)
		}
	}
	// A refresh proves the phone alive and restarts the count.
	f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10:5070>"}, cseq: 2, auth: auth}.build(t))
	for range 2 {
		f.r.keepAlive(ctx)
	}
	if n := len(f.r.Contacts("2001")); n != 2 {
		t.Fatalf("a refresh did not reset the count: %d bindings", n)
	}
	f.r.keepAlive(ctx)
	bs := f.r.Contacts("2001")
	if len(bs) != 1 || bs[0].Destination != "192.0.2.10:5060" {
		t.Fatalf("after 3 failures: %+v", bs)
	}
	if !strings.Contains(f.log(), `"reason":"keep-alive failed"`) {
		t.Errorf("no log line for the drop:\n%s", f.log())
	}
	if got := p.calls.Load(); got != 10 {
		t.Errorf("%d probes, want 10", got)
	}
}

// TestRegistrarRun drives Run with a real ticker: it probes, drops the
// dead binding, and returns when its context ends.
func TestRegistrarRun(t *testing.T) {
	p := &regProber{dead: map[string]bool{"192.0.2.10:5070": true}}
	f := newRegFixture(t, RegistrarOptions{SendOptions: p.send, KeepAlive: 5 * time.Millisecond})
	auth := f.creds(t, digest.SHA256, "2001", "secret1")
	f.send(t, regReq{ext: "2001", contacts: []string{"<sip:2001@192.0.2.10:5060>", "<sip:2001@192.0.2.10:5070>"}, auth: auth}.build(t))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.r.Run(ctx)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for len(f.r.Contacts("2001")) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("dead binding not dropped within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestNewRegistrarOptions(t *testing.T) {
	auth, err := digest.NewServer("parley.test", bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	ok := []Extension{{Number: "2001", Password: "x"}}
	tests := []struct {
		name string
		exts []Extension
		auth *digest.Server
		opts RegistrarOptions
	}{
		{"no auth", ok, nil, RegistrarOptions{}},
		{"no password", []Extension{{Number: "2001"}}, auth, RegistrarOptions{}},
		{"no number", []Extension{{Password: "x"}}, auth, RegistrarOptions{}},
		{"duplicate", []Extension{{Number: "1", Password: "x"}, {Number: "1", Password: "y"}}, auth, RegistrarOptions{}},
		{"min above default", ok, auth, RegistrarOptions{MinExpires: 2 * time.Hour}},
		{"default above max", ok, auth, RegistrarOptions{MaxExpires: 10 * time.Minute}},
		{"negative contacts", ok, auth, RegistrarOptions{MaxContacts: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewRegistrar(tt.exts, tt.auth, tt.opts); !errors.Is(err, ErrBadRegistrarOptions) {
				t.Errorf("err = %v, want ErrBadRegistrarOptions", err)
			}
		})
	}
	r, err := NewRegistrar(ok, auth, RegistrarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := RegistrarOptions{MinExpires: time.Minute, MaxExpires: time.Hour, DefaultExpires: time.Hour, MaxContacts: 10,
		KeepAlive: 30 * time.Second, KeepAliveFailures: 3}
	got := r.opts
	if got.Guard == nil {
		t.Error("no default guard")
	}
	got.Clock, got.Logger, got.Guard = nil, nil, nil
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("defaults %+v, want %+v", got, want)
	}
}

// TestRegistrarParsedMessage feeds a REGISTER as sipgo parses it off the
// wire: compact Contact header with two comma-separated values, an
// Expires header sipgo keeps as text.
func TestRegistrarParsedMessage(t *testing.T) {
	f := newRegFixture(t, RegistrarOptions{})
	auth := f.creds(t, digest.MD5, "2001", "secret1")
	raw := "REGISTER sip:parley.test SIP/2.0\r\n" +
		"v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-parsed;rport\r\n" +
		"f: <sip:2001@parley.test>;tag=a\r\n" +
		"t: <sip:2001@parley.test>\r\n" +
		"i: parsed-1\r\n" +
		"CSeq: 7 REGISTER\r\n" +
		"m: <sip:2001@192.0.2.10:5060>, \"Desk\" <sip:2001@192.0.2.10:5070>;expires=120\r\n" +
		"Expires: 600\r\n" +
		"Authorization: " + auth + "\r\n" +
		"l: 0\r\n\r\n"
	msg, err := gosip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	req := msg.(*gosip.Request)
	req.SetSource("192.0.2.10:5060")
	req.SetTransport("UDP")
	res := f.send(t, req)
	if res.StatusCode != 200 {
		t.Fatalf("got %d %s", res.StatusCode, res.Reason)
	}
	want := map[string]string{"sip:2001@192.0.2.10:5060": "600", "sip:2001@192.0.2.10:5070": "120"}
	if got := contactExpires(t, res); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("contacts %v, want %v", got, want)
	}
	if rport, _ := res.Via().Params.Get("rport"); rport != "5060" {
		t.Errorf("Via %s: want rport=5060 (RFC 3581 §4)", res.Via().Value())
	}
}
