package main

import (
	"testing"
)

// TestDrainCommand: `parley drain` against a running single-node app
// starts its drain (new calls refused) and says so; --wait returns at
// once with no call up; no admin token is refused before anything
// starts; an argument is bad usage.
func TestDrainCommand(t *testing.T) {
	a, _, _ := reloadApp(t, reloadAppBase+"admin_tokens: ["+cliToken+"]\n")
	api := "http://" + a.HTTPAddr().String()
	for _, tt := range []cliCase{
		{name: "usage", args: []string{"drain", "now"}, code: 2, stderr: []string{"usage: parley drain"}},
		{name: "no token", args: []string{"drain", "--api", api, "--token", ""}, code: 1, stderr: []string{"401"}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
	if a.b.Draining() {
		t.Fatal("a refused drain started the drain")
	}
	cliCase{args: []string{"drain", "--api", api, "--token", cliToken},
		stdout: []string{"draining, new calls refused; calls in progress: 0\n"}}.run(t)
	if !a.b.Draining() {
		t.Fatal("parley drain did not start the bridge's drain")
	}
	cliCase{args: []string{"drain", "--api", api, "--token", cliToken, "--wait", "--json"},
		stdout: []string{`"draining": true`, `"cluster": false`, `"calls": 0`}}.run(t)
}
