package e2e

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// This file checks issue 5's invitations end to end, against a real
// `parley serve`: email through a real SMTP server (emersion/go-smtp, in
// process), SMS through a local HTTP server standing in for the gateway,
// the link lifecycle through the API and the join page, CSV import,
// attendees.csv after a real phone's call, and join-info.

// inviteDialIn is the dial-in number of the configs below.
const inviteDialIn = "+441632960000"

// invitePublicURL is the public URL the configs below give parley.
const invitePublicURL = "http://meet.example.test"

// inviteConfig is a parley config with the REST API, the dial-in number,
// the public URL and the given rooms and extra sections (YAML, each at the
// top level).
func inviteConfig(rooms, extra string) string {
	return `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 43200-43298
http:
  listen: 127.0.0.1:0
  public_url: ` + invitePublicURL + `
log:
  format: json
admin_tokens: ["` + adminToken + `"]
dial_in:
  - {number: "` + inviteDialIn + `", label: London}
rooms:
` + rooms + extra
}

// inviteLink is a link, or an error, as the API answers it.
type inviteLink struct {
	ID          string     `json:"id"`
	Room        string     `json:"room"`
	Kind        string     `json:"kind"`
	Token       string     `json:"token"`
	URL         string     `json:"url"`
	Name        string     `json:"name"`
	Email       string     `json:"email"`
	Phone       string     `json:"phone"`
	Language    string     `json:"language"`
	Role        string     `json:"role"`
	Active      bool       `json:"active"`
	ValidFrom   *time.Time `json:"valid_from"`
	ValidUntil  *time.Time `json:"valid_until"`
	State       string     `json:"state"`
	Invitations []struct {
		Channel string `json:"channel"`
		To      string `json:"to"`
		Sent    bool   `json:"sent"`
		Error   string `json:"error"`
	} `json:"invitations"`

	// Error, Field and Rows are set on an error answer.
	Error string `json:"error"`
	Field string `json:"field"`
	Rows  []struct {
		Line  int    `json:"line"`
		Field string `json:"field"`
		Error string `json:"error"`
	} `json:"rows"`
}

// createLink posts a link to room and fails the test unless it is made.
func (s *server) inviteCreate(t *testing.T, room string, body map[string]any) inviteLink {
	t.Helper()
	var l inviteLink
	if code := s.apiCall(t, "POST", "/api/v1/rooms/"+room+"/links", body, &l); code != http.StatusCreated {
		t.Fatalf("POST link %v: %d %q (field %q)", body, code, l.Error, l.Field)
	}
	if l.ID == "" || l.Token == "" {
		t.Fatalf("POST link %v: no id or token in %+v", body, l)
	}
	return l
}

// links lists room's links.
func (s *server) inviteLinks(t *testing.T, room string) []inviteLink {
	t.Helper()
	var list []inviteLink
	if code := s.apiCall(t, "GET", "/api/v1/rooms/"+room+"/links", nil, &list); code != http.StatusOK {
		t.Fatalf("GET links: %d", code)
	}
	return list
}

// joinPage gets the join page of token, as a guest's browser would (no
// token, English), and returns the status and the HTML.
func (s *server) inviteJoinPage(t *testing.T, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+s.http+"/join/"+token, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept-Language", "en-GB,en;q=0.8")
	res, data := httpDo(t, req)
	return res.StatusCode, string(data)
}

// --- 1. email -------------------------------------------------------------

