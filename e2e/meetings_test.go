package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// This file walks the meetings page of the organisers' app (/app/, issue
// 14) as an organiser would, in Chromium and in Firefox, against a real
// `parley serve`: sign in with a local account, see the rooms, make a
// meeting with its participants, and, for a scheduled one, receive the
// calendar request at a real SMTP server and see the call go out to a
// registered baresip phone at the start.

// meetingsConfig is a parley config with extension 2001 (a baresip
// phone), 2002 (never registered) and 2003, the organiser, who signs in to
// the web with the password hash %[1]s; room 1000 is 2003's; mail goes to
// the sink on port %[2]d.
const meetingsConfig = `
sip:
  listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]   # baresip 1.0 fails when offered two challenges
rtp:
  ports: 47200-47298
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
extensions:
  - {number: "2001", name: Alice Phone, password: secret-alice-1}
  - {number: "2002", name: Bob Desk, password: secret-bob-2}
  - {number: "2003", name: Olga Organiser, password: sip-secret-2003, password_hash: "%[1]s"}
rooms:
  - {number: "1000", name: Weekly sync, owner: "2003"}
smtp:
  host: 127.0.0.1
  port: %[2]d
  from: "Parley <parley@example.com>"
  starttls: false
`

// organiserPassword is 2003's web password.
const organiserPassword = "olga-web-pw-1"

// appSelect chooses value in the select with the given id, as picking it
// with the keyboard would: the value changes and "change" fires.
func appSelect(t *testing.T, b *browser, id, value string) {
	t.Helper()
	b.eval(t, fmt.Sprintf(`(() => { const s = document.getElementById(%q); s.value = %q;
		s.dispatchEvent(new Event('change', {bubbles: true})); return s.value; })()`, id, value))
}

