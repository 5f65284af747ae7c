package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// ConsoleLoginRequest is the body of POST
// /api/v1/rooms/{number}/console-login.
type ConsoleLoginRequest struct {
	// PIN is the room's moderator PIN, as a moderator would type it on the
	// phone. Required.
	PIN string `json:"pin"`
}

// Console logins: the moderator console (web/console.go) trades the room's
// moderator PIN for a moderator room token, so that whoever may moderate by
// phone may moderate from the browser too.
const (
	// consoleTokenLife is how long a token minted by a console login
	// lasts: a working day, so that a forgotten tab does not hold the room
	// for ever.
	consoleTokenLife = 12 * time.Hour
	// consoleTokenLabel labels those tokens in GET …/tokens.
	consoleTokenLabel = "console"
	// consoleTries is how many logins one client address may try per
	// consoleWindow, right or wrong: with 4-digit PINs, an unlimited
	// guesser would find one in minutes.
	consoleTries = 5
	// consoleWindow is the window consoleTries counts in.
	consoleWindow = time.Minute
	// consoleClients bounds the addresses the limiter remembers; past it,
	// those whose window has passed are forgotten first.
	consoleClients = 4096
)

// consoleLogin serves POST /api/v1/rooms/{number}/console-login. It has its
// own rate limiter, which lives as long as the mux that endpoints() builds
// it for; the limiter reads the server's clock at each request.
type consoleLogin struct {
	s *server

	mu    sync.Mutex
	tries map[netip.Prefix][]time.Time // guarded by mu: the client's tries within consoleWindow, oldest first
}

func newConsoleLogin(s *server) *consoleLogin {
	return &consoleLogin{s: s, tries: make(map[netip.Prefix][]time.Time)}
}

// serve checks the PIN against the room's moderator PIN and answers 201 with
// a new moderator room token (NewToken, as POST …/tokens does) that expires
// in consoleTokenLife. It refuses with 429 a client that tried consoleTries
// times within consoleWindow, 403 (field "pin") a wrong PIN or a room that
// has no moderator PIN, and 404 an unknown room. The route is public: the
// PIN is the credential.
func (c *consoleLogin) serve(w http.ResponseWriter, r *http.Request) error {
	var req ConsoleLoginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.PIN == "" {
		return &Error{Status: http.StatusBadRequest, Field: "pin", Message: "pin is required: the room's moderator PIN"}
	}
	if wait, ok := c.allow(r); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		return &Error{Status: http.StatusTooManyRequests, Field: "pin",
			Message: fmt.Sprintf("too many tries: wait %d seconds before trying again", secs)}
	}
	s := c.s
	room, err := s.room(r)
	if err != nil {
		return err
	}
	want := room.Settings().ModeratorPIN
	if want == "" {
		return &Error{Status: http.StatusForbidden, Field: "pin",
			Message: "room " + room.Number() + " has no moderator PIN: ask an admin for a moderator token"}
	}
	// Compare digests, so that the time taken depends neither on where a
	// guess first differs nor on its length.
	got, sum := sha256.Sum256([]byte(req.PIN)), sha256.Sum256([]byte(want))
	if subtle.ConstantTimeCompare(got[:], sum[:]) != 1 {
		s.log.Warn("api console login refused", "room", room.Number(), "remote", r.RemoteAddr, "reason", "wrong PIN")
		return &Error{Status: http.StatusForbidden, Field: "pin", Message: "wrong moderator PIN"}
	}
	if s.store == nil {
		return errNoStore
	}
	secret := make([]byte, tokenBytes)
	_, _ = rand.Read(secret) // crypto/rand.Read never fails (Go 1.24+)
	token := base64.RawURLEncoding.EncodeToString(secret)
	expires := s.now().Add(consoleTokenLife)
	t, err := s.store.CreateToken(r.Context(), store.Token{Hash: store.HashToken(token), Room: room.Number(),
		Role: string(bridge.RoleModerator), Label: consoleTokenLabel, ExpiresAt: &expires})
	if err != nil {
		return err
	}
	s.log.Info("api token minted", "room", t.Room, "token_id", t.ID, "role", t.Role, "label", t.Label,
		"by", "console login", "remote", r.RemoteAddr)
	writeJSON(w, http.StatusCreated, NewToken{ID: strconv.FormatInt(t.ID, 10), Token: token, Role: t.Role, Room: t.Room,
		Label: t.Label, ExpiresAt: t.ExpiresAt})
	return nil
}

// allow counts a try by r's client and reports whether it is within the
// limit; if not, it returns how long until the oldest try leaves the window.
// A refused try is not counted, so that a client that waits gets in.
func (c *consoleLogin) allow(r *http.Request) (time.Duration, bool) {
	key := clientOf(r)
	now := c.s.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	recent := c.tries[key]
	for len(recent) > 0 && now.Sub(recent[0]) >= consoleWindow {
		recent = recent[1:]
	}
	if len(recent) >= consoleTries {
		c.tries[key] = recent
		return recent[0].Add(consoleWindow).Sub(now), false
	}
	if _, known := c.tries[key]; !known && len(c.tries) >= consoleClients {
		for k, ts := range c.tries {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= consoleWindow {
				delete(c.tries, k)
			}
		}
	}
	c.tries[key] = append(recent, now)
	return 0, true
}

// clientOf is the address r's tries are counted under: the peer's IPv4
// address, or its IPv6 /64, since one host commonly holds a whole /64.
// X-Forwarded-For is not read: a client could set it to anything, and
// Parley does not know which proxies to trust.
func clientOf(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	ip = ip.Unmap()
	bits := 32
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}
