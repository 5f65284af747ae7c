package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestReloadCommand: `parley reload` against a running app prints what
// changed, the file's problems with FILE:LINE (exit 1), and refuses
// without an admin token.
func TestReloadCommand(t *testing.T) {
	withToken := reloadAppBase + "admin_tokens: [" + cliToken + "]\n"
	a, path, _ := reloadApp(t, withToken)
	api := "http://" + a.HTTPAddr().String()
	added := strings.Replace(withToken, "rooms:\n", "rooms:\n  - {number: \"3000\"}\n", 1)
	writeConfig(t, path, fmt.Sprintf(added, a.cfg.Store.Path))
	for _, tt := range []cliCase{
		{name: "usage", args: []string{"reload", "now"}, code: 2, stderr: []string{"usage: parley reload"}},
		{name: "no token", args: []string{"reload", "--api", api, "--token", ""}, code: 1, stderr: []string{"401"}},
		{name: "reloaded", args: []string{"reload", "--api", api, "--token", cliToken}, stdout: []string{"reloaded: rooms +3000\n"}},
		{name: "again", args: []string{"reload", "--api", api, "--token", cliToken, "--json"},
			stdout: []string{`"changes": "no changes"`, `"restart_needed": []`}},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t) })
	}
	writeConfig(t, path, "rooms:\n  - {number: x}\n")
	cliCase{args: []string{"reload", "--api", api, "--token", cliToken}, code: 1,
		stderr: []string{"422", path + ":2: rooms[0].number"}}.run(t)
}
