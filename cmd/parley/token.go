package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"time"

	"github.com/parleyhq/parley/api"
)

// tokenCmd is `parley token ROOM --role R [--label L] [--expires-in D]`:
// it mints a room token and prints its secret, which Parley shows only
// this once. It exits 0 when minted, 1 when the API refuses, 2 on bad
// usage.
func tokenCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	role := fs.String("role", "", "`ROLE` of the token: moderator (moderates the room) or attendee (reads it)")
	label := fs.String("label", "", "what the token is for")
	expires := fs.Duration("expires-in", 0, "lifetime, e.g. 24h (default: never with an admin token, api.token_ttl with a room token)")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 || *role == "" {
			return exitUsage
		}
		if *expires < 0 {
			fmt.Fprint(stderr, "parley: --expires-in must not be negative\n")
			return 2
		}
		req := api.TokenRequest{Role: *role, Label: *label, ExpiresIn: int64(math.Ceil(expires.Seconds()))}
		var nt api.NewToken
		if err := af.client().do("POST", "/rooms/"+url.PathEscape(pos[0])+"/tokens", req, &nt); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		if af.json {
			writeJSON(stdout, nt)
			return 0
		}
		fmt.Fprintf(stdout, "%s token %s for room %s", nt.Role, nt.ID, nt.Room)
		if nt.ExpiresAt != nil {
			fmt.Fprintf(stdout, ", expires %s", nt.ExpiresAt.Local().Format(time.RFC3339))
		}
		fmt.Fprintf(stdout, " (shown only now; keep it safe):\n%s\n", nt.Token)
		return 0
	}

}
