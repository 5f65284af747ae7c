// Package api is Parley's HTTP surface for moderators, admins and
// monitoring: /healthz, /readyz, and the REST API under /api/v1 (DESIGN.md, "The
// REST API"). Every /api/v1 call but the OpenAPI document needs a bearer
// token, admin or room (auth.go, authz.go), speaks JSON, and answers
// errors as {"error": "...", "field": "..."}; errors.go is the one place
// that turns an error into an HTTP status, routes.go the one table of
// routes that the mux, the authorisation and the OpenAPI test share.
//
// The handlers are grouped by job into small types (roomsAPI,
// participantsAPI, tokensAPI, schedulesAPI, attendanceAPI, linksAPI,
// contactsAPI, eventsAPI, consoleLogin), each holding only what its job
// uses; each job's store is a small interface declared beside its
// handlers, and Stores (stores.go) gathers them for Options.
package api

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/accounts"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/guard"
)

// Readiness reports whether Parley takes new calls.
type Readiness interface {
	// Ready returns nil when Parley is ready, else why not (a short
	// phrase: "draining", "store: …").
	Ready() error
}

// Options configure the handler NewHandler returns.
type Options struct {
	// Ready answers /readyz; nil means always ready. /healthz answers ok
	// whatever it says: the process is alive.
	Ready Readiness
	// Bridge serves the rooms the API acts on; nil answers every /api/v1
	// call that needs it with 503.
	Bridge *bridge.Bridge
	// Stores keep the rooms made through the API, the room tokens, the
	// schedules, links, invitations, attendance and address book, one
	// small interface per job (StoresOf fills them all from a *store.DB);
	// a nil one answers the calls that need it with 503, and without
	// Stores.Tokens only admin tokens authenticate.
	Stores Stores
	// AdminTokens are the bearer tokens that grant admin rights on
	// /api/v1. Empty strings are ignored; none at all (and no
	// Stores.Tokens) refuses every call with 401, saying admin_tokens is
	// empty.
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
	// SIPHost is the host (and port, if not 5060) SIP phones reach Parley
	// at, such as "sip.example.com": join info, mails and SMS show each
	// room's SIP address, sip:ROOM@SIPHost. Empty leaves it out.
	SIPHost string
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
	// Reload re-reads the config file for POST /api/v1/reload (admin
	// tokens only); nil answers it with 503.
	Reload Reloader
	// Drain starts and reports the drain for /api/v1/drain (admin tokens
	// only); nil answers it with 503.
	Drain Drainer
	// Accounts signs users in to the web (POST /api/v1/session); nil
	// answers sign-ins with 503.
	Accounts SignIner
	// LoginGuard limits the guessing of web passwords, per user and per
	// client address; nil: a guard of the package guard's defaults.
	LoginGuard Limiter
	// SessionIdle and SessionMaxAge end a web session that long after its
	// last use and its sign-in; 0: 30 minutes and 12 hours.
	SessionIdle, SessionMaxAge time.Duration
	// Meetings are the numbers suggested for new rooms, the limit of rooms
	// per user and the extensions meetings may invite (roomowner.go).
	Meetings MeetingOptions
	// Trace is the SIP message trace that admins switch on and off
	// (trace.go); nil answers its calls with 503.
	Trace TraceSwitch
	// Directory finds users for GET /api/v1/directory and for dial's
	// names (directory.go); nil answers the search with 503.
	Directory DirectorySearcher
	// Presence tells which extensions are registered now (a directory
	// user's "online"); nil: nobody is.
	Presence Presence
	// RemoteEvents are the events of the rooms other nodes of a cluster
	// serve: the event stream sends them along with the bridge's own
	// (events.go). nil: a single node, the bridge's only.
	RemoteEvents EventFeed
}

// NewHandler returns the HTTP handler for every route Parley serves. It has
// no side effects; the handler is safe for concurrent use, and each request
// runs on the goroutine net/http gives it.
func NewHandler(opts Options) http.Handler {
	return newServer(opts).mux
}

// server is the assembly: the route table's handler types, each holding
// only what its job needs, and the guard in front of them (authentication,
// authorisation, the log of refusals). Its fields are set by newServer and
// only read afterwards, but for the clock, which tests may set before the
// first request.
type server struct {
	shared    // the clock here is the one the handler types read
	auth      authenticator
	operators map[string]bool
	mux       *http.ServeMux

	health       *health
	rooms        *roomsAPI
	participants *participantsAPI
	tokens       *tokensAPI
	console      *consoleLogin
	schedules    *schedulesAPI
	attendance   *attendanceAPI
	links        *linksAPI
	contacts     *contactsAPI
	events       *eventsAPI
	reload       *reloadAPI
	drain        *drainAPI
	trace        *traceAPI
	session      *sessionAPI
	directory    *directoryAPI
	meetings     *meetingsAPI
}

// shared is what the handler types have in common: the bridge whose rooms
// they act on (nil answers errNoBridge), the log and the clock.
type shared struct {
	bridge *bridge.Bridge
	log    *slog.Logger
	now    func() time.Time
}

