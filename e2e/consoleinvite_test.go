package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// consoleInviteConfig has room 1000, Board meeting, owned by extension
// 2001 (Alice, who signs in to the web with password alice-web-pw and has
// her own caller ID), with a moderator PIN nobody types here; extension
// 2002 (Ada Lovelace) is a phone that registers; mail goes to the sink
// on 127.0.0.1:%d. The %s are Alice's password hash.
const consoleInviteConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]
rtp:
  ports: 43400-43498
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
smtp:
  host: 127.0.0.1
  port: %d
  from: "Parley <parley@example.com>"
  starttls: false
extensions:
  - {number: "2001", name: Alice, password: secret-alice-1, password_hash: "%s", caller_id: "+441632960001"}
  - {number: "2002", name: Ada Lovelace, password: secret-ada-1}
rooms:
  - number: "1000"
    name: Board meeting
    owner: "2001"
    moderator_pin: "9999"
`

// signInFromPage signs login in with fetch from the page the browser
// shows, as the sign-in form would: the browser keeps the session cookie.
func signInFromPage(t *testing.T, b *browser, login, password string) {
	t.Helper()
	b.eval(t, fmt.Sprintf(`window.signInStatus = 0; fetch('/api/v1/session', {method: 'POST', credentials: 'same-origin',
		headers: {'Content-Type': 'application/json'}, body: JSON.stringify({user: %q, password: %q})})
		.then((r) => { window.signInStatus = r.status; }, () => { window.signInStatus = -1; }); true`, login, password))
	consoleWait(t, b, `window.signInStatus !== 0`, 10*time.Second)
	if st := b.eval(t, `window.signInStatus`); st != float64(http.StatusCreated) {
		t.Fatalf("sign-in of %s from the page: %v, want 201", login, st)
	}
}

// TestConsoleInvitePanel is the console of a signed-in room owner in
// Chromium: it opens without the PIN, invites a guest by email (the mail
// with her personal link reaches a real SMTP server), copies the
// invitation text, finds a colleague in the directory (the picker), shows
// the caller ID a call will present (the owner's own), and calls her
// registered baresip phone, which answers and is listed by her name;
// signing out ends the session.
func TestConsoleInvitePanel(t *testing.T) {
	sink := startMailSink(t)
	srv := startParley(t, fmt.Sprintf(consoleInviteConfig, sink.port, hashPW(t, "alice-web-pw")))
	wav := toneFile(t, "ada.wav", 8000, 440, toneAmplitude, 40)
	ada := newPhoneAccount(t, "ada", wav, "PCMU/8000/1", 41940,
		"<sip:2002@"+srv.sipUDP+">;auth_pass=secret-ada-1;regint=300;answermode=auto")
	ada.start(t, 40)
	srv.waitLog(t, "registration added", 1, 10*time.Second)

	b := newBrowser(t, wav)
	base := "http://" + srv.http
	b.do(t, chromedp.Navigate(base+"/console/1000"))
	consoleWait(t, b, `document.querySelector('main').dataset.state === 'login'`, 10*time.Second)
	signInFromPage(t, b, "2001", "alice-web-pw")
	b.do(t, chromedp.Navigate(base+"/console/1000"))
	consoleWait(t, b, `document.querySelector('main').dataset.state === 'live'`, 10*time.Second)
	b.waitText(t, "#signed-in", "Signed in as Alice", 5*time.Second)
	if v := b.eval(t, `document.getElementById('login').hidden && sessionStorage.length === 0`); v != true {
		t.Error("the signed-in owner saw the PIN form, or the page kept a token")
	}
	b.screenshot(t, "signed-in.png")

	// Invite by email: the mail with the personal link arrives.
	b.do(t, chromedp.SendKeys("", "Grace Hopper", byAX("textbox", "Name", true)))
	b.do(t, chromedp.SendKeys("", "grace@example.com", byAX("textbox", "Email address", true)))
	b.do(t, chromedp.Click("", byAX("button", "Send by email", true)))
	b.waitText(t, "#status", "The invitation to Grace Hopper was emailed to grace@example.com", 10*time.Second)
	b.screenshot(t, "emailed.png")
	m := sink.next(t, 10*time.Second)
	if !slices.Equal(m.to, []string{"grace@example.com"}) {
		t.Errorf("the mail went to %v, want grace@example.com", m.to)
	}
	text := parseMail(t, m.data).part(t, "text/plain", false).body
	link := regexp.MustCompile(`http://\S+/join/[A-Za-z0-9_-]+`).FindString(text)
	if !strings.Contains(text, "Hello Grace Hopper,") || link == "" {
		t.Errorf("the mail's text lacks the greeting or the personal link:\n%s", text)
	}
	var links []inviteLink
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/1000/links", nil, &links); code != 200 || len(links) != 1 ||
		links[0].Name != "Grace Hopper" || links[0].Email != "grace@example.com" || !strings.HasSuffix(link, links[0].Token) {
		t.Errorf("the room's links: %d %+v, want Grace's, whose link the mail carries (%s)", code, links, link)
	}

	// Copy the invitation text: copied, or shown to copy by hand.
	b.do(t, chromedp.Click("", byAX("button", "Copy invitation text", true)))
	b.waitText(t, "#status", "invitation text", 5*time.Second)
	if got := b.eval(t, `document.getElementById('invite-text').value`).(string); !strings.Contains(got, "Board meeting") {
		t.Errorf("the invitation text %q does not name the room", got)
	}
	t.Logf("Copy invitation text: %s", b.text(t, "#status"))
	b.screenshot(t, "copied.png")

	// Call Ada's registered phone, found in the directory by name (the
	// field is the picker's combobox): the caller ID shown is Alice's own.
	b.do(t, chromedp.SendKeys("", "lovel", byAX("combobox", "Number, extension", false)))
	b.waitText(t, "#dial-form [role=listbox]", "Ada Lovelace", 10*time.Second)
	b.screenshot(t, "picker.png")
	// Picked with the pointer: CDP's Enter also sends a keypress, which
	// would submit the form where a real keyboard's cancelled keydown does not.
	b.do(t, chromedp.Click("", byAX("option", "Ada Lovelace", false)))
	b.waitText(t, "#status", "Ada Lovelace picked: 2002", 5*time.Second)
	if v := b.eval(t, `document.getElementById('dial-to').value`); v != "2002" {
		t.Errorf("after the pick the call field holds %v, want Ada's extension 2002", v)
	}
	b.waitText(t, "#caller-id", "Caller ID shown to the person called: +441632960001", 5*time.Second)
	b.screenshot(t, "caller-id.png")
	b.do(t, chromedp.Click("", byAX("button", "Call", true)))
	consoleWait(t, b, `[...document.querySelectorAll('#rows tr')].some((r) => r.dataset.name === 'Ada Lovelace')`, 15*time.Second)
	b.waitText(t, "#calls", "Ada Lovelace (2002) answered", 5*time.Second)
	b.screenshot(t, "called.png")
	if !strings.Contains(ada.logText(), "P-Asserted-Identity: <sip:+441632960001@") {
		t.Error("the INVITE Ada's phone received does not present Alice's caller ID")
	}

	// Sign out: the session ends and the console asks for the PIN.
	b.do(t, chromedp.Click("", byAX("button", "Sign out", true)))
	consoleWait(t, b, `document.querySelector('main').dataset.state === 'login'`, 5*time.Second)
	b.waitText(t, "#status", "You signed out", 5*time.Second)
	b.eval(t, `window.after = 0; fetch('/api/v1/session', {credentials: 'same-origin'}).then((r) => { window.after = r.status; }); true`)
	consoleWait(t, b, `window.after === 401`, 5*time.Second)
}

