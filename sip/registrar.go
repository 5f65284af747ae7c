package sip

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
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
	// Node is, for a binding another node of a cluster holds (see
	// SharedBindings), that node's name; "" for this node's own.
	Node string
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
	// Shared, for a node of a cluster, receives this registrar's bindings
	// of an extension after each change, and Contacts adds to this node's
	// bindings those other nodes hold. Nil (a single node): bindings live
	// in memory only.
	Shared SharedBindings
	// Node names this node in Shared; required with it.
	Node string
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
	exts atomic.Pointer[map[string]Extension] // replaced whole by SetExtensions, never changed

	guard Limiter

	mu       sync.Mutex
	bindings map[string][]*binding // by extension number; guarded by mu

	pub sync.Mutex // held while publishing to opts.Shared, one at a time
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
// MinExpires ≤ DefaultExpires ≤ MaxExpires; Shared needs Node.
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
	case opts.Shared != nil && opts.Node == "":
		return nil, fmt.Errorf("%w: shared bindings without a node name", ErrBadRegistrarOptions)
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
		bindings: make(map[string][]*binding),
	}
	if err := r.SetExtensions(exts); err != nil {
		return nil, err
	}
	return r, nil
}

// SetExtensions replaces the extensions that may register (a config
// reload): a new one may register at once, a changed password applies to
// the next REGISTER, and the bindings of a removed one are dropped, so
// that calls out no longer reach its phones. A call in progress is not
// touched. On error (an extension without number or password, or one
// given twice) nothing changes.
func (r *Registrar) SetExtensions(exts []Extension) error {
	m := make(map[string]Extension, len(exts))
	for i, e := range exts {
		if e.Number == "" || e.Password == "" {
			return fmt.Errorf("%w: extension %d: number and password are required", ErrBadRegistrarOptions, i)
		}
		if _, dup := m[e.Number]; dup {
			return fmt.Errorf("%w: extension %q given twice", ErrBadRegistrarOptions, e.Number)
		}
		m[e.Number] = e
	}
	r.mu.Lock()
	r.exts.Store(&m)
	var dropped []string
	for ext := range r.bindings {
		if _, ok := m[ext]; !ok {
			delete(r.bindings, ext)
			dropped = append(dropped, ext)
			r.log.Info("bindings dropped: extension removed", "extension", ext)
		}
	}
	r.mu.Unlock()
	for _, ext := range dropped {
		r.publish(ext)
	}
	return nil
}

// Len returns how many extensions may register.
func (r *Registrar) Len() int { return len(*r.exts.Load()) }

// Contacts returns the live bindings of extension ext, oldest first, for
// forking a call to every registered phone (RFC 3261 §10.3, §16.6): this
// node's, then, with RegistrarOptions.Shared, those other nodes hold
// (Node set). The result is a copy the caller owns; it is empty for an
// unknown extension.
func (r *Registrar) Contacts(ext string) []Binding {
	return append(r.localContacts(ext), r.remoteContacts(ext)...)
}

// localContacts returns this node's live bindings of ext, oldest first.
func (r *Registrar) localContacts(ext string) []Binding {
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
	for _, b := range r.localContacts(ext) {
		if b.Source == req.Source() && strings.EqualFold(b.Transport, req.Transport()) {
			return ext, true
		}
	}
	return "", false
}

// Name returns the configured display name of extension ext, or "".
func (r *Registrar) Name(ext string) string { return (*r.exts.Load())[ext].Name }

// count returns how many bindings are live now, over every extension.
func (r *Registrar) count() int {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, bs := range r.bindings {
		for _, b := range bs {
			if b.Expires.After(now) {
				n++
			}
		}
	}
	return n
}
