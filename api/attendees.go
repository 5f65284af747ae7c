package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/rules"
	"github.com/parleyhq/parley/store"
)

// attendeeColumns is the header line of attendees.csv.
var attendeeColumns = append([]string{"name", "role", "came_by", "email_or_number", "joined_at", "left_at", "duration_seconds"},
	qualityCells...)

// cameBy names each attendance source as attendees.csv shows it.
var cameBy = map[string]string{
	"extension": "extension", "number": "number", "sip_address": "#sip: address", "guest_link": "guest link",
	"group_link": "group link", "browser": "browser", "dial_in": "dial-in",
}

// notJoined is the came_by of an invited guest who never joined.
const notJoined = "invited (not joined)"

// csvTime is how attendees.csv writes times: UTC, in the form spreadsheets
// read as a date and time.
const csvTime = "2006-01-02 15:04:05"

// attendeesCSV serves GET /api/v1/rooms/{number}/attendees.csv: every
// visit to the room by join time, then the invitees who never came: the
// people the room's schedules call (by their dial target, once each) who
// never joined from that address, and the guests who were invited (their
// link has an email address or phone number) and never came by their
// link. RFC 4180 with CRLF line ends, UTF-8 with a BOM so that
// spreadsheets open it as is; times in UTC.
func (s *attendanceAPI) attendeesCSV(w http.ResponseWriter, r *http.Request) error {
	room, err := s.storedRoom(r, s.store != nil && s.links != nil)
	if err != nil {
		return err
	}
	visits, err := s.store.Attendance(r.Context(), room.Number())
	if err != nil {
		return err
	}
	links, err := s.links.Links(r.Context(), room.Number())
	if err != nil {
		return err
	}
	var schedules []store.Schedule
	if s.schedules != nil {
		if schedules, err = s.schedules.Schedules(r.Context(), room.Number()); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	_ = cw.Write(attendeeColumns) // a bytes.Buffer does not fail
	now := s.now()
	came := make(map[string]bool)    // IDs of the guest links someone came by
	dialled := make(map[string]bool) // addresses someone came from by a call
	for _, a := range visits {
		switch a.Source {
		case "guest_link":
			came[a.Address] = true
		case "group_link", "browser":
		default:
			dialled[a.Address] = true
		}
		left, until := "", now
		if a.LeftAt != nil {
			left, until = a.LeftAt.UTC().Format(csvTime), *a.LeftAt
		}
		contact := a.Email
		if contact == "" && a.Source != "guest_link" && a.Source != "group_link" {
			contact = a.Address // the extension, number or #sip: address
		}
		_ = cw.Write(append([]string{cell(a.Name), a.Role, cameByOf(a), cell(contact), a.JoinedAt.UTC().Format(csvTime), left,
			strconv.FormatInt(int64(max(until.Sub(a.JoinedAt), 0)/time.Second), 10)}, recordedQuality(a.Quality).csvCells()...))
	}
	for _, sc := range schedules {
		for _, p := range sc.Participants {
			if dialled[p.Target] {
				continue
			}
			dialled[p.Target] = true // once, however many schedules call them
			name, role := p.Name, p.Role
			if name == "" {
				name = p.Target
			}
			if role == "" {
				role = "attendee" // as the bridge calls them
			}
			_ = cw.Write(notJoinedRow(name, role, p.Target))
		}
	}
	for _, l := range links {
		if l.Kind != store.LinkGuest || (l.Email == "" && l.Phone == "") || came[strconv.FormatInt(l.ID, 10)] {
			continue
		}
		contact := l.Email
		if contact == "" {
			contact = l.Phone
		}
		_ = cw.Write(notJoinedRow(l.Name, l.Role, contact))
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="room-`+room.Number()+`-attendees.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// cameByOf says how a visitor came, for attendees.csv.
func cameByOf(a store.Attendance) string {
	if s, ok := cameBy[a.Source]; ok {
		return s
	}
	if a.Source != "" {
		return a.Source
	}
	return a.Via
}

// cell keeps a value a caller or guest chose (a name, a caller ID) from
// being run as a spreadsheet formula (OWASP, CSV injection): a value that
// starts with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe, unless it is a phone number such as +442079460123.
func cell(v string) string {
	if v == "" || !strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return v
	}
	if v[0] == '+' && rules.IsDigits(v[1:]) {
		return v
	}
	return "'" + v
}

// notJoinedRow is the attendees.csv row of someone invited who did not
// join: every column after the contact empty.
func notJoinedRow(name, role, contact string) []string {
	row := make([]string, len(attendeeColumns))
	copy(row, []string{cell(name), role, notJoined, cell(contact)})
	return row
}
