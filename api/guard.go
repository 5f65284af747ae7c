package api

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"time"

	"github.com/parleyhq/parley/guard"
)

// Limiter is what the console sign-in and the bearer-token check ask
// before they check a credential: package guard's *guard.Limiter (of the
// console and api kinds, views of the one guard `parley serve` makes). Its
// methods must be safe for concurrent use.
type Limiter interface {
	// Check reports how long a try by source on key must wait first (0:
	// go ahead), and whether source is banned.
	Check(source netip.Addr, key string) (wait time.Duration, banned bool)
	// Fail records a wrong credential of source for key.
	Fail(source netip.Addr, key string)
	// Succeed records a right one; it lifts no ban.
	Succeed(source netip.Addr, key string)
}

// Token lives when Options leave them out.
const (
	defaultTokenTTL    = 12 * time.Hour
	defaultTokenMaxTTL = 7 * 24 * time.Hour
)

// clientIP is the address r's failures are counted under (the guard groups
// IPv6 by /64): r.RemoteAddr, which `parley serve` has already set to the
// client's address when the request came through a trusted proxy
// (package clientaddr, http.trusted_proxies); the API never reads
// X-Forwarded-For itself.
func clientIP(r *http.Request) netip.Addr { return guard.SourceOf(r.RemoteAddr) }

// tooMany is the 429 answer to a client the guard holds off for wait
// (banned or not: the answer does not say which), with Retry-After in
// whole seconds (RFC 9110 §10.2.3).
func tooMany(field string, wait time.Duration) error {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	return &Error{Status: http.StatusTooManyRequests, Field: field, retryAfter: secs,
		Message: fmt.Sprintf("too many failed tries from your address: wait %d seconds before trying again", secs)}
}