// TestInviteEmailArrives: a guest link made with send_email reaches a real
// SMTP server with the personal link, the PIN and the dial-in number in
// its text part, and an invite.ics that golang-ical parses, with
// METHOD:REQUEST, the schedule's local DTSTART/DTEND in Europe/London and
// the invitation's UID. Resend sends the same UID again; a French link's
// mail is in French.
func TestInviteEmailArrives(t *testing.T) {
	t.Parallel()
	sink := startMailSink(t)
	srv := startParley(t, inviteConfig(`  - {number: "1000", name: Board meeting, pin: "4321"}
`, fmt.Sprintf(`smtp:
  host: 127.0.0.1
  port: %d
  from: "Parley <parley@example.com>"
  starttls: false
`, sink.port)))

	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(time.Hour).Truncate(time.Minute).In(london)
	end := start.Add(45 * time.Minute)
	sched := map[string]any{"start": start.Format(time.RFC3339), "end": end.Format(time.RFC3339), "time_zone": "Europe/London"}
	var made map[string]any
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/schedules", sched, &made); code != http.StatusCreated {
		t.Fatalf("POST schedule: %d %v", code, made)
	}

	ada := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Ada Lovelace",
		"email": "ada@example.com", "language": "en", "send_email": true})
	personal := invitePublicURL + "/join/" + ada.Token
	if ada.URL != personal {
		t.Errorf("the link's url is %q, want %q", ada.URL, personal)
	}
	if len(ada.Invitations) != 1 || !ada.Invitations[0].Sent || ada.Invitations[0].Channel != "email" {
		t.Fatalf("the answer's invitations %+v, want one email sent", ada.Invitations)
	}
	uid := "invitation-" + ada.ID + "@meet.example.test"

	// checkMail checks one of Ada's mails and returns its calendar UID.
	checkMail := func(t *testing.T, got smtpMail) string {
		t.Helper()
		if got.from != "parley@example.com" || !slices.Equal(got.to, []string{"ada@example.com"}) {
			t.Errorf("envelope from %q to %q, want parley@example.com to ada@example.com", got.from, got.to)
		}
		m := parseMail(t, got.data)
		if from, err := mail.ParseAddress(m.header.Get("From")); err != nil || from.Address != "parley@example.com" {
			t.Errorf("From %q, want parley@example.com", m.header.Get("From"))
		}
		if to, err := mail.ParseAddress(m.header.Get("To")); err != nil || to.Address != "ada@example.com" {
			t.Errorf("To %q, want ada@example.com", m.header.Get("To"))
		}
		if !strings.Contains(m.subject, "Board meeting") {
			t.Errorf("Subject %q does not name the room", m.subject)
		}
		text := m.part(t, "text/plain", false).body
		for _, want := range []string{
			"Hello Ada Lovelace,",
			"Your personal link (please do not share it): " + personal,
			"PIN: 4321",
			"Dial in: " + inviteDialIn + " (London)",
			"Room number: 1000",
			start.Format("2006-01-02 15:04"),
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the text part lacks %q:\n%s", want, text)
			}
		}
		if html := m.part(t, "text/html", false).body; !strings.Contains(html, `href="`+personal+`"`) {
			t.Errorf("the HTML part does not link %s:\n%s", personal, html)
		}
		att := m.part(t, "text/calendar", true)
		if att.filename != "invite.ics" || !strings.EqualFold(att.params["method"], "REQUEST") {
			t.Errorf("the calendar attachment is %q with method=%q, want invite.ics with method=REQUEST", att.filename, att.params["method"])
		}
		cal, ev := invitationEvent(t, att.body)
		if got := calendarProperty(cal, "METHOD"); got != "REQUEST" {
			t.Errorf("METHOD:%s, want REQUEST", got)
		}
		for _, c := range []struct {
			prop ics.ComponentProperty
			want time.Time
		}{{ics.ComponentPropertyDtStart, start}, {ics.ComponentPropertyDtEnd, end}} {
			p := ev.GetProperty(c.prop)
			if p == nil {
				t.Errorf("the event has no %s", c.prop)
				continue
			}
			if tz := p.ICalParameters["TZID"]; len(tz) != 1 || tz[0] != "Europe/London" {
				t.Errorf("%s;TZID=%v, want Europe/London", c.prop, tz)
			}
			if want := c.want.Format("20060102T150405"); p.Value != want {
				t.Errorf("%s:%s, want the schedule's local time %s", c.prop, p.Value, want)
			}
		}
		if at, err := ev.GetStartAt(); err != nil || !at.Equal(start) {
			t.Errorf("the event starts at %v (%v), want %v", at, err, start)
		}
		if at, err := ev.GetEndAt(); err != nil || !at.Equal(end) {
			t.Errorf("the event ends at %v (%v), want %v", at, err, end)
		}
		if tzs := cal.Timezones(); len(tzs) != 1 || tzs[0].GetProperty(ics.ComponentPropertyTzid) == nil ||
			tzs[0].GetProperty(ics.ComponentPropertyTzid).Value != "Europe/London" {
			t.Errorf("the calendar has %d VTIMEZONEs, want one, TZID:Europe/London (Outlook wants one per TZID)", len(tzs))
		}
		if len(ev.Alarms()) != 1 {
			t.Errorf("the event has %d VALARMs, want a reminder", len(ev.Alarms()))
		}
		// The text/calendar alternative Outlook shows must be the same event.
		if alt := m.part(t, "text/calendar", false); !strings.Contains(alt.body, "UID:"+ev.Id()) {
			t.Errorf("the text/calendar alternative is not event %s", ev.Id())
		}
		return ev.Id()
	}

	first := checkMail(t, sink.next(t, 10*time.Second))
	if first != uid {
		t.Errorf("UID %q, want %q", first, uid)
	}

	t.Run("resend", func(t *testing.T) {
		var res struct {
			Invitations []struct {
				Channel string `json:"channel"`
				Sent    bool   `json:"sent"`
			} `json:"invitations"`
		}
		if code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/links/"+ada.ID+"/resend", nil, &res); code != http.StatusOK {
			t.Fatalf("resend: %d", code)
		}
		if len(res.Invitations) != 1 || !res.Invitations[0].Sent {
			t.Errorf("resend answered %+v, want one sent", res.Invitations)
		}
		if again := checkMail(t, sink.next(t, 10*time.Second)); again != first {
			t.Errorf("the resent invitation's UID is %q, want the first one's, %q", again, first)
		}
	})

	t.Run("french", func(t *testing.T) {
		fr := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Béatrice Dupont",
			"email": "beatrice@example.com", "language": "fr", "send_email": true})
		got := sink.next(t, 10*time.Second)
		if !slices.Equal(got.to, []string{"beatrice@example.com"}) {
			t.Fatalf("the mail went to %q, want beatrice@example.com", got.to)
		}
		m := parseMail(t, got.data)
		if !strings.HasPrefix(m.subject, "Invitation : Board meeting") {
			t.Errorf("Subject %q, want the French \"Invitation : Board meeting, …\"", m.subject)
		}
		text := m.part(t, "text/plain", false).body
		for _, want := range []string{
			"Bonjour Béatrice Dupont,",
			"Votre lien personnel (ne le partagez pas) : " + invitePublicURL + "/join/" + fr.Token,
			"Code PIN : 4321",
			"Par téléphone : " + inviteDialIn + " (London)",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("the French text part lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, "personal link") {
			t.Errorf("the French mail has English in it:\n%s", text)
		}
		_, ev := invitationEvent(t, m.part(t, "text/calendar", true).body)
		if ev.Id() == first {
			t.Errorf("two invitations share the UID %q", first)
		}
	})

	select {
	case extra := <-sink.mails:
		t.Errorf("an unexpected mail to %q", extra.to)
	default:
	}
}

