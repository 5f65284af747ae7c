package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/parleyhq/parley/api"
)

// linkCmd is `parley link ROOM …`: it makes a guest or group link and
// prints its URL. 0 when made, 1 when the API refuses, 2 on bad usage.
func linkCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	var req api.LinkRequest
	fs.StringVar(&req.Kind, "kind", "guest", "`KIND` of link: guest (one person) or group (many)")
	fs.StringVar(&req.Name, "name", "", "the guest's `NAME`, or the group link's")
	fs.StringVar(&req.Email, "email", "", "the guest's email `ADDRESS`")
	fs.StringVar(&req.Phone, "phone", "", "the guest's phone `NUMBER`, for SMS")
	fs.StringVar(&req.Role, "role", "", "`ROLE` the link grants (default: the room's guest role)")
	fs.StringVar(&req.Language, "language", "", "`LANG` of the join page and invitations (en, fr, de)")
	fs.StringVar(&req.Description, "description", "", "`TEXT` shown on a group link's page")
	fs.StringVar(&req.ValidFrom, "from", "", "when the link opens, `T` (RFC 3339)")
	fs.StringVar(&req.ValidUntil, "until", "", "when the link expires, `T` (RFC 3339)")
	fs.BoolVar(&req.SendEmail, "send-email", false, "mail the invitation to --email")
	fs.BoolVar(&req.SendSMS, "send-sms", false, "text the link to --phone")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 {
			return exitUsage
		}
		var l api.Link
		if err := af.client().do("POST", "/rooms/"+url.PathEscape(pos[0])+"/links", req, &l); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		if af.json {
			writeJSON(stdout, l)
			return 0
		}
		fmt.Fprintf(stdout, "%s link %s for room %s: %s\n", l.Kind, l.ID, l.Room, l.URL)
		printInvitations(stdout, l.Invitations)
		return 0
	}

}

// linksCmd is `parley links ROOM`: the room's links.
func linksCmd(fs *flag.FlagSet) action {
	return roomList[api.Link]{
		path: "/links", none: "no links",
		header: "ID\tKIND\tNAME\tROLE\tSTATE\tURL", format: "%s\t%s\t%s\t%s\t%s\t%s",
		row: func(l api.Link) []any { return []any{l.ID, l.Kind, l.Name, l.Role, l.State, l.URL} },
	}.setup(fs)
}

// importGuestsCmd is `parley import-guests ROOM FILE [--send-email]`:
// one guest link per row of a CSV file (name,email,role,language), all
// or none; every bad line is printed.
func importGuestsCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	send := fs.Bool("send-email", false, "mail each guest their invitation")
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 2 {
			return exitUsage
		}
		f, err := os.Open(pos[1])
		if err != nil {
			fmt.Fprintf(stderr, "parley: %v\n", err)
			return 1
		}
		defer f.Close()
		path := "/rooms/" + url.PathEscape(pos[0]) + "/links/import"
		if *send {
			path += "?send_email=true"
		}
		data, err := af.client().raw("POST", path, "text/csv", f)
		if err != nil {
			printAPIError(stderr, err)
			if e, ok := err.(*api.Error); ok {
				for _, row := range e.Rows {
					fmt.Fprintf(stderr, "%s:%d: %s\n", pos[1], row.Line, row.Error)
				}
			}
			return 1
		}
		var r api.ImportResponse
		if err := json.Unmarshal(data, &r); err != nil {
			fmt.Fprintf(stderr, "parley: bad answer: %v\n", err)
			return 1
		}
		if af.json {
			writeJSON(stdout, r)
			return 0
		}
		fmt.Fprintf(stdout, "%d guests imported into room %s\n", r.Imported, pos[0])
		printInvitations(stdout, r.Invitations)
		return 0
	}

}

// attendeesCmd is `parley attendees ROOM`: the attendee list, as the
// CSV file the API gives, on stdout.
func attendeesCmd(fs *flag.FlagSet) action {
	return textCmd(fs, func(room string, _ url.Values) string { return "/rooms/" + url.PathEscape(room) + "/attendees.csv" }, nil)
}

