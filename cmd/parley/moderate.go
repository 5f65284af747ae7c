package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"

	"github.com/parleyhq/parley/api"
)

// moderateCmd is `parley mute|unmute|kick ROOM ID` and `parley role ROOM
// ID ROLE`: one change to a participant, at once. It exits 0 when done, 1
// when the API refuses, 2 on bad usage.
func moderateCmd(cmd string) func(fs *flag.FlagSet) action {
	return func(fs *flag.FlagSet) action {
		af := addAPIFlags(fs)
		return func(pos []string, stdout, stderr io.Writer) int {
			want := 2
			if cmd == "role" {
				want = 3
			}
			if len(pos) != want {
				return exitUsage
			}
			return moderate(af, cmd, pos, stdout, stderr)
		}
	}
}

// moderate makes the change cmd to the participant pos[1] of room pos[0].
func moderate(af *apiFlags, cmd string, pos []string, stdout, stderr io.Writer) int {
	room, id := pos[0], pos[1]
	path := "/rooms/" + url.PathEscape(room) + "/participants/" + url.PathEscape(id)
	c := af.client()
	if cmd == "kick" {
		if err := c.do("DELETE", path, nil, nil); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		if af.json {
			writeJSON(stdout, map[string]any{"room": room, "id": id, "removed": true})
		} else {
			fmt.Fprintf(stdout, "participant %s removed from room %s\n", id, room)
		}
		return 0
	}
	var patch api.ParticipantPatch
	switch cmd {
	case "mute", "unmute":
		muted := cmd == "mute"
		patch.Muted = &muted
	case "role":
		patch.Role = &pos[2]
	}
	var p api.Participant
	if err := c.do("PATCH", path, patch, &p); err != nil {
		printAPIError(stderr, err)
		return 1
	}
	if af.json {
		writeJSON(stdout, p)
		return 0
	}
	state := "unmuted"
	if p.Muted {
		state = "muted"
	}
	if cmd == "role" && p.Role == "no_access" {
		fmt.Fprintf(stdout, "participant %s (%s) in room %s: no_access, removed\n", p.ID, p.Name, room)
		return 0
	}
	fmt.Fprintf(stdout, "participant %s (%s) in room %s: %s, %s\n", p.ID, p.Name, room, p.Role, state)
	return 0
}
