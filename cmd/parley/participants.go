package main

import (
	"flag"

	"github.com/parleyhq/parley/api"
)

// participantsCmd is `parley participants ROOM`: who is in the room, and
// the calls out that are ringing or failed.
func participantsCmd(fs *flag.FlagSet) action {
	return roomList[api.Participant]{
		path: "/participants", none: "nobody is in, no calls out",
		header: "ID\tNAME\tROLE\tVIA\tMUTED\tTALKING\tSTATUS", format: "%s\t%s\t%s\t%s\t%s\t%s\t%s",
		row: func(p api.Participant) []any {
			return []any{p.ID, p.Name, p.Role, p.Via, yesNo(p.Muted), yesNo(p.Talking), describeOutcome(p)}
		},
	}.setup(fs)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
