package main

import (
	"io"

	"github.com/parleyhq/parley/api"
)

// participantsCmd runs `parley participants ROOM`: who is in the room, and
// the calls out that are ringing or failed.
func participantsCmd(args []string, stdout, stderr io.Writer) int {
	return roomList[api.Participant]{
		name: "participants", path: "/participants", none: "nobody is in, no calls out",
		header: "ID\tNAME\tROLE\tVIA\tMUTED\tTALKING\tSTATUS", format: "%s\t%s\t%s\t%s\t%s\t%s\t%s",
		row: func(p api.Participant) []any {
			return []any{p.ID, p.Name, p.Role, p.Via, yesNo(p.Muted), yesNo(p.Talking), describeOutcome(p)}
		},
	}.run(args, stdout, stderr)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
