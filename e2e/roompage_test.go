package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// This file walks issue 14's room page (/app/rooms/ROOM, web/static/room.js)
// in a real browser against a real `parley serve`, as an organiser would:
// signed in as the local user who owns room 4000, they make, change and
// delete links while a guest's browser checks each link's join page, import a
// CSV, and read the attendee report after a phone and a browser guest came.

// roomPageConfig has the local user 2001 (web password "lou-pw", hash
// %[1]s), who owns room 4000, a mail server on 127.0.0.1:%[2]d and the RTP
// ports %[3]s.
const roomPageConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: %[3]s
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
smtp:
  host: 127.0.0.1
  port: %[2]d
  from: "Parley <parley@example.com>"
  starttls: false
extensions:
  - {number: "2001", name: Local Lou, password: sip-secret-2001, password_hash: "%[1]s"}
rooms:
  - {number: "4000", name: Lou's room, owner: "2001", guest_access: true}
`

// startRoomPage starts parley with roomPageConfig, a mail sink and the
// RTP ports rtp.
func startRoomPage(t *testing.T, rtp string) (*server, *mailSink) {
	t.Helper()
	sink := startMailSink(t)
	return startParley(t, fmt.Sprintf(roomPageConfig, hashPW(t, "lou-pw"), sink.port, rtp)), sink
}

// roomPageSignIn opens the room page signed out, checks that it offers the
// sign-in link back to itself, signs in from the page (POST
// /api/v1/session, as the meetings page's form does) and opens it again.
func roomPageSignIn(t *testing.T, b *browser, srv *server) {
	t.Helper()
	page := "http://" + srv.http + "/app/rooms/4000"
	b.do(t, chromedp.Navigate(page))
	b.waitMainState(t, "signed-out")
	if href := b.eval(t, `document.getElementById('signin-link').getAttribute('href')`); href != "/app/?next=/app/rooms/4000" {
		t.Errorf("the sign-in link goes to %v", href)
	}
	b.screenshot(t, "signed-out.png")
	got := b.await(t, `fetch('/api/v1/session', {method: 'POST', credentials: 'same-origin',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({user: '2001', password: 'lou-pw'})}).then((r) => r.status)`)
	if got != float64(201) {
		t.Fatalf("signing in from the page: %v", got)
	}
	b.do(t, chromedp.Navigate(page))
	b.waitMainState(t, "ready")
	if h := b.text(t, "h1"); !strings.Contains(h, "Lou's room") || !strings.Contains(h, "4000") {
		t.Errorf("the heading reads %q, want the room's name and number", h)
	}
}

// waitMainState waits for <main data-state> to be want.
func (b *browser) waitMainState(t *testing.T, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	expr := fmt.Sprintf(`document.querySelector('main') && document.querySelector('main').dataset.state === %q`, want)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		b.fail(t, fmt.Errorf("the page did not get to %q: %w", want, err))
	}
}

// await evaluates expr in the page and waits for the promise it yields.
func (b *browser) await(t *testing.T, expr string) any {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail(t, err)
	}
	return v
}

// click presses the button whose accessible name is name.
func (b *browser) click(t *testing.T, name string) {
	t.Helper()
	b.do(t, chromedp.Click("", byAX("button", name, true)))
}

// pageLink is a link as the page's own GET …/links (with the cookie) sees it.
type pageLink struct {
	ID, Token, Name, State string
}

// roomLinks reads the room's links from the page, with its cookie.
func (b *browser) roomLinks(t *testing.T) map[string]pageLink {
	t.Helper()
	v := b.await(t, `fetch('/api/v1/rooms/4000/links', {credentials: 'same-origin'}).then((r) => r.json())
		.then((l) => l.map((x) => [x.id, x.token, x.name || x.description, x.state]))`)
	out := make(map[string]pageLink)
	for _, x := range v.([]any) {
		f := x.([]any)
		l := pageLink{ID: f[0].(string), Token: f[1].(string), Name: f[2].(string), State: f[3].(string)}
		out[l.Name] = l
	}
	return out
}

// joinPageSays opens url in the guest's browser g, saves a screenshot as
// name and returns what the page says once it has settled: why the link
// does not admit (said by the server), or its Join button.
func (g *browser) joinPageSays(t *testing.T, url, name string) string {
	t.Helper()
	g.do(t, chromedp.Navigate(url))
	ctx, cancel := context.WithTimeout(g.ctx, 15*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === 'complete' && (document.body.innerText.includes('link') ||
		[...document.querySelectorAll('button')].some((b) => b.textContent.trim() === 'Join'))`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		g.fail(t, fmt.Errorf("the join page %s did not settle: %w", url, err))
	}
	g.screenshot(t, name)
	return g.eval(t, `document.body.innerText`).(string)
}

