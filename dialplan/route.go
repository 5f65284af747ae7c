package dialplan

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/rules"
)

// Errors of routing. The edges turn them into a SIP or HTTP status.
var (
	// ErrNotAllowed means no trunk's allow patterns match the number: the
	// call is refused before any INVITE is sent. It is the guard against
	// toll fraud (premium-rate and international numbers nobody meant to
	// pay for). The API answers it with 403.
	ErrNotAllowed = errors.New("dial-out not allowed")
	// ErrBadCallerID means a caller ID is neither E.164 nor digits. The API
	// answers it with 400 when it came from the request.
	ErrBadCallerID = errors.New("bad caller ID")
	// ErrNotRegistered means the target is a configured extension with no
	// device registered (Router.Registered): there is nothing to ring. The
	// API answers it with 409.
	ErrNotRegistered = errors.New("no registered device")
)

// How a Route reaches its target; the values of Route.Via.
const (
	// ViaExtension rings the registered contacts of a configured extension.
	ViaExtension = "extension"
	// ViaTrunk sends the call to a trunk's proxy.
	ViaTrunk = "trunk"
	// ViaDirect sends the call straight to a SIP endpoint or URI.
	ViaDirect = "direct"
	// ViaH323 calls an H.323 endpoint straight at its address (no
	// gatekeeper): the H.323 edge places it, not the SIP edge.
	ViaH323 = "h323"
)

// TrunkRoute is what the router needs to know of one trunk.
type TrunkRoute struct {
	// Name identifies the trunk in Route.Trunk, logs and errors.
	Name string
	// Proxy is the SIP URI calls go to, "sip:sbc.example.net:5060"; its
	// host, port and transport parameter make the Request-URI.
	Proxy string
	// CallerID is presented when neither the request nor the room sets
	// one: E.164 or digits; empty means none.
	CallerID string
	// Allow are the numbers the trunk may call; a number must match one of
	// them. None means the trunk calls nothing; nil entries are ignored.
	Allow []*regexp.Regexp
	// AllowedCallerIDs are the caller IDs anyone may ask to present
	// (TrunkAllowingCallerID); nil entries are ignored.
	AllowedCallerIDs []*regexp.Regexp
}

// Router decides how a dial target is reached, for dial-out and for
// `parley route TARGET`. Its fields are read, never written, by Route, so a
// Router that is not modified after it is built is safe for concurrent use.
type Router struct {
	// Extensions maps extension numbers to display names. A digits target
	// that is a key here is an extension, whatever its length.
	Extensions map[string]string
	// CallerIDs maps extension numbers to their users' caller IDs
	// (ExtensionCallerID); extensions without one are absent.
	CallerIDs map[string]string
	// Trunks are tried in order for phone numbers; the first whose Allow
	// matches carries the call.
	Trunks []TrunkRoute
	// DirectAllow limits the hosts a direct SIP target (#sip: or a sip:
	// URI whose host is no trunk's) may reach: a host in one of its
	// domains or an address in one of its networks. Empty allows any host,
	// which is the default; production should set it.
	DirectAllow []HostPattern
	// Self returns Parley's own SIP listen addresses, which a direct target
	// may not reach (a call to itself); an unspecified address stands for
	// the loopback addresses at its port, so the caller lists the machine's
	// other addresses. Nil means none are known.
	Self func() []netip.AddrPort
	// SelfH323 returns Parley's own H.323 listen addresses, which an H.323
	// target may not reach, as Self for SIP. Nil means none are known.
	SelfH323 func() []netip.AddrPort
	// Registered, if set, reports whether an extension has a device
	// registered now; an extension without one is refused
	// (ErrNotRegistered) rather than routed to nothing. Nil means
	// registrations are unknown (`parley route` offline): every extension
	// is routed.
	Registered func(ext string) bool
	// Resolver resolves host names of targets and trunk proxies; nil uses
	// net.DefaultResolver.
	Resolver Resolver
	// ResolveTimeout bounds each lookup; 0 means DefaultResolveTimeout.
	ResolveTimeout time.Duration
}

