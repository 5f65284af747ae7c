package api

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/store"
)

// importColumns are the columns of a guest import, all required, in any
// order.
var importColumns = []string{"name", "email", "role", "language"}

// importLinks serves POST /api/v1/rooms/{number}/links/import: a CSV file
// of guests (RFC 4180: header name,email,role,language, UTF-8, a BOM
// allowed, at most MaxImportRows rows) becomes one guest link each, all or
// none. Every bad row is reported in one 400 with its line number; with
// ?send_email=true each guest is mailed afterwards. 201.
func (s *linksAPI) importLinks(w http.ResponseWriter, r *http.Request) error {
	sendEmail := false
	for k, v := range r.URL.Query() {
		switch {
		case k != "send_email":
			return &Error{Status: http.StatusBadRequest, Field: k, Message: "unknown query parameter " + k + ": want send_email"}
		case len(v) != 1 || (v[0] != "true" && v[0] != "false"):
			return &Error{Status: http.StatusBadRequest, Field: k, Message: "send_email must be true or false"}
		}
		sendEmail = v[0] == "true"
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "text/csv" {
		return &Error{Status: http.StatusUnsupportedMediaType, Field: "Content-Type",
			Message: "send the guests as Content-Type: text/csv, with the header line name,email,role,language"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &Error{Status: http.StatusRequestEntityTooLarge, Field: "csv",
				Message: fmt.Sprintf("the file is larger than %d MiB", MaxImportBody>>20)}
		}
		return err
	}
	room, err := s.storedRoom(r, s.store != nil)
	if err != nil {
		return err
	}
	if sendEmail && s.mailer == nil {
		return errNoMailer
	}
	links, lines, err := parseGuests(data, guestRole(room))
	if err != nil {
		return err
	}
	for i := range links {
		links[i].Room, links[i].Token = room.Number(), newLinkToken()
	}
	links, err = s.store.ImportLinks(r.Context(), links)
	if err != nil {
		var ie *store.ImportError
		if errors.As(err, &ie) && ie.Index >= 0 && ie.Index < len(lines) {
			st := statusOf(ie.Err)
			if st.Status >= 500 {
				return err
			}
			return &Error{Status: st.Status, Field: "csv", Message: fmt.Sprintf("line %d was refused: nothing was imported", lines[ie.Index]),
				Rows: []RowError{{Line: lines[ie.Index], Error: ie.Err.Error()}}}
		}
		return err
	}
	s.log.Info("api links imported", "room", room.Number(), "links", len(links), "send_email", sendEmail,
		"by", principalOf(r).String(), "remote", r.RemoteAddr)
	out := ImportResponse{Imported: len(links), Links: make([]Link, len(links))}
	for i, l := range links {
		out.Links[i] = s.linkState(r, l)
		if sendEmail {
			out.Invitations = append(out.Invitations, s.invite(r, room, l, true, false)...)
		}
	}
	w.Header().Set("Location", "/api/v1/rooms/"+room.Number()+"/links")
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// parseGuests reads a guest CSV file and returns one guest link per row
// (without room or token), with the line each came from. defaultRole is
// the role of rows that leave it empty. It checks every row and answers
// all the bad ones at once, in a 400 *Error with Rows.
func parseGuests(data []byte, defaultRole bridge.Role) ([]store.Link, []int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM, as spreadsheets write
	fail := func(msg string, rows []RowError) error {
		return &Error{Status: http.StatusBadRequest, Field: "csv", Message: msg, Rows: rows}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // counted here, to say which line is short
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, fail("the file is empty: want the header line name,email,role,language and one line per guest", nil)
	}
	if err != nil {
		return nil, nil, fail("the header line cannot be read: "+csvReason(err), []RowError{{Line: 1, Error: csvReason(err)}})
	}
	col, err := importHeader(header)
	if err != nil {
		return nil, nil, err
	}
	var (
		links []store.Link
		lines []int
		bad   []RowError
		seen  = make(map[string]int) // lower-cased email → line
		rows  int
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		rows++
		if rows > MaxImportRows {
			return nil, nil, fail(fmt.Sprintf("more than %d guests: split the file", MaxImportRows), nil)
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			bad = append(bad, RowError{Line: line, Error: csvReason(err)})
			continue
		}
		line, _ := cr.FieldPos(0)
		rowBad := func(field, format string, args ...any) {
			bad = append(bad, RowError{Line: line, Field: field, Error: fmt.Sprintf(format, args...)})
		}
		if len(rec) != len(header) {
			rowBad("", "%d fields, want %d as in the header", len(rec), len(header))
			continue
		}
		if !validUTF8(rec) {
			rowBad("", "not valid UTF-8: save the file as UTF-8")
			continue
		}
		l := store.Link{Kind: store.LinkGuest, Active: true, Name: strings.TrimSpace(rec[col["name"]]),
			Email: strings.TrimSpace(rec[col["email"]]), Language: strings.TrimSpace(rec[col["language"]])}
		before := len(bad)
		switch {
		case l.Name == "":
			rowBad("name", "name is empty")
		default:
			if err := checkText("name", l.Name, maxNameLen); err != nil {
				rowBad("name", "%s", err.Error())
			}
		}
		switch {
		case l.Email == "":
			rowBad("email", "email is empty")
		default:
			if err := checkEmail("email", l.Email); err != nil {
				rowBad("email", "%s", err.Error())
			} else if first, ok := seen[strings.ToLower(l.Email)]; ok {
				rowBad("email", "email %q is already on line %d", l.Email, first)
			} else {
				seen[strings.ToLower(l.Email)] = line
			}
		}
		role := defaultRole
		if s := strings.TrimSpace(rec[col["role"]]); s != "" {
			if role, err = checkLinkRole("role", s); err != nil {
				rowBad("role", "%s", err.Error())
			}
		}
		l.Role = string(role)
		if err := checkLanguage("language", l.Language); err != nil {
			rowBad("language", "%s", err.Error())
		}
		if len(bad) == before {
			links = append(links, l)
			lines = append(lines, line)
		}
	}
	if len(bad) > 0 {
		return nil, nil, fail(badLines(bad)+": nothing was imported; fix them and send the whole file again", bad)
	}
	if len(links) == 0 {
		return nil, nil, fail("no guests: the file has only its header line", nil)
	}
	return links, lines, nil
}

// importHeader checks the header line and returns the index of each
// column.
func importHeader(header []string) (map[string]int, error) {
	col := make(map[string]int, len(header))
	want := strings.Join(importColumns, ",")
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case !utf8.ValidString(h):
			return nil, headerError("the header line is not valid UTF-8: save the file as UTF-8")
		case h == "":
			return nil, headerError(fmt.Sprintf("column %d of the header line is empty: want %s", i+1, want))
		case !slices.Contains(importColumns, h):
			return nil, headerError(fmt.Sprintf("unknown column %q in the header line: want %s", h, want))
		}
		if _, dup := col[h]; dup {
			return nil, headerError(fmt.Sprintf("column %q appears twice in the header line", h))
		}
		col[h] = i
	}
	for _, c := range importColumns {
		if _, ok := col[c]; !ok {
			return nil, headerError(fmt.Sprintf("the header line has no %s column: want %s (a header line is required)", c, want))
		}
	}
	return col, nil
}