// --- 2. SMS ---------------------------------------------------------------

// inviteGatewayRequest is one request the stand-in SMS gateway received.
type inviteGatewayRequest struct {
	method, path, contentType string
	body                      []byte
}

// TestInviteSMSThroughGateway: a guest link with a UK national mobile
// number and send_sms makes the gateway receive the templated request with
// the number in E.164 and a short text carrying the link; a bad number is
// refused by the API, naming the phone field, before any request.
func TestInviteSMSThroughGateway(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []inviteGatewayRequest
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, inviteGatewayRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), body})
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer gw.Close()
	requests := func() []inviteGatewayRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]inviteGatewayRequest(nil), got...)
	}
	srv := startParley(t, inviteConfig(`  - {number: "1000", name: Standup}
`, `sms:
  url: `+gw.URL+`/send
  body: '{"to": "{{to}}", "text": "{{text}}"}'
  default_country: GB
`))

	l := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Grace", "phone": "07911 123456", "send_sms": true})
	if len(l.Invitations) != 1 || l.Invitations[0].Channel != "sms" || !l.Invitations[0].Sent {
		t.Fatalf("the answer's invitations %+v, want one SMS sent", l.Invitations)
	}
	reqs := requests()
	if len(reqs) != 1 {
		t.Fatalf("the gateway got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.method != "POST" || r.path != "/send" || !strings.HasPrefix(r.contentType, "application/json") {
		t.Errorf("the gateway got %s %s (%s), want POST /send as JSON", r.method, r.path, r.contentType)
	}
	var sms struct{ To, Text string }
	if err := json.Unmarshal(r.body, &sms); err != nil {
		t.Fatalf("the gateway's body %q is not the JSON of the template: %v", r.body, err)
	}
	if sms.To != "+447911123456" {
		t.Errorf("to=%q, want +447911123456 (07911 123456 read in GB)", sms.To)
	}
	link := invitePublicURL + "/join/" + l.Token
	if !strings.Contains(sms.Text, link) {
		t.Errorf("the text %q does not carry the link %s", sms.Text, link)
	}
	if n := len([]rune(sms.Text)); n > 160 {
		t.Errorf("the text is %d characters, want one SMS (160 at most): %q", n, sms.Text)
	}

	var e inviteLink
	code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/links",
		map[string]any{"kind": "guest", "name": "Nobody", "phone": "123", "send_sms": true}, &e)
	if code != http.StatusBadRequest || e.Field != "phone" || !strings.Contains(e.Error, "phone") {
		t.Errorf("a link to phone 123: %d field %q %q, want 400 naming phone", code, e.Field, e.Error)
	}
	time.Sleep(200 * time.Millisecond) // a stray request would come now or never
	if n := len(requests()); n != 1 {
		t.Errorf("the gateway got %d requests in all, want only the first: a bad number must be refused before any request", n)
	}
	if list := srv.inviteLinks(t, "1000"); len(list) != 1 {
		t.Errorf("the room has %d links, want only Grace's: the refused one must not be made", len(list))
	}

	t.Run("number the gateway cannot text", func(t *testing.T) {
		// 07911 12345 has a national number's digits but is one digit
		// short of a UK mobile: in GB no text can reach it, so the API
		// refuses it before making the link or calling the gateway.
		var e inviteLink
		code := srv.apiCall(t, "POST", "/api/v1/rooms/1000/links",
			map[string]any{"kind": "guest", "name": "Short Number", "phone": "07911 12345", "send_sms": true}, &e)
		if code != http.StatusBadRequest || e.Field != "phone" {
			t.Errorf("a link to 07911 12345 in GB: %d field %q, want 400 naming phone", code, e.Field)
		}
		if n := len(requests()); n != 1 {
			t.Errorf("the gateway got %d requests in all, want 1", n)
		}
		if list := srv.inviteLinks(t, "1000"); len(list) != 1 {
			t.Errorf("the room has %d links, want only Grace's", len(list))
		}
	})
}