// rowAct runs js with r bound to the table row of the link named name: the
// row's controls, used as a person would (set a field, press a button).
func (b *browser) rowAct(t *testing.T, name, js string) {
	t.Helper()
	b.eval(t, fmt.Sprintf(`(() => { const r = [...document.querySelectorAll('#link-rows tr')]
		.find((r) => r.querySelector('strong').textContent === %q);
		r.querySelector('details').open = true; %s; return true; })()`, name, js))
}

// TestRoomPageLinks: on the room page a signed-in owner creates a personal
// link (mailed to the guest at a real SMTP server) and a group link; the
// group link is deactivated, reactivated, re-dated into the future and
// back, renamed and given "No access", the personal link resent (the mail
// arrives again) and both deleted, and after each step the join page in
// the guest's own browser follows: not active, opens at, works, admits nobody, not
// valid. The join information and a link are copied.
func TestRoomPageLinks(t *testing.T) {
	t.Parallel()
	srv, sink := startRoomPage(t, "47200-47298")
	b := newBrowser(t, toneFile(t, "silence.wav", 48000, 1000, 0, 5))
	roomPageSignIn(t, b, srv)
	b.screenshot(t, "ready.png")
	guest := newBrowser(t, toneFile(t, "guest.wav", 48000, 1000, 0, 5)) // the guest's own browser
	base := "http://" + srv.http + "/join/"

	// Join information: copied, or shown selected when the browser refuses.
	b.click(t, "Copy the join information")
	b.waitText(t, "#status", "cop", 5*time.Second)
	info := b.text(t, "#join-text")
	if !strings.Contains(info, "Lou's room") {
		t.Errorf("the join information reads %q", info)
	}
	if !b.eval(t, `document.getElementById('copy-box').hidden`).(bool) {
		if v := b.eval(t, `document.getElementById('copy-fallback').value`); v != info {
			t.Errorf("the fallback field holds %q, want the join information", v)
		}
	}
	b.screenshot(t, "join-info-copied.png")
	// A browser without the clipboard API gets the text selected in a
	// read-only field.
	b.eval(t, `Object.defineProperty(navigator, 'clipboard', {value: undefined}), true`)
	b.click(t, "Copy the join information")
	b.waitText(t, "#status", "Ctrl+C", 5*time.Second)
	if v := b.eval(t, `document.activeElement.id + ' ' + document.getSelection().toString().length`); v != fmt.Sprintf("copy-fallback %d", len([]rune(info))) {
		t.Errorf("the fallback field (focused, all selected) is %v, want copy-fallback and %d characters", v, len([]rune(info)))
	}
	b.screenshot(t, "join-info-fallback.png")

	// A personal link, mailed.
	b.do(t, chromedp.SendKeys("", "Ada Lovelace", byAX("textbox", "Name", true)),
		chromedp.SendKeys("", "ada@example.com", byAX("textbox", "Email", true)),
		chromedp.Click("", byAX("radio", "By email", true)),
		chromedp.Click("", byAX("button", "Create the personal link", true)))
	b.waitText(t, "#status", "emailed to ada@example.com", 10*time.Second)
	if m := sink.next(t, 10*time.Second); len(m.to) != 1 || m.to[0] != "ada@example.com" {
		t.Errorf("the invitation went to %v", m.to)
	}
	// A group link.
	b.do(t, chromedp.SendKeys("", "Team call", byAX("textbox", "Name of the link", true)),
		chromedp.SendKeys("", "Weekly team call", byAX("textbox", "Description (shown on its page)", true)),
		chromedp.Click("", byAX("button", "Create the group link", true)))
	b.waitText(t, "#status", "The link Team call is made", 10*time.Second)
	b.waitText(t, "#link-rows", "Weekly team call", 5*time.Second)
	b.screenshot(t, "links-made.png")
	links := b.roomLinks(t)
	ada, team := links["Ada Lovelace"], links["Team call"]
	if ada.Token == "" || team.Token == "" {
		t.Fatalf("the links the page made: %+v", links)
	}
	if text := guest.joinPageSays(t, base+team.Token, "join-active.png"); !strings.Contains(text, "Weekly team call") {
		t.Errorf("the new group link's page reads %q", text)
	}

	// An API error is shown in words next to the form.
	b.do(t, chromedp.SendKeys("", "Nobody", byAX("textbox", "Name", true)),
		chromedp.Click("", byAX("radio", "By email", true)),
		chromedp.Click("", byAX("button", "Create the personal link", true)))
	b.waitText(t, "#guest-error", "email", 10*time.Second)
	b.screenshot(t, "guest-error.png")

	steps := []struct {
		name, act, status, state, join string
	}{
		{"deactivate", `r.querySelector('[aria-label="Deactivate Team call"]').click()`, "is deactivated", "inactive", "This link is not active."},
		{"activate", `r.querySelector('[aria-label="Activate Team call"]').click()`, "is active again", "valid", "Join"},
		{"future", `const d = new Date(Date.now() + 2 * 86400e3), p = (n) => String(n).padStart(2, '0');
			r.querySelector('input[type=datetime-local]').value = d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T09:30';
			[...r.querySelectorAll('button')].find((b) => b.textContent === 'Save the dates').click()`,
			"dates of Team call are saved", "not_yet_valid", "This link opens at"},
		{"now", `r.querySelector('input[type=datetime-local]').value = '';
			[...r.querySelectorAll('button')].find((b) => b.textContent === 'Save the dates').click()`,
			"dates of Team call are saved", "valid", "Join"},
		{"no-access", `r.querySelector('select').value = 'no_access';
			[...r.querySelectorAll('button')].find((b) => b.textContent === 'Change role').click()`,
			"now grants the role No access", "no_access", "does not admit anyone"},
	}
	for _, s := range steps {
		b.rowAct(t, "Team call", s.act)
		b.waitText(t, "#status", s.status, 10*time.Second)
		b.screenshot(t, "links-"+s.name+".png")
		if got := b.roomLinks(t)["Team call"].State; got != s.state {
			t.Errorf("%s: the link's state is %q, want %q", s.name, got, s.state)
		}
		if row := b.text(t, `#link-rows tr[data-id="`+team.ID+`"]`); s.state == "not_yet_valid" && !strings.Contains(row, "not yet open") {
			t.Errorf("%s: the row reads %q, want the state in words", s.name, row)
		}
		if text := guest.joinPageSays(t, base+team.Token, "join-"+s.name+".png"); !strings.Contains(text, s.join) {
			t.Errorf("%s: the join page reads %q, want %q", s.name, text, s.join)
		}
	}

	// Rename the group link (the page shows the new name; the link still
	// works for the role it grants) and copy it.
	b.rowAct(t, "Team call", `r.querySelector('select').value = 'attendee';
		[...r.querySelectorAll('button')].find((b) => b.textContent === 'Change role').click()`)
	b.waitText(t, "#status", "now grants the role Attendee", 10*time.Second)
	b.rowAct(t, "Team call", `const i = r.querySelector('input:not([type])'); i.value = 'Board call';
		[...r.querySelectorAll('button')].find((b) => b.textContent === 'Rename').click()`)
	b.waitText(t, "#status", "renamed Board call", 10*time.Second)
	if _, ok := b.roomLinks(t)["Board call"]; !ok {
		t.Errorf("after renaming the links are %v", b.roomLinks(t))
	}
	if text := guest.joinPageSays(t, base+team.Token, "join-renamed.png"); !strings.Contains(text, "Join") {
		t.Errorf("the renamed link's page reads %q", text)
	}
	b.click(t, "Copy the link of Board call")
	b.waitText(t, "#status", "cop", 5*time.Second)
	if !b.eval(t, `document.getElementById('copy-box').hidden`).(bool) {
		if v := b.eval(t, `document.getElementById('copy-fallback').value`); v != base+team.Token {
			t.Errorf("the fallback field holds %q, want the link %s", v, base+team.Token)
		}
	}
	b.screenshot(t, "link-copied.png")

	// Resend the personal link: the mail arrives again.
	b.click(t, "Resend the invitation of Ada Lovelace")
	b.waitText(t, "#status", "emailed to ada@example.com", 10*time.Second)
	if m := sink.next(t, 10*time.Second); len(m.to) != 1 || m.to[0] != "ada@example.com" || !strings.Contains(string(m.data), ada.Token) {
		t.Errorf("the resent invitation went to %v, or lacks the link", m.to)
	}

	// Delete both, after the confirmation: the join pages say not valid.
	for _, l := range []struct{ name, token string }{{"Board call", team.Token}, {"Ada Lovelace", ada.Token}} {
		b.click(t, "Delete "+l.name)
		b.screenshot(t, "delete-confirm.png")
		b.click(t, "Yes, delete "+l.name)
		b.waitText(t, "#status", l.name+" is deleted", 10*time.Second)
		if text := guest.joinPageSays(t, base+l.token, "join-deleted.png"); !strings.Contains(text, "This link is not valid") {
			t.Errorf("deleted %s: the join page reads %q", l.name, text)
		}
	}
	if n := len(b.roomLinks(t)); n != 0 {
		t.Errorf("%d links left after deleting both", n)
	}
	b.waitText(t, "#no-links", "No links yet", 5*time.Second)
	b.screenshot(t, "links-deleted.png")
}

