package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/media"
)

const cliToken = "cli-test-token"

// fakeLeg is an answered call that sends silence until it is hung up.
type fakeLeg struct {
	done chan struct{}
	once sync.Once
}

func (l *fakeLeg) ReadAudio(frame []int16, rate int) bool { return false }
func (l *fakeLeg) Format() media.Format                   { return media.PCMU }
func (l *fakeLeg) WriteAudio(payload []byte)              {}
func (l *fakeLeg) Hangup(reason string)                   { l.once.Do(func() { close(l.done) }) }
func (l *fakeLeg) Done() <-chan struct{}                  { return l.done }

// fakeDialer answers every call, except numbers ending in 0486: busy.
type fakeDialer struct{}

func (fakeDialer) Dial(ctx context.Context, c bridge.Outbound) (bridge.Leg, error) {
	if strings.Contains(c.Route.Destination, "0486@") {
		return nil, &bridge.DialError{Status: bridge.DialBusy, Code: 486, Reason: "Busy Here"}
	}
	return &fakeLeg{done: make(chan struct{})}, nil
}

// newAPIServer runs the API handler on a real bridge with room 1000, a UK
// trunk and a fake dialer, and returns its URL.
func newAPIServer(t *testing.T) string {
	t.Helper()
	b, err := bridge.New(bridge.Options{
		Rooms: []bridge.RoomSettings{{Number: "1000", CallerID: "+441632960100"}},
		Router: &dialplan.Router{Trunks: []dialplan.TrunkRoute{{Name: "pstn", Proxy: "sip:127.0.0.1:5099",
			Allow: []*regexp.Regexp{regexp.MustCompile(`^\+44[0-9]{10}$`)}}}},
		Dialer: fakeDialer{},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewHandler(api.Options{Bridge: b, AdminTokens: []string{cliToken}, Logger: slog.New(slog.DiscardHandler)}))
	t.Cleanup(func() {
		srv.Close()
		b.Close()
	})
	return srv.URL
}

type cliCase struct {
	name   string
	args   []string
	code   int
	stdout []string
	stderr []string
}

func (tt cliCase) run(t *testing.T) (stdout string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(tt.args, &out, &errOut)
	if code != tt.code {
		t.Errorf("%v: exit code %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, out.String(), errOut.String())
	}
	for _, want := range tt.stdout {
		if !strings.Contains(out.String(), want) {
			t.Errorf("%v: stdout %q lacks %q", tt.args, out.String(), want)
		}
	}
	for _, want := range tt.stderr {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("%v: stderr %q lacks %q", tt.args, errOut.String(), want)
		}
	}
	return out.String()
}

func TestDialAndParticipantsCommands(t *testing.T) {
	url := newAPIServer(t)
	t.Setenv("PARLEY_API", url)
	t.Setenv("PARLEY_TOKEN", cliToken)
	tests := []cliCase{
		{name: "answered", args: []string{"dial", "1000", "+441632960123", "--role", "moderator", "--wait"}, code: 0,
			stdout: []string{"dialling +441632960123 into room 1000 as participant 1",
				"via trunk pstn: sip:+441632960123@127.0.0.1:5099, caller ID +441632960100", "participant 1: answered (200 answered)"}},
		{name: "busy", args: []string{"dial", "--wait", "1000", "+441632960486"}, code: 1,
			stdout: []string{"participant 2: busy (486 Busy Here)"}},
		{name: "no wait", args: []string{"dial", "1000", "+441632960124", "--caller-id", "+441632960999"}, code: 0,
			stdout: []string{"participant 3", "caller ID +441632960999"}},
		{name: "toll fraud", args: []string{"dial", "1000", "+19005551234"}, code: 1,
			stderr: []string{"parley: 403 Forbidden: toll-fraud guard", "no trunk allows +19005551234", "(field to)"}},
		{name: "bad role", args: []string{"dial", "1000", "+441632960123", "--role", "boss"}, code: 1,
			stderr: []string{"400 Bad Request", "(field role)"}},
		{name: "unknown room", args: []string{"dial", "9999", "+441632960123"}, code: 1, stderr: []string{"404 Not Found", "(field number)"}},
		{name: "wrong token", args: []string{"dial", "1000", "+441632960123", "--token", "nope"}, code: 1,
			stderr: []string{"401 Unauthorized: invalid admin token"}},
		{name: "no token", args: []string{"participants", "1000", "--token", ""}, code: 1, stderr: []string{"give --token"}},
		{name: "unreachable API", args: []string{"participants", "1000", "--api", "http://127.0.0.1:1"}, code: 1, stderr: []string{"parley: "}},
		{name: "dial usage", args: []string{"dial", "1000"}, code: 2, stderr: []string{"usage: parley dial ROOM TARGET"}},
		{name: "participants usage", args: []string{"participants"}, code: 2, stderr: []string{"usage: parley participants ROOM"}},
		{name: "table", args: []string{"participants", "1000"}, code: 0,
			stdout: []string{"ID", "NAME", "STATUS", "moderator", "answered (200 answered)", "busy (486 Busy Here)"}},
		{name: "participants of an unknown room", args: []string{"participants", "9999"}, code: 1, stderr: []string{"404"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}

	t.Run("json", func(t *testing.T) {
		out := cliCase{args: []string{"participants", "--json", "1000"}}.run(t)
		var list []api.Participant
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(list) != 3 || list[0].Role != "moderator" || list[1].Code != 486 {
			t.Errorf("participants %+v", list)
		}
		out = cliCase{args: []string{"dial", "1000", "+441632960125", "--json", "--wait", "--api", url}}.run(t)
		var resp api.DialResponse
		if err := json.Unmarshal([]byte(out), &resp); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if resp.Status != "answered" || resp.Code != 200 || resp.Route.Trunk != "pstn" {
			t.Errorf("dial --wait --json: %+v", resp)
		}
		out = cliCase{args: []string{"dial", "1000", "+441632960126", "--json"}}.run(t)
		if err := json.Unmarshal([]byte(out), &resp); err != nil || resp.Status != "ringing" {
			t.Errorf("dial --json: %+v, %v", resp, err)
		}
	})
}

func TestRouteCommand(t *testing.T) {
	t.Setenv("PARLEY_API", "") // offline: from the config
	dir := t.TempDir()
	cfg := filepath.Join(dir, "parley.yaml")
	os.WriteFile(cfg, []byte(`extensions:
  - {number: "2001", name: Alice Smith, password: "${PARLEY_TEST_UNSET_PW}"}
trunks:
  - name: pstn
    proxy: sip:localhost:5060
    username: parley
    password: "${PARLEY_TEST_UNSET_TRUNK_PW}"
    caller_id: "+441632960000"
    allow: ['^\+44[0-9]{10}$']
dialout:
  direct_allow: [192.0.2.0/24, example.org]
rooms:
  - {number: "1000", caller_id: "+441632960100"}
`), 0o600)
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("trunks:\n  - name: pstn\n    allow: ['(']\n"), 0o600)
	tests := []cliCase{
		{name: "default config has no trunks", args: []string{"route", "+441632960123"}, code: 1,
			stdout: []string{"+441632960123 (number)", "no trunks are configured", "refused: dial-out not allowed"}},
		{name: "extension", args: []string{"route", "2001", "--config", cfg}, code: 0,
			stdout: []string{"2001 (extension)", "is an extension (Alice Smith)", "route: via extension: registered contacts of 2001"}},
		{name: "trunk with the trunk's caller ID", args: []string{"route", "--config", cfg, "+44 1632 960123"}, code: 0,
			stdout: []string{"trunk pstn: +441632960123 matches", "trunk pstn: proxy localhost resolves to 127.0.0.1", "sent to 127.0.0.1:5060",
				"route: via trunk pstn: sip:+441632960123@localhost:5060, caller ID +441632960000"}},
		{name: "trunk with the room's caller ID", args: []string{"route", "+441632960123", "--config", cfg, "--room", "1000"}, code: 0,
			stdout: []string{"caller ID +441632960100 from the room"}},
		{name: "trunk with the request's caller ID", args: []string{"route", "+441632960123", "--config", cfg, "--caller-id", "+441632960999"}, code: 0,
			stdout: []string{"caller ID +441632960999 from the request"}},
		{name: "toll fraud", args: []string{"route", "+19005551234", "--config", cfg}, code: 1,
			stdout: []string{`matches none of ^\+44[0-9]{10}$`, "refused: dial-out not allowed: no trunk allows +19005551234"}},
		{name: "toll fraud through the proxy host", args: []string{"route", "sip:+19005551234@localhost", "--config", cfg}, code: 1,
			stdout: []string{"host localhost resolves to 127.0.0.1", "proxy host of trunk pstn", "refused:"}},
		{name: "toll fraud through the proxy's address spelt otherwise", args: []string{"route", "sip:+19005551234@[::ffff:127.0.0.1]:5070", "--config", cfg}, code: 1,
			stdout: []string{"127.0.0.1 is an address of trunk pstn's proxy", "refused: dial-out not allowed: no trunk allows +19005551234"}},
		{name: "direct outside the allow list", args: []string{"route", "#sip:@198.51.100.7", "--config", cfg}, code: 1,
			stdout: []string{"is in no entry of the direct allow list", "refused: dial-out not allowed: 198.51.100.7 is not in dialout.direct_allow"}},
		{name: "direct", args: []string{"route", "#sip:bob@192.0.2.10:5062", "--config", cfg}, code: 0,
			stdout: []string{"192.0.2.10 is in 192.0.2.0/24 of the direct allow list", "route: via direct: sip:bob@192.0.2.10:5062, no caller ID"}},
		{name: "h323", args: []string{"route", "#h323:room7@192.0.2.20", "--config", cfg}, code: 0,
			stdout: []string{"is an H.323 endpoint: Setup sent to 192.0.2.20:1720 with destination alias \"room7\"", "route: via h323: #h323:room7@192.0.2.20, no caller ID"}},
		{name: "h323 outside the allow list", args: []string{"route", "#h323:@198.51.100.7", "--config", cfg}, code: 1,
			stdout: []string{"refused: dial-out not allowed: 198.51.100.7 is not in dialout.direct_allow"}},
		{name: "bad target", args: []string{"route", "hello", "--config", cfg}, code: 1, stderr: []string{"unrecognised dial target"}},
		{name: "bad caller ID", args: []string{"route", "2001", "--caller-id", "abc", "--config", cfg}, code: 1, stdout: []string{"refused: bad caller ID"}},
		{name: "unknown room", args: []string{"route", "2001", "--room", "9999", "--config", cfg}, code: 1, stderr: []string{`unknown room "9999"`}},
		{name: "bad config", args: []string{"route", "2001", "--config", bad}, code: 1, stderr: []string{bad + ":3: "}},
		{name: "usage", args: []string{"route"}, code: 2, stderr: []string{"usage: parley route TARGET"}},
		{name: "help lists it", args: []string{"help"}, code: 0, stdout: []string{"parley route TARGET", "parley dial ROOM TARGET", "parley participants ROOM", "PARLEY_TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
	t.Run("json", func(t *testing.T) {
		out := cliCase{args: []string{"route", "+19005551234", "--config", cfg, "--json"}, code: 1}.run(t)
		var resp api.RouteResponse
		if err := json.Unmarshal([]byte(out), &resp); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if resp.Allowed || resp.Kind != "number" || len(resp.Explain) == 0 || !strings.Contains(resp.Error, "no trunk allows") {
			t.Errorf("route --json: %+v", resp)
		}
	})
}

func TestParseFlagsInterspersed(t *testing.T) {
	var errOut bytes.Buffer
	fs := newTestFlagSet(&errOut)
	role := fs.String("role", "", "")
	pos, err := parseFlags(fs, []string{"1000", "--role", "moderator", "2001", "--", "--not-a-flag"})
	if err != nil {
		t.Fatal(err)
	}
	if *role != "moderator" || strings.Join(pos, " ") != "1000 2001 --not-a-flag" {
		t.Errorf("role %q, positional %q", *role, pos)
	}
}

func newTestFlagSet(w *bytes.Buffer) *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}
