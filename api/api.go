// Package api is Parley's HTTP surface for moderators, admins and
// monitoring: /healthz, and the REST API under /api/v1 (DESIGN.md, "The
// REST API"). Every /api/v1 call but the OpenAPI document needs a bearer
// token, admin or room (auth.go, authz.go), speaks JSON, and answers
// errors as {"error": "...", "field": "..."}; errors.go is the one place
// that turns an error into an HTTP status, routes.go the one table of
// routes that the mux, the authorisation and the OpenAPI test share.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
	"github.com/parleyhq/parley/store"
)

// Readiness reports whether the bridge takes calls.
type Readiness interface {
	// Ready returns nil when Parley is ready, else why not.
	Ready() error
}

// Store is what the API keeps in the database: rooms made through the API,
// the room tokens it mints, scheduled conferences, and the attendance the
// bridge records. *store.DB implements it; the methods have the contracts
// documented there.
type Store interface {
	// CreateRoom stores a new room (store.ErrExists if the number is taken).
	CreateRoom(ctx context.Context, r store.Room) error
	// UpdateRoom changes a room in one transaction (store.ErrReadOnly for
	// config-owned rooms).
	UpdateRoom(ctx context.Context, number string, update func(*store.Room) error) (store.Room, error)
	// DeleteRoom deletes a room with its tokens (store.ErrReadOnly for
	// config-owned rooms).
	DeleteRoom(ctx context.Context, number string) error
	// CreateToken stores a token minted for a room.
	CreateToken(ctx context.Context, t store.Token) (store.Token, error)
	// TokenByHash finds a token by store.HashToken of its secret.
	TokenByHash(ctx context.Context, hash []byte) (store.Token, error)
	// Tokens lists a room's tokens.
	Tokens(ctx context.Context, room string) ([]store.Token, error)
	// DeleteToken revokes a token.
	DeleteToken(ctx context.Context, id int64) error
	// CreateSchedule stores a scheduled conference and returns it with its
	// ID (store.ErrNotFound if the room is not stored).
	CreateSchedule(ctx context.Context, s store.Schedule) (store.Schedule, error)
	// Schedule returns a scheduled conference by ID (store.ErrNotFound).
	Schedule(ctx context.Context, id int64) (store.Schedule, error)
	// Schedules lists a room's scheduled conferences by start time.
	Schedules(ctx context.Context, room string) ([]store.Schedule, error)
	// UpdateSchedule changes a scheduled conference in one transaction
	// (store.ErrStarted for a participant change after its start).
	UpdateSchedule(ctx context.Context, id int64, update func(*store.Schedule) error) (store.Schedule, error)
	// DeleteSchedule deletes a scheduled conference (store.ErrNotFound).
	DeleteSchedule(ctx context.Context, id int64) error
	// Attendance lists the visits to a room by join time.
	Attendance(ctx context.Context, room string) ([]store.Attendance, error)
	// CreateLink stores a new guest or group link (store.ErrNotFound if
	// the room is not stored, store.ErrExists if the token is taken).
	CreateLink(ctx context.Context, l store.Link) (store.Link, error)
	// Link returns a link by ID (store.ErrNotFound).
	Link(ctx context.Context, id int64) (store.Link, error)
	// Links lists a room's links by ID.
	Links(ctx context.Context, room string) ([]store.Link, error)
	// UpdateLink changes a link in one transaction (store.ErrNotFound).
	UpdateLink(ctx context.Context, id int64, update func(*store.Link) error) (store.Link, error)
	// DeleteLink deletes a link and its invitations (store.ErrNotFound).
	DeleteLink(ctx context.Context, id int64) error
	// ImportLinks stores links all or none (*store.ImportError names the
	// first refused).
	ImportLinks(ctx context.Context, links []store.Link) ([]store.Link, error)
	// RecordInvitation notes an invitation sent, or tried, for a link.
	RecordInvitation(ctx context.Context, inv store.Invitation) (int64, error)
	// Invitations lists the invitations sent for a room's links.
	Invitations(ctx context.Context, room string) ([]store.Invitation, error)
	// CreateContact stores an address book entry (store.ErrExists if the
	// owner has one of that name).
	CreateContact(ctx context.Context, c store.Contact) (store.Contact, error)
	// Contacts lists the contacts an owner sees, matching query.
	Contacts(ctx context.Context, owner, query string) ([]store.Contact, error)
	// ContactByName returns the contact called name that owner sees: its
	// own, else the global one (store.ErrNotFound).
	ContactByName(ctx context.Context, owner, name string) (store.Contact, error)
	// DeleteContact deletes a contact (store.ErrNotFound).
	DeleteContact(ctx context.Context, id int64) error
}

