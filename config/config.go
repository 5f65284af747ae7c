// Package config is Parley's configuration: the typed form of parley.yaml,
// the embedded default that `make run` uses, a loader whose every error
// carries FILE:LINE, and validation.
//
// The YAML keys are a contract with PBX admins (see docs/ARCHITECTURE.md):
// add keys, never rename them. To add a section, add a field with a yaml tag
// and a doc comment to Config (or to a section), give it a default in
// default.yaml and applyDefaults if it has one, and check it in Validate;
// the loader needs no change.
//
// config is a leaf: it imports nothing of Parley.
package config

import (
	"log/slog"
	"regexp"
	"time"
)

// Config is the whole of parley.yaml. Use Load, Parse or Default to get one;
// a Config built or changed in code should be checked with Validate.
//
// A Config is a plain value: nothing in it changes after Parse returns, and
// it is safe to read from many goroutines. Secrets inside it are of type
// Secret, so it may be logged or marshalled as a whole.
type Config struct {
	// SIP is the SIP signalling side: listen addresses, domain, TLS.
	SIP SIP `yaml:"sip"`
	// H323 is the H.323 edge: its call-signalling listener and limits
	// (h323.go).
	H323 H323 `yaml:"h323"`
	// RTP is the media transport.
	RTP RTP `yaml:"rtp"`
	// HTTP serves the REST API, the guest page, /metrics, /healthz and /readyz.
	HTTP HTTP `yaml:"http"`
	// Metrics can serve /metrics on a listener of its own.
	Metrics Metrics `yaml:"metrics"`
	// WebRTC is the browser guests' media.
	WebRTC WebRTC `yaml:"webrtc"`
	// Store is where state that survives a restart is kept.
	Store Store `yaml:"store"`
	// Log sets the level and format of the process log.
	Log Log `yaml:"log"`
	// Media holds timers of the media path.
	Media Media `yaml:"media"`
	// Prompts chooses the voice prompts callers hear.
	Prompts Prompts `yaml:"prompts"`
	// AdminTokens are the bearer tokens that grant admin rights on the REST
	// API. None means the admin API refuses every request.
	AdminTokens []Secret `yaml:"admin_tokens"`
	// Extensions are the desk phones that register with Parley.
	Extensions []Extension `yaml:"extensions"`
	// Trunks carry calls to phone numbers; the first trunk whose Allow
	// matches a number is used.
	Trunks []Trunk `yaml:"trunks"`
	// Dialout limits calls out beyond the trunks' allow patterns: where
	// direct SIP targets may go.
	Dialout Dialout `yaml:"dialout"`
	// Rooms are the conference rooms defined in the file. Rooms created
	// through the API live in the store, not here.
	Rooms []Room `yaml:"rooms"`
	// Webhooks receive the rooms' events as signed HTTP POSTs, each hook on
	// its own queue (package webhook describes the signature). None by
	// default.
	Webhooks []Webhook `yaml:"webhooks"`
	// DialIn are the phone numbers people can call to reach Parley, shown
	// in join information and invitations in this order. None by default.
	DialIn []DialIn `yaml:"dial_in"`
	// SMTP is the mail server invitations are sent through; nil (the
	// section left out) means Parley sends no email.
	SMTP *SMTP `yaml:"smtp"`
	// SMS is the HTTP gateway SMS invitations are sent through; nil (the
	// section left out) means Parley sends no SMS.
	SMS *SMS `yaml:"sms"`
	// Admins are the logins (extension numbers or LDAP login names) whose
	// web sessions have admin rights (accounts.go). None by default.
	Admins []string `yaml:"admins"`
	// LDAP is the directory users sign in from; nil (the section left
	// out) means local extensions only (accounts.go).
	LDAP *LDAP `yaml:"ldap"`
	// Session sets the life of web sessions (accounts.go).
	Session Session `yaml:"session"`
	// Guard limits the guessing of passwords, PINs and tokens (guard.go).
	Guard Guard `yaml:"guard"`
	// API sets the life of room tokens (guard.go).
	API API `yaml:"api"`
	// Shutdown sets how SIGTERM drains the calls (shutdown.go).
	Shutdown Shutdown `yaml:"shutdown"`
	// Meetings configures the rooms signed-in users make (meetings.go).
	Meetings Meetings `yaml:"meetings"`
	// Codecs are the audio codecs SIP legs may use, by their SDP names, in
	// the order of Parley's own offers; an answer takes the offerer's first
	// one that is listed (codecs.go). Default: [opus, G722, PCMU, PCMA].
	Codecs []string `yaml:"codecs"`
	// Cluster makes this Parley one node of several over NATS; nil (the
	// section left out) is a single node (cluster.go).
	Cluster *Cluster `yaml:"cluster"`

	// src records the file and lines this Config came from; nil when built
	// in code.
	src *source
}