// Route is the router's decision for one target.
type Route struct {
	// Target is the target routed.
	Target Target
	// Via is how the call goes: ViaExtension, ViaTrunk, ViaDirect or ViaH323.
	Via string
	// Name is the extension's configured name when Via is ViaExtension,
	// else empty.
	Name string
	// Trunk is the name of the trunk that carries the call when Via is
	// ViaTrunk, else empty.
	Trunk string
	// Destination is the SIP URI to INVITE, for an extension
	// "registered contacts of 2001", or for ViaH323 the target,
	// "#h323:ALIAS@HOST:PORT".
	Destination string
	// Addr is where the INVITE (ViaTrunk, ViaDirect) or the H.323 Setup
	// (ViaH323) must be sent:
	// the address the checks approved, resolved once, so that DNS cannot
	// send the call elsewhere between the check and the call (rebinding).
	// The zero AddrPort for an extension.
	Addr netip.AddrPort
	// CallerID is the caller ID to present: the request's, else the
	// room's, else (through a trunk) the trunk's; empty means none.
	CallerID string
	// Explain has one line per decision, for `parley route` and the logs.
	Explain []string
}

func (rt *Route) explain(format string, args ...any) {
	rt.Explain = append(rt.Explain, fmt.Sprintf(format, args...))
}

// Route decides how to reach t. callerID is the one the dial request asks
// for ("" if none) and roomCallerID the room's ("" if none). One rule
// applies to every target, on its destination normalised (ParseTarget's
// canonical host and the default port) and resolved (the Resolver):
//
//   - A KindExtension or national KindNumber target that is a key of
//     r.Extensions rings that extension: a known extension wins. One with
//     no registered device (r.Registered) fails with ErrNotRegistered.
//   - Any other number goes through the first trunk whose Allow matches the
//     normalised number ("+441632960123", or national digits as typed); if
//     none does, the error wraps ErrNotAllowed and names the number and the
//     trunks tried.
//   - A KindSIPDirect or KindSIPURI target whose host resolves to any
//     address of a trunk's proxy (itself resolved), at any port, IS that
//     trunk: its user part, read as the number the trunk would see
//     (userNumber), must be a number the trunk allows. A trunk proxy that
//     does not resolve refuses every direct target, since it cannot be
//     told apart.
//   - Any other KindSIPDirect target goes to sip:USER@HOST:PORT and a
//     KindSIPURI target to its URI, unless an address it resolves to is
//     unspecified, multicast, broadcast or Parley's own, or r.DirectAllow
//     is set and lists neither its host nor its address.
//   - A KindH323 target goes Via ViaH323 straight to its host, under the
//     same checks as a direct SIP target (Parley's own H.323 address,
//     r.SelfH323, in place of its SIP ones); trunks carry SIP only and do
//     not apply.
//
// Every trunk, direct and H.323 Route carries in Addr the address that was
// checked, which the edge must send to. A host that does not resolve is
// refused (ErrNotAllowed). A caller ID that is not E.164 or digits fails
// with ErrBadCallerID. On error the Route returned still carries the
// Explain lines written so far. Route's only I/O is name resolution.
func (r *Router) Route(ctx context.Context, t Target, callerID, roomCallerID string) (Route, error) {
	rt := Route{Target: t}
	if callerID != "" && rules.CallerID(callerID) != nil {
		return rt, fmt.Errorf("%w %q from the request: want E.164 (+441632960000) or digits", ErrBadCallerID, callerID)
	}
	switch t.Kind {
	case KindExtension, KindNumber:
		if !strings.HasPrefix(t.Number, "+") {
			if name, ok := r.Extensions[t.Number]; ok {
				rt.Via, rt.Name = ViaExtension, name
				rt.Destination = "registered contacts of " + t.Number
				if r.Registered != nil && !r.Registered(t.Number) {
					rt.explain("%s is an extension (%s) with no registered device: refused, nothing to ring", t.Number, name)
					return rt, fmt.Errorf("extension %s (%s) has %w: nothing to ring until one registers", t.Number, name, ErrNotRegistered)
				}
				rt.explain("%s is an extension (%s): ring all its registered contacts, the first to answer wins", t.Number, name)
				return rt, rt.pickCallerID(callerID, roomCallerID, nil)
			}
		}
		if t.Kind == KindExtension {
			rt.explain("%s is not a configured extension: trying it as a number", t.Number)
		} else {
			rt.explain("%s is a phone number: trying the trunks in order", t.Number)
		}
		return rt, r.viaTrunk(ctx, &rt, t.Number, r.Trunks, callerID, roomCallerID)

	case KindSIPDirect, KindSIPURI:
		return rt, r.viaHost(ctx, &rt, callerID, roomCallerID)

	case KindH323:
		return rt, r.viaH323(ctx, &rt, callerID, roomCallerID)
	}
	return rt, fmt.Errorf("%w: empty target", ErrBadTarget)
}

