package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRouteAsksTheServer: with --api or $PARLEY_API, route asks the
// running server (whose trunk pstn the embedded config lacks); --config
// still decides offline; --room is needed to ask.
func TestRouteAsksTheServer(t *testing.T) {
	url := newAPIServer(t)
	cfg := filepath.Join(t.TempDir(), "parley.yaml")
	os.WriteFile(cfg, []byte("trunks:\n  - {name: office, proxy: 'sip:127.0.0.1:5098', allow: ['^\\+44[0-9]{10}$']}\n"), 0o600)
	t.Setenv("PARLEY_TOKEN", cliToken)
	t.Setenv("PARLEY_API", "")
	tests := []cliCase{
		{name: "--api", args: []string{"route", "+441632960123", "--room", "1000", "--api", url}, code: 0,
			stdout: []string{"+441632960123 (number)", "route: via trunk pstn: sip:+441632960123@127.0.0.1:5099, caller ID +441632960100"}},
		{name: "refused by the server", args: []string{"route", "+19005551234", "--room", "1000", "--api", url}, code: 1,
			stdout: []string{"refused: dial-out not allowed: no trunk allows +19005551234"}},
		{name: "unknown room on the server", args: []string{"route", "2001", "--room", "9999", "--api", url}, code: 1,
			stderr: []string{"404 Not Found"}},
		{name: "no room to ask from", args: []string{"route", "2001", "--api", url}, code: 2, stderr: []string{"give --room ROOM", "usage: parley route TARGET"}},
		{name: "both --api and --config", args: []string{"route", "2001", "--api", url, "--config", cfg}, code: 2, stderr: []string{"give one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
	t.Setenv("PARLEY_API", url)
	for _, tt := range []cliCase{
		{name: "$PARLEY_API", args: []string{"route", "+441632960123", "--room", "1000", "--json"}, code: 0,
			stdout: []string{`"allowed": true`, `"trunk": "pstn"`}},
		{name: "--config wins over $PARLEY_API", args: []string{"route", "+441632960123", "--config", cfg}, code: 0,
			stdout: []string{"route: via trunk office"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
}