// TestRoomPageImport: a CSV with one bad line is refused with that line
// named and nothing saved; the corrected file makes its links.
func TestRoomPageImport(t *testing.T) {
	t.Parallel()
	srv, _ := startRoomPage(t, "47200-47298")
	b := newBrowser(t, toneFile(t, "silence.wav", 48000, 1000, 0, 5))
	roomPageSignIn(t, b, srv)
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "good.csv")
	if err := os.WriteFile(bad, []byte("name,email,role,language\nAda,ada@example.com,attendee,en\nBob,not-an-address,attendee,fr\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("name,email,role,language\nAda,ada@example.com,attendee,en\nBob,bob@example.com,spectator,fr\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.do(t, chromedp.SetUploadFiles("#import-file", []string{bad}),
		chromedp.Click("", byAX("button", "Import", true)))
	b.waitText(t, "#import-rows", "Line 3", 10*time.Second)
	if rows := b.text(t, "#import-rows"); strings.Count(rows, "Line ") != 1 || !strings.Contains(rows, "email") {
		t.Errorf("the bad lines listed: %q, want line 3's email only", rows)
	}
	if msg := b.text(t, "#import-error"); !strings.Contains(msg, "nothing was imported") {
		t.Errorf("the import error reads %q", msg)
	}
	b.screenshot(t, "import-bad.png")
	if n := len(b.roomLinks(t)); n != 0 {
		t.Errorf("a refused import left %d links", n)
	}
	b.do(t, chromedp.SetUploadFiles("#import-file", []string{good}),
		chromedp.Click("", byAX("button", "Import", true)))
	b.waitText(t, "#status", "2 links were made", 10*time.Second)
	b.waitText(t, "#link-rows", "bob@example.com", 5*time.Second)
	if !b.eval(t, `document.getElementById('import-error').hidden`).(bool) {
		t.Error("the import error is still shown after a good import")
	}
	b.screenshot(t, "import-good.png")
	if n := len(b.roomLinks(t)); n != 2 {
		t.Errorf("the good import made %d links, want 2", n)
	}
}

// TestRoomPageAttendance: after a real phone (baresip, dialling in as "Pat
// Phone") and a browser guest (Chromium on a group link, typing "Grace
// Hopper") came and left, the room page's attendee report lists both by
// name, and attendees.csv fetched by the page with its cookie has their
// rows.
func TestRoomPageAttendance(t *testing.T) {
	t.Parallel()
	srv, _ := startRoomPage(t, "47300-47398") // the only one with calls
	guestLink := createLink(t, srv, "4000")
	wav := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 10)
	ph := newPhoneAccount(t, "pat", wav, "PCMU/8000/1", 41920, `"Pat Phone" <sip:pat@127.0.0.1>;regint=0`)
	ph.dial(t, "sip:4000@"+srv.sipUDP, 4)

	guest := newBrowser(t, toneFile(t, "browser.wav", 48000, 1000, toneAmplitude, 20))
	guest.do(t, chromedp.Navigate(guestLink.url(srv)),
		chromedp.SendKeys("", "Grace Hopper", byAX("textbox", "name", false)))
	guest.clickJoin(t)
	guest.waitState(t, "joined", 20*time.Second)
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	guest.do(t, chromedp.Click("", byAX("button", "Leave", true)))
	ph.wait(t)
	srv.waitLog(t, "participant left", 2, 15*time.Second)

	// An invitee who never came is in the report too.
	if code := srv.apiCall(t, "POST", "/api/v1/rooms/4000/links",
		map[string]any{"kind": "guest", "name": "Absent Ann", "email": "ann@example.com"}, nil); code != 201 {
		t.Fatalf("invite Ann: %d", code)
	}
	b := newBrowser(t, toneFile(t, "silence.wav", 48000, 1000, 0, 5))
	roomPageSignIn(t, b, srv)
	b.waitText(t, "#attendance-rows", "Grace Hopper", 5*time.Second)
	report := b.text(t, "#attendance-rows")
	for _, want := range []string{"Pat Phone", "Grace Hopper", "dial-in", "group link", "Absent Ann\tnot joined"} {
		if !strings.Contains(report, want) {
			t.Errorf("the attendee report lacks %q:\n%s", want, report)
		}
	}
	b.screenshot(t, "attendance.png")

	href := b.eval(t, `document.getElementById('attendees-csv').getAttribute('href')`).(string)
	data := b.await(t, fmt.Sprintf(`fetch(%q, {credentials: 'same-origin'}).then((r) => r.ok &&
		(r.headers.get('Content-Disposition') || '').startsWith('attachment') ? r.text() : 'HTTP ' + r.status)`, href)).(string)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(data, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("attendees.csv from the page: %v\n%s", err, data)
	}
	names := make(map[string][]string)
	for _, r := range rows[1:] {
		names[r[0]] = r
	}
	for name, cameBy := range map[string]string{"Pat Phone": "dial-in", "Grace Hopper": "group link"} {
		if r, ok := names[name]; !ok || r[2] != cameBy || r[4] == "" || r[5] == "" {
			t.Errorf("attendees.csv's row for %s is %q, want came by %s with join and leave times:\n%s", name, r, cameBy, data)
		}
	}
	if r, ok := names["Absent Ann"]; !ok || r[2] != "invited (not joined)" || r[3] != "ann@example.com" {
		t.Errorf("attendees.csv's row for the invitee is %q:\n%s", r, data)
	}
}

