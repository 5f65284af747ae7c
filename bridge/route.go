package bridge

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Errors of routing. The edges turn them into a SIP or HTTP status.
var (
	// ErrNotAllowed means no trunk's allow patterns match the number: the
	// call is refused before any INVITE is sent. It is the guard against
	// toll fraud (premium-rate and international numbers nobody meant to
	// pay for). The API answers it with 403.
	ErrNotAllowed = errors.New("dial-out not allowed")
	// ErrH323Unsupported means the target is an H.323 endpoint. Only the
	// SIP edge places calls today, and SIP cannot reach an H.323 endpoint
	// without a gateway; dial it through a gateway's SIP URI instead. The
	// API answers it with 501.
	ErrH323Unsupported = errors.New("h323 dial-out not supported")
	// ErrBadCallerID means a caller ID is neither E.164 nor digits. The API
	// answers it with 400 when it came from the request.
	ErrBadCallerID = errors.New("bad caller ID")
)

// How a Route reaches its target; the values of Route.Via.
const (
	// ViaExtension rings the registered contacts of a configured extension.
	ViaExtension = "extension"
	// ViaTrunk sends the call to a trunk's proxy.
	ViaTrunk = "trunk"
	// ViaDirect sends the call straight to a SIP endpoint or URI.
	ViaDirect = "direct"
	// ViaH323 would call an H.323 endpoint; see ErrH323Unsupported.
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
}

// Router decides how a dial target is reached, for dial-out and for
// `parley route TARGET`. Its fields are read, never written, by Route, so a
// Router that is not modified after it is built is safe for concurrent use.
type Router struct {
	// Extensions maps extension numbers to display names. A digits target
	// that is a key here is an extension, whatever its length.
	Extensions map[string]string
	// Trunks are tried in order for phone numbers; the first whose Allow
	// matches carries the call.
	Trunks []TrunkRoute
}