// viaHost routes a SIP target by its resolved host: through the trunks
// whose proxy it is, else directly if the direct checks pass.
func (r *Router) viaHost(ctx context.Context, rt *Route, callerID, roomCallerID string) error {
	t := rt.Target
	port := t.Port
	if port == 0 {
		port = defaultPort(strings.SplitN(t.URI, ":", 2)[0], t.Transport)
	}
	addrs, err := r.lookup(ctx, t.Host)
	if err != nil {
		rt.explain("%s does not resolve (%v): refused", t.Host, err)
		return fmt.Errorf("%w: %s: %w", ErrNotAllowed, t.Host, err)
	}
	rt.explainLookup("host", t.Host, addrs)
	trunks, err := r.trunksAt(ctx, rt, addrs)
	if err != nil {
		return err
	}
	if len(trunks) > 0 {
		return r.toTrunkHost(ctx, rt, trunks, callerID, roomCallerID)
	}
	a, err := r.directAddr(rt, t.Host, port, addrs)
	if err != nil {
		return err
	}
	rt.Via, rt.Addr = ViaDirect, netip.AddrPortFrom(a, uint16(port))
	if t.Kind == KindSIPDirect {
		rt.Destination = "sip:" + hostPort(t.Host, t.Port, 0)
		if t.User != "" {
			rt.Destination = "sip:" + t.User + "@" + hostPort(t.Host, t.Port, 0)
		}
		rt.explain("%s is a direct SIP endpoint: INVITE %s, sent to %s, no registration or trunk", t, rt.Destination, rt.Addr)
	} else {
		rt.Destination = t.URI
		rt.explain("%s is a SIP URI: INVITE it as is, sent to %s", t.URI, rt.Addr)
	}
	return rt.pickCallerID(callerID, roomCallerID, nil)
}

// viaH323 routes an H.323 target straight to its resolved host, which
// must pass directAddr's checks.
func (r *Router) viaH323(ctx context.Context, rt *Route, callerID, roomCallerID string) error {
	t := rt.Target
	port := t.Port
	if port == 0 {
		port = DefaultH323Port
	}
	addrs, err := r.lookup(ctx, t.Host)
	if err != nil {
		rt.explain("%s does not resolve (%v): refused", t.Host, err)
		return fmt.Errorf("%w: %s: %w", ErrNotAllowed, t.Host, err)
	}
	rt.explainLookup("host", t.Host, addrs)
	a, err := r.directAddr(rt, t.Host, port, addrs)
	if err != nil {
		return err
	}
	rt.Via, rt.Addr, rt.Destination = ViaH323, netip.AddrPortFrom(a, uint16(port)), t.String()
	alias := "no destination alias (the endpoint answers for itself)"
	if t.User != "" {
		alias = fmt.Sprintf("destination alias %q", t.User)
	}
	rt.explain("%s is an H.323 endpoint: Setup sent to %s with %s, no gatekeeper", t, rt.Addr, alias)
	return rt.pickCallerID(callerID, roomCallerID, nil)
}

