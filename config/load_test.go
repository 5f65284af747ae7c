package config

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// env returns a LookupFunc over a fixed set of variables.
func env(vars map[string]string) LookupFunc {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// fullEnv is the environment testdata/full.yaml needs.
var fullEnv = map[string]string{
	"PARLEY_ADMIN_TOKEN": "tok-s3cret",
	"ALICE_PW":           "alice-s3cret",
	"BOB_PW":             "bob-s3cret",
	"TRUNK_PW":           "trunk-s3cret",
	"HOOK_SECRET":        "hook-s3cret-0123456789",
}

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if got, want := c.SIP.Listen, []string{"udp://0.0.0.0:5060", "tcp://0.0.0.0:5060"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SIP.Listen = %q, want %q", got, want)
	}
	if got, want := c.RTP.Ports, (PortRange{Min: 10000, Max: 20000}); got != want {
		t.Errorf("RTP.Ports = %v, want %v", got, want)
	}
	if c.HTTP.Listen != "0.0.0.0:8080" {
		t.Errorf("HTTP.Listen = %q", c.HTTP.Listen)
	}
	if c.Store.Path != "./data/parley.db" {
		t.Errorf("Store.Path = %q", c.Store.Path)
	}
	if c.Log.Level != slog.LevelInfo || c.Log.Format != "text" {
		t.Errorf("Log = %+v", c.Log)
	}
	if c.Media.RTPTimeout != 30*time.Second {
		t.Errorf("Media.RTPTimeout = %v", c.Media.RTPTimeout)
	}
	if len(c.Rooms) != 10 {
		t.Fatalf("%d rooms, want 10", len(c.Rooms))
	}
	for i, r := range c.Rooms {
		want := Room{Number: itoa(1000 + i), Name: "Room " + itoa(1000+i), GuestRole: "attendee", GuestWait: 10 * time.Minute}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("Rooms[%d] = %+v, want %+v", i, r, want)
		}
	}
	if len(c.Extensions)+len(c.Trunks)+len(c.AdminTokens)+len(c.Webhooks)+len(c.DialIn) != 0 || c.SMTP != nil || c.SMS != nil {
		t.Errorf("default has extensions, trunks, tokens or webhooks: %+v", c)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestDefaultFreshCopy checks that callers cannot change each other's
// default.
func TestDefaultFreshCopy(t *testing.T) {
	a := Default()
	a.Rooms[0].Name = "changed"
	a.SIP.Listen[0] = "changed"
	if b := Default(); b.Rooms[0].Name != "Room 1000" || b.SIP.Listen[0] != "udp://0.0.0.0:5060" {
		t.Errorf("Default() shares state between calls")
	}
}

// TestDefaultsInStep checks that an empty file gets the same settings as
// default.yaml writes out, rooms aside.
func TestDefaultsInStep(t *testing.T) {
	empty, err := Parse("empty.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	def := Default()
	def.Rooms, def.AdminTokens, def.Extensions, def.Trunks, def.Webhooks, def.DialIn = nil, nil, nil, nil, nil, nil
	def.WebRTC.ICEServers, def.HTTP.TrustedProxies = nil, nil
	empty.src, def.src = nil, nil
	if !reflect.DeepEqual(empty, def) {
		t.Errorf("empty file gives\n%+v\ndefault.yaml gives\n%+v", empty, def)
	}
}

func TestParseFull(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "full.yaml"), WithLookupEnv(env(fullEnv)))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AdminTokens; len(got) != 1 || got[0].Reveal() != "tok-s3cret" {
		t.Errorf("AdminTokens = %q", got)
	}
	if got := c.SIP.TLS; got.Cert != "/etc/parley/tls/cert.pem" || got.Key != "/etc/parley/tls/key.pem" {
		t.Errorf("SIP.TLS = %+v", got)
	}
	if c.SIP.Domain != "pbx.example.com" || c.HTTP.PublicURL != "https://meet.example.com" {
		t.Errorf("SIP.Domain = %q, HTTP.PublicURL = %q", c.SIP.Domain, c.HTTP.PublicURL)
	}
	if c.Log.Level != slog.LevelDebug || c.Log.Format != "json" || c.Media.RTPTimeout != 45*time.Second {
		t.Errorf("Log = %+v, Media = %+v", c.Log, c.Media)
	}
	wantExt := Extension{Number: "2001", Name: "Alice Smith", Password: "alice-s3cret", Email: "alice@example.com", Groups: []string{"operators"}}
	if len(c.Extensions) != 2 || !reflect.DeepEqual(c.Extensions[0], wantExt) {
		t.Errorf("Extensions = %+v", c.Extensions)
	}
	if len(c.Trunks) != 1 {
		t.Fatalf("Trunks = %+v", c.Trunks)
	}
	tr := c.Trunks[0]
	if tr.Name != "pstn" || tr.Proxy != "sip:sbc.example.net:5060" || tr.Username != "parley" ||
		tr.Password.Reveal() != "trunk-s3cret" || tr.CallerID != "+441632960000" {
		t.Errorf("Trunks[0] = %+v", tr)
	}
	if len(tr.Allow) != 1 || !tr.Allow[0].MatchString("+441632960123") || tr.Allow[0].MatchString("+331632960123") {
		t.Errorf("Trunks[0].Allow = %v", tr.Allow)
	}
	want := Room{
		Number: "1000", Name: "Weekly sync", PIN: "4321", ModeratorPIN: "9999",
		Owner: "2001", Members: []string{"2002"}, Quota: 50, Capacity: 100,
		GuestAccess: false, GuestRole: "attendee", GuestWait: 10 * time.Minute, CallerID: "+441632960100",
	}
	if len(c.Rooms) != 1 || !reflect.DeepEqual(c.Rooms[0], want) {
		t.Errorf("Rooms = %+v, want [%+v]", c.Rooms, want)
	}
	wantHooks := []Webhook{
		{URL: "https://hooks.example.com/parley", Secret: "hook-s3cret-0123456789", Events: []string{"joined", "left", "ended"}},
		{URL: "http://10.0.0.5:9000/events?src=parley", Secret: "hook-s3cret-0123456789"},
	}
	if !reflect.DeepEqual(c.Webhooks, wantHooks) {
		t.Errorf("Webhooks = %+v, want %+v", c.Webhooks, wantHooks)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadReportsPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.yaml")
	if err := os.WriteFile(path, []byte("rtp:\n  ports: 20000-10000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	want := path + `:2: rtp.ports: "20000-10000": min must be below max`
	if err == nil || err.Error() != want {
		t.Errorf("Load() = %v, want %s", err, want)
	}
}

// TestParseErrors checks the exact message of each kind of error.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		env  map[string]string
		want string // Errors.Error(): one "FILE:LINE: message" per line
	}{
		{"syntax", "sip:\n  listen: [udp://x:1\n", nil, // the line of the [
			"f.yaml:2: did not find expected ',' or ']'"},
		{"syntax first line", "a: [b\n", nil, // the end of input
			"f.yaml:2: did not find expected ',' or ']'"},
		{"scanner error", "a: b\nc: d: e\n", nil,
			"f.yaml:2: mapping values are not allowed in this context"},
		{"top level list", "- a\n", nil,
			"f.yaml:1: expected a mapping of sections at the top level, got a list"},
		{"two documents", "log: {level: info}\n---\nlog: {level: debug}\n", nil,
			"f.yaml:2: only one YAML document is allowed"},
		{"unknown top-level key", "sipp:\n  domain: x\n", nil,
			`f.yaml:1: unknown key "sipp" (did you mean "sip"?)`},
		{"unknown key", "sip:\n  foo: 1\n", nil,
			`f.yaml:2: unknown key "foo" in sip`},
		{"unknown key typo", "sip:\n  lisen: []\n", nil,
			`f.yaml:2: unknown key "lisen" in sip (did you mean "listen"?)`},
		{"unknown key in room", "rooms:\n  - number: \"1\"\n    pinn: \"1\"\n", nil,
			`f.yaml:3: unknown key "pinn" in rooms[0] (did you mean "pin"?)`},
		{"duplicate key", "http:\n  listen: a:1\n  listen: b:2\n", nil,
			`f.yaml:3: duplicate key "listen" in http (first at line 2)`},
		{"port range order", "rtp:\n  ports: 20000-10000\n", nil,
			`f.yaml:2: rtp.ports: "20000-10000": min must be below max`},
		{"port range syntax", "rtp:\n  ports: 10000\n", nil,
			`f.yaml:2: rtp.ports: "10000": want "MIN-MAX"`},
		{"port range bounds", "rtp:\n  ports: 80-2000\n", nil,
			`f.yaml:2: rtp.ports: "80-2000": must lie within 1024-65535`},
		{"port range odd", "rtp:\n  ports: 10001-20000\n", nil,
			`f.yaml:2: rtp.ports: "10001-20000": min must be even (RTP takes even ports, RTCP the odd one above)`},
		{"not a list", "sip:\n  listen: udp://0.0.0.0:5060\n", nil,
			`f.yaml:2: sip.listen: expected a list, got a string`},
		{"not a mapping", "sip: [a]\n", nil,
			`f.yaml:1: sip: expected a mapping, got a list`},
		{"secret value not echoed", "admin_tokens: hunter2\n", nil,
			`f.yaml:1: admin_tokens: expected a list, got a string`},
		{"not a string", "store:\n  path: {a: b}\n", nil,
			`f.yaml:2: store.path: expected a string, got a mapping`},
		{"not an integer", "rooms:\n  - number: \"1\"\n    quota: lots\n", nil,
			`f.yaml:3: rooms[0].quota: "lots": not an integer`},
		{"not a bool", "rooms:\n  - number: \"1\"\n    guest_access: maybe\n", nil,
			`f.yaml:3: rooms[0].guest_access: "maybe": must be true or false`},
		{"not a duration", "media:\n  rtp_timeout: 30\n", nil,
			`f.yaml:2: media.rtp_timeout: "30": not a duration (write it like "30s" or "1m30s")`},
		{"negative duration", "media:\n  rtp_timeout: -5s\n", nil,
			`f.yaml:2: media.rtp_timeout: -5s: must not be negative`},
		{"log level", "log:\n  level: loud\n", nil,
			`f.yaml:2: log.level: "loud": must be debug, info, warn or error`},
		{"log format", "log:\n  format: xml\n", nil,
			`f.yaml:2: log.format: "xml": must be text or json`},
		{"bad pattern", "trunks:\n  - name: t\n    proxy: sip:sbc.example.net\n    allow: ['^[0-9']\n", nil,
			"f.yaml:4: trunks[0].allow[0]: \"^[0-9\": error parsing regexp: missing closing ]: `[0-9`"},
		{"unset variable", "admin_tokens: [\"${NOPE}\"]\n", nil,
			`f.yaml:1: admin_tokens[0]: environment variable NOPE is not set`},
		{"bad variable name", "store:\n  path: ${1X}\n", nil,
			`f.yaml:2: store.path: bad variable name "1X" in ${...}`},
		{"unterminated variable", "store:\n  path: ${HOME\n", nil,
			`f.yaml:2: store.path: unterminated "${HOME"`},
		{"empty token", "admin_tokens: [\"${EMPTY}\"]\n", map[string]string{"EMPTY": ""},
			`f.yaml:1: admin_tokens[0]: empty token`},
		{"listen scheme", "sip:\n  listen: [ftp://0.0.0.0:21]\n", nil,
			`f.yaml:2: sip.listen[0]: "ftp://0.0.0.0:21": scheme must be udp, tcp or tls`},
		{"listen no scheme", "sip:\n  listen: [\"0.0.0.0:5060\"]\n", nil,
			`f.yaml:2: sip.listen[0]: "0.0.0.0:5060": want udp://, tcp:// or tls:// before HOST:PORT`},
		{"listen port", "sip:\n  listen:\n    - udp://0.0.0.0\n", nil,
			`f.yaml:3: sip.listen[0]: "udp://0.0.0.0": want HOST:PORT`},
		{"listen empty", "sip:\n  listen: []\n", nil,
			`f.yaml:2: sip.listen: at least one address is required`},
		{"listen duplicate", "sip:\n  listen: [udp://:5060, udp://:5060]\n", nil,
			`f.yaml:2: sip.listen[1]: "udp://:5060": same address as sip.listen[0]`},
		{"tls without cert", "sip:\n  listen:\n    - tls://0.0.0.0:5061\n", nil,
			`f.yaml:3: sip.listen[0]: "tls://0.0.0.0:5061": tls needs sip.tls.cert and sip.tls.key`},
		{"tls key without cert", "sip:\n  tls:\n    key: k.pem\n", nil,
			`f.yaml:2: sip.tls.cert: required with sip.tls.key`},
		{"public ip", "sip:\n  public_ip: 1.2.3\n", nil,
			`f.yaml:2: sip.public_ip: "1.2.3": not an IP address`},
		{"http listen", "http:\n  listen: \":http\"\n", nil,
			`f.yaml:2: http.listen: ":http": port "http" is not a number 0-65535`},
		{"public url", "http:\n  public_url: ftp://meet.example.com\n", nil,
			`f.yaml:2: http.public_url: "ftp://meet.example.com": want an http:// or https:// URL`},
		{"store path empty", "store:\n  path: \"\"\n", nil,
			`f.yaml:2: store.path: required`},
		{"room number digits", "rooms:\n  - number: 10a\n", nil,
			`f.yaml:2: rooms[0].number: "10a": must be digits only`},
		{"room number missing", "rooms:\n  - name: x\n", nil,
			`f.yaml:2: rooms[0].number: required`},
		{"room number duplicate", "rooms:\n  - number: 1000\n  - number: \"1000\"\n", nil,
			`f.yaml:3: rooms[1].number: "1000": duplicate of rooms[0]`},
		{"pin digits", "rooms:\n  - number: 1\n    pin: abcd\n", nil,
			`f.yaml:3: rooms[0].pin: must be digits only`},
		{"moderator pin digits", "rooms:\n  - number: 1\n    moderator_pin: 12x\n", nil,
			`f.yaml:3: rooms[0].moderator_pin: must be digits only`},
		{"pins equal", "rooms:\n  - number: 1\n    pin: 12\n    moderator_pin: 12\n", nil,
			`f.yaml:4: rooms[0].moderator_pin: must differ from pin`},
		{"quota over capacity", "rooms:\n  - number: 1\n    quota: 10\n    capacity: 5\n", nil,
			`f.yaml:3: rooms[0].quota: 10: must not exceed capacity 5`},
		{"negative capacity", "rooms:\n  - number: 1\n    capacity: -1\n", nil,
			`f.yaml:3: rooms[0].capacity: -1: must not be negative`},
		{"guest role", "rooms:\n  - number: 1\n    guest_role: king\n", nil,
			`f.yaml:3: rooms[0].guest_role: "king": must be owner, moderator, presenter, attendee or spectator`},
		{"room caller id", "rooms:\n  - number: 1\n    caller_id: \"+0123\"\n", nil,
			`f.yaml:3: rooms[0].caller_id: "+0123": want E.164 (+441632960000) or digits`},
		{"room number too long", "rooms:\n  - number: \"123456789012345678901234567890123\"\n", nil,
			`f.yaml:2: rooms[0].number: "123456789012345678901234567890123": must be at most 32 digits`},
		{"room name too long", "rooms:\n  - number: 1\n    name: " + strings.Repeat("x", 201) + "\n", nil,
			`f.yaml:3: rooms[0].name: is longer than 200 bytes`},
		{"pin too long", "rooms:\n  - number: 1\n    pin: \"123456789012345678901234567890123\"\n", nil,
			`f.yaml:3: rooms[0].pin: must be at most 32 digits`},
		{"guest wait over a day", "rooms:\n  - number: 1\n    guest_wait: 25h\n", nil,
			`f.yaml:3: rooms[0].guest_wait: 25h0m0s: must be between 0s and 24h0m0s`},
		{"negative guest wait", "rooms:\n  - number: 1\n    guest_wait: -1s\n", nil,
			`f.yaml:3: rooms[0].guest_wait: -1s: must be between 0s and 24h0m0s`},
		{"owner and members not numbers, no extensions", "rooms:\n  - number: 1\n    owner: alice\n    members: [\"2001\", bob]\n", nil,
			"f.yaml:3: rooms[0].owner: \"alice\": must be an extension number, 1 to 32 digits\n" +
				`f.yaml:4: rooms[0].members[1]: "bob": must be an extension number, 1 to 32 digits`},
		{"member twice", "rooms:\n  - number: 1\n    members: [2001, 2002, 2001]\n", nil,
			`f.yaml:3: rooms[0].members[2]: "2001": listed twice`},
		{"bad owner, extensions known", "extensions:\n  - {number: 2001, password: x}\nrooms:\n  - number: 1\n    owner: alice\n", nil,
			`f.yaml:5: rooms[0].owner: "alice": must be an extension number, 1 to 32 digits`},
		{"extension number too long", "extensions:\n  - {number: \"123456789012345678901234567890123\", password: x}\n", nil,
			`f.yaml:2: extensions[0].number: "123456789012345678901234567890123": must be at most 32 digits`},
		{"unknown owner", "extensions:\n  - {number: 2001, password: x}\nrooms:\n  - number: 1\n    owner: 2009\n    members: [2001, 2002]\n", nil,
			"f.yaml:5: rooms[0].owner: \"2009\": no such extension\n" +
				`f.yaml:6: rooms[0].members[1]: "2002": no such extension`},
		{"room is extension", "extensions:\n  - {number: 1000, password: x}\nrooms:\n  - number: 1000\n", nil,
			`f.yaml:4: rooms[0].number: "1000": also an extension number`},
		{"extension duplicate", "extensions:\n  - {number: 2001, password: x}\n  - {number: 2001, password: y}\n", nil,
			`f.yaml:3: extensions[1].number: "2001": duplicate of extensions[0]`},
		{"extension password", "extensions:\n  - number: 2001\n    password: \"\"\n", nil,
			`f.yaml:3: extensions[0].password: required`},
		{"extension password missing", "extensions:\n  - number: 2001\n", nil,
			`f.yaml:2: extensions[0].password: required`},
		{"extension email", "extensions:\n  - {number: 2001, password: x, email: alice}\n", nil,
			`f.yaml:2: extensions[0].email: "alice": not an email address`},
		{"trunk proxy", "trunks:\n  - name: t\n    proxy: sbc.example.net\n", nil,
			`f.yaml:3: trunks[0].proxy: "sbc.example.net": want a SIP URI like sip:host:port`},
		{"trunk name duplicate", "trunks:\n  - {name: t, proxy: \"sip:a\"}\n  - {name: t, proxy: \"sip:b\"}\n", nil,
			`f.yaml:3: trunks[1].name: "t": duplicate of trunks[0]`},
		{"trunk caller id", "trunks:\n  - {name: t, proxy: \"sip:a\", caller_id: \"01632 960000\"}\n", nil,
			`f.yaml:2: trunks[0].caller_id: "01632 960000": want E.164 (+441632960000) or digits`},
		{"error in merged mapping reported once", "rooms:\n  - &r {number: \"1\", colour: red}\n  - {<<: *r, number: \"2\"}\n  - {<<: *r, number: \"3\"}\n", nil,
			`f.yaml:2: unknown key "colour" in rooms[0]`},
		{"webhook url missing", "webhooks:\n  - secret: 0123456789abcdef\n", nil,
			`f.yaml:2: webhooks[0].url: required`},
		{"webhook url scheme", "webhooks:\n  - url: ftp://hooks.example.com/x\n    secret: 0123456789abcdef\n", nil,
			`f.yaml:2: webhooks[0].url: "ftp://hooks.example.com/x": want an http:// or https:// URL`},
		{"webhook url no host", "webhooks:\n  - url: https:///x\n    secret: 0123456789abcdef\n", nil,
			`f.yaml:2: webhooks[0].url: "https:///x": want an http:// or https:// URL`},
		{"webhook url relative", "webhooks:\n  - url: hooks.example.com/x\n    secret: 0123456789abcdef\n", nil,
			`f.yaml:2: webhooks[0].url: "hooks.example.com/x": want an http:// or https:// URL`},
		{"webhook url fragment", "webhooks:\n  - url: https://h.example.com/x#y\n    secret: 0123456789abcdef\n", nil,
			`f.yaml:2: webhooks[0].url: "https://h.example.com/x#y": must not have a fragment`},
		{"webhook secret missing", "webhooks:\n  - url: https://h.example.com/\n", nil,
			`f.yaml:2: webhooks[0].secret: required`},
		{"webhook secret empty", "webhooks:\n  - url: https://h.example.com/\n    secret: \"${EMPTY}\"\n", map[string]string{"EMPTY": ""},
			`f.yaml:3: webhooks[0].secret: required`},
		{"webhook secret short, not echoed", "webhooks:\n  - url: https://h.example.com/\n    secret: hunter2\n", nil,
			`f.yaml:3: webhooks[0].secret: too short: 7 characters, want at least 16`},
		{"webhook secret unset variable", "webhooks:\n  - url: https://h.example.com/\n    secret: \"${HOOK_SECRET}\"\n", nil,
			`f.yaml:3: webhooks[0].secret: environment variable HOOK_SECRET is not set`},
		{"webhook unknown event", "webhooks:\n  - url: https://h.example.com/\n    secret: 0123456789abcdef\n    events:\n      - joined\n      - kicked\n", nil,
			`f.yaml:6: webhooks[0].events[1]: "kicked": unknown event (joined, left, talking, muted, role, dial, locked, ended, reloaded)`},
		{"webhook events not a list", "webhooks:\n  - url: https://h.example.com/\n    secret: 0123456789abcdef\n    events: joined\n", nil,
			`f.yaml:4: webhooks[0].events: expected a list, got a string`},
		{"webhook unknown key", "webhooks:\n  - url: https://h.example.com/\n    secret: 0123456789abcdef\n    event: [joined]\n", nil,
			`f.yaml:4: unknown key "event" in webhooks[0] (did you mean "events"?)`},
		{"trunk empty pattern", "trunks:\n  - {name: t, proxy: \"sip:a\", allow: [~]}\n", nil,
			`f.yaml:2: trunks[0].allow[0]: empty pattern`},
		{"dialout direct_allow bad entries", "dialout:\n  direct_allow:\n    - pbx.example.com\n    - 192.0.2.0/33\n    - 127.1\n    - bad_host\n    - \"*.\"\n", nil,
			`f.yaml:4: dialout.direct_allow[1]: "192.0.2.0/33": want an IP address, a CIDR network (192.0.2.0/24) or a domain (example.com)` + "\n" +
				`f.yaml:5: dialout.direct_allow[2]: "127.1": want an IP address, a CIDR network (192.0.2.0/24) or a domain (example.com)` + "\n" +
				`f.yaml:6: dialout.direct_allow[3]: "bad_host": want an IP address, a CIDR network (192.0.2.0/24) or a domain (example.com)` + "\n" +
				`f.yaml:7: dialout.direct_allow[4]: "*.": want an IP address, a CIDR network (192.0.2.0/24) or a domain (example.com)`},
		{"dialout unknown key", "dialout:\n  direct_allowed: [example.com]\n", nil,
			`f.yaml:2: unknown key "direct_allowed" in dialout (did you mean "direct_allow"?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("f.yaml", []byte(tt.yaml), WithLookupEnv(env(tt.env)))
			if err == nil {
				t.Fatalf("Parse() = %+v, nil; want error\n%s", c, tt.want)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse() error is %T, want Errors", err)
			}
			if c != nil {
				t.Errorf("Parse() returned a Config with an error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Parse() error\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// TestParseCollectsAll checks that decoding and validation errors are all
// reported, in line order, and that a setting that failed to decode is not
// reported again by validation.
func TestParseCollectsAll(t *testing.T) {
	in := `sip:
  listen: [ftp://x:1]
  bogus: true
rtp:
  ports: 20000-10000
rooms:
  - number: "1000"
    quota: many
    capacity: 10
    pin: "${ROOM_PIN}"
  - number: "1000"
    guest_role: king
`
	want := strings.Join([]string{
		`f.yaml:2: sip.listen[0]: "ftp://x:1": scheme must be udp, tcp or tls`,
		`f.yaml:3: unknown key "bogus" in sip`,
		`f.yaml:5: rtp.ports: "20000-10000": min must be below max`,
		`f.yaml:8: rooms[0].quota: "many": not an integer`,
		`f.yaml:10: rooms[0].pin: environment variable ROOM_PIN is not set`,
		`f.yaml:11: rooms[1].number: "1000": duplicate of rooms[0]`,
		`f.yaml:12: rooms[1].guest_role: "king": must be owner, moderator, presenter, attendee or spectator`,
	}, "\n")
	_, err := Parse("f.yaml", []byte(in), WithLookupEnv(env(nil)))
	if err == nil || err.Error() != want {
		t.Fatalf("Parse() error\n got: %v\nwant: %s", err, want)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 7 {
		t.Fatalf("got %d errors, want 7", len(errs))
	}
	if e := errs[2]; e.File != "f.yaml" || e.Line != 5 || e.Msg != `rtp.ports: "20000-10000": min must be below max` {
		t.Errorf("errs[2] = %#v", e)
	}
	var one Error
	if !errors.As(err, &one) || one.Line != 2 {
		t.Errorf("errors.As(Error) = %#v", one)
	}
}

// TestParseEnv checks ${VAR} expansion in values of every type.
func TestParseEnv(t *testing.T) {
	vars := map[string]string{
		"HOST":    "10.0.0.1",
		"PORT":    "5070",
		"QUOTA":   "7",
		"OPEN":    "true",
		"TIMEOUT": "1m",
		"PW":      "p#ss: w'rd {x}",
	}
	in := `sip:
  listen: ["udp://${HOST}:${PORT}"]
  public_ip: ${HOST}
media:
  rtp_timeout: ${TIMEOUT}
extensions:
  - {number: "2001", password: "${PW}"}
rooms:
  - number: "1000"
    name: price $$${QUOTA} ${QUOTA}$ $x
    quota: ${QUOTA}
    guest_access: ${OPEN}
`
	c, err := Parse("env.yaml", []byte(in), WithLookupEnv(env(vars)))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.SIP.Listen[0]; got != "udp://10.0.0.1:5070" {
		t.Errorf("listen = %q", got)
	}
	if c.SIP.PublicIP != "10.0.0.1" || c.Media.RTPTimeout != time.Minute {
		t.Errorf("public_ip = %q, rtp_timeout = %v", c.SIP.PublicIP, c.Media.RTPTimeout)
	}
	if got := c.Extensions[0].Password.Reveal(); got != vars["PW"] {
		t.Errorf("password = %q, want %q", got, vars["PW"])
	}
	r := c.Rooms[0]
	if r.Name != "price $${QUOTA} 7$ $x" || r.Quota != 7 || !r.GuestAccess {
		t.Errorf("room = %+v", r)
	}
}

// TestParseYAMLFeatures checks anchors, merge keys, nulls and unquoted
// numbers that keep their leading zeros.
func TestParseYAMLFeatures(t *testing.T) {
	in := `room_defaults: &defaults
  quota: 5
  capacity: 10
  guest_access: true
`
	if _, err := Parse("f.yaml", []byte(in)); err == nil || !strings.Contains(err.Error(), `unknown key "room_defaults"`) {
		t.Fatalf("hidden keys must be refused, got %v", err)
	}
	in = `rooms:
  - &r1
    number: 0100
    pin: 0042
    quota: 5
    capacity: 10
    guest_access: yes
  - <<: *r1
    number: "0101"
    capacity: 20
  - number: 0102
    name: ~
    members:
sip:
  domain:
`
	c, err := Parse("f.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Room{
		{Number: "0100", PIN: "0042", Quota: 5, Capacity: 10, GuestAccess: true, GuestRole: "attendee", GuestWait: 10 * time.Minute},
		{Number: "0101", PIN: "0042", Quota: 5, Capacity: 20, GuestAccess: true, GuestRole: "attendee", GuestWait: 10 * time.Minute},
		{Number: "0102", GuestRole: "attendee", GuestWait: 10 * time.Minute},
	}
	if !reflect.DeepEqual(c.Rooms, want) {
		t.Errorf("Rooms =\n%+v\nwant\n%+v", c.Rooms, want)
	}
}

// TestParseAliasBomb checks that aliases cannot make a small file decode
// to a huge config.
func TestParseAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("extensions:\n  - &e {number: \"1\", password: x, groups: &g [")
	for i := range 2000 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("a")
	}
	b.WriteString("]}\n")
	for range 2000 {
		b.WriteString("  - *e\n")
	}
	_, err := Parse("bomb.yaml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "document too large") {
		t.Fatalf("Parse(alias bomb) = %v, want document too large", err)
	}
}

// TestFile: a config read by Load knows its file, for a reload; one from
// Parse or Default does not.
func TestFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "parley.yaml")
	if err := os.WriteFile(path, []byte("rooms: [{number: \"1000\"}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.File() != path {
		t.Errorf("File() = %q, want %q", c.File(), path)
	}
	if f := Default().File(); f != "" {
		t.Errorf("Default().File() = %q, want none", f)
	}
	if f := (&Config{}).File(); f != "" {
		t.Errorf("File() of a Config built in code = %q", f)
	}
}
