package config

import (
	"cmp"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/rules"
)

// Validate checks c as a whole: addresses parse, ranges hold, numbers are
// unique, references resolve. It returns nil or Errors with every problem,
// each at the line of the offending setting when c came from Parse or Load.
// It reads nothing but c and changes nothing; Parse runs it, so call it on
// a Config built or changed in code.
func (c *Config) Validate() error {
	v := &validator{src: c.src}
	if v.src != nil {
		v.file = v.src.file
	}
	v.sip(&c.SIP)
	v.trace(&c.SIP.Trace)
	v.rtp(&c.RTP)
	v.rtpShared(&c.RTP)
	v.srtp(c)
	v.mediaSafety(c)
	v.http(&c.HTTP)
	v.https(&c.HTTP)
	v.transport(c)
	v.webrtc(&c.WebRTC)
	v.store(&c.Store)
	if c.Log.Format != "" && c.Log.Format != "text" && c.Log.Format != "json" {
		v.add("log.format", "%q: must be text or json", c.Log.Format)
	}
	if c.Media.RTPTimeout < 0 {
		v.add("media.rtp_timeout", "%s: must not be negative", c.Media.RTPTimeout)
	}
	for i, t := range c.AdminTokens {
		if t == "" {
			v.add(index("admin_tokens", i), "empty token")
		}
	}
	exts := v.extensions(c.Extensions)
	v.trunks(c.Trunks)
	v.dialout(&c.Dialout)
	v.rooms(c.Rooms, exts)
	v.webhooks(c.Webhooks)
	v.dialIn(c.DialIn)
	v.smtp(c.SMTP)
	v.sms(c.SMS)
	v.guard(&c.Guard, &c.API)
	v.accounts(c)
	v.callerIDs(c)
	v.shutdown(&c.Shutdown)
	v.h323(&c.H323)
	v.meetings(&c.Meetings)
	v.codecs(c.Codecs)
	v.cluster(c.Cluster)
	v.clusterDrain(c)
	if len(v.errs) == 0 {
		return nil
	}
	v.errs.sortByLine()
	return v.errs
}

// validator collects validation errors with their lines.
type validator struct {
	// src gives lines; nil for a Config built in code.
	src *source
	// file is src's file name, or "".
	file string
	// errs collects the errors found.
	errs Errors
}

// add records a problem with the setting at path, unless decoding already
// reported that setting or one above it.
func (v *validator) add(path, format string, args ...any) {
	if v.src.isFailed(path) {
		return
	}
	v.errs = append(v.errs, Error{
		File: v.file,
		Line: v.src.line(path),
		Msg:  path + ": " + fmt.Sprintf(format, args...),
	})
}

// sip checks listen addresses, TLS files and the public address.
func (v *validator) sip(s *SIP) {
	if len(s.Listen) == 0 {
		v.add("sip.listen", "at least one address is required")
	}
	seen := make(map[string]string)
	for i, l := range s.Listen {
		p := index("sip.listen", i)
		transport, addr, err := ParseListen(l)
		if err != nil {
			v.add(p, "%q: %v", l, err)
			continue
		}
		if first, dup := seen[transport+" "+addr]; dup {
			v.add(p, "%q: same address as %s", l, first)
		}
		seen[transport+" "+addr] = p
		if transport == "tls" && (s.TLS.Cert == "" || s.TLS.Key == "") {
			v.add(p, "%q: tls needs sip.tls.cert and sip.tls.key", l)
		}
	}
	if (s.TLS.Cert == "") != (s.TLS.Key == "") {
		if s.TLS.Cert == "" {
			v.add("sip.tls.cert", "required with sip.tls.key")
		} else {
			v.add("sip.tls.key", "required with sip.tls.cert")
		}
	}
	if s.PublicIP != "" {
		if _, err := netip.ParseAddr(s.PublicIP); err != nil {
			v.add("sip.public_ip", "%q: not an IP address", s.PublicIP)
		}
	}
	if s.Domain != "" && !validHost(s.Domain) {
		v.add("sip.domain", "%q: not a host name", s.Domain)
	}
	if len(s.AuthAlgorithms) == 0 {
		v.add("sip.auth_algorithms", "list at least one of MD5, SHA-256")
	}
	for i, a := range s.AuthAlgorithms {
		if a != "MD5" && a != "SHA-256" {
			v.add(index("sip.auth_algorithms", i), "%q: want MD5 or SHA-256", a)
		}
	}
	actions := map[string]bool{"mute": true, "count": true, "help": true, "lock": true, "mute_all": true, "end": true}
	for k, a := range s.Keys {
		if len(k) != 2 || (k[0] != '*' && k[0] != '#') || k[1] < '0' || k[1] > '9' {
			v.add("sip.keys", "%q: a key is * or # followed by a digit", k)
		}
		if !actions[a] {
			v.add("sip.keys", "%s: unknown action %q (mute, count, help, lock, mute_all, end)", k, a)
		}
	}
}