// Route is the router's decision for one target.
type Route struct {
	// Target is the target routed.
	Target Target
	// Via is how the call goes: ViaExtension, ViaTrunk, ViaDirect or ViaH323.
	Via string
	// Trunk is the name of the trunk that carries the call when Via is
	// ViaTrunk, else empty.
	Trunk string
	// Destination is the SIP URI to INVITE, or for an extension
	// "registered contacts of 2001".
	Destination string
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
// for ("" if none) and roomCallerID the room's ("" if none).
//
//   - A KindExtension or national KindNumber target that is a key of
//     r.Extensions rings that extension: a known extension wins.
//   - Any other number goes through the first trunk whose Allow matches the
//     normalised number ("+441632960123", or national digits as typed); if
//     none does, the error wraps ErrNotAllowed and names the number and the
//     trunks tried.
//   - A KindSIPDirect target goes to sip:USER@HOST:PORT and a KindSIPURI
//     target to its URI as is, unless the host is a trunk's proxy host: then
//     the user part must be a number that trunk allows, so the allow
//     patterns cannot be bypassed by typing sip:+1900…@sbc. Only literal
//     hosts are compared; a name that resolves to the proxy's address is
//     not caught here.
//   - A KindH323 target fails with ErrH323Unsupported.
//
// A caller ID that is not E.164 or digits fails with ErrBadCallerID. On
// error the Route returned still carries the Explain lines written so far.
// Route does no I/O.
func (r *Router) Route(t Target, callerID, roomCallerID string) (Route, error) {
	rt := Route{Target: t}
	if callerID != "" && !validCallerID(callerID) {
		return rt, fmt.Errorf("%w %q from the request: want E.164 (+441632960000) or digits", ErrBadCallerID, callerID)
	}
	switch t.Kind {
	case KindExtension, KindNumber:
		if !strings.HasPrefix(t.Number, "+") {
			if name, ok := r.Extensions[t.Number]; ok {
				rt.Via = ViaExtension
				rt.Destination = "registered contacts of " + t.Number
				rt.explain("%s is an extension (%s): ring all its registered contacts, the first to answer wins", t.Number, name)
				return rt, rt.pickCallerID(callerID, roomCallerID, nil)
			}
		}
		if t.Kind == KindExtension {
			rt.explain("%s is not a configured extension: trying it as a number", t.Number)
		} else {
			rt.explain("%s is a phone number: trying the trunks in order", t.Number)
		}
		return rt, r.viaTrunk(&rt, t.Number, r.Trunks, callerID, roomCallerID)

	case KindSIPDirect, KindSIPURI:
		if trunks := r.trunksAt(t.Host, t.Port); len(trunks) > 0 {
			return rt, r.toTrunkHost(&rt, trunks, callerID, roomCallerID)
		}
		rt.Via = ViaDirect
		if t.Kind == KindSIPDirect {
			rt.Destination = "sip:" + hostPort(t.Host, t.Port, 0)
			if t.User != "" {
				rt.Destination = "sip:" + t.User + "@" + hostPort(t.Host, t.Port, 0)
			}
			rt.explain("%s is a direct SIP endpoint: INVITE %s, no registration or trunk", t, rt.Destination)
		} else {
			rt.Destination = t.URI
			rt.explain("%s is a SIP URI: INVITE it as is, its host found per RFC 3263", t.URI)
		}
		return rt, rt.pickCallerID(callerID, roomCallerID, nil)

	case KindH323:
		rt.Via = ViaH323
		rt.explain("%s is an H.323 endpoint: Parley has no H.323 edge yet and the SIP edge cannot call it", t)
		return rt, fmt.Errorf("%w: %s: only SIP calls can be placed; dial the endpoint through an H.323 gateway's SIP URI", ErrH323Unsupported, t)
	}
	return rt, fmt.Errorf("%w: empty target", ErrBadTarget)
}

// viaTrunk routes number through the first of trunks that allows it.
func (r *Router) viaTrunk(rt *Route, number string, trunks []TrunkRoute, callerID, roomCallerID string) error {
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
			rt.Via, rt.Trunk, rt.Destination = ViaTrunk, tr.Name, dest
			rt.explain("trunk %s: %s matches %s: INVITE %s", tr.Name, number, matched, dest)
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

// trunksAt returns the trunks whose proxy is host:port (a port of 0 is
// SIP's default, 5060).
func (r *Router) trunksAt(host string, port int) []TrunkRoute {
	if port == 0 {
		port = DefaultSIPPort
	}
	var at []TrunkRoute
	for _, tr := range r.Trunks {
		_, p, ok := parseProxy(tr.Proxy)
		if p.Port == 0 {
			p.Port = DefaultSIPPort
		}
		if ok && p.Host == host && p.Port == port {
			at = append(at, tr)
		}
	}
	return at
}

// toTrunkHost routes a SIP target addressed to a trunk's proxy host as a
// number through those trunks, so their allow patterns apply.
func (r *Router) toTrunkHost(rt *Route, trunks []TrunkRoute, callerID, roomCallerID string) error {
	t := rt.Target
	names := make([]string, len(trunks))
	for i, tr := range trunks {
		names[i] = tr.Name
	}
	rt.explain("%s is the proxy host of trunk %s: the trunk's allow patterns apply", t.Host, strings.Join(names, ", "))
	n, err := parseNumber(t.User)
	if err != nil || n.Kind != KindNumber && n.Kind != KindExtension {
		rt.explain("user %q is not a phone number: refused", t.User)
		return fmt.Errorf("%w: %s goes to the proxy of trunk %s, and only phone numbers it allows may", ErrNotAllowed, t, strings.Join(names, ", "))
	}
	return r.viaTrunk(rt, n.Number, trunks, callerID, roomCallerID)
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
	if !validCallerID(id) {
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

// validCallerID accepts an E.164 number ("+", a non-zero digit, at most 15
// digits in all) or 1 to 32 digits. It is the rule config applies to
// caller_id, so a value config accepts is accepted here.
func validCallerID(s string) bool {
	rest, plus := strings.CutPrefix(s, "+")
	if plus && (len(rest) < 2 || len(rest) > 15 || rest[0] == '0') {
		return false
	}
	if rest == "" || len(rest) > 32 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}
