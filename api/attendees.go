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
	"extension": "extension", "number": "number", "sip_address": "#sip: address", "h323_address": "#h323: address", "guest_link": "guest link",
	"group_link": "group link", "browser": "browser", "dial_in": "dial-in",
}

// notJoined is the came_by of an invited guest who never joined.
const notJoined = "invited (not joined)"

// csvTime is how attendees.csv writes times: UTC, in the form spreadsheets
// read as a date and time.
const csvTime = "2006-01-02 15:04:05"

// Attendee is one row of the attendee report, GET
// /api/v1/rooms/{number}/attendees and attendees.csv: a visit, or an
// invitee who never came.
type Attendee struct {
	// Name is the name shown for them: as known from the directory, the
	// schedule or the link; an invitee without one shows the dial target.
	Name string `json:"name"`
	// Role is their role, the last one they had (for an invitee, the one
	// they were invited with).
	Role string `json:"role"`
	// Source is how they came, as Visit.Source has it, or "invited" for
	// an invitee who never came.
	Source string `json:"source"`
	// CameBy is Source in words, as attendees.csv writes it.
	CameBy string `json:"came_by"`
	// Contact is their email address, else the extension, number or #sip:
	// address they came from or were invited at; empty when unknown.
	Contact string `json:"email_or_number,omitempty"`
	// JoinedAt and LeftAt bound the visit; both absent for an invitee,
	// LeftAt absent for someone still in.
	JoinedAt *time.Time `json:"joined_at,omitempty"`
	LeftAt   *time.Time `json:"left_at,omitempty"`
	// DurationSeconds is how long they stayed (so far); 0 for an invitee.
	DurationSeconds int64 `json:"duration_seconds"`
	// Quality is the call quality of a SIP visit when it ended; absent for
	// an invitee and when not measured.
	Quality *CallQuality `json:"quality,omitempty"`
}

// sourceInvited is the Source of an invitee who never came.
const sourceInvited = "invited"

// attendees serves GET /api/v1/rooms/{number}/attendees: the rows of
// attendees.csv as JSON, for the room page.
func (s *attendanceAPI) attendees(w http.ResponseWriter, r *http.Request) error {
	rows, _, err := s.report(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rows)
	return nil
}

// attendeesCSV serves GET /api/v1/rooms/{number}/attendees.csv: the
// report's rows (report) as RFC 4180 with CRLF line ends, UTF-8 with a BOM
// so that spreadsheets open it as is; times in UTC.
func (s *attendanceAPI) attendeesCSV(w http.ResponseWriter, r *http.Request) error {
	rows, number, err := s.report(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	_ = cw.Write(attendeeColumns) // a bytes.Buffer does not fail
	for _, a := range rows {
		joined, left, duration := "", "", ""
		if a.JoinedAt != nil {
			joined, duration = a.JoinedAt.UTC().Format(csvTime), strconv.FormatInt(a.DurationSeconds, 10)
		}
		if a.LeftAt != nil {
			left = a.LeftAt.UTC().Format(csvTime)
		}
		_ = cw.Write(append([]string{cell(a.Name), a.Role, a.CameBy, cell(a.Contact), joined, left, duration},
			a.Quality.csvCells()...))
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="room-`+number+`-attendees.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// report returns the attendee report of r's room and its number: every
// visit to the room by join time, then the invitees who never came: the
// people the room's schedules call (by their dial target, once each) who
// never joined from that address, and the guests who were invited (their
// link has an email address or phone number) and never came by their
// link.
func (s *attendanceAPI) report(r *http.Request) ([]Attendee, string, error) {
	room, err := s.storedRoom(r, s.store != nil && s.links != nil)
	if err != nil {
		return nil, "", err
	}
	visits, err := s.store.Attendance(r.Context(), room.Number())
	if err != nil {
		return nil, "", err
	}
	links, err := s.links.Links(r.Context(), room.Number())
	if err != nil {
		return nil, "", err
	}
	var schedules []store.Schedule
	if s.schedules != nil {
		if schedules, err = s.schedules.Schedules(r.Context(), room.Number()); err != nil {
			return nil, "", err
		}
	}
	rows := make([]Attendee, 0, len(visits))
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
		until := now
		if a.LeftAt != nil {
			until = *a.LeftAt
		}
		contact := a.Email
		if contact == "" && a.Source != "guest_link" && a.Source != "group_link" {
			contact = a.Address // the extension, number or #sip: address
		}
		joined := a.JoinedAt
		rows = append(rows, Attendee{Name: a.Name, Role: a.Role, Source: a.Source, CameBy: cameByOf(a), Contact: contact,
			JoinedAt: &joined, LeftAt: a.LeftAt, DurationSeconds: int64(max(until.Sub(a.JoinedAt), 0) / time.Second),
			Quality: recordedQuality(a.Quality)})
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
			rows = append(rows, Attendee{Name: name, Role: role, Source: sourceInvited, CameBy: notJoined, Contact: p.Target})
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
		rows = append(rows, Attendee{Name: l.Name, Role: l.Role, Source: sourceInvited, CameBy: notJoined, Contact: contact})
	}
	return rows, room.Number(), nil
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
