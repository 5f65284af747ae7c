package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parleyhq/parley/api"
	"github.com/parleyhq/parley/bridge"
)

// scheduleCmd is `parley schedule ROOM --start T --end T [--tz ZONE]
// --call TARGET[:ROLE] ...`: it schedules a conference in ROOM that calls
// everyone listed at its start. It exits 0 when scheduled, 1 when the API
// refuses, 2 on bad usage.
func scheduleCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	start := fs.String("start", "", "when the conference starts: RFC 3339, `T` in --tz, or +DURATION from now")
	end := fs.String("end", "", "when it ends: RFC 3339, `T` in --tz, or +DURATION after the start")
	zone := fs.String("tz", "", "IANA time `ZONE` of the conference, e.g. Europe/London (default UTC)")
	var calls []api.ScheduledParticipant
	fs.Func("call", "`TARGET[:ROLE]` to call at the start (repeat for each); ROLE defaults to attendee", func(s string) error {
		calls = append(calls, parseCall(s))
		return nil
	})
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 || *start == "" || *end == "" {
			return exitUsage
		}
		loc := time.UTC
		if *zone != "" {
			var err error
			if loc, err = time.LoadLocation(*zone); err != nil || *zone == "Local" {
				fmt.Fprintf(stderr, "parley: --tz %q: want an IANA time zone name such as Europe/London\n", *zone)
				return exitUsage
			}
		}
		now := time.Now()
		startAt, err := parseWhen(*start, now, loc)
		if err != nil {
			fmt.Fprintf(stderr, "parley: --start: %v\n", err)
			return exitUsage
		}
		endAt, err := parseWhen(*end, startAt, loc)
		if err != nil {
			fmt.Fprintf(stderr, "parley: --end: %v\n", err)
			return exitUsage
		}
		req := api.ScheduleRequest{Start: startAt.Format(time.RFC3339), End: endAt.Format(time.RFC3339), TimeZone: *zone,
			Participants: calls}
		var sc api.Schedule
		if err := af.client().do("POST", "/rooms/"+url.PathEscape(pos[0])+"/schedules", req, &sc); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		if af.json {
			writeJSON(stdout, sc)
			return 0
		}
		fmt.Fprintf(stdout, "conference %s scheduled in room %s\n", sc.ID, sc.Room)
		printSchedule(stdout, sc)
		return 0
	}

}

// schedulesCmd is `parley schedules ROOM`: the room's scheduled
// conferences, past ones included.
func schedulesCmd(fs *flag.FlagSet) action {
	return roomList[api.Schedule]{
		path: "/schedules", none: "no scheduled conferences",
		header: "ID\tSTART\tEND\tZONE\tCALLS\tSTATUS", format: "%s\t%s\t%s\t%s\t%d\t%s",
		row: func(sc api.Schedule) []any {
			return []any{sc.ID, sc.Start.Format(whenLayout), sc.End.Format(whenLayout), sc.TimeZone,
				len(sc.Participants), scheduleStatus(sc)}
		},
	}.setup(fs)
}

// whenLayout is how times of schedules are shown to people.
const whenLayout = "2006-01-02 15:04 -07:00"

// localLayouts are the times without an offset that --start and --end
// take, read in --tz.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// parseWhen reads a --start or --end: RFC 3339, a local time in loc, or
// "+DURATION" after base.
func parseWhen(s string, base time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("%q: want a positive duration after +, such as +10m", s)
		}
		return base.Add(d).Truncate(time.Second), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range localLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q: want RFC 3339 (2026-03-02T09:00:00+01:00), \"2026-03-02 09:00\" in --tz, or +DURATION", s)
}

// parseCall reads a --call: TARGET, or TARGET:ROLE when what follows the
// last colon is a role's name (targets have colons of their own:
// "#sip:bob@192.0.2.10:5060:moderator"). The API checks both.
func parseCall(s string) api.ScheduledParticipant {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if role, err := bridge.ParseRole(s[i+1:]); err == nil && s[i+1:] != "" {
			return api.ScheduledParticipant{Target: s[:i], Role: string(role)}
		}
	}
	return api.ScheduledParticipant{Target: s}
}

// printSchedule shows a scheduled conference to people.
func printSchedule(w io.Writer, sc api.Schedule) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  start:\t%s (%s)\n", sc.Start.Format(whenLayout), sc.TimeZone)
	fmt.Fprintf(tw, "  end:\t%s\n", sc.End.Format(whenLayout))
	fmt.Fprintf(tw, "  status:\t%s\n", scheduleStatus(sc))
	fmt.Fprintf(tw, "  calls:\t%d\n", len(sc.Participants))
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range sc.Participants {
		line := "    " + p.Target + "\t" + p.Role
		if p.Name != "" {
			line += "\t" + p.Name
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
}

// scheduleStatus says where a scheduled conference stands.
func scheduleStatus(sc api.Schedule) string {
	switch {
	case sc.EndedAt != nil:
		return "ended"
	case sc.StartedAt != nil:
		return "started"
	}
	return "scheduled"
}