// TestRoomPageFirefox: in Firefox the room page opens for its signed-in
// owner, makes a personal link and copies it (to the clipboard, or into
// the selected fallback field).
func TestRoomPageFirefox(t *testing.T) {
	t.Parallel()
	srv, _ := startRoomPage(t, "47200-47298")
	f := newFirefox(t)
	page := "http://" + srv.http + "/app/rooms/4000"
	f.navigate(t, page)
	f.poll(t, `document.querySelector('main').dataset.state === 'signed-out'`, 10*time.Second, "the signed-out page")
	if got := f.eval(t, `fetch('/api/v1/session', {method: 'POST', credentials: 'same-origin',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({user: '2001', password: 'lou-pw'})}).then((r) => r.status)`); got != float64(201) {
		t.Fatalf("signing in from the page: %v", got)
	}
	f.navigate(t, page)
	f.poll(t, `document.querySelector('main').dataset.state === 'ready'`, 10*time.Second, "the signed-in page")
	f.typeInto(t, "name", "Ada Lovelace")
	f.click(t, "Create the personal link")
	f.poll(t, `document.getElementById('status').textContent.includes('Ada Lovelace is made')`, 10*time.Second, "the link")
	f.screenshot(t, "firefox-link-made.png")
	f.click(t, "Copy")
	f.poll(t, `/copied|copy/i.test(document.getElementById('status').textContent)`, 10*time.Second, "copying")
	var url string
	f.evalInto(t, `fetch('/api/v1/rooms/4000/links', {credentials: 'same-origin'}).then((r) => r.json()).then((l) => l[0].url)`, &url)
	if !strings.Contains(url, "/join/") {
		t.Fatalf("the link's URL is %q", url)
	}
	if f.eval(t, `document.getElementById('copy-box').hidden`) == false {
		if v := f.eval(t, `document.getElementById('copy-fallback').value`); v != url {
			t.Errorf("the fallback field holds %v, want %s", v, url)
		}
	} else if s := f.eval(t, `document.getElementById('status').textContent`); s != "The link of Ada Lovelace is copied." {
		t.Errorf("after Copy the status reads %v", s)
	}
	f.screenshot(t, "firefox-link-copied.png")
}

