package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"

	"github.com/parleyhq/parley/api"
)

// roomsCmd is `parley rooms list|create|show|delete`. It exits 0 on
// success, 1 when the API refuses, 2 on bad usage (create's flags with
// another subcommand too).
func roomsCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	var req api.RoomRequest
	var members string
	apiFlag := map[string]bool{} // the others are create's
	fs.VisitAll(func(f *flag.Flag) { apiFlag[f.Name] = true })
	fs.StringVar(&req.Name, "name", "", "the room's display `NAME`")
	fs.StringVar(&req.PIN, "pin", "", "attendee `PIN`, digits (default: none)")
	fs.StringVar(&req.ModeratorPIN, "moderator-pin", "", "moderator `PIN`, digits (default: none)")
	fs.IntVar(&req.Quota, "quota", 0, "active participants before newcomers are spectators (default: no quota)")
	fs.IntVar(&req.Capacity, "capacity", 0, "hard limit of participants (default: none)")
	fs.StringVar(&req.GuestWait, "guest-wait", "", "how long guests wait for a host, e.g. 10m or 45s (default 10m)")
	fs.StringVar(&req.Owner, "owner", "", "the owner's extension `EXT`")
	fs.StringVar(&members, "members", "", "member extensions, comma-separated")
	fs.BoolVar(&req.GuestAccess, "guest-access", false, "let browser guests in from links")
	fs.StringVar(&req.GuestRole, "guest-role", "", "`ROLE` guests join with (default attendee)")
	fs.StringVar(&req.CallerID, "caller-id", "", "caller `NUMBER` for calls out of the room")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) == 0 {
			return exitUsage
		}
		sub, pos := pos[0], pos[1:]
		if sub != "create" {
			bad := ""
			fs.Visit(func(f *flag.Flag) {
				if !apiFlag[f.Name] {
					bad = f.Name
				}
			})
			if bad != "" {
				fmt.Fprintf(stderr, "parley: --%s is a flag of rooms create, not of rooms %s\n", bad, sub)
				return exitUsage
			}
		}
		c := af.client()
		switch {
		case sub == "list" && len(pos) == 0:
			var list []api.Room
			if err := c.do("GET", "/rooms", nil, &list); err != nil {
				printAPIError(stderr, err)
				return 1
			}
			if af.json {
				if list == nil {
					list = []api.Room{}
				}
				writeJSON(stdout, list)
				return 0
			}
			if len(list) == 0 {
				fmt.Fprintln(stdout, "no rooms")
				return 0
			}
			tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NUMBER\tNAME\tIN\tQUOTA\tCAPACITY\tLOCKED\tFROM")
			for _, r := range list {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Number, r.Name, r.Participants, limit(r.Quota), limit(r.Capacity),
					yesNo(r.Locked), source(r))
			}
			tw.Flush()
			return 0
		case sub == "create" && len(pos) == 1:
			req.Number = pos[0]
			if members != "" {
				for _, m := range strings.Split(members, ",") {
					req.Members = append(req.Members, strings.TrimSpace(m))
				}
			}
			var r api.Room
			if err := c.do("POST", "/rooms", req, &r); err != nil {
				printAPIError(stderr, err)
				return 1
			}
			if af.json {
				writeJSON(stdout, r)
				return 0
			}
			fmt.Fprintf(stdout, "room %s created\n", r.Number)
			printRoom(stdout, r)
			return 0
		case sub == "show" && len(pos) == 1:
			var r api.Room
			if err := c.do("GET", "/rooms/"+url.PathEscape(pos[0]), nil, &r); err != nil {
				printAPIError(stderr, err)
				return 1
			}
			if af.json {
				writeJSON(stdout, r)
				return 0
			}
			printRoom(stdout, r)
			return 0
		case sub == "delete" && len(pos) == 1:
			if err := c.do("DELETE", "/rooms/"+url.PathEscape(pos[0]), nil, nil); err != nil {
				printAPIError(stderr, err)
				return 1
			}
			if af.json {
				writeJSON(stdout, map[string]any{"number": pos[0], "deleted": true})
				return 0
			}
			fmt.Fprintf(stdout, "room %s deleted\n", pos[0])
			return 0
		}
		return exitUsage
	}
}

// printRoom prints a room for people, one setting a line.
func printRoom(w io.Writer, r api.Room) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	line("number", r.Number)
	line("name", r.Name)
	line("from", source(r))
	line("participants", fmt.Sprint(r.Participants))
	line("locked", yesNo(r.Locked))
	line("pin", orNone(r.PIN))
	line("moderator pin", orNone(r.ModeratorPIN))
	line("owner", orNone(r.Owner))
	line("members", orNone(strings.Join(r.Members, ", ")))
	line("quota", limit(r.Quota))
	line("capacity", limit(r.Capacity))
	line("guest access", yesNo(r.GuestAccess))
	line("guest role", r.GuestRole)
	line("guest wait", r.GuestWait)
	line("caller ID", orNone(r.CallerID))
	tw.Flush()
}

// source says where a room is defined.
func source(r api.Room) string {
	if r.ConfigOwned {
		return "config"
	}
	return "api"
}

// limit shows a quota or capacity; 0 means none.
func limit(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
