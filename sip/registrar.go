package sip

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gosip "github.com/emiago/sipgo/sip"

	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/sip/digest"
)

// Extension is a desk phone account that may register with Parley: its
// number is the user part of the address-of-record (RFC 3261 §10.2, the To
// header of a REGISTER) and the Digest username it authenticates with
// (RFC 3261 §22.4).
type Extension struct {
	// Number is the extension number, e.g. "2001".
	Number string
	// Name is the display name; the registrar only carries it.
	Name string
	// Password is the Digest password. It is never logged.
	Password string
}

// Binding is one registered contact of an extension (RFC 3261 §10.3): where
// to send a request for that extension, as Contacts returns it for forking
// (RFC 3261 §16.6) and as the keep-alive uses it.
type Binding struct {
	// Extension is the number the binding belongs to.
	Extension string
	// Contact is the Contact URI as the phone registered it, to be used as
	// the Request-URI of requests to the phone (RFC 3261 §10.2.1).
	Contact gosip.Uri
	// Destination is the host:port to actually send to. It is the source
	// address of the REGISTER when the phone is behind NAT (its Via
	// sent-by, or its private Contact address, differs from the source;
	// RFC 3581 §4, RFC 5626 §5.3), else the Contact's host and port.
	Destination string
	// Transport is the transport to send over ("udp", "tcp", "tls", "ws",
	// "wss"): the one the REGISTER came over when NATed, else the Contact's
	// transport parameter or, without one, udp (RFC 3263 §4.1).
	Transport string
	// NAT reports whether Destination was taken from the source address.
	NAT bool
	// Source is the address the REGISTER came from.
	Source string
	// Expires is when the binding lapses (RFC 3261 §10.2.1.1).
	Expires time.Time
	// Instance is the +sip.instance Contact parameter without its quotes
	// (RFC 5626 §4.1, e.g. "<urn:uuid:…>"); empty if absent.
	Instance string
	// RegID is the reg-id Contact parameter (RFC 5626 §4.2); 0 if absent.
	RegID int
	// UserAgent is the User-Agent header of the REGISTER, for logs.
	UserAgent string
}

// RegistrarOptions configure a Registrar (RFC 3261 §10.3: the intervals
// of step 7, and what Parley adds: limits, blocking, keep-alive). Zero
// values take the defaults given on each field.
type RegistrarOptions struct {
	// MinExpires is the shortest registration accepted; a shorter non-zero
	// one gets 423 Interval Too Brief with Min-Expires (RFC 3261 §10.3
	// step 7, §20.23). Default 60 s.
	MinExpires time.Duration
	// MaxExpires caps the registration interval a phone asks for (the
	// registrar may shorten it, RFC 3261 §10.3 step 7). Default 3600 s.
	MaxExpires time.Duration
	// DefaultExpires is used when a contact has neither an expires
	// parameter nor an Expires header, or a malformed one (RFC 3261
	// §10.2.1.1, §20.19). Default 3600 s.
	DefaultExpires time.Duration
	// MaxContacts is how many bindings one extension may hold. A REGISTER
	// that would exceed it evicts the bindings that expire soonest (a phone
	// that rebooted behind NAT leaves a stale binding behind); one that
	// asks for more contacts than this by itself gets 403. Default 10.
	MaxContacts int
	// Guard counts failed credentials per source, per Digest username
	// (known or not) and globally, and says when to refuse: a REGISTER
	// with credentials from a source it slows or bans gets 403 Forbidden
	// without being verified, the same 403 whether the extension exists or
	// not. Nil makes a guard of the package guard's defaults for this
	// registrar alone. Over UDP a source address can be spoofed: the
	// per-username and global counts still hold then.
	Guard Limiter
	// KeepAlive is how often Run sends OPTIONS to each binding (RFC 3261
	// §11 as a liveness probe); each probe may take at most this long.
	// Default 30 s.
	KeepAlive time.Duration
	// KeepAliveFailures is how many probes in a row a binding may fail
	// before Run drops it. Default 3.
	KeepAliveFailures int
	// SendOptions sends one OPTIONS to b.Contact via b.Destination over
	// b.Transport and returns nil if any final response came back (even an
	// error status: the phone is alive), or an error on timeout or
	// transport failure. It must return once ctx is done. Run calls it
	// from several goroutines at once. Nil disables the keep-alive.
	SendOptions SendOptionsFunc
	// Clock replaces time.Now for expiry (and for the default Guard); it
	// must be safe for concurrent use.
	Clock func() time.Time
	// Logger receives one line per binding change and per failed
	// authentication; nil means slog.Default().
	Logger *slog.Logger
}