// ParseListen splits a SIP listen address "udp://HOST:PORT" (or tcp://,
// tls://) into its transport ("udp", "tcp", "tls") and "HOST:PORT", ready for
// net.Listen. The port must be a number 0-65535; HOST may be empty or an
// IPv6 address in brackets.
func ParseListen(s string) (transport, addr string, err error) {
	if !strings.Contains(s, "://") {
		return "", "", fmt.Errorf("want udp://, tcp:// or tls:// before HOST:PORT")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", "", fmt.Errorf("not a URL")
	}
	switch u.Scheme {
	case "udp", "tcp", "tls":
	default:
		return "", "", fmt.Errorf("scheme must be udp, tcp or tls")
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", "", fmt.Errorf("want %s://HOST:PORT and nothing more", u.Scheme)
	}
	if err := checkHostPort(u.Host); err != nil {
		return "", "", err
	}
	return u.Scheme, u.Host, nil
}

// checkHostPort checks "HOST:PORT" with a numeric port 0-65535.
func checkHostPort(hp string) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		return fmt.Errorf("want HOST:PORT")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || port[0] == '+' {
		return fmt.Errorf("port %q is not a number 0-65535", port)
	}
	if host != "" && !validHost(host) {
		return fmt.Errorf("host %q is not an IP address or host name", host)
	}
	return nil
}

// validHost reports whether h is an IP address or a DNS host name.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

// rtp checks the port range: RTP wants even ports for RTP and the odd port
// above for RTCP (RFC 3550 §11), clear of the privileged ports.
func (v *validator) rtp(r *RTP) {
	p := r.Ports
	switch {
	case p == PortRange{}:
		v.add("rtp.ports", "required")
	case p.Min >= p.Max:
		v.add("rtp.ports", "%q: min must be below max", p.String())
	case p.Min < 1024 || p.Max > 65535:
		v.add("rtp.ports", "%q: must lie within 1024-65535", p.String())
	case p.Min%2 != 0:
		v.add("rtp.ports", "%q: min must be even (RTP takes even ports, RTCP the odd one above)", p.String())
	}
}

// http checks the listen address and the public URL.
func (v *validator) webrtc(w *WebRTC) {
	if w.UDPPort < 0 || w.UDPPort > 65535 {
		v.add("webrtc.udp_port", "%d: not a port", w.UDPPort)
	}
	if w.ListenIP != "" {
		if _, err := netip.ParseAddr(w.ListenIP); err != nil {
			v.add("webrtc.listen_ip", "%q: not an IP address", w.ListenIP)
		}
	}
	if w.PublicIP != "" {
		if _, err := netip.ParseAddr(w.PublicIP); err != nil {
			v.add("webrtc.public_ip", "%q: not an IP address", w.PublicIP)
		}
	}
	for i, s := range w.ICEServers {
		p := index("webrtc.ice_servers", i)
		if len(s.URLs) == 0 {
			v.add(p+".urls", "list at least one stun:, turn: or turns: URL")
		}
		for j, u := range s.URLs {
			if !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
				v.add(index(p+".urls", j), "%q: want a stun:, turn: or turns: URL", u)
			}
		}
	}
}

func (v *validator) http(h *HTTP) {
	if h.Listen == "" {
		v.add("http.listen", "required")
	} else if err := checkHostPort(h.Listen); err != nil {
		v.add("http.listen", "%q: %v", h.Listen, err)
	}
	if h.PublicURL != "" {
		u, err := url.Parse(h.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.add("http.public_url", "%q: want an http:// or https:// URL", h.PublicURL)
		} else if u.RawQuery != "" || u.Fragment != "" {
			v.add("http.public_url", "%q: must not have a query or fragment", h.PublicURL)
		}
	}
}

// extensions checks extensions and returns the set of their numbers.
func (v *validator) extensions(exts []Extension) map[string]bool {
	numbers := make(map[string]string, len(exts))
	known := make(map[string]bool, len(exts))
	for i, e := range exts {
		p := index("extensions", i)
		switch err := rules.Number(e.Number); {
		case e.Number == "":
			v.add(p+".number", "required")
		case err != nil:
			v.add(p+".number", "%v", err)
		default:
			if first, dup := numbers[e.Number]; dup {
				v.add(p+".number", "%q: duplicate of %s", e.Number, first)
			} else {
				numbers[e.Number] = p
			}
			known[e.Number] = true
		}
		if e.Password == "" {
			v.add(p+".password", "required")
		}
		if e.Email != "" {
			if a, err := mail.ParseAddress(e.Email); err != nil || a.Name != "" {
				v.add(p+".email", "%q: not an email address", e.Email)
			}
		}
		for j, g := range e.Groups {
			if strings.TrimSpace(g) == "" {
				v.add(index(p+".groups", j), "empty group name")
			}
		}
	}
	return known
}

