package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/parleyhq/parley/api"
)

// drainPollCmd is how often `parley drain --wait` asks how many calls are
// left.
const drainPollCmd = 500 * time.Millisecond

// drainCmd is `parley drain`: the server asked (--api) starts the drain
// that SIGTERM starts, without stopping (POST /api/v1/drain, admin
// token): a cluster node with cluster.drain sends new rooms to the other
// nodes and keeps its own until they empty; else new calls are refused.
// With --wait it returns once no call is left (exit 1 after --timeout),
// so that a rolling restart can stop the node then. Bad usage exits 2.
func drainCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	wait := fs.Bool("wait", false, "return once no call is left on the server")
	timeout := fs.Duration("timeout", 10*time.Minute, "with --wait, the longest wait (exit 1 after it)")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 0 || *timeout <= 0 {
			return exitUsage
		}
		c := af.client()
		var st api.DrainState
		if err := c.do("POST", "/drain", nil, &st); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		deadline := time.Now().Add(*timeout)
		for *wait && st.Calls > 0 {
			if time.Now().After(deadline) {
				fmt.Fprintf(stderr, "parley: %d calls still in progress after %s\n", st.Calls, *timeout)
				return 1
			}
			time.Sleep(drainPollCmd)
			if err := c.do("GET", "/drain", nil, &st); err != nil {
				printAPIError(stderr, err)
				return 1
			}
		}
		if af.json {
			writeJSON(stdout, st)
			return 0
		}
		how := "new calls refused"
		if st.Cluster {
			how = "through the cluster: new rooms go to the other nodes"
		}
		fmt.Fprintf(stdout, "draining, %s; calls in progress: %d\n", how, st.Calls)
		return 0
	}
}