// Registrar is the RFC 3261 §10.3 registrar: it authenticates REGISTER
// requests with Digest (RFC 3261 §22.4, RFC 8760), keeps the extensions'
// bindings in memory, expires them, and probes them with OPTIONS.
//
// HandleRegister is called by sipgo on its own goroutines; Contacts from
// any goroutine; Run once, on a goroutine the owner waits for. All are
// safe for concurrent use.
type Registrar struct {
	auth *digest.Server
	opts RegistrarOptions
	log  *slog.Logger
	now  func() time.Time
	exts map[string]Extension // read-only after NewRegistrar

	guard Limiter

	mu       sync.Mutex
	bindings map[string][]*binding // by extension number; guarded by mu
}

// binding is a Binding with what the registrar needs to update it.
type binding struct {
	Binding
	key    string             // RFC 3261 §10.3 step 6 identity, see bindingKey
	params gosip.HeaderParams // Contact header parameters, without expires
	callID string             // of the REGISTER that last set it (§10.3 step 7)
	cseq   uint32
	misses int // keep-alive probes failed in a row; guarded by Registrar.mu
}

// ErrBadRegistrarOptions is wrapped by NewRegistrar's error when an
// extension or an option is unusable, for example expiry bounds that
// cannot satisfy RFC 3261 §10.3 step 7 (MinExpires ≤ DefaultExpires ≤
// MaxExpires).
var ErrBadRegistrarOptions = errors.New("sip: bad registrar options")

// NewRegistrar returns a registrar (RFC 3261 §10.3) for exts that
// authenticates with auth (§10.3 step 3, §22.4).
// It checks and copies its arguments, applies the defaults of
// RegistrarOptions, and starts nothing: see Run. Extension numbers must be
// unique and non-empty and every extension must have a password;
// MinExpires ≤ DefaultExpires ≤ MaxExpires.
func NewRegistrar(exts []Extension, auth *digest.Server, opts RegistrarOptions) (*Registrar, error) {
	if auth == nil {
		return nil, fmt.Errorf("%w: no digest server", ErrBadRegistrarOptions)
	}
	setDefault := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	setDefault(&opts.MinExpires, 60*time.Second)
	setDefault(&opts.MaxExpires, 3600*time.Second)
	setDefault(&opts.DefaultExpires, 3600*time.Second)
	setDefault(&opts.KeepAlive, 30*time.Second)
	if opts.MaxContacts == 0 {
		opts.MaxContacts = 10
	}
	if opts.KeepAliveFailures == 0 {
		opts.KeepAliveFailures = 3
	}
	switch {
	case opts.MinExpires < time.Second || opts.MinExpires > opts.DefaultExpires || opts.DefaultExpires > opts.MaxExpires:
		return nil, fmt.Errorf("%w: want 1s <= min (%v) <= default (%v) <= max (%v) expires",
			ErrBadRegistrarOptions, opts.MinExpires, opts.DefaultExpires, opts.MaxExpires)
	case opts.MaxContacts < 0, opts.KeepAlive < 0, opts.KeepAliveFailures < 0:
		return nil, fmt.Errorf("%w: negative max contacts, keep-alive or keep-alive failures", ErrBadRegistrarOptions)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Guard == nil {
		g, err := guard.New(guard.Options{Clock: opts.Clock, Logger: opts.Logger})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadRegistrarOptions, err)
		}
		opts.Guard = g.For(guard.SIPDigest)
	}
	r := &Registrar{
		guard:    opts.Guard,
		auth:     auth,
		opts:     opts,
		log:      opts.Logger,
		now:      opts.Clock,
		exts:     make(map[string]Extension, len(exts)),
		bindings: make(map[string][]*binding),
	}
	for i, e := range exts {
		if e.Number == "" || e.Password == "" {
			return nil, fmt.Errorf("%w: extension %d: number and password are required", ErrBadRegistrarOptions, i)
		}
		if _, dup := r.exts[e.Number]; dup {
			return nil, fmt.Errorf("%w: extension %q given twice", ErrBadRegistrarOptions, e.Number)
		}
		r.exts[e.Number] = e
	}
	return r, nil
}

