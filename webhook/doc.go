// Package webhook delivers room events to HTTP endpoints that the admin
// configures: each event is POSTed as JSON, signed with HMAC-SHA256, and
// retried with back-off while the endpoint is unreachable or overloaded.
//
// # Requests
//
// Each delivery is one POST whose body is the bridge.Event as JSON, the same
// object the events WebSocket carries, with these headers:
//
//	Content-Type:       application/json
//	X-Parley-Event:     the event type (joined, left, talking, muted, role, dial, locked, ended, reloaded)
//	X-Parley-Delivery:  an ID unique to this event and hook, the same on every retry
//	X-Parley-Timestamp: the time of this attempt, in Unix seconds
//	X-Parley-Signature: sha256=HEX
//
// HEX is the lowercase hex HMAC-SHA256, keyed with the hook's secret, of
// the timestamp header's value, a full stop, and the body bytes exactly as
// received:
//
//	HMAC-SHA256(secret, X-Parley-Timestamp + "." + body)
//
// The timestamp is signed with the body so that an old request cannot be
// passed off as a new one, and it is renewed (and the request re-signed) on
// every retry.
//
// # Verifying a request
//
// A receiver should:
//
//  1. read the raw body before parsing it, and call Verify with its secret,
//     the X-Parley-Timestamp header, the body and the X-Parley-Signature
//     header, refusing the request (401) when it reports false;
//  2. refuse a timestamp more than five minutes from its own clock, which
//     stops a captured request from being replayed later;
//  3. remember the X-Parley-Delivery IDs of the last five minutes and ignore
//     one it has seen, since a retry after a lost response, or a replay
//     inside the window, repeats it;
//  4. answer 2xx quickly and do slow work afterwards.
//
// # Responses and retries
//
// A 2xx answer completes a delivery. A network error, a 429 or a 5xx is
// retried after Options.Backoff, up to Options.MaxAttempts attempts in all;
// any other status (3xx included: redirects are not followed by the default
// client) fails the delivery at once. A delivery that fails is logged once
// and counted.
//
// Each hook has its own queue and worker goroutine, so a slow or dead
// endpoint delays only its own events and never the bridge: when its queue
// is full, the oldest waiting event is dropped, counted and logged. Events
// of one hook are sent one at a time, in order.
package webhook
