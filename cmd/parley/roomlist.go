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
	name   string        // the command's name
	path   string        // the API path under /rooms/ROOM, e.g. "/links"
	none   string        // what to say when the list is empty, e.g. "no links"
	header string        // the table's header, tab-separated
	row    func(T) []any // one table row
	format string        // the row's fmt format, tab-separated
}

// run carries out the command: table for people, --json for scripts.
func (c roomList[T]) run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	af := addAPIFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fmt.Fprintf(stderr, "usage: parley %s ROOM [--api URL] [--token T] [--json]\n", c.name)
		return 2
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
