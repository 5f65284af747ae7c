package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/parleyhq/parley/api"
)

// reloadCmd is `parley reload`: the running server re-reads its config
// file (POST /api/v1/reload, admin token). It prints what changed and the
// settings that need a restart, and exits 0; a file with problems prints
// them as FILE:LINE: message and exits 1 (the server keeps its config);
// bad usage exits 2. It asks the API rather than signalling a pid, so it
// works across machines and containers and reports the outcome, which a
// SIGHUP cannot (`kill -HUP PID` does the same reload, with the outcome
// in the server's log).
func reloadCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 0 {
			return exitUsage
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
}
