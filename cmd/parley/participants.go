package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"

	"github.com/parleyhq/parley/api"
)

// participantsCmd runs `parley participants ROOM`: who is in the room, and
// the calls out that are ringing or failed.
func participantsCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("participants", flag.ContinueOnError)
	fs.SetOutput(stderr)
	af := addAPIFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, "usage: parley participants ROOM [--api URL] [--token T] [--json]\n")
		return 2
	}
	var list []api.Participant
	if err := af.client().do("GET", "/rooms/"+url.PathEscape(pos[0])+"/participants", nil, &list); err != nil {
		printAPIError(stderr, err)
		return 1
	}
	if af.json {
		if list == nil {
			list = []api.Participant{}
		}
		writeJSON(stdout, list)
		return 0
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "room %s: nobody is in, no calls out\n", pos[0])
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tVIA\tMUTED\tTALKING\tSTATUS")
	for _, p := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Role, p.Via, yesNo(p.Muted), yesNo(p.Talking), describeOutcome(p))
	}
	tw.Flush()
	return 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