// Contacts returns the live bindings of extension ext, oldest first, for
// forking a call to every registered phone (RFC 3261 §10.3, §16.6). The
// result is a copy the caller owns; it is empty for an unknown extension.
func (r *Registrar) Contacts(ext string) []Binding {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Binding
	for _, b := range r.bindings[ext] {
		if b.Expires.After(now) {
			c := b.Binding
			c.Contact = *b.Contact.Clone()
			out = append(out, c)
		}
	}
	return out
}

// HandleRegister processes one REGISTER as RFC 3261 §10.3 describes and
// answers it on tx. It is a sipgo RequestHandler: register it with
// Server.OnRegister. It never blocks on the network beyond tx.Respond.
//
// Answers: 401 with SHA-256 and MD5 challenges (RFC 8760 §2.4) without
// credentials, or with credentials that fail for any reason other than a
// stale nonce (identical for an unknown extension and a wrong password);
// 401 with stale=true for a stale nonce; 403 when the authenticated user is
// not the To user, or with credentials while the Guard slows or bans the
// source (nothing verified, no log line: the guard logs); 400 for
// a malformed request or Contact; 416 for a non-SIP Contact; 420 for any
// Require (RFC 3261 §10.3 step 2: no extensions are supported); 423 with
// Min-Expires; 500 when the Call-ID/CSeq ordering rule of §10.3 step 7
// aborts the update (the RFC says only "the request fails"; we answer 500
// as §10.3 step 6 does for a failed commit, and no binding changes; a
// retransmission never gets here, the transaction layer absorbs it);
// else 200 listing every current
// binding with its expires parameter and a Date header (§10.3 step 8).
//
// The Request-URI's domain is not checked (§10.3 step 1): Parley is the
// registrar for whatever name reaches it.
func (r *Registrar) HandleRegister(req *gosip.Request, tx gosip.ServerTransaction) {
	res := r.register(req)
	if err := tx.Respond(res); err != nil {
		r.log.Debug("register response failed", "source", req.Source(), "err", err)
	}
}

// register returns the response to req.
func (r *Registrar) register(req *gosip.Request) *gosip.Response {
	now := r.now()
	source := req.Source()
	to, callID, cseq := req.To(), req.CallID(), req.CSeq()
	if to == nil || to.Address.User == "" || callID == nil || cseq == nil || req.Via() == nil {
		return r.response(req, gosip.StatusBadRequest, "Missing To user, Call-ID, CSeq or Via")
	}
	ext := to.Address.User
	log := r.log.With("extension", ext, "source", source)
	srcIP := guard.SourceOf(source)

	if reqs := req.GetHeaders("Require"); len(reqs) > 0 {
		res := r.response(req, gosip.StatusBadExtension, "Bad Extension")
		for _, h := range reqs {
			res.AppendHeader(gosip.NewHeader("Unsupported", h.Value()))
		}
		return res
	}

	// RFC 3261 §10.3 step 3 and 4: authenticate, then check that the
	// authenticated user may register this address-of-record.
	creds := r.credentials(req)
	if creds == "" {
		log.Debug("register challenged", "reason", "no credentials")
		return r.challenge(req, false)
	}
	// Only tries with credentials are guarded: a challenge guesses nothing,
	// and a phone's first REGISTER must not use up its slot.
	key := digestUsername(creds)
	if wait, banned := r.guard.Check(srcIP, key); banned || wait > 0 {
		return r.response(req, gosip.StatusForbidden, "Forbidden")
	}
	known := false
	user, err := r.auth.Verify(string(req.Method), creds, func(u string) (string, bool) {
		e, ok := r.exts[u]
		known = ok
		return e.Password, ok
	})
	switch {
	case err == nil:
	case errors.Is(err, digest.ErrStale):
		log.Info("register challenged", "reason", "stale nonce", "username", user)
		return r.challenge(req, true)
	case errors.Is(err, digest.ErrMalformed):
		r.guard.Fail(srcIP, key) // counted, so that a flood of them is soon refused unlogged
		log.Warn("register auth failed", "reason", err.Error())
		return r.response(req, gosip.StatusBadRequest, "Malformed Authorization")
	case errors.Is(err, digest.ErrUnsupported):
		r.guard.Fail(srcIP, key)
		log.Warn("register auth failed", "reason", err.Error())
		return r.challenge(req, false)
	default:
		reason := err.Error()
		if err == digest.ErrUnauthorized { // Verify's own unwrapped value: the password check
			reason = "wrong password"
			if !known {
				reason = "unknown extension"
			}
		}
		r.guard.Fail(srcIP, key)
		log.Warn("register auth failed", "reason", reason, "username", digestUsername(creds))
		return r.challenge(req, false)
	}
	r.guard.Succeed(srcIP, key)
	if user != ext {
		log.Warn("register refused", "reason", "authenticated as another extension", "username", user)
		return r.response(req, gosip.StatusForbidden, "Forbidden")
	}
	return r.update(req, log, ext, callID.Value(), cseq.SeqNo, now)
}