// headerError is the 400 for a bad header line.
func headerError(msg string) error {
	return &Error{Status: http.StatusBadRequest, Field: "csv", Message: msg, Rows: []RowError{{Line: 1, Error: msg}}}
}

// csvReason says why encoding/csv refused a line, without the line number
// that RowError carries.
func csvReason(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "not RFC 4180 CSV: " + pe.Err.Error()
	}
	return err.Error()
}

// validUTF8 reports whether every field is valid UTF-8.
func validUTF8(rec []string) bool {
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return false
		}
	}
	return true
}

// maxNamedLines is how many bad lines the message of a refused import
// spells out; Rows carries them all.
const maxNamedLines = 10

// badLines says how many lines are bad (not faults: a line with three bad
// fields is one line) and names the first maxNamedLines with all their
// problems, as "2 lines are bad (line 3: name is empty; email is empty;
// line 7: …)". bad is in line order, a line's faults next to each other.
func badLines(bad []RowError) string {
	var (
		b     strings.Builder
		lines int
		last  = -1
	)
	for _, e := range bad {
		if e.Line != last {
			lines, last = lines+1, e.Line
			if lines > maxNamedLines {
				continue
			}
			if lines > 1 {
				b.WriteString("; ")
			}
			fmt.Fprintf(&b, "line %d: %s", e.Line, e.Error)
		} else if lines <= maxNamedLines {
			b.WriteString("; " + e.Error)
		}
	}
	if lines > maxNamedLines {
		fmt.Fprintf(&b, "; and %d more lines", lines-maxNamedLines)
	}
	n := "1 line is"
	if lines > 1 {
		n = fmt.Sprintf("%d lines are", lines)
	}
	return n + " bad (" + b.String() + ")"
}