// --- 3. link lifecycle ----------------------------------------------------

// inviteJoinButton matches the join page's button, however it is dressed.
var inviteJoinButton = regexp.MustCompile(`(?is)<button[^>]*>\s*Join\s*</button>`)

// TestLinkLifecycle: a link through its states, as the API reports them
// and as the join page shows them to a guest.
func TestLinkLifecycle(t *testing.T) {
	t.Parallel()
	srv := startParley(t, inviteConfig(`  - {number: "1000", name: Lifecycle room, guest_access: true}
  - {number: "1001", name: Closed room, guest_access: false}
`, ""))
	page := func(t *testing.T, token string, status int, want ...string) string {
		t.Helper()
		code, body := srv.inviteJoinPage(t, token)
		if code != status {
			t.Errorf("GET /join/%s: %d, want %d\n%s", token, code, status, body)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("the join page (%d) lacks %q:\n%s", code, w, body)
			}
		}
		return body
	}
	state := func(t *testing.T, l inviteLink, want string) inviteLink {
		t.Helper()
		var got inviteLink
		if code := srv.apiCall(t, "GET", "/api/v1/rooms/"+l.Room+"/links/"+l.ID, nil, &got); code != http.StatusOK || got.State != want {
			t.Errorf("GET link %s: %d state %q, want 200 %q", l.ID, code, got.State, want)
		}
		return got
	}
	patch := func(t *testing.T, l inviteLink, body map[string]any) inviteLink {
		t.Helper()
		var got inviteLink
		if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/"+l.Room+"/links/"+l.ID, body, &got); code != http.StatusOK {
			t.Fatalf("PATCH link %s %v: %d %q", l.ID, body, code, got.Error)
		}
		return got
	}

	t.Run("valid", func(t *testing.T) {
		l := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Ada Lovelace"})
		if l.State != "valid" || !l.Active {
			t.Errorf("a new link: state %q active %v, want valid and active", l.State, l.Active)
		}
		body := page(t, l.Token, http.StatusOK, "Lifecycle room", "Ada Lovelace")
		if !inviteJoinButton.MatchString(body) {
			t.Errorf("the join page has no Join button:\n%s", body)
		}
	})

	t.Run("not yet valid", func(t *testing.T) {
		from := time.Now().Add(time.Hour).Truncate(time.Second)
		l := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Early Bird", "valid_from": from.Format(time.RFC3339)})
		state(t, l, "not_yet_valid")
		body := page(t, l.Token, http.StatusForbidden, "opens at", from.UTC().Format("15:04"))
		if inviteJoinButton.MatchString(body) {
			t.Error("a link that has not opened shows the Join button")
		}
	})

	t.Run("expired", func(t *testing.T) {
		l := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Late Comer"})
		got := patch(t, l, map[string]any{"expire_now": true})
		if got.State != "expired" || got.ValidUntil == nil || time.Since(*got.ValidUntil) > time.Minute {
			t.Errorf("after expire_now: state %q valid_until %v, want expired, now", got.State, got.ValidUntil)
		}
		state(t, l, "expired")
		page(t, l.Token, http.StatusGone, "expired")
	})

	t.Run("inactive", func(t *testing.T) {
		l := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Switched Off"})
		if got := patch(t, l, map[string]any{"active": false}); got.Active || got.State != "inactive" {
			t.Errorf("after active false: active %v state %q", got.Active, got.State)
		}
		body := page(t, l.Token, http.StatusForbidden, "not active")
		if inviteJoinButton.MatchString(body) {
			t.Error("an inactive link shows the Join button")
		}
		patch(t, l, map[string]any{"active": true})
		page(t, l.Token, http.StatusOK, "Lifecycle room")
	})

	t.Run("deleted", func(t *testing.T) {
		l := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Gone Soon"})
		page(t, l.Token, http.StatusOK)
		if code := srv.apiCall(t, "DELETE", "/api/v1/rooms/1000/links/"+l.ID, nil, nil); code != http.StatusNoContent {
			t.Fatalf("DELETE link: %d, want 204", code)
		}
		page(t, l.Token, http.StatusNotFound)
		if code := srv.apiCall(t, "GET", "/api/v1/rooms/1000/links/"+l.ID, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET a deleted link: %d, want 404", code)
		}
	})

	t.Run("group link without guest access", func(t *testing.T) {
		open := srv.inviteCreate(t, "1000", map[string]any{"kind": "group", "name": "All hands", "description": "Bring your questions"})
		page(t, open.Token, http.StatusOK, "Lifecycle room", "Bring your questions")
		closed := srv.inviteCreate(t, "1001", map[string]any{"kind": "group", "name": "Team", "description": "Team only"})
		body := page(t, closed.Token, http.StatusForbidden, "does not admit guests")
		if inviteJoinButton.MatchString(body) {
			t.Error("a group link of a room without guest access shows the Join button")
		}
	})

	t.Run("role change", func(t *testing.T) {
		l := srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Promoted", "role": "attendee"})
		if got := patch(t, l, map[string]any{"role": "moderator"}); got.Role != "moderator" {
			t.Errorf("PATCH role answered role %q, want moderator", got.Role)
		}
		if got := state(t, l, "valid"); got.Role != "moderator" {
			t.Errorf("GET after the role change: role %q, want moderator", got.Role)
		}
		var e inviteLink
		if code := srv.apiCall(t, "PATCH", "/api/v1/rooms/1000/links/"+l.ID, map[string]any{"email": "x@example.com"}, &e); code != http.StatusBadRequest || e.Field != "email" {
			t.Errorf("PATCH email: %d field %q, want 400 naming email (an invitation cannot be edited)", code, e.Field)
		}
		if got := patch(t, l, map[string]any{"role": "no_access"}); got.Role != "no_access" || got.State != "no_access" {
			t.Errorf("PATCH role no_access answered role %q state %q", got.Role, got.State)
		}
		page(t, l.Token, http.StatusForbidden)
	})
}