// credentials returns the Authorization header value to verify: the one for
// our realm if there are several (RFC 3261 §22.4), else the first.
func (r *Registrar) credentials(req *gosip.Request) string {
	hs := req.GetHeaders("Authorization")
	for _, h := range hs {
		if _, p, err := digest.ParseParams(h.Value()); err == nil && p["realm"] == r.auth.Realm() {
			return h.Value()
		}
	}
	if len(hs) > 0 {
		return hs[0].Value()
	}
	return ""
}

// digestUsername returns the username parameter of creds for logging, or "".
func digestUsername(creds string) string {
	if _, p, err := digest.ParseParams(creds); err == nil {
		return p["username"]
	}
	return ""
}

// challenge answers 401 with one WWW-Authenticate per algorithm, strongest
// first (RFC 3261 §22.1, RFC 8760 §2.4), stale=true if stale (RFC 7616
// §3.3).
func (r *Registrar) challenge(req *gosip.Request, stale bool) *gosip.Response {
	res := r.response(req, gosip.StatusUnauthorized, "Unauthorized")
	chs := r.auth.Challenges()
	if stale {
		chs = r.auth.StaleChallenges()
	}
	for _, c := range chs {
		res.AppendHeader(gosip.NewHeader("WWW-Authenticate", c))
	}
	return res
}

// response builds a response to req. sipgo fills received and rport in the
// top Via when the request asked for rport (RFC 3581 §4); this adds
// received when the sent-by host is not the source IP and rport was not
// asked for (RFC 3261 §18.2.1).
func (r *Registrar) response(req *gosip.Request, code int, reason string) *gosip.Response {
	res := gosip.NewResponseFromRequest(req, code, reason, nil)
	if via := res.Via(); via != nil && !via.Params.Has("received") {
		if ip := guard.SourceOf(req.Source()); ip.IsValid() {
			if h, err := netip.ParseAddr(strings.Trim(via.Host, "[]")); err != nil || h.Unmap() != ip {
				via.Params.Add("received", ip.String())
			}
		}
	}
	return res
}

// requested is one Contact of a REGISTER, checked and with its interval.
type requested struct {
	hdr     *gosip.ContactHeader
	key     string
	expires time.Duration // 0 removes
}