// TestConsoleInvitePanelFirefox is the signed-in owner's console in
// Firefox: it opens without the PIN and sends a personal link by SMS
// through the gateway (a local HTTP server), which receives the number and
// a text carrying the link; the caller ID shown for a call out through
// the trunk is the owner's.
func TestConsoleInvitePanelFirefox(t *testing.T) {
	var mu sync.Mutex
	var texts []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		texts = append(texts, string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer gw.Close()
	sms := "sms:\n  url: " + gw.URL + "/send\n  body: '{\"to\": \"{{to}}\", \"text\": \"{{text}}\"}'\n  default_country: GB\n" +
		"trunks:\n  - {name: pstn, proxy: \"sip:127.0.0.1:9\", allow: ['^\\+44[0-9]{10}$']}\n"
	srv := startParley(t, fmt.Sprintf(consoleInviteConfig, freeTCPPort(t), hashPW(t, "alice-web-pw"))+sms)
	f := newFirefox(t)
	base := "http://" + srv.http
	f.navigate(t, base+"/console/1000")
	f.poll(t, `document.querySelector('main').dataset.state === 'login'`, 10*time.Second, "the PIN form")
	st := f.eval(t, `fetch('/api/v1/session', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({user: '2001', password: 'alice-web-pw'})}).then((r) => r.status)`)
	if st != float64(http.StatusCreated) {
		t.Fatalf("sign-in from the page: %v", st)
	}
	f.navigate(t, base+"/console/1000")
	f.poll(t, `document.querySelector('main').dataset.state === 'live'`, 10*time.Second, "the console, live")

	f.typeInto(t, "name", "Grace Hopper")
	ref := f.element(t, `document.getElementById('invite-phone')`)
	f.do(t, "WebDriver:ElementSendKeys", map[string]any{"id": elementID(ref), "text": "07911 123456"})
	f.click(t, "Send by SMS")
	f.poll(t, `document.getElementById('status').textContent.includes('was sent by SMS to 07911 123456')`, 10*time.Second, "the SMS sent")
	mu.Lock()
	got := slices.Clone(texts)
	mu.Unlock()
	if len(got) != 1 || !strings.Contains(got[0], `"to": "+447911123456"`) || !strings.Contains(got[0], "/join/") {
		t.Errorf("the gateway got %q, want one text to +447911123456 with the link", got)
	}

	f.typeInto(t, "number, extension", "+441632960555")
	f.poll(t, `document.getElementById('caller-id').textContent.includes('+441632960001')`, 10*time.Second, "the caller ID shown")
	f.screenshot(t, "firefox-console-invite.png")
}