// viaTrunk routes number through the first of trunks that allows it.
func (r *Router) viaTrunk(ctx context.Context, rt *Route, number string, trunks []TrunkRoute, callerID, roomCallerID string) error {
	tried := make([]string, 0, len(trunks))
	for i := range trunks {
		tr := &trunks[i]
		var pats []string
		matched := ""
		for _, re := range tr.Allow {
			if re == nil {
				continue
			}
			if re.MatchString(number) {
				matched = re.String()
				break
			}
			pats = append(pats, re.String())
		}
		switch {
		case matched != "":
			dest, err := trunkDestination(tr.Proxy, number)
			if err != nil {
				rt.explain("trunk %s: %s matches %s, but its proxy %q is not a SIP URI", tr.Name, number, matched, tr.Proxy)
				return fmt.Errorf("trunk %s: %w", tr.Name, err)
			}
			addrs, port, err := r.proxyAddrs(ctx, *tr)
			if err != nil {
				rt.explain("trunk %s: %s matches %s, but its proxy does not resolve (%v)", tr.Name, number, matched, err)
				return fmt.Errorf("trunk %s: %w", tr.Name, err)
			}
			rt.explainLookup("trunk "+tr.Name+": proxy", proxyHost(tr.Proxy), addrs)
			rt.Via, rt.Trunk, rt.Destination = ViaTrunk, tr.Name, dest
			rt.Addr = netip.AddrPortFrom(addrs[0], uint16(port))
			rt.explain("trunk %s: %s matches %s: INVITE %s, sent to %s", tr.Name, number, matched, dest, rt.Addr)
			return rt.pickCallerID(callerID, roomCallerID, tr)
		case len(pats) == 0:
			rt.explain("trunk %s: allows nothing (no allow patterns)", tr.Name)
			tried = append(tried, tr.Name+" allows nothing")
		default:
			rt.explain("trunk %s: %s matches none of %s", tr.Name, number, strings.Join(pats, ", "))
			tried = append(tried, tr.Name+" allows "+strings.Join(pats, ", "))
		}
	}
	if len(tried) == 0 {
		rt.explain("no trunks are configured: refused")
		return fmt.Errorf("%w: no trunk allows %s: no trunks are configured", ErrNotAllowed, number)
	}
	rt.explain("no trunk allows %s: refused before any INVITE", number)
	return fmt.Errorf("%w: no trunk allows %s: %s", ErrNotAllowed, number, strings.Join(tried, "; "))
}

// trunksAt returns the trunks whose proxy resolves to any of addrs, at
// any port: a trunk that trusts Parley's address answers on all its ports.
// A proxy that does not resolve is an error wrapping ErrNotAllowed, since
// the target might be that trunk.
func (r *Router) trunksAt(ctx context.Context, rt *Route, addrs []netip.Addr) ([]TrunkRoute, error) {
	var at []TrunkRoute
	for _, tr := range r.Trunks {
		proxy, _, err := r.proxyAddrs(ctx, tr)
		if err != nil {
			rt.explain("trunk %s: proxy %s does not resolve (%v): cannot tell the target from it, refused", tr.Name, tr.Proxy, err)
			return nil, fmt.Errorf("%w: trunk %s: %w", ErrNotAllowed, tr.Name, err)
		}
		for _, a := range addrs {
			if slices.Contains(proxy, a) {
				rt.explainLookup("trunk "+tr.Name+": proxy", proxyHost(tr.Proxy), proxy)
				rt.explain("%s is an address of trunk %s's proxy", a, tr.Name)
				at = append(at, tr)
				break
			}
		}
	}
	return at, nil
}