// update applies the Contacts of an authenticated REGISTER for ext (RFC
// 3261 §10.3 steps 6–8): all or nothing.
func (r *Registrar) update(req *gosip.Request, log *slog.Logger, ext, callID string, cseq uint32, now time.Time) *gosip.Response {
	contacts, err := contactHeaders(req)
	if err != nil {
		return r.response(req, gosip.StatusBadRequest, "Bad Contact")
	}
	hdrExpires, hasHdrExpires := headerExpires(req)

	wildcard := false
	var reqs []requested
	for _, c := range contacts {
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		if s := strings.ToLower(c.Address.Scheme); s != "sip" && s != "sips" {
			return r.response(req, 416, "Unsupported URI Scheme") // sipgo names 416 after HTTP
		}
		exp := r.opts.DefaultExpires
		if v, ok := c.Params.Get("expires"); ok {
			exp = r.parseExpires(v)
		} else if hasHdrExpires {
			exp = hdrExpires
		}
		if exp > 0 && exp < r.opts.MinExpires {
			res := r.response(req, gosip.StatusIntervalToBrief, "Interval Too Brief")
			res.AppendHeader(gosip.NewHeader("Min-Expires", strconv.Itoa(int(r.opts.MinExpires/time.Second))))
			log.Info("register refused", "reason", "interval too brief", "expires", int(exp/time.Second))
			return res
		}
		exp = min(exp, r.opts.MaxExpires)
		reqs = append(reqs, requested{hdr: c, key: bindingKey(c), expires: exp})
	}
	// §10.3 step 6: "*" must be alone and come with Expires: 0.
	if wildcard && (len(contacts) != 1 || !hasHdrExpires || hdrExpires != 0) {
		return r.response(req, gosip.StatusBadRequest, "Invalid Wildcard Contact")
	}
	if len(reqs) > r.opts.MaxContacts {
		log.Warn("register refused", "reason", "too many contacts", "contacts", len(reqs))
		return r.response(req, gosip.StatusForbidden, "Too Many Contacts")
	}

	dest := r.destination(req)
	ua := ""
	if h := req.GetHeader("User-Agent"); h != nil {
		ua = h.Value()
	}

	r.mu.Lock()
	old := r.live(ext, now)
	next, added, removed, err := r.plan(old, reqs, wildcard, dest, ext, ua, callID, cseq, now)
	if err != nil {
		next = old // only the expired ones go
	}
	if len(next) == 0 {
		delete(r.bindings, ext)
	} else {
		r.bindings[ext] = next
	}
	r.mu.Unlock()
	if err != nil {
		log.Warn("register refused", "reason", err.Error(), "call_id", callID, "cseq", cseq)
		return r.response(req, gosip.StatusInternalServerError, "Server Internal Error")
	}

	for _, b := range removed {
		log.Info("registration removed", "contact", b.Contact.String(), "reason", b.why)
	}
	for _, b := range added {
		log.Info(b.msg, "contact", b.Contact.String(), "destination", b.Destination,
			"transport", b.Transport, "nat", b.NAT, "expires", int(b.Expires.Sub(now).Round(time.Second)/time.Second),
			"user_agent", b.UserAgent)
	}

	res := r.response(req, gosip.StatusOK, "OK")
	for _, b := range next {
		c := &gosip.ContactHeader{Address: *b.Contact.Clone(), Params: b.params.Clone()}
		secs := int((b.Expires.Sub(now) + time.Second - 1) / time.Second)
		c.Params.Add("expires", strconv.Itoa(secs))
		res.AppendHeader(c)
	}
	res.AppendHeader(gosip.NewHeader("Date", now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")))
	return res
}

// removal is a binding taken away, with why, for the log.
type removal struct {
	*binding
	why string
}

// change is a binding added or moved, with the log message saying which.
type change struct {
	*binding
	msg string
}

var errOutOfOrder = errors.New("cseq not higher than the binding's for the same call-id (RFC 3261 §10.3 step 7)")

// plan computes the bindings of an extension after one REGISTER, without
// changing anything. Caller holds r.mu.
func (r *Registrar) plan(old []*binding, reqs []requested, wildcard bool, dest destination, ext, ua, callID string, cseq uint32, now time.Time) (next []*binding, added []change, removed []removal, err error) {
	// §10.3 step 7: the same Call-ID with a CSeq that is not higher aborts.
	stale := func(b *binding) bool { return b.callID == callID && cseq <= b.cseq }
	if wildcard {
		for _, b := range old {
			if stale(b) {
				return nil, nil, nil, errOutOfOrder
			}
			removed = append(removed, removal{b, "unregistered"})
		}
		return nil, nil, removed, nil
	}
	next = slices.Clone(old)
	touched := map[string]bool{}
	for _, q := range reqs {
		i := slices.IndexFunc(next, func(b *binding) bool { return b.key == q.key })
		if i >= 0 && stale(next[i]) {
			return nil, nil, nil, errOutOfOrder
		}
		if q.expires == 0 {
			if i >= 0 {
				removed = append(removed, removal{next[i], "unregistered"})
				next = slices.Delete(next, i, i+1)
			}
			continue
		}
		nb := r.newBinding(q, dest, ext, ua, callID, cseq, now)
		touched[q.key] = true
		if i >= 0 {
			// A refresh: keep the place, reset the keep-alive count. It is
			// a change worth a log line only if the phone moved.
			if next[i].Destination != nb.Destination || next[i].Contact.String() != nb.Contact.String() {
				added = append(added, change{nb, "registration moved"})
			}
			next[i] = nb
			continue
		}
		added = append(added, change{nb, "registration added"})
		next = append(next, nb)
	}
	// Too many: evict the bindings this request did not touch that expire
	// soonest.
	for len(next) > r.opts.MaxContacts {
		victim := -1
		for i, b := range next {
			if !touched[b.key] && (victim < 0 || b.Expires.Before(next[victim].Expires)) {
				victim = i
			}
		}
		if victim < 0 { // cannot happen: len(reqs) <= MaxContacts
			break
		}
		removed = append(removed, removal{next[victim], "evicted: too many contacts"})
		next = slices.Delete(next, victim, victim+1)
	}
	return next, added, removed, nil
}

func (r *Registrar) newBinding(q requested, dest destination, ext, ua, callID string, cseq uint32, now time.Time) *binding {
	c := q.hdr
	b := &binding{
		key:    q.key,
		params: c.Params.Clone(),
		callID: callID,
		cseq:   cseq,
	}
	b.params.Remove("expires")
	b.Extension = ext
	b.Contact = *c.Address.Clone()
	b.Source = dest.source
	b.Expires = now.Add(q.expires)
	b.UserAgent = ua
	if v, ok := c.Params.Get("+sip.instance"); ok {
		b.Instance = strings.Trim(v, `"`)
	}
	if v, ok := c.Params.Get("reg-id"); ok {
		b.RegID, _ = strconv.Atoi(v)
	}
	if dest.nat || dest.contactNAT(c.Address) {
		b.NAT = true
		b.Destination, b.Transport = dest.source, dest.transport
	} else {
		b.Destination, b.Transport = contactTarget(c.Address)
	}
	return b
}

// live returns ext's bindings that have not expired, dropping the others.
// Caller holds r.mu.
func (r *Registrar) live(ext string, now time.Time) []*binding {
	bs := r.bindings[ext]
	out := bs[:0:0]
	for _, b := range bs {
		if b.Expires.After(now) {
			out = append(out, b)
		} else {
			r.log.Info("registration removed", "extension", ext, "contact", b.Contact.String(), "reason", "expired")
		}
	}
	return out
}

// parseExpires reads an expires value in seconds; a malformed one counts
// as DefaultExpires (RFC 3261 §20.19 says 3600, which is our default).
func (r *Registrar) parseExpires(v string) time.Duration {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return r.opts.DefaultExpires
	}
	return time.Duration(n) * time.Second
}

// headerExpires returns the Expires header of req (RFC 3261 §10.2.1.1).
func headerExpires(req *gosip.Request) (d time.Duration, ok bool) {
	h := req.GetHeader("Expires")
	if h == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
	if err != nil {
		return 3600 * time.Second, true
	}
	return time.Duration(n) * time.Second, true
}

// contactHeaders returns every Contact value of req, whether sipgo parsed
// it (one ContactHeader per comma-separated value) or holds it as text.
func contactHeaders(req *gosip.Request) ([]*gosip.ContactHeader, error) {
	var out []*gosip.ContactHeader
	for _, h := range req.GetHeaders("Contact") {
		if c, ok := h.(*gosip.ContactHeader); ok {
			out = append(out, c)
			continue
		}
		hs, err := gosip.HeadersParser(gosip.DefaultHeadersParser()).ParseHeader(nil, []byte("Contact: "+h.Value()))
		if err != nil {
			return nil, err
		}
		for _, p := range hs {
			out = append(out, p.(*gosip.ContactHeader))
		}
	}
	return out, nil
}

// bindingKey identifies a binding for RFC 3261 §10.3 step 6: by instance
// and reg-id when the phone sends +sip.instance (RFC 5626 §6, RFC 5627),
// else by the Contact URI compared per §19.1.4 (scheme and host without
// case, user with case, port as written, and the transport, user, method,
// maddr and ttl parameters; other parameters are ignored).
func bindingKey(c *gosip.ContactHeader) string {
	if v, ok := c.Params.Get("+sip.instance"); ok && v != "" {
		return "instance " + strings.Trim(v, `"`) + " " + c.Params.GetOr("reg-id", "")
	}
	u := c.Address
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%s@%s:%d", strings.ToLower(u.Scheme), u.User, strings.ToLower(u.Host), u.Port)
	for _, k := range []string{"transport", "user", "method", "maddr", "ttl"} {
		if v, ok := u.UriParams.Get(k); ok {
			fmt.Fprintf(&b, ";%s=%s", k, strings.ToLower(v))
		}
	}
	return b.String()
}

// destination is where a REGISTER came from and whether that shows NAT.
type destination struct {
	source    string // host:port the request came from
	transport string // lower case
	ip        netip.Addr
	nat       bool // the top Via's sent-by is not the source address
}

// destination works out from req whether the phone is behind NAT: its Via
// sent-by (host and port, default 5060 or 5061) is not the address the
// request came from (RFC 3581 §4; for TCP and TLS this is the usual case,
// and sending back over the phone's own connection is what RFC 5626 §5.3
// asks for).
func (r *Registrar) destination(req *gosip.Request) destination {
	d := destination{source: req.Source(), transport: strings.ToLower(req.Transport())}
	src, err := netip.ParseAddrPort(d.source)
	if err != nil {
		return d
	}
	d.ip = src.Addr().Unmap()
	via := req.Via()
	port := via.Port
	if port == 0 {
		port = 5060
		if strings.EqualFold(via.Transport, "TLS") {
			port = 5061
		}
	}
	host, err := netip.ParseAddr(strings.Trim(via.Host, "[]"))
	d.nat = err != nil || host.Unmap() != d.ip || uint16(port) != src.Port()
	return d
}

// contactNAT reports the other sign of NAT: the Contact holds a private
// address while the request came from a public one.
func (d destination) contactNAT(u gosip.Uri) bool {
	if !d.ip.IsValid() {
		return false
	}
	h, err := netip.ParseAddr(strings.Trim(u.Host, "[]"))
	return err == nil && h.Unmap().IsPrivate() && !d.ip.IsPrivate() && !d.ip.IsLoopback()
}

// contactTarget is the host:port and transport to reach u directly (RFC
// 3263 §4 for numeric hosts; names are left to the sender to resolve).
func contactTarget(u gosip.Uri) (hostport, transport string) {
	transport = "udp"
	if u.IsEncrypted() {
		transport = "tls"
	}
	if v, ok := u.UriParams.Get("transport"); ok && v != "" {
		transport = strings.ToLower(v)
		if u.IsEncrypted() && transport == "tcp" {
			transport = "tls"
		}
	}
	port := u.Port
	if port == 0 {
		port = 5060
		if transport == "tls" {
			port = 5061
		}
	}
	return net.JoinHostPort(strings.Trim(u.Host, "[]"), strconv.Itoa(port)), transport
}

// CallerExtension returns the extension a request comes from, when its
// From user is an extension registered from the very address the request
// came from (over the same transport). That ties a call to a phone that
// proved its password when it registered, without challenging the INVITE.
func (r *Registrar) CallerExtension(req *gosip.Request) (string, bool) {
	from := req.From()
	if from == nil {
		return "", false
	}
	ext := from.Address.User
	for _, b := range r.Contacts(ext) {
		if b.Source == req.Source() && strings.EqualFold(b.Transport, req.Transport()) {
			return ext, true
		}
	}
	return "", false
}

// Name returns the configured display name of extension ext, or "".
func (r *Registrar) Name(ext string) string { return r.exts[ext].Name }
