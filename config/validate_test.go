package config

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestValidateInCode checks Validate on configs built in code, whose errors
// have no file or line.
func TestValidateInCode(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"default is valid", func(*Config) {}, ""},
		{"listen ipv6", func(c *Config) {
			c.SIP.Listen = []string{"udp://[::1]:0", "tls://[::]:5061"}
			c.SIP.TLS = TLS{"c.pem", "k.pem"}
		}, ""},
		{"listen path", func(c *Config) { c.SIP.Listen = []string{"udp://h:1/x"} }, `sip.listen[0]: "udp://h:1/x": want udp://HOST:PORT and nothing more`},
		{"listen port range", func(c *Config) { c.SIP.Listen = []string{"tcp://h:70000"} }, `sip.listen[0]: "tcp://h:70000": port "70000" is not a number 0-65535`},
		{"rtp zero", func(c *Config) { c.RTP.Ports = PortRange{} }, "rtp.ports: required"},
		{"rtp order", func(c *Config) { c.RTP.Ports = PortRange{3000, 2000} }, `rtp.ports: "3000-2000": min must be below max`},
		{"empty room number", func(c *Config) { c.Rooms[3].Number = "" }, "rooms[3].number: required"},
		{"nil pattern", func(c *Config) {
			c.Trunks = []Trunk{{Name: "t", Proxy: "sips:bob@sbc.example.net;transport=tls", Allow: []*regexp.Regexp{nil}}}
		}, "trunks[0].allow[0]: empty pattern"},
		{"trunk password without user", func(c *Config) {
			c.Trunks = []Trunk{{Name: "t", Proxy: "sip:192.0.2.1:5060", Password: "x"}}
		}, "trunks[0].username: required with a password"},
		{"members without extensions", func(c *Config) { c.Rooms[0].Members = []string{"2002"}; c.Rooms[0].Owner = "2001" }, ""},
		{"quota without capacity", func(c *Config) { c.Rooms[0].Quota = 500 }, ""},
		{"empty guest role", func(c *Config) { c.Rooms[0].GuestRole = "" }, ""},
		{"caller ids", func(c *Config) { c.Rooms[0].CallerID = "+1234567890123456" }, `rooms[0].caller_id: "+1234567890123456": want E.164 (+441632960000) or digits`},
		{"public url", func(c *Config) { c.HTTP.PublicURL = "https://meet.example.com/#x" }, `http.public_url: "https://meet.example.com/#x": must not have a query or fragment`},
		{"domain", func(c *Config) { c.SIP.Domain = "https://pbx" }, `sip.domain: "https://pbx": not a host name`},
		{"webhook ok", func(c *Config) {
			c.Webhooks = []Webhook{{URL: "https://h.example.com/x?k=1", Secret: "0123456789abcdef"}, {URL: "http://[::1]:9000/", Secret: "0123456789abcdef", Events: []string{"dial", "ended"}}}
		}, ""},
		{"webhook errors", func(c *Config) {
			c.Webhooks = []Webhook{{URL: "mailto:ops@example.com", Secret: "0123456789abcde", Events: []string{"Joined"}}}
		}, `webhooks[0].url: "mailto:ops@example.com": want an http:// or https:// URL` + "\n" +
			"webhooks[0].secret: too short: 15 characters, want at least 16\n" +
			`webhooks[0].events[0]: "Joined": unknown event (joined, left, talking, muted, role, dial, locked, ended, reloaded)`},
		{"two errors", func(c *Config) { c.Store.Path = ""; c.Rooms[9].PIN = "x" }, "store.path: required\nrooms[9].pin: must be digits only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.src = nil // as if built in code
			tt.change(c)
			err := c.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate()\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// TestValidateKeepsLines checks that Validate on a parsed and then changed
// config still reports lines.
func TestValidateKeepsLines(t *testing.T) {
	c := Default()
	c.Rooms[2].GuestRole = "boss"
	line := 1 + strings.Count(defaultYAML[:strings.Index(defaultYAML, `number: "1002"`)], "\n")
	want := fmt.Sprintf(`default.yaml:%d: rooms[2].guest_role: "boss": must be owner, moderator, presenter, attendee or spectator`, line)
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
}