// joinInfoCmd is `parley join-info ROOM [--link ID] [--lang L]`: the
// text to paste into a message.
func joinInfoCmd(fs *flag.FlagSet) action {
	return textCmd(fs, func(room string, q url.Values) string {
		return "/rooms/" + url.PathEscape(room) + "/join-info?" + q.Encode()
	}, []string{"link", "lang"})
}

// textCmd is a command that prints what a GET of one room's path
// answers; params are its string flags, passed on as query parameters.
func textCmd(fs *flag.FlagSet, path func(room string, q url.Values) string, params []string) action {
	af := addAPIFlags(fs)
	vals := make(map[string]*string)
	for _, p := range params {
		vals[p] = fs.String(p, "", "the "+p+" query parameter")
	}
	return func(pos []string, stdout, stderr io.Writer) int {
		if len(pos) != 1 {
			return exitUsage
		}
		q := url.Values{}
		for p, v := range vals {
			if *v != "" {
				q.Set(p, *v)
			}
		}
		data, err := af.client().raw("GET", path(pos[0], q), "", nil)
		if err != nil {
			printAPIError(stderr, err)
			return 1
		}
		_, _ = stdout.Write(data)
		return 0
	}

}

// contactsCmd is `parley contacts [--q TEXT] [--owner EXT]`, `parley
// contacts add NAME TARGET [--owner EXT]` and `parley contacts delete ID`.
func contactsCmd(fs *flag.FlagSet) action {
	af := addAPIFlags(fs)
	query := fs.String("q", "", "`TEXT` to look for in names and targets")
	owner := fs.String("owner", "", "extension `EXT` whose own contacts to include (or add to)")
	return func(pos []string, stdout, stderr io.Writer) int {
		c := af.client()
		switch {
		case len(pos) == 3 && pos[0] == "add":
			var out api.Contact
			if err := c.do("POST", "/contacts", api.ContactRequest{Owner: *owner, Name: pos[1], Target: pos[2]}, &out); err != nil {
				printAPIError(stderr, err)
				return 1
			}
			if af.json {
				writeJSON(stdout, out)
				return 0
			}
			fmt.Fprintf(stdout, "contact %s: %s → %s (%s)\n", out.ID, out.Name, out.Target, out.Kind)
			return 0
		case len(pos) == 2 && pos[0] == "delete":
			if err := c.do("DELETE", "/contacts/"+url.PathEscape(pos[1]), nil, nil); err != nil {
				printAPIError(stderr, err)
				return 1
			}
			return 0
		case len(pos) != 0:
			return exitUsage
		}
		q := url.Values{}
		if *query != "" {
			q.Set("q", *query)
		}
		if *owner != "" {
			q.Set("owner", *owner)
		}
		var list []api.Contact
		if err := c.do("GET", "/contacts?"+q.Encode(), nil, &list); err != nil {
			printAPIError(stderr, err)
			return 1
		}
		if af.json {
			writeJSON(stdout, list)
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tOWNER\tNAME\tTARGET")
		for _, ct := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", ct.ID, ct.Owner, ct.Name, ct.Target)
		}
		_ = tw.Flush()
		return 0
	}

}

// printInvitations prints one line per invitation sent.
func printInvitations(w io.Writer, invs []api.SentInvitation) {
	for _, i := range invs {
		if i.Sent {
			fmt.Fprintf(w, "  %s sent to %s\n", i.Channel, i.To)
		} else {
			fmt.Fprintf(w, "  %s to %s NOT sent: %s\n", i.Channel, i.To, i.Error)
		}
	}
}

// raw sends body (if not nil) with the given Content-Type and returns a
// 2xx answer's body as it is; any other status comes back as an
// *api.Error, as do returns it.
func (c *client) raw(method, path, contentType string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		e := &api.Error{}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(data))
		}
		e.Status = resp.StatusCode
		return nil, e
	}
	return data, nil
}
