package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/parleyhq/parley/api"
)

// reloadCmd runs `parley reload`: the running server re-reads its config
// file (POST /api/v1/reload, admin token). It prints what changed and the
// settings that need a restart, and exits 0; a file with problems prints
// them as FILE:LINE: message and exits 1 (the server keeps its config);
// bad usage exits 2. It asks the API rather than signalling a pid, so it
// works across machines and containers and reports the outcome, which a
// SIGHUP cannot (`kill -HUP PID` does the same reload, with the outcome
// in the server's log).
func reloadCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	af := addAPIFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 0 {
		fmt.Fprint(stderr, "usage: parley reload [--api URL] [--token T] [--json]\n")
		return 2
	}
	var res api.ReloadResult
	if err := af.client().do("POST", "/reload", nil, &res); err != nil {
		printAPIError(stderr, err)
		var e *api.Error
		if errors.As(err, &e) {
			for _, p := range e.Problems {
				fmt.Fprintln(stderr, p)
			}
		}
		return 1
	}
	if af.json {
		writeJSON(stdout, res)
		return 0
	}
	fmt.Fprintf(stdout, "reloaded: %s\n", res.Changes)
	for _, r := range res.RestartNeeded {
		fmt.Fprintln(stdout, r)
	}
	return 0
}