// SIP configures SIP signalling (RFC 3261).
type SIP struct {
	// Listen are the addresses to listen on, each "udp://HOST:PORT",
	// "tcp://HOST:PORT" or "tls://HOST:PORT" (IPv6 hosts in brackets).
	// Port 0 picks a free port, for tests. Default: udp and tcp on
	// 0.0.0.0:5060.
	Listen []string `yaml:"listen"`
	// Domain is the digest realm and the host part of Parley's own URIs.
	// Optional; when empty the SIP layer uses the address a request came to.
	Domain string `yaml:"domain"`
	// PublicIP is the address advertised in SDP and Contact when Parley is
	// behind NAT; empty advertises the local address.
	PublicIP string `yaml:"public_ip"`
	// TLS holds the certificate for tls:// listen addresses.
	TLS TLS `yaml:"tls"`
	// AuthAlgorithms are the digest algorithms REGISTER challenges offer,
	// in order: "MD5" and "SHA-256" (RFC 8760). Many phones answer only the
	// first challenge, and some (baresip 1.0) fail when given two: list
	// what your phones handle. Default: [MD5, SHA-256].
	AuthAlgorithms []string `yaml:"auth_algorithms"`
	// Keys map phone keys to in-call actions: mute, count, help, lock,
	// mute_all, end. Each key is * or # and a digit. Default: *6 mute, *1
	// count, *0 help, *2 lock, *3 mute_all, *9 end.
	Keys map[string]string `yaml:"keys"`
	// TCP bounds connections on tcp:// and tls:// listen addresses.
	TCP SIPTCP `yaml:"tcp"`
	// MaxUnackedPerSource is how many calls from one source IP (IPv6: one
	// /64) may have been answered 200 and not yet ACKed at a time; more
	// are refused with 503 and Retry-After, so that INVITEs never ACKed
	// cannot hold every RTP port. At least 1. Default: 10.
	MaxUnackedPerSource int `yaml:"max_unacked_per_source"`
	// AckTimeout ends a call whose 200 got no ACK for this long and frees
	// its RTP and video ports (RFC 3261 allows 32 s; an ACK takes a round
	// trip). Between 1s and 32s. Default: 8s.
	AckTimeout time.Duration `yaml:"ack_timeout"`
	// Trace is where the SIP message trace goes (trace.go).
	Trace Trace `yaml:"trace"`
}

// TLS names a PEM certificate and key on disk.
type TLS struct {
	// Cert is the path of the PEM certificate chain.
	Cert string `yaml:"cert"`
	// Key is the path of the PEM private key.
	Key string `yaml:"key"`
}

// RTP configures media transport (RFC 3550).
type RTP struct {
	// Ports is the UDP range RTP and RTCP ports are taken from, written
	// "10000-20000". Min must be even; both ends lie within 1024-65535.
	Ports PortRange `yaml:"ports"`
	// ListenIP is the address RTP (and video) sockets bind to. Empty: the
	// host of sip.listen when every listen address names the same specific
	// IP, else every address (0.0.0.0).
	ListenIP string `yaml:"listen_ip"`
	// SRTP is the SRTP policy of SIP legs (SDES, RFC 4568; srtp.go): off
	// refuses RTP/SAVP offers; optional takes them when they come over
	// TLS and offers plain RTP; required refuses plain RTP and offers
	// RTP/SAVP. RTP/SAVP offered over UDP or TCP is always refused (488).
	// Default: optional.
	SRTP string `yaml:"srtp"`
	// SharedPorts is how many RTP sockets SIP legs share (rtpshared.go):
	// 0 gives every leg a socket of its own from Ports; N binds N ports of
	// Ports at start and spreads the legs over them, each socket read and
	// written in batches (recvmmsg/sendmmsg) by one goroutine and its
	// packets told apart by source address and SSRC. Default: 0.
	SharedPorts int `yaml:"shared_ports"`
}