// --- 4. CSV import --------------------------------------------------------

// TestLinkCSVImport: a guest file with one bad row imports nothing and
// names the row's line; the file put right imports every row.
func TestLinkCSVImport(t *testing.T) {
	t.Parallel()
	srv := startParley(t, inviteConfig(`  - {number: "1000", name: Import room}
`, ""))
	const path = "/api/v1/rooms/1000/links/import"
	bad := "name,email,role,language\r\n" +
		"Ada Lovelace,ada@example.com,attendee,en\r\n" +
		"Charles Babbage,not-an-email,attendee,en\r\n" + // line 3
		"Grace Hopper,grace@example.com,moderator,fr\r\n" +
		"Alan Turing,alan@example.com,,de\r\n"
	code, _, body := srv.apiRaw(t, "POST", path, "text/csv; charset=utf-8", []byte(bad))
	var e inviteLink
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("import: %d %q: %v", code, body, err)
	}
	if code != http.StatusBadRequest || e.Field != "csv" {
		t.Errorf("import with a bad row: %d field %q, want 400 csv", code, e.Field)
	}
	if len(e.Rows) != 1 || e.Rows[0].Line != 3 || e.Rows[0].Field != "email" || !strings.Contains(e.Rows[0].Error, "not-an-email") {
		t.Errorf("rows %+v, want one: line 3, email, naming not-an-email", e.Rows)
	}
	if list := srv.inviteLinks(t, "1000"); len(list) != 0 {
		t.Errorf("%d links after a refused import, want none", len(list))
	}

	good := strings.Replace(bad, "not-an-email", "charles@example.com", 1)
	code, hdr, body := srv.apiRaw(t, "POST", path, "text/csv", []byte("\ufeff"+good)) // a BOM, as spreadsheets write
	var res struct {
		Imported int          `json:"imported"`
		Links    []inviteLink `json:"links"`
	}
	if err := json.Unmarshal(body, &res); err != nil || code != http.StatusCreated {
		t.Fatalf("import: %d %q %v, want 201", code, body, err)
	}
	if hdr.Get("Location") != "/api/v1/rooms/1000/links" {
		t.Errorf("Location %q", hdr.Get("Location"))
	}
	want := []struct{ name, email, role, lang string }{
		{"Ada Lovelace", "ada@example.com", "attendee", "en"},
		{"Charles Babbage", "charles@example.com", "attendee", "en"},
		{"Grace Hopper", "grace@example.com", "moderator", "fr"},
		{"Alan Turing", "alan@example.com", "attendee", "de"}, // the room's guest role
	}
	if res.Imported != len(want) || len(res.Links) != len(want) {
		t.Fatalf("imported %d, %d links, want %d", res.Imported, len(res.Links), len(want))
	}
	list := srv.inviteLinks(t, "1000")
	if len(list) != len(want) {
		t.Fatalf("%d links after the import, want %d", len(list), len(want))
	}
	tokens := map[string]bool{}
	for i, w := range want {
		for _, l := range []inviteLink{res.Links[i], list[i]} {
			if l.Kind != "guest" || l.Name != w.name || l.Email != w.email || l.Role != w.role || l.Language != w.lang || l.State != "valid" {
				t.Errorf("link %d: %s %q %q %s %s %s, want guest %+v, valid", i, l.Kind, l.Name, l.Email, l.Role, l.Language, l.State, w)
			}
		}
		tokens[list[i].Token] = true
	}
	if len(tokens) != len(want) {
		t.Errorf("%d distinct tokens for %d links", len(tokens), len(want))
	}
}