// proxyAddrs resolves a trunk's proxy: its addresses and the port calls go
// to (the proxy's, else 5060, or 5061 for sips: and transport=tls).
func (r *Router) proxyAddrs(ctx context.Context, tr TrunkRoute) ([]netip.Addr, int, error) {
	scheme, p, ok := parseProxy(tr.Proxy)
	if !ok {
		return nil, 0, fmt.Errorf("proxy %q: want a SIP URI like sip:host:port", tr.Proxy)
	}
	port := p.Port
	if port == 0 {
		port = defaultPort(scheme, p.Transport)
	}
	addrs, err := r.lookup(ctx, p.Host)
	return addrs, port, err
}

// proxyHost is the canonical host of a trunk proxy URI, or the URI.
func proxyHost(proxy string) string {
	if _, p, ok := parseProxy(proxy); ok {
		return p.Host
	}
	return proxy
}

// toTrunkHost routes a SIP target addressed to a trunk's proxy as the
// number its user part names through those trunks, so their allow patterns
// apply to what the trunk would dial.
func (r *Router) toTrunkHost(ctx context.Context, rt *Route, trunks []TrunkRoute, callerID, roomCallerID string) error {
	t := rt.Target
	names := make([]string, len(trunks))
	for i, tr := range trunks {
		names[i] = tr.Name
	}
	rt.explain("%s is the proxy host of trunk %s: the trunk's allow patterns apply", t.Host, strings.Join(names, ", "))
	number, reason := userNumber(t.User)
	if t.User == "" {
		reason = "it names no number"
	}
	if reason != "" {
		rt.explain("%s: refused", reason)
		return fmt.Errorf("%w: %s is a SIP address on trunk %s's host, and only phone numbers it allows may be called there (%s): "+
			"to call through the trunk, dial the number itself", ErrNotAllowed, t, strings.Join(names, ", "), reason)
	}
	if number != t.User {
		rt.explain("user %q is the number %s", t.User, number)
	}
	err := r.viaTrunk(ctx, rt, number, trunks, callerID, roomCallerID)
	if errors.Is(err, ErrNotAllowed) {
		return fmt.Errorf("%w; %s is a SIP address on trunk %s's host, so only the numbers it allows may be called there",
			err, t, strings.Join(names, ", "))
	}
	return err
}

// pickCallerID sets rt.CallerID to the request's caller ID, else the
// room's, else tr's when tr is not nil, and checks it.
func (rt *Route) pickCallerID(request, room string, tr *TrunkRoute) error {
	var id, from string
	switch {
	case request != "":
		id, from = request, "the request"
	case room != "":
		id, from = room, "the room"
	case tr != nil && tr.CallerID != "":
		id, from = tr.CallerID, "trunk "+tr.Name
	default:
		rt.explain("caller ID: none set by the request, the room or a trunk")
		return nil
	}
	if rules.CallerID(id) != nil {
		rt.explain("caller ID %q from %s: not E.164 or digits", id, from)
		return fmt.Errorf("%w %q from %s: want E.164 (+441632960000) or digits", ErrBadCallerID, id, from)
	}
	rt.CallerID = id
	rt.explain("caller ID %s from %s", id, from)
	return nil
}

// parseProxy parses a trunk proxy URI, "sip:sbc.example.net:5060".
func parseProxy(proxy string) (scheme string, t Target, ok bool) {
	lower := strings.ToLower(proxy)
	for _, scheme := range []string{"sip", "sips"} {
		if strings.HasPrefix(lower, scheme+":") {
			t, err := parseSIPURI(scheme, proxy[len(scheme)+1:])
			return scheme, t, err == nil
		}
	}
	return "", Target{}, false
}

// trunkDestination is the Request-URI for number at the trunk proxy:
// sip:NUMBER@HOST[:PORT], keeping the proxy's scheme and transport.
func trunkDestination(proxy, number string) (string, error) {
	scheme, p, ok := parseProxy(proxy)
	if !ok {
		return "", fmt.Errorf("proxy %q: want a SIP URI like sip:host:port", proxy)
	}
	dest := scheme + ":" + number + "@" + hostPort(p.Host, p.Port, 0)
	if p.Transport != "" {
		dest += ";transport=" + p.Transport
	}
	return dest, nil
}
