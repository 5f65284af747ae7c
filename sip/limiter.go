package sip

import (
	"net/netip"
	"time"
)

// Limiter is what the registrar and the PIN prompt (package ivr's flow,
// as its ivr.Limiter) ask before they check a credential: package guard's
// *guard.Limiter, one of the Digest kind and one of the PIN kind, both
// views of the one guard `parley serve` makes.
// Its methods must be safe for concurrent use.
type Limiter interface {
	// Check reports how long a try by source on key must wait first (0:
	// go ahead), and whether source is banned. A try that goes ahead may
	// reserve the next slot.
	Check(source netip.Addr, key string) (wait time.Duration, banned bool)
	// Fail records a wrong credential of source for key.
	Fail(source netip.Addr, key string)
	// Succeed records a right one; it lifts no ban.
	Succeed(source netip.Addr, key string)
}