// HTTP configures the HTTP server.
type HTTP struct {
	// Listen is the HOST:PORT to serve on. Default: 0.0.0.0:8080.
	Listen string `yaml:"listen"`
	// PublicURL is the http(s) URL people reach Parley at; guest links
	// (/join/TOKEN) are built from it. Empty: links use http://HOST:PORT of
	// Listen.
	PublicURL string `yaml:"public_url"`
	// TLS serves Listen over HTTPS (https.go); nil, the section left out,
	// serves plain HTTP.
	TLS *HTTPTLS `yaml:"tls"`
	// RedirectListen, when set, is a HOST:PORT (usually :80) that answers
	// every plain-HTTP request with a redirect to HTTPS, /healthz and
	// /readyz excepted (probes), and ACME's HTTP-01 challenges. Needs TLS.
	RedirectListen string `yaml:"redirect_listen"`
	// TrustedProxies are the reverse proxies (CIDRs or IPs) whose
	// forwarded client address is believed: for a request from one of
	// them, rate limits and logs use the rightmost address of ProxyHeader
	// that is not a trusted proxy. None by default: the peer is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// ProxyHeader is the header the trusted proxies put the client's
	// address in: X-Forwarded-For or Forwarded (RFC 7239). Only that one
	// is read, so that a client cannot slip in the other. Default:
	// X-Forwarded-For.
	ProxyHeader string `yaml:"proxy_header"`
}

// WebRTC configures browser guests' media (pion/webrtc).
type WebRTC struct {
	// UDPPort is the one UDP port all WebRTC media uses (ICE UDP mux): the
	// only port to open for browsers. 0 picks a free one (tests).
	// Default: 7882.
	UDPPort int `yaml:"udp_port"`
	// ListenIP is the address to bind it on; empty binds every address.
	ListenIP string `yaml:"listen_ip"`
	// PublicIP is advertised to browsers behind 1:1 NAT; empty advertises
	// the local addresses.
	PublicIP string `yaml:"public_ip"`
	// ICEServers are STUN/TURN servers handed to browsers.
	ICEServers []ICEServer `yaml:"ice_servers"`
}

// ICEServer is a STUN or TURN server (RFC 8445, RFC 8656).
type ICEServer struct {
	// URLs are stun:, turn: or turns: URLs.
	URLs []string `yaml:"urls"`
	// Username authenticates to a TURN server.
	Username string `yaml:"username"`
	// Credential is the TURN password.
	Credential Secret `yaml:"credential"`
}

// Store configures persistence.
type Store struct {
	// Path is the SQLite database file; its directory is created on start.
	// Default: ./data/parley.db. Unused with driver postgres.
	Path string `yaml:"path"`
	// Driver is the database engine: "sqlite" (the default: the file at
	// Path, no server) or "postgres" (the server DSN names, which the
	// nodes of a cluster share). Empty means sqlite.
	Driver string `yaml:"driver"`
	// DSN names the PostgreSQL database when Driver is postgres, as a URL
	// (postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=...) or key=value
	// words; required then, refused otherwise. It may hold a password, so
	// it is a Secret; write it as "${PARLEY_PG_DSN}" to keep it out of the
	// file.
	DSN Secret `yaml:"dsn"`
}

// Log configures the process log.
type Log struct {
	// Level is the lowest level logged: debug, info, warn or error.
	// Default: info.
	Level slog.Level `yaml:"level"`
	// Format is "text" (logfmt-like, for people) or "json" (for
	// collectors). Empty means text.
	Format string `yaml:"format"`
}

// Media configures the media path.
type Media struct {
	// RTPTimeout hangs up a leg from which no RTP arrived for this long,
	// written like "30s". 0 never hangs up. Default: 30s.
	RTPTimeout time.Duration `yaml:"rtp_timeout"`
	// G729 lets SIP legs use G.729 Annex A (payload type 18, Annex B SID
	// frames accepted), for trunks that offer nothing else; it costs CPU.
	// Default: false.
	G729 bool `yaml:"g729"`
}