// --- 5. attendee export ---------------------------------------------------

// TestAttendeeCSVAfterACall: after a real phone dials room 1000 and hangs
// up, attendees.csv (UTF-8 with a BOM, CRLF, RFC 4180) has one row for it,
// came by dial-in with its join and leave times and the call's length,
// and the invited guests who never came.
func TestAttendeeCSVAfterACall(t *testing.T) {
	t.Parallel()
	srv := startParley(t, inviteConfig(`  - {number: "1000", name: Export room}
`, ""))
	srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Ada Lovelace", "email": "ada@example.com"})
	srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Bob Texted", "phone": "+447911123456"})
	srv.inviteCreate(t, "1000", map[string]any{"kind": "guest", "name": "Carol Uninvited"}) // no email or phone: not invited
	srv.inviteCreate(t, "1000", map[string]any{"kind": "group", "name": "Everyone"})

	wav := toneFile(t, "tone.wav", 8000, 440, 0.25, 20)
	before := time.Now().UTC().Truncate(time.Second)
	p := newPhone(t, "visitor", wav, "PCMU/8000/1", 41840)
	p.dial(t, "sip:1000@"+srv.sipUDP, 5)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	srv.waitLog(t, "participant left", 1, 15*time.Second)
	p.wait(t)
	joined := srv.logTime(t, "call joined", "role", "attendee")
	var left time.Time
	if recs := srv.logged("participant left"); len(recs) == 1 {
		left, _ = time.Parse(time.RFC3339Nano, fmt.Sprint(recs[0]["time"]))
	}
	after := time.Now().UTC()

	code, hdr, data := srv.apiRaw(t, "GET", "/api/v1/rooms/1000/attendees.csv", "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET attendees.csv: %d %s", code, data)
	}
	if mt, params, _ := mime.ParseMediaType(hdr.Get("Content-Type")); mt != "text/csv" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type %q, want text/csv; charset=utf-8", hdr.Get("Content-Type"))
	}
	text, ok := strings.CutPrefix(string(data), "\ufeff")
	if !ok {
		t.Errorf("attendees.csv does not start with the UTF-8 BOM: % x", data[:min(len(data), 8)])
	}
	if !strings.HasSuffix(text, "\r\n") || strings.Count(text, "\n") != strings.Count(text, "\r\n") {
		t.Errorf("attendees.csv lines do not all end in CRLF: %q", text)
	}
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("attendees.csv does not parse: %v\n%s", err, text)
	}
	header := []string{"name", "role", "came_by", "email_or_number", "joined_at", "left_at", "duration_seconds",
		"loss_in_pct", "loss_out_pct", "jitter_ms", "rtt_ms", "mos"}
	if len(rows) == 0 || !slices.Equal(rows[0], header) {
		t.Fatalf("header %q, want %q", rows[0], header)
	}
	var visits, invited [][]string
	for _, r := range rows[1:] {
		if r[2] == "invited (not joined)" {
			invited = append(invited, r)
		} else {
			visits = append(visits, r)
		}
	}
	if len(visits) != 1 {
		t.Fatalf("%d visits, want the phone's one:\n%s", len(visits), text)
	}
	v := visits[0]
	if v[0] != "visitor" || v[1] != "attendee" || v[2] != "dial-in" || v[3] != "visitor" {
		t.Errorf("the phone's row %q, want visitor, attendee, dial-in, visitor", v)
	}
	const csvTime = "2006-01-02 15:04:05"
	in, err1 := time.Parse(csvTime, v[4])
	out, err2 := time.Parse(csvTime, v[5])
	secs, err3 := strconv.Atoi(v[6])
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatalf("the phone's row %q: %v", v, err)
	}
	if in.Before(before) || out.After(after) || out.Before(in) {
		t.Errorf("joined %v left %v, want within the call, %v to %v (UTC)", in, out, before, after)
	}
	if d := left.Sub(joined); inviteAbs(in.Sub(joined.UTC().Truncate(time.Second))) > time.Second ||
		inviteAbs(time.Duration(secs)*time.Second-d) > 1500*time.Millisecond {
		t.Errorf("joined_at %s, %d s; parley logged the join at %v and the leave %v later", v[4], secs, joined.UTC(), d)
	}
	if secs < 2 || secs > 5 {
		t.Errorf("duration %d s, want about the call's length (baresip hangs up 5 s after it starts)", secs)
	}
	if d := int(out.Sub(in) / time.Second); d-secs > 1 || secs-d > 1 {
		t.Errorf("duration %d s, but left_at − joined_at is %d s", secs, d)
	}
	// The call's quality, recorded as the phone left: a clean loopback call.
	loss, err1 := strconv.ParseFloat(v[7], 64)
	mos, err2 := strconv.ParseFloat(v[11], 64)
	if err := errors.Join(err1, err2); err != nil || loss > 1 || mos < 4 || mos > 4.5 {
		t.Errorf("the phone's quality cells %q: loss in %v, MOS %v (%v), want a clean call", v[7:], loss, mos, err)
	}

	byName := map[string][]string{}
	for _, r := range invited {
		byName[r[0]] = r
	}
	if r := byName["Ada Lovelace"]; r == nil || r[3] != "ada@example.com" || r[4] != "" || r[5] != "" || r[6] != "" {
		t.Errorf("Ada, invited by email, has row %q, want one with her address and no times", r)
	}
	if r := byName["Bob Texted"]; r == nil || r[3] != "+447911123456" {
		t.Errorf("Bob, invited by phone, has row %q, want one with his number", r)
	}
	if len(invited) != 2 {
		t.Errorf("%d invited rows, want Ada's and Bob's only (no group link, no link without an address):\n%s", len(invited), text)
	}
}