// pingInterval is how often an event stream pings its client, so that
// proxies keep it open and dead clients are noticed.
const pingInterval = 30 * time.Second

func newServer(opts Options) *server {
	s := &server{shared: shared{bridge: opts.Bridge, log: opts.Logger, now: time.Now}, operators: make(map[string]bool)}
	for _, ext := range opts.Operators {
		s.operators[ext] = true
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	tokenTTL, tokenMaxTTL := opts.TokenTTL, opts.TokenMaxTTL
	if tokenTTL <= 0 {
		tokenTTL = defaultTokenTTL
	}
	if tokenMaxTTL < tokenTTL {
		tokenMaxTTL = max(tokenTTL, defaultTokenMaxTTL)
	}
	console, authGuard, loginGuard := opts.ConsoleGuard, opts.AuthGuard, opts.LoginGuard
	if console == nil || authGuard == nil || loginGuard == nil {
		// guard.New fails only on bad options; its defaults are good.
		g, _ := guard.New(guard.Options{Logger: s.log, Clock: func() time.Time { return s.now() }})
		if console == nil {
			console = g.For(guard.Console)
		}
		if authGuard == nil {
			authGuard = g.For(guard.API)
		}
		if loginGuard == nil {
			loginGuard = g.For(guard.Login)
		}
	}
	st := opts.Stores
	// The handler types read the server's clock, so that a test that sets
	// it reaches them all.
	sh := shared{bridge: s.bridge, log: s.log, now: func() time.Time { return s.now() }}
	s.auth = newAuthenticator(opts.AdminTokens, st.Tokens, sh.now, authGuard)
	inv := &inviter{shared: sh, linkURLs: linkURLs{publicURL: strings.TrimRight(opts.PublicURL, "/")},
		mailer: opts.Mailer, sms: opts.SMS, records: st.Invitations, links: st.Links, schedules: st.Schedules,
		dialIn: slices.Clone(opts.DialIn), sipHost: opts.SIPHost}
	s.health = &health{ready: opts.Ready}
	s.rooms = &roomsAPI{shared: sh, store: st.Rooms, policy: newRoomPolicy(opts.Meetings)}
	s.participants = &participantsAPI{shared: sh, contacts: st.Contacts, dir: opts.Directory}
	s.tokens = &tokensAPI{shared: sh, store: st.Tokens, tokenTTL: tokenTTL, tokenMaxTTL: tokenMaxTTL}
	s.console = &consoleLogin{shared: sh, store: st.Tokens, guard: console, tokenTTL: tokenTTL}
	s.schedules = &schedulesAPI{shared: sh, store: st.Schedules}
	s.attendance = &attendanceAPI{shared: sh, store: st.Attendance, links: st.Links, schedules: st.Schedules}
	s.links = &linksAPI{inviter: inv, store: st.Links, phoneCountry: opts.PhoneCountry}
	s.contacts = &contactsAPI{store: st.Contacts, log: s.log}
	s.events = &eventsAPI{shared: sh, done: opts.Done, pingInterval: pingInterval, remote: opts.RemoteEvents}
	s.reload = &reloadAPI{reloader: opts.Reload}
	s.drain = &drainAPI{drainer: opts.Drain}
	s.trace = &traceAPI{shared: sh, sw: opts.Trace, done: opts.Done}
	s.session = &sessionAPI{shared: sh, accounts: opts.Accounts, guard: loginGuard,
		sessions: accounts.NewSessions(opts.SessionIdle, opts.SessionMaxAge, sh.now),
		httpsURL: strings.HasPrefix(strings.ToLower(opts.PublicURL), "https://")}
	s.directory = &directoryAPI{dir: opts.Directory, presence: opts.Presence, log: s.log}
	s.meetings = &meetingsAPI{rooms: s.rooms, schedules: s.schedules, links: s.links}
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

// health answers /healthz (alive) and /readyz (takes new calls).
type health struct {
	ready Readiness // nil: always ready
}

// healthz serves GET /healthz: "ok" while the process serves HTTP, for a
// liveness probe; it checks nothing else, so that a restart is not asked
// for what a restart does not cure (a full port range, a drain).
func (s *health) healthz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
	return nil
}

// readyz serves GET /readyz: "ok", or 503 and why not, for a readiness
// probe or a load balancer's health check.
func (s *health) readyz(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
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
func (s shared) room(r *http.Request) (*bridge.Room, error) {
	if s.bridge == nil {
		return nil, errNoBridge
	}
	return s.bridge.Room(r.PathValue("number"))
}

// storedRoom is room for the handlers that also need their store: the
// room of the path, or its error first, then errNoStore when stored is
// false (the handler's store is nil).
func (s shared) storedRoom(r *http.Request, stored bool) (*bridge.Room, error) {
	room, err := s.room(r)
	if err != nil {
		return nil, err
	}
	if !stored {
		return nil, errNoStore
	}
	return room, nil
}