// TestRoomPageSchedule: the room page shows the room's schedules in their
// time zone; before the start a person is added (with a role) and one
// removed; a schedule that starts while the page is open refuses the
// change with the API's 409, which the page explains, and its list turns
// read-only.
func TestRoomPageSchedule(t *testing.T) {
	t.Parallel()
	srv, _ := startRoomPage(t, "47200-47298")
	later := time.Now().Add(time.Hour).Truncate(time.Minute)
	soon := time.Now().Add(6 * time.Second).Truncate(time.Second)
	var ids [2]string
	for i, s := range []map[string]any{
		{"start": later.Format(time.RFC3339), "end": later.Add(time.Hour).Format(time.RFC3339), "time_zone": "Europe/Paris",
			"participants": []map[string]any{{"target": "2001", "role": "moderator", "name": "Local Lou"}}},
		{"start": soon.Format(time.RFC3339), "end": soon.Add(time.Hour).Format(time.RFC3339)},
	} {
		var created struct{ ID string }
		if code := srv.apiCall(t, "POST", "/api/v1/rooms/4000/schedules", s, &created); code != 201 {
			t.Fatalf("POST schedule %d: %d", i, code)
		}
		ids[i] = created.ID
	}
	b := newBrowser(t, toneFile(t, "silence.wav", 48000, 1000, 0, 5))
	roomPageSignIn(t, b, srv)
	card := func(id, js string) any {
		return b.eval(t, fmt.Sprintf(`(() => { const c = document.querySelector('#schedules article[data-id="%s"]'); %s })()`, id, js))
	}
	if h := card(ids[0], `return c.querySelector('h3').textContent`).(string); !strings.Contains(h, "Europe/Paris") {
		t.Errorf("the schedule reads %q, want its time zone", h)
	}
	card(ids[0], `c.querySelector('input').value = '#sip:bob@127.0.0.1'; c.querySelector('select').value = 'presenter';
		c.querySelector('button[type=submit]').click()`)
	b.waitText(t, "#status", "#sip:bob@127.0.0.1 is added", 10*time.Second)
	b.click(t, "Remove Local Lou (2001)")
	b.waitText(t, "#status", "Local Lou (2001) is removed", 10*time.Second)
	b.screenshot(t, "schedule-edited.png")
	var sc struct {
		Participants []struct{ Target, Role string }
	}
	srv.apiCall(t, "GET", "/api/v1/rooms/4000/schedules/"+ids[0], nil, &sc)
	if len(sc.Participants) != 1 || sc.Participants[0].Target != "#sip:bob@127.0.0.1" || sc.Participants[0].Role != "presenter" {
		t.Errorf("the schedule's participants are %+v, want bob as presenter", sc.Participants)
	}

	srv.waitLog(t, "scheduled conference starting", 1, 15*time.Second)
	card(ids[1], `c.querySelector('input').value = '2001'; c.querySelector('button[type=submit]').click()`)
	b.waitText(t, "#status", "already started", 10*time.Second)
	if card(ids[1], `return !c.querySelector('input') && c.textContent.includes('can no longer change')`) != true {
		t.Error("after the 409 the started schedule's list is still editable")
	}
	b.screenshot(t, "schedule-started.png")
}