// inviteAbs is |d|.
func inviteAbs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// --- 6. join-info ---------------------------------------------------------

// TestJoinInfoInFrench: join-info in French has the room's name, the
// dial-in number, the room number and the PIN, in the catalogue's words.
func TestJoinInfoInFrench(t *testing.T) {
	t.Parallel()
	srv := startParley(t, inviteConfig(`  - {number: "1000", name: Comité de pilotage, pin: "4321"}
`, ""))
	code, hdr, body := srv.apiRaw(t, "GET", "/api/v1/rooms/1000/join-info?lang=fr", "", nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("join-info: %d %s", code, hdr.Get("Content-Type"))
	}
	text := string(body)
	for _, want := range []string{
		"Rejoindre Comité de pilotage",
		"Par téléphone : " + inviteDialIn + " (London)",
		"Numéro de salle : 1000",
		"Code PIN : 4321",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the French join info lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Dial in") || strings.Contains(text, "Room number") {
		t.Errorf("the French join info has English in it:\n%s", text)
	}

	var info struct {
		Room     string `json:"room"`
		RoomName string `json:"room_name"`
		PIN      string `json:"pin"`
		Language string `json:"language"`
		Text     string `json:"text"`
		DialIn   []struct {
			Number string `json:"number"`
			Label  string `json:"label"`
		} `json:"dial_in"`
	}
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/1000/join-info?lang=fr&format=json", nil, &info); code != http.StatusOK {
		t.Fatalf("join-info as JSON: %d", code)
	}
	if info.Room != "1000" || info.RoomName != "Comité de pilotage" || info.PIN != "4321" || info.Language != "fr" ||
		len(info.DialIn) != 1 || info.DialIn[0].Number != inviteDialIn || info.DialIn[0].Label != "London" || info.Text != text {
		t.Errorf("join-info as JSON %+v, want the same as the text", info)
	}
}