// appPoll waits until the JavaScript expression cond is true; a poll
// that a navigation cuts short is started again in the new page.
func appPoll(t *testing.T, b *browser, cond string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ctx, cancel := context.WithDeadline(b.ctx, deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			b.fail(t, fmt.Errorf("%s never held: %w", cond, err))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// addParticipant adds one participant through the form's fields.
func addParticipant(t *testing.T, b *browser, kind, value, name, role string) {
	t.Helper()
	appSelect(t, b, "p-kind", kind)
	b.do(t, chromedp.SendKeys("#p-value", value))
	if name != "" {
		b.do(t, chromedp.SendKeys("#p-name", name))
	}
	appSelect(t, b, "p-role", role)
	b.do(t, chromedp.Click("", byAX("button", "Add", true)))
	b.waitText(t, "#status", "added", 5*time.Second)
}

// TestMeetingsPageScheduledMeeting is issue 14's organiser workflow in
// Chromium: 2003 signs in at /app/ (a wrong password first, shown in the
// alert), sees room 1000, and makes a meeting starting 20 s ahead with
// extensions 2001 (a registered baresip phone) and 2002, and one external
// email address; an extension that does not exist is refused first, named
// at its participant, and nothing is made. The email with the calendar
// request (text/calendar, METHOD:REQUEST, DTSTART) arrives at the SMTP
// sink. Before the start the list is edited through the API the page
// uses: 2002 leaves the schedule, the email guest is replaced by another,
// whose mail arrives. At the start the call goes out to 2001 only, and
// the baresip phone answers it.
func TestMeetingsPageScheduledMeeting(t *testing.T) {
	sink := startMailSink(t)
	srv := startParley(t, fmt.Sprintf(meetingsConfig, hashPW(t, organiserPassword), sink.port))
	quiet := filepath.Join(t.TempDir(), "quiet.wav")
	if err := writeTone(quiet, 8000, 0, 0, 60); err != nil {
		t.Fatal(err)
	}
	alice := newPhoneAccount(t, "alice", quiet, "PCMU/8000/1", 47400,
		"<sip:2001@"+srv.sipUDP+">;auth_pass=secret-alice-1;regint=300;answermode=auto")
	alice.start(t, 60)
	srv.waitLog(t, "registration added", 1, 10*time.Second)

	base := "http://" + srv.http
	b := newBrowser(t, quiet)
	b.do(t, chromedp.Navigate(base+"/app/"))
	b.waitState(t, "sign-in", 10*time.Second)
	b.screenshot(t, "signin.png")

	// A wrong password is refused, and said so.
	b.do(t, chromedp.SendKeys("", "2003", byAX("textbox", "User name or extension", true)))
	b.do(t, chromedp.SendKeys("#password", "not-the-password"))
	b.do(t, chromedp.Click("", byAX("button", "Sign in", true)))
	b.waitText(t, "#alert", "wrong user name or password", 10*time.Second)
	b.screenshot(t, "signin-error.png")
	b.do(t, chromedp.SendKeys("#password", organiserPassword))
	b.do(t, chromedp.Click("", byAX("button", "Sign in", true)))
	b.waitState(t, "meetings", 10*time.Second)
	b.waitText(t, "#who", "Olga Organiser (user)", 5*time.Second)
	b.waitText(t, "#rooms", "Weekly sync (1000)", 5*time.Second)
	b.screenshot(t, "list.png")

	// The form, with the suggested number.
	b.do(t, chromedp.Click("", byAX("button", "New meeting", true)))
	appPoll(t, b, `document.getElementById('m-number').value === '7000'`, 5*time.Second)
	b.do(t, chromedp.SendKeys("#m-name", "Quarterly review"))
	b.do(t, chromedp.SendKeys("#m-pin", "4321"))
	addParticipant(t, b, "extension", "2001", "", "moderator")
	addParticipant(t, b, "extension", "2002", "", "attendee")
	addParticipant(t, b, "email", "erin@example.com", "Erin External", "attendee")
	addParticipant(t, b, "extension", "2999", "", "attendee")
	b.do(t, chromedp.Click("#m-scheduled"))
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	setStart := func(start time.Time) {
		local := start.In(paris)
		b.eval(t, fmt.Sprintf(`(() => { const set = (id, v) => { const el = document.getElementById(id); el.value = v;
			el.dispatchEvent(new Event('input', {bubbles: true})); };
			set('s-date', %q); set('s-time', %q); set('s-zone', 'Europe/Paris'); set('s-duration', '5'); return true; })()`,
			local.Format("2006-01-02"), local.Format("15:04:05")))
	}
	setStart(time.Now().Add(time.Hour))
	b.screenshot(t, "form.png")

	// The unknown extension is named at its participant; nothing is made.
	b.do(t, chromedp.Click("", byAX("button", "Create meeting", true)))
	b.waitText(t, "#alert", "participants[3].value", 10*time.Second)
	b.waitText(t, `#participants li[data-index="3"] .error`, `"2999": there is no such extension`, 5*time.Second)
	b.screenshot(t, "error.png")
	var rooms []map[string]any
	srv.apiCall(t, "GET", "/api/v1/rooms", nil, &rooms)
	if len(rooms) != 1 {
		t.Fatalf("a refused meeting made a room: %v", rooms)
	}
	b.do(t, chromedp.Click("", byAX("button", "Remove 2999", true)))

	start := time.Now().Add(20 * time.Second).Truncate(time.Second)
	setStart(start)
	b.do(t, chromedp.Click("", byAX("button", "Create meeting", true)))
	appPoll(t, b, `location.pathname === '/app/rooms/7000'`, 10*time.Second)
	made := time.Now()
	b.screenshot(t, "result.png")

	var room struct {
		Name, Owner, Organizer, PIN string
		Members                     []string
	}
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/7000", nil, &room); code != http.StatusOK ||
		room.Name != "Quarterly review" || room.Owner != "2003" || room.Organizer != "2003" || !slices.Equal(room.Members, []string{"2001", "2002"}) {
		t.Fatalf("room 7000: %d %+v", code, room)
	}

	// Erin's mail carries the calendar request.
	mail := parseMail(t, sink.next(t, 10*time.Second).data)
	if to := mail.header.Get("To"); !strings.Contains(to, "erin@example.com") {
		t.Fatalf("the first mail went to %q, want erin@example.com", to)
	}
	cal := mail.part(t, "text/calendar", false)
	if cal.params["method"] != "REQUEST" || !strings.Contains(cal.body, "METHOD:REQUEST") {
		t.Errorf("the calendar part's method: %q, want REQUEST:\n%s", cal.params["method"], cal.body)
	}
	_, ev := invitationEvent(t, cal.body)
	if got, err := ev.GetStartAt(); err != nil || !got.Equal(start) {
		t.Errorf("DTSTART %v (%v), want %v", got, err, start)
	}

	// Before the start, the list changes through the API the page uses,
	// signed in as the organiser: 2002 leaves the calls, Erin's link goes
	// and Finn is invited.
	c := newWebClient(t, base, nil)
	if res, _ := c.signIn("2003", organiserPassword); res.StatusCode != http.StatusCreated {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	var schedules []struct{ ID string }
	if res, data := c.do("GET", "/api/v1/rooms/7000/schedules", nil, false); res.StatusCode != 200 || json.Unmarshal(data, &schedules) != nil || len(schedules) != 1 {
		t.Fatalf("schedules: %d %s", res.StatusCode, data)
	}
	if res, data := c.do("PATCH", "/api/v1/rooms/7000/schedules/"+schedules[0].ID,
		map[string]any{"participants": []map[string]any{{"target": "2001", "role": "moderator"}}}, true); res.StatusCode != 200 {
		t.Fatalf("PATCH schedule: %d %s", res.StatusCode, data)
	}
	var links []struct{ ID, Email string }
	if res, data := c.do("GET", "/api/v1/rooms/7000/links", nil, false); res.StatusCode != 200 || json.Unmarshal(data, &links) != nil || len(links) != 1 {
		t.Fatalf("links: %d %s", res.StatusCode, data)
	}
	if res, data := c.do("DELETE", "/api/v1/rooms/7000/links/"+links[0].ID, nil, true); res.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE link: %d %s", res.StatusCode, data)
	}
	if res, data := c.do("POST", "/api/v1/rooms/7000/links", map[string]any{"kind": "guest", "name": "Finn Field",
		"email": "finn@example.com", "send_email": true}, true); res.StatusCode != http.StatusCreated {
		t.Fatalf("POST link: %d %s", res.StatusCode, data)
	}
	if time.Now().After(start) {
		t.Fatalf("the list was edited only after the start (%v after making the meeting)", time.Since(made))
	}
	finn := parseMail(t, sink.next(t, 10*time.Second).data)
	if to := finn.header.Get("To"); !strings.Contains(to, "finn@example.com") {
		t.Errorf("the second mail went to %q, want finn@example.com", to)
	}
	finn.part(t, "text/calendar", false)

	// The meetings list shows the new meeting with its start.
	b.do(t, chromedp.Navigate(base+"/app/"))
	b.waitText(t, "#rooms", "Quarterly review (7000)", 10*time.Second)
	b.waitText(t, "#rooms", "Europe/Paris", 5*time.Second)
	b.screenshot(t, "list-after.png")

	// At the start the call goes out to 2001, whose phone answers.
	srv.waitLog(t, "dial answered", 1, time.Until(start)+15*time.Second)
	if names := srv.participantsByName(t, "7000"); len(names) != 1 {
		t.Errorf("room 7000 holds %v, want only 2001", names)
	}
	for _, rec := range srv.logged("dial answered") {
		t.Logf("dial answered: %v", rec)
	}
	for _, msg := range []string{"dialling", "scheduled call refused"} {
		for _, rec := range srv.logged(msg) {
			if rec["to"] == "2002" {
				t.Errorf("2002 was called after it left the list: %v", rec)
			}
		}
	}
}

// TestMeetingsPageFirefox: in Firefox, the organiser signs in from a
// link to a room page (?next=) and is taken back there, sees the list
// (a ?next= off the app is not followed after signing in) and makes an
// unscheduled room without participants, which the page opens.
func TestMeetingsPageFirefox(t *testing.T) {
	sink := startMailSink(t)
	srv := startParley(t, fmt.Sprintf(meetingsConfig, hashPW(t, organiserPassword), sink.port))
	f := newFirefox(t)
	// Signing in returns to the page that sent the user here.
	f.navigate(t, "http://"+srv.http+"/app/?next=%2Fapp%2Frooms%2F1000")
	f.poll(t, `document.getElementById('app').dataset.state === 'sign-in'`, 10*time.Second, "the sign-in form")
	f.typeInto(t, "user name", "2003")
	f.eval(t, `(() => { document.getElementById('password').value = '`+organiserPassword+`'; return true; })()`)
	f.click(t, "Sign in")
	f.poll(t, `location.pathname === '/app/rooms/1000'`, 10*time.Second, "the return to the room page")
	// A ?next= off the app is not followed: signed out and in again, the
	// user stays on the meetings page.
	f.navigate(t, "http://"+srv.http+"/app/?next=%2F%2Fevil.example%2F")
	f.poll(t, `document.getElementById('app').dataset.state === 'meetings'`, 10*time.Second, "the meetings list")
	f.click(t, "Sign out")
	f.poll(t, `document.getElementById('app').dataset.state === 'sign-in'`, 10*time.Second, "the sign-in form after signing out")
	f.typeInto(t, "user name", "2003")
	f.eval(t, `(() => { document.getElementById('password').value = '`+organiserPassword+`'; return true; })()`)
	f.click(t, "Sign in")
	f.poll(t, `document.getElementById('app').dataset.state === 'meetings' && location.pathname === '/app/'`, 10*time.Second,
		"the meetings list, not the ?next= host")
	f.poll(t, `document.getElementById('rooms').innerText.includes('Weekly sync (1000)')`, 5*time.Second, "room 1000 listed")
	f.screenshot(t, "firefox-list.png")
	f.click(t, "New meeting")
	f.poll(t, `document.getElementById('m-number').value === '7000'`, 5*time.Second, "the suggested number")
	f.typeInto(t, "name", "Stand-up")
	f.screenshot(t, "firefox-form.png")
	f.click(t, "Create meeting")
	f.poll(t, `location.pathname === '/app/rooms/7000'`, 10*time.Second, "the room page")
	var room struct{ Name, Owner, Organizer string }
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/7000", nil, &room); code != http.StatusOK ||
		room.Name != "Stand-up" || room.Owner != "2003" || room.Organizer != "2003" {
		t.Fatalf("room 7000: %d %+v", code, room)
	}
	var schedules []any
	if srv.apiCall(t, "GET", "/api/v1/rooms/7000/schedules", nil, &schedules); len(schedules) != 0 {
		t.Errorf("an unscheduled meeting has schedules %v", schedules)
	}
}