// trunks checks trunk names, proxies, caller IDs and patterns.
func (v *validator) trunks(trunks []Trunk) {
	names := make(map[string]string, len(trunks))
	for i, t := range trunks {
		p := index("trunks", i)
		if t.Name == "" {
			v.add(p+".name", "required")
		} else if first, dup := names[t.Name]; dup {
			v.add(p+".name", "%q: duplicate of %s", t.Name, first)
		} else {
			names[t.Name] = p
		}
		if t.Proxy == "" {
			v.add(p+".proxy", "required")
		} else if !validSIPURI(t.Proxy) {
			v.add(p+".proxy", "%q: want a SIP URI like sip:host:port", t.Proxy)
		}
		if t.CallerID != "" {
			if err := rules.CallerID(t.CallerID); err != nil {
				v.add(p+".caller_id", "%v", err)
			}
		}
		if t.Password != "" && t.Username == "" {
			v.add(p+".username", "required with a password")
		}
		for j, re := range t.Allow {
			if re == nil || re.String() == "" {
				v.add(index(p+".allow", j), "empty pattern")
			}
		}
	}
}

// rooms checks each room by the rules every room follows (rules.Room, as
// the API checks them), then against each other and against the
// extensions.
func (v *validator) rooms(rooms []Room, exts map[string]bool) {
	numbers := make(map[string]string, len(rooms))
	for i, r := range rooms {
		p := index("rooms", i)
		broken := make(map[string]bool)
		for _, pr := range roomRules(r).Check() {
			v.add(p+"."+pr.Path, "%s", pr.Msg)
			broken[pr.Path] = true
		}
		if !broken["number"] {
			switch first, dup := numbers[r.Number]; {
			case exts[r.Number]:
				v.add(p+".number", "%q: also an extension number", r.Number)
			case dup:
				v.add(p+".number", "%q: duplicate of %s", r.Number, first)
			default:
				numbers[r.Number] = p
			}
		}
		if len(exts) == 0 {
			continue
		}
		if r.Owner != "" && !broken["owner"] && !exts[r.Owner] {
			v.add(p+".owner", "%q: no such extension", r.Owner)
		}
		for j, m := range r.Members {
			if mp := index("members", j); !broken[mp] && !exts[m] {
				v.add(p+"."+mp, "%q: no such extension", m)
			}
		}
	}
}

// roomRules is r as package rules checks it; an empty guest_role is the
// default, attendee.
func roomRules(r Room) rules.Room {
	return rules.Room{Number: r.Number, Name: r.Name, PIN: r.PIN.Reveal(), ModeratorPIN: r.ModeratorPIN.Reveal(),
		Owner: r.Owner, Members: r.Members, Quota: r.Quota, Capacity: r.Capacity,
		GuestRole: cmp.Or(r.GuestRole, "attendee"), GuestWait: r.GuestWait, CallerID: r.CallerID}
}

// webhooks checks each hook's URL, secret and event filter. Messages never
// contain the secret.
func (v *validator) webhooks(hooks []Webhook) {
	for i, h := range hooks {
		p := index("webhooks", i)
		if h.URL == "" {
			v.add(p+".url", "required")
		} else if err := rules.WebhookURL(h.URL); err != nil {
			v.add(p+".url", "%q: %v", h.URL, err)
		}
		switch n := len(h.Secret.Reveal()); {
		case n == 0:
			v.add(p+".secret", "required")
		case n < rules.MinWebhookSecret:
			v.add(p+".secret", "too short: %d characters, want at least %d", n, rules.MinWebhookSecret)
		}
		for j, e := range h.Events {
			if !rules.IsEvent(e) {
				v.add(index(p+".events", j), "%q: unknown event (%s)", e, strings.Join(rules.Events(), ", "))
			}
		}
	}
}

// validSIPURI accepts "sip:HOST[:PORT]" or "sips:…", with an optional user
// part and URI parameters (RFC 3261 §19.1).
func validSIPURI(s string) bool {
	rest, ok := strings.CutPrefix(s, "sip:")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "sips:"); !ok {
			return false
		}
	}
	if i := strings.IndexAny(rest, ";?"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	host := rest
	if h, port, err := net.SplitHostPort(rest); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
		host = h
	}
	return host != "" && validHost(strings.Trim(host, "[]"))
}