// Prompts configures the voice prompts.
type Prompts struct {
	// AnnounceJoinLeave makes rooms say "a participant has joined" and "a
	// participant has left" to everyone in them. Default: true.
	AnnounceJoinLeave bool `yaml:"announce_join_leave"`
	// Dir is a directory of the admin's own WAV files (mono 16-bit PCM at
	// 8, 16 or 48 kHz), one per prompt ID (enter_pin.wav, goodbye.wav, …);
	// prompts it lacks come from the built-in set. Empty: built-in only.
	Dir string `yaml:"dir"`
}

// Extension is a desk phone that registers with Parley.
type Extension struct {
	// Number is the extension number, 1 to 32 digits (rules.Number),
	// unique among extensions and rooms; it is the SIP user name the phone
	// registers as.
	Number string `yaml:"number"`
	// Name is the display name shown to other participants.
	Name string `yaml:"name"`
	// Password is the SIP digest password (RFC 3261 §22.4); required.
	// It never signs in to the web: that takes PasswordHash.
	Password Secret `yaml:"password"`
	// PasswordHash is the bcrypt hash ($2a$/$2b$/$2y$) of the user's web
	// sign-in password (POST /api/v1/session), login = Number; empty: the
	// extension cannot sign in to the web (accounts.go).
	PasswordHash string `yaml:"password_hash"`
	// Email is where invitations to this user are sent; optional.
	Email string `yaml:"email"`
	// Groups are the groups the user belongs to, for group invitations.
	Groups []string `yaml:"groups"`
	// CallerID is presented on the calls out this user places from the
	// web (signed in with password_hash): E.164 or digits. Empty: the
	// room's, else the trunk's.
	CallerID string `yaml:"caller_id"`
}

// Trunk is a SIP trunk that carries calls to phone numbers.
type Trunk struct {
	// Name identifies the trunk in logs and call records; unique.
	Name string `yaml:"name"`
	// Proxy is the SIP URI calls are sent to, e.g. "sip:sbc.example.net:5060".
	Proxy string `yaml:"proxy"`
	// Username authenticates Parley to the trunk; empty means no auth.
	Username string `yaml:"username"`
	// Password authenticates Parley to the trunk.
	Password Secret `yaml:"password"`
	// CallerID is presented on calls out of this trunk unless the room sets
	// one: E.164 ("+441632960000") or digits.
	CallerID string `yaml:"caller_id"`
	// Allow are the numbers this trunk may call, as regular expressions
	// (RE2 syntax) compiled at load; a number must match one of them. Anchor
	// them with ^ and $. None means the trunk calls nothing.
	Allow []*regexp.Regexp `yaml:"allow"`
	// AllowedCallerIDs are the caller IDs, besides their own and the
	// room's, that users who are not admins may ask this trunk to present
	// (a shared number, a department's): regular expressions like Allow,
	// matched against the caller ID as given. None: only their own.
	AllowedCallerIDs []*regexp.Regexp `yaml:"allowed_caller_ids"`
	// SRTP is the SRTP mode of calls out through this trunk (off, optional,
	// required: required offers RTP/SAVP, and needs a TLS proxy). Empty:
	// rtp.srtp.
	SRTP string `yaml:"srtp"`
}

// Room is a conference room defined in the config file.
type Room struct {
	// Number is what callers dial, 1 to 32 digits (rules.Number), unique.
	Number string `yaml:"number"`
	// Name is the room's display name, at most 200 bytes.
	Name string `yaml:"name"`
	// PIN is the attendee PIN, 1 to 32 digits (rules.PIN); empty means
	// none.
	PIN Secret `yaml:"pin"`
	// ModeratorPIN, 1 to 32 digits and not the PIN, lets a caller in as
	// moderator; empty means none.
	ModeratorPIN Secret `yaml:"moderator_pin"`
	// Owner is the extension number that owns the room.
	Owner string `yaml:"owner"`
	// Members are extension numbers that may join without a PIN, none
	// listed twice.
	Members []string `yaml:"members"`
	// Quota is how many active participants the room takes; past it
	// newcomers join as spectators. 0 means no quota.
	Quota int `yaml:"quota"`
	// Capacity is the hard limit of participants; 0 means no limit.
	Capacity int `yaml:"capacity"`
	// GuestAccess lets browser guests join from a link.
	GuestAccess bool `yaml:"guest_access"`
	// GuestRole is the role guests join with: owner, moderator, presenter,
	// attendee or spectator. Default: attendee.
	GuestRole string `yaml:"guest_role"`
	// GuestWait is how long guests (callers who are neither the owner nor
	// members) may wait for the owner or a member, written like "10m" or
	// "45s"; then their calls end. Only rooms with an owner or members have
	// guests. At most 24h; default: 10m.
	GuestWait time.Duration `yaml:"guest_wait"`
	// CallerID is presented on calls out of this room: E.164 or digits.
	// Empty uses the trunk's.
	CallerID string `yaml:"caller_id"`
}

