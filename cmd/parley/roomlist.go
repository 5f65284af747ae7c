package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"
)

// roomList is a command that lists one kind of thing of a room through the
// REST API: `parley participants ROOM`, `parley links ROOM`, `parley
// schedules ROOM`.
type roomList[T any] struct {
	path   string        // the API path under /rooms/ROOM, e.g. "/links"
	none   string        // what to say when the list is empty, e.g. "no links"
	header string        // the table's header, tab-separated
	row    func(T) []any // one table row
	format string        // the row's fmt format, tab-separated
}

// setup defines the command's flags on fs and returns its action: table
// for people, --json for scripts.
func (c roomList[T]) setup(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 {
			return exitUsage
		}
		var list []T
		if err := af.client().do("GET", "/rooms/"+url.PathEscape(pos[0])+c.path, nil, &list); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		if af.json {
			if list == nil {
				list = []T{}
			}
			writeJSON(stdout, list)
			return 0
		}
		if len(list) == 0 {
			fmt.Fprintf(stdout, "room %s: %s\n", pos[0], c.none)
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, c.header)
		for _, v := range list {
			fmt.Fprintf(tw, c.format+"\n", c.row(v)...)
		}
		_ = tw.Flush()
		return 0
	}

}