var _ Store = (*store.DB)(nil)

// Options configure the handler NewHandler returns.
type Options struct {
	// Ready answers /healthz; nil means always ready.
	Ready Readiness
	// Bridge serves the rooms the API acts on; nil answers every /api/v1
	// call that needs it with 503.
	Bridge *bridge.Bridge
	// Store keeps the rooms made through the API, the room tokens, the
	// schedules and the attendance; nil answers the calls that need it
	// with 503, and only admin tokens authenticate.
	Store Store
	// AdminTokens are the bearer tokens that grant admin rights on
	// /api/v1. Empty strings are ignored; none at all (and no Store)
	// refuses every call with 401, saying admin_tokens is empty.
	AdminTokens []string
	// PhoneCountry is the country (ISO 3166 alpha-2) national phone numbers
	// of links are read in: sms.default_country. Empty accepts E.164 only.
	PhoneCountry string
	// Operators are the extension numbers of the operators group: a room
	// token minted for one of them may invite and call people out while
	// that extension is in the conference.
	Operators []string
	// Done, when closed, ends every open event stream (GET /api/v1/events)
	// with WebSocket status 1001, going away; `parley serve` closes it as
	// it shuts down, since http.Server.Shutdown does not end hijacked
	// connections. nil: streams end only with their requests or clients.
	Done <-chan struct{}
	// Logger receives one line per change made through the API and per
	// refused credential; nil means slog.Default().
	Logger *slog.Logger
	// PublicURL is the http(s) URL people reach Parley at (http.public_url),
	// without a trailing slash: links are PUBLIC_URL/join/TOKEN. Empty
	// makes them from the scheme and host each request came to.
	PublicURL string
	// DialIn are the numbers to call in on (the config's dial_in), shown
	// in join info and invitations.
	DialIn []DialInNumber
	// Mailer sends email invitations; nil answers send_email and resend
	// with 503, "email is not configured".
	Mailer Mailer
	// SMS sends SMS invitations; nil answers send_sms with 503.
	SMS SMS
	// ConsoleGuard limits the guessing of moderator PINs at the console
	// sign-in (keyed by room) and AuthGuard that of bearer tokens, both
	// per client address (IPv6 per /64): a client they hold off gets 429
	// with Retry-After. Nil makes one guard of the package guard's
	// defaults, on the server's clock, for both.
	ConsoleGuard, AuthGuard Limiter
	// TokenTTL is the life of a token minted by a console sign-in or with
	// a room token that asks for none; TokenMaxTTL the longest such a
	// token may ask for (admin tokens may mint tokens that never expire).
	// Zero: 12 hours and 7 days.
	TokenTTL, TokenMaxTTL time.Duration
}

// NewHandler returns the HTTP handler for every route Parley serves. It has
// no side effects; the handler is safe for concurrent use, and each request
// runs on the goroutine net/http gives it.
func NewHandler(opts Options) http.Handler {
	return newServer(opts).mux
}

// server holds what the handlers share. Its fields are set by newServer
// and only read afterwards.
type server struct {
	bridge       *bridge.Bridge
	store        Store
	log          *slog.Logger
	auth         authenticator
	ready        Readiness
	done         <-chan struct{}
	pingInterval time.Duration // between WebSocket pings on the event stream
	now          func() time.Time
	mux          *http.ServeMux
	publicURL    string // Options.PublicURL without a trailing slash
	dialIn       []DialInNumber
	mailer       Mailer // nil: email is not configured
	sms          SMS    // nil: SMS is not configured
	operators    map[string]bool
	phoneCountry string
	console      Limiter       // console PIN sign-ins, by room
	tokenTTL     time.Duration // Options.TokenTTL with its default
	tokenMaxTTL  time.Duration // Options.TokenMaxTTL with its default
}

// pingInterval is how often an event stream pings its client, so that
// proxies keep it open and dead clients are noticed.
const pingInterval = 30 * time.Second