// Webhook is an HTTP endpoint that receives room events: each event is
// POSTed to URL as JSON, signed with HMAC-SHA256 under Secret, and retried
// with back-off while the endpoint fails with a network error, 429 or 5xx.
type Webhook struct {
	// URL is the http:// or https:// address events are POSTed to;
	// required.
	URL string `yaml:"url"`
	// Secret keys the HMAC-SHA256 signature of X-Parley-Signature, which
	// receivers check; required, at least 16 characters. Write it as
	// "${VAR}" to keep it out of the file.
	Secret Secret `yaml:"secret"`
	// Events are the event types sent to this hook: joined, left, talking,
	// muted, role, dial, locked, ended, reloaded. Empty sends them all.
	Events []string `yaml:"events"`
}

// DialIn is a phone number that reaches Parley, as shown to invitees.
type DialIn struct {
	// Number is what people dial: E.164 ("+441632960000") or digits;
	// required.
	Number string `yaml:"number"`
	// Label says which number this is, e.g. "London" or "toll-free";
	// optional.
	Label string `yaml:"label"`
}

// SMTP is the mail server that email invitations go out through
// (RFC 5321). Present in the file, the section needs at least host and
// from.
type SMTP struct {
	// Host is the mail server's host name or IP address; required.
	Host string `yaml:"host"`
	// Port is the server's submission port. Default: 587 (RFC 6409). Port
	// 465 is spoken with implicit TLS (RFC 8314).
	Port int `yaml:"port"`
	// Username authenticates Parley to the server; empty sends without
	// authentication.
	Username string `yaml:"username"`
	// Password goes with Username. Write it as "${VAR}" to keep it out of
	// the file.
	Password Secret `yaml:"password"`
	// From is the sender of invitations and the organizer of their
	// calendar events: an address, optionally with a name, such as
	// "Parley <parley@example.com>"; required.
	From string `yaml:"from"`
	// StartTLS requires the connection to be upgraded with STARTTLS
	// (RFC 3207) before anything is sent, and fails the send when the
	// server does not offer it; false still uses STARTTLS when offered.
	// Default: true.
	StartTLS bool `yaml:"starttls"`
}

// SMS is an HTTP gateway that sends text messages: one request per message,
// built from the templates below.
type SMS struct {
	// URL is the gateway's http:// or https:// address; required. It may
	// carry {{to}} and {{text}}, which are URL-query-escaped, for
	// gateways that take them in the query.
	URL string `yaml:"url"`
	// Method is the HTTP method: GET, POST, PUT or PATCH. Default: POST.
	Method string `yaml:"method"`
	// Body is the request body, a template in which {{to}} stands for the
	// number in E.164 and {{text}} for the message. Each is escaped for
	// the body's content type: as the inside of a JSON string for JSON,
	// URL-encoded for application/x-www-form-urlencoded, as is otherwise.
	// Default: {"to": "{{to}}", "text": "{{text}}"}; empty with method GET.
	Body string `yaml:"body"`
	// ContentType is the body's media type. Default: application/json
	// when Body starts with { or [, else
	// application/x-www-form-urlencoded.
	ContentType string `yaml:"content_type"`
	// AuthHeader is a header sent with every request, written as a full
	// header line ("Authorization: Bearer TOKEN", "X-API-Key: KEY") or as
	// the value of Authorization alone ("Bearer TOKEN"); optional. Write it
	// as "${VAR}" to keep it out of the file.
	AuthHeader Secret `yaml:"auth_header"`
	// DefaultCountry is the ISO 3166-1 alpha-2 code (e.g. "GB") that
	// numbers written in national format, such as 07911 123456, are read
	// in; empty accepts only international numbers (+…).
	DefaultCountry string `yaml:"default_country"`
}
