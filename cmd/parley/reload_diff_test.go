package main

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley/config"
)

// The running config the table's reloads start from, in sections that
// the cases replace one at a time.
const (
	reloadHead = `
sip:
  listen: [udp://127.0.0.1:0]
http:
  listen: 127.0.0.1:0
`
	reloadRooms = `rooms:
  - {number: "1000", name: Standup}
  - {number: "2000", name: Board}
  - {number: "3000", name: Sales, quota: 5}
`
	reloadRest = `extensions:
  - {number: "2001", name: Alice, password: alicepass}
trunks:
  - {name: pstn, proxy: "sip:127.0.0.1:5070", allow: ["^\\+44"]}
webhooks:
  - {url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef"}
`
	reloadBase = reloadHead + reloadRooms + reloadRest
)

func mustParse(t *testing.T, yaml string) *config.Config {
	t.Helper()
	c, err := config.Parse("parley.yaml", []byte(yaml), config.WithLookupEnv(func(string) (string, bool) { return "", false }))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, yaml)
	}
	return c
}

func TestDiffConfig(t *testing.T) {
	tests := []struct {
		name        string
		new         string
		wantSummary string
		wantRestart []string
	}{
		{"same file", reloadBase, "no changes", nil},
		{"rooms added, removed, changed", reloadHead + `rooms:
  - {number: "1000", name: Standup}
  - {number: "3000", name: Sales, quota: 6}
  - {number: "4000", name: New}
` + reloadRest, "rooms +4000 -2000 ~3000", nil},
		{"extension added, trunk pattern and password changed", reloadHead + reloadRooms + `extensions:
  - {number: "2001", name: Alice, password: alicepass}
  - {number: "2005", name: Eve, password: evepass1}
trunks:
  - {name: pstn, proxy: "sip:127.0.0.1:5070", allow: ["^\\+33"]}
  - {name: backup, proxy: "sip:127.0.0.1:5071", allow: ["^\\+44"]}
webhooks:
  - {url: "http://127.0.0.1:9/hook", secret: "fedcba9876543210"}
`, "extensions +2005, trunks +backup ~pstn, webhooks ~http://127.0.0.1:9/hook", nil},
		{"prompts, direct allow and listen addresses", `
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
  max_unacked_per_source: 3
http:
  listen: 127.0.0.1:1
metrics:
  listen: 127.0.0.1:2
prompts:
  announce_join_leave: false
dialout:
  direct_allow: ["*.example.com"]
log:
  level: debug
` + reloadRooms + reloadRest, "prompts, dialout.direct_allow", []string{
			"sip.listen changed: restart needed",
			"sip.max_unacked_per_source changed: restart needed",
			"http.listen changed: restart needed",
			"metrics.listen changed: restart needed",
			"log.level changed: restart needed",
		}},
		{"everything removed", reloadHead, "rooms -1000 -2000 -3000, extensions -2001, trunks -pstn, webhooks -http://127.0.0.1:9/hook", nil},
	}
	old := mustParse(t, reloadBase)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := diffConfig(old, mustParse(t, tt.new))
			if got := d.Summary(); got != tt.wantSummary {
				t.Errorf("Summary() = %q, want %q", got, tt.wantSummary)
			}
			if !slices.Equal(d.Restart, tt.wantRestart) {
				t.Errorf("Restart = %q, want %q", d.Restart, tt.wantRestart)
			}
		})
	}
}

// TestDiffConfigPure: diffConfig changes neither config.
func TestDiffConfigPure(t *testing.T) {
	old, new := mustParse(t, reloadBase), mustParse(t, reloadBase)
	new.Rooms = new.Rooms[:1]
	diffConfig(old, new)
	if len(old.Rooms) != 3 || len(new.Rooms) != 1 {
		t.Errorf("rooms %d and %d after diff, want 3 and 1", len(old.Rooms), len(new.Rooms))
	}
}

// TestWithLive: the live keys come from the new config, the others stay
// as they run, so that the next reload still reports them.
func TestWithLive(t *testing.T) {
	old := mustParse(t, reloadBase)
	next := mustParse(t, `
sip:
  listen: [udp://127.0.0.1:5, tcp://127.0.0.1:5]
http:
  listen: 127.0.0.1:0
prompts:
  announce_join_leave: false
rooms:
  - {number: "4000"}
`)
	got := withLive(old, next)
	if len(got.Rooms) != 1 || got.Rooms[0].Number != "4000" || len(got.Extensions) != 0 || len(got.Trunks) != 0 ||
		got.Prompts.AnnounceJoinLeave {
		t.Errorf("live keys not taken: rooms %v, extensions %v, trunks %v, prompts %+v", got.Rooms, got.Extensions, got.Trunks, got.Prompts)
	}
	if !slices.Equal(got.SIP.Listen, old.SIP.Listen) {
		t.Errorf("sip.listen = %v, want the running %v", got.SIP.Listen, old.SIP.Listen)
	}
	if len(old.Rooms) != 3 {
		t.Errorf("old changed: %d rooms", len(old.Rooms))
	}
	if d := diffConfig(got, next); !slices.Equal(d.Restart, []string{"sip.listen changed: restart needed"}) || d.Summary() != "no changes" {
		t.Errorf("diff after the reload: %q, %q; want only the listen change", d.Summary(), d.Restart)
	}
}