func newServer(opts Options) *server {
	s := &server{bridge: opts.Bridge, store: opts.Store, log: opts.Logger, ready: opts.Ready, done: opts.Done,
		pingInterval: pingInterval, now: time.Now, publicURL: strings.TrimRight(opts.PublicURL, "/"),
		dialIn: slices.Clone(opts.DialIn), mailer: opts.Mailer, sms: opts.SMS, operators: make(map[string]bool),
		phoneCountry: opts.PhoneCountry}
	for _, ext := range opts.Operators {
		s.operators[ext] = true
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.tokenTTL, s.tokenMaxTTL = opts.TokenTTL, opts.TokenMaxTTL
	if s.tokenTTL <= 0 {
		s.tokenTTL = defaultTokenTTL
	}
	if s.tokenMaxTTL < s.tokenTTL {
		s.tokenMaxTTL = max(s.tokenTTL, defaultTokenMaxTTL)
	}
	s.console = opts.ConsoleGuard
	authGuard := opts.AuthGuard
	if s.console == nil || authGuard == nil {
		// guard.New fails only on bad options; its defaults are good.
		g, _ := guard.New(guard.Options{Logger: s.log, Clock: func() time.Time { return s.now() }})
		if s.console == nil {
			s.console = g.For(guard.Console)
		}
		if authGuard == nil {
			authGuard = g.For(guard.API)
		}
	}
	s.auth = newAuthenticator(opts.AdminTokens, opts.Store, func() time.Time { return s.now() }, authGuard)
	s.mux = s.buildMux()
	return s
}

// otherMethods are the methods a path answers with 405 when the route
// table does not serve them; any other method gets 404.
var otherMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// buildMux registers every endpoint of the route table. A path called with
// a method it does not serve gets 405 with an Allow header, an unknown path
// under /api/v1 404, both in JSON and both only with a valid token, so that
// the API cannot be probed without one.
func (s *server) buildMux() *http.ServeMux {
	mux := http.NewServeMux()
	type pathInfo struct {
		methods []string
		public  bool
	}
	paths := make(map[string]*pathInfo)
	var order []string
	for _, e := range s.endpoints() {
		mux.Handle(e.Method+" "+e.Path, s.handle(s.guard(e)))
		pi := paths[e.Path]
		if pi == nil {
			pi = &pathInfo{public: true}
			paths[e.Path] = pi
			order = append(order, e.Path)
		}
		pi.methods = append(pi.methods, e.Method)
		pi.public = pi.public && e.Access == accessPublic
	}
	for _, path := range order {
		pi := paths[path]
		allow := ""
		for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
			for _, have := range pi.methods {
				if have == m {
					if allow != "" {
						allow += ", "
					}
					allow += m
				}
			}
		}
		access := accessAny
		if pi.public {
			access = accessPublic
		}
		notAllowed := s.handle(s.guard(endpoint{Path: path, Access: access,
			h: func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("Allow", allow)
				return &Error{Status: http.StatusMethodNotAllowed, Message: r.Method + " is not allowed here: use " + allow}
			}}))
		// One pattern per method rather than one for all: a path such as
		// …/links/import must not conflict with the GET of …/links/{id}.
		for _, m := range otherMethods {
			if !slices.Contains(pi.methods, m) && (m != "HEAD" || !slices.Contains(pi.methods, "GET")) {
				mux.Handle(m+" "+path, notAllowed)
			}
		}
	}
	mux.Handle("/api/v1/", s.handle(s.guard(endpoint{Path: "/api/v1/", Access: accessAny,
		h: func(w http.ResponseWriter, r *http.Request) error {
			return &Error{Status: http.StatusNotFound, Message: "no such API endpoint: " + r.URL.Path}
		}})))
	return mux
}

// healthz serves GET /healthz: "ok", or 503 and why not.
func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.ready != nil {
		if err := s.ready.Ready(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready: " + err.Error() + "\n"))
			return nil
		}
	}
	_, _ = w.Write([]byte("ok\n"))
	return nil
}

// room returns the room named by the {number} path segment.
func (s *server) room(r *http.Request) (*bridge.Room, error) {
	if s.bridge == nil {
		return nil, errNoBridge
	}
	return s.bridge.Room(r.PathValue("number"))
}

// storedRoom is room for the handlers that also need the store: the room
// of the path, or its error first, then errNoStore without a store.
func (s *server) storedRoom(r *http.Request) (*bridge.Room, error) {
	room, err := s.room(r)
	if err != nil {
		return nil, err
	}
	if s.store == nil {
		return nil, errNoStore
	}
	return room, nil
}
