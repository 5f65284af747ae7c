package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// consoleConfig has room 1100 with moderator PIN 9999 and a member,
// extension 2002, whose phone needs no PIN to join.
const consoleConfig = `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
  auth_algorithms: [MD5]
rtp:
  ports: 42000-42998
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
extensions:
  - {number: "2001", name: Front desk, password: secret-desk-1}
  - {number: "2002", name: Ada Lovelace, password: secret-ada-1}
rooms:
  - number: "1100"
    name: Board meeting
    moderator_pin: "9999"
    members: ["2002"]
`

// TestConsoleMutesAPhone is issue 6's moderator console in a real browser:
// a baresip phone is in room 1100; the console at /console/1100 refuses a
// wrong PIN with the API's message, opens with the moderator PIN typed into
// the field labelled "Moderator PIN", lists the phone live, and mutes it
// with the row's "Mute NAME" button, which the API then reports. It also
// calls an extension with no registered phone and shows the outcome, and
// saves a screenshot of the console.
func TestConsoleMutesAPhone(t *testing.T) {
	srv := startParley(t, consoleConfig)
	wav := toneFile(t, "phone.wav", 8000, 440, toneAmplitude, 60)
	ph := newPhoneAccount(t, "ada", wav, "PCMU/8000/1", 41880,
		"<sip:2002@"+srv.sipUDP+">;auth_pass=secret-ada-1;regint=300")
	ph.start(t, 60)
	srv.waitLog(t, "registration added", 1, 10*time.Second)
	if err := ph.command(t, "/dial sip:1100@"+srv.sipUDP); err != nil {
		t.Fatal(err)
	}
	srv.waitLog(t, "call joined", 1, 10*time.Second)
	var list []struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Muted  bool   `json:"muted"`
		Status string `json:"status"` // set for calls out, which the list shows too
	}
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/1100/participants", nil, &list); code != 200 || len(list) != 1 {
		t.Fatalf("participants: %d %+v", code, list)
	}
	phone := list[0]
	t.Logf("the phone is participant %s, %q", phone.ID, phone.Name)

	b := newBrowser(t, wav)
	b.do(t, chromedp.Navigate("http://"+srv.http+"/console/1100"))
	consoleWait(t, b, `document.querySelector('main').dataset.state === 'login'`, 10*time.Second)
	pin := byAX("textbox", "Moderator PIN", true)
	b.do(t, chromedp.SendKeys("", "1234", pin))
	b.do(t, chromedp.Click("", byAX("button", "Open console", true)))
	b.waitText(t, "#alert", "wrong moderator PIN", 10*time.Second)
	b.screenshot(t, "console-login.png")

	b.eval(t, `document.getElementById('pin').value = ''`)
	b.do(t, chromedp.SendKeys("", "9999", pin))
	b.do(t, chromedp.Click("", byAX("button", "Open console", true)))
	consoleWait(t, b, `document.querySelector('main').dataset.state === 'live'`, 10*time.Second)
	row := fmt.Sprintf(`document.querySelector('#rows tr[data-id=%q]')`, phone.ID)
	consoleWait(t, b, row+` !== null`, 10*time.Second)
	if got := b.text(t, "#rows"); !strings.Contains(got, phone.Name) {
		t.Errorf("the list reads %q, want the phone's name %q", got, phone.Name)
	}
	if s := b.eval(t, `sessionStorage.getItem('parley.console.1100') || ''`).(string); !strings.Contains(s, `"token"`) {
		t.Errorf("sessionStorage holds %q, want the console's token", s)
	}

	b.do(t, chromedp.Click("", byAX("button", "Mute "+phone.Name, true)))
	consoleWait(t, b, row+`.dataset.muted === 'true'`, 10*time.Second)
	b.waitText(t, "#status", phone.Name+" is muted", 5*time.Second)
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/1100/participants", nil, &list); code != 200 || len(list) != 1 || !list[0].Muted {
		t.Errorf("after Mute, GET participants: %d %+v, want the phone muted", code, list)
	}
	// The button now unmutes, under its new name.
	if n := b.eval(t, fmt.Sprintf(`%s.querySelector('button').getAttribute('aria-label')`, row)); n != "Unmute "+phone.Name {
		t.Errorf("the row's first button is %q after Mute", n)
	}

	// A call out to an extension with no registered phone is refused
	// before anything rings, and the console says why.
	b.do(t, chromedp.SendKeys("", "2001", byAX("textbox", "Number, extension", false)))
	b.do(t, chromedp.Click("", byAX("button", "Call", true)))
	b.waitText(t, "#alert", "extension 2001 (Front desk) has no registered device", 15*time.Second)

	// A role change through the row's picker, which the API reports.
	b.eval(t, row+`.querySelector('select').value = 'presenter'; `+row+`.querySelector('select').dispatchEvent(new Event('change'))`)
	b.waitText(t, "#status", phone.Name+" is now Presenter", 5*time.Second)
	var p struct {
		Role string `json:"role"`
	}
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/1100/participants/"+phone.ID, nil, &p); code != 200 || p.Role != "presenter" {
		t.Errorf("after the role change, GET participant: %d %+v", code, p)
	}

	// Lock, and the join info (copied, or shown to copy by hand when the
	// headless browser keeps the clipboard to itself).
	b.do(t, chromedp.Click("", byAX("button", "Lock room", true)))
	b.waitText(t, "#lock-state", "The room is locked", 5*time.Second)
	var info struct {
		Locked bool `json:"locked"`
	}
	if code := srv.apiCall(t, "GET", "/api/v1/rooms/1100", nil, &info); code != 200 || !info.Locked {
		t.Errorf("after Lock room, GET room: %d locked %v", code, info.Locked)
	}
	b.do(t, chromedp.Click("", byAX("button", "Copy join info", true)))
	b.waitText(t, "#status", "join info", 5*time.Second)
	t.Logf("Copy join info: %s", b.text(t, "#status"))

	b.screenshot(t, "console.png")

	// Remove: the phone is hung up and its row goes.
	b.do(t, chromedp.Click("", byAX("button", "Remove "+phone.Name, true)))
	consoleWait(t, b, row+` === null`, 10*time.Second)
	b.waitText(t, "#nobody", "Nobody is in the room", 5*time.Second)
	srv.apiCall(t, "GET", "/api/v1/rooms/1100/participants", nil, &list)
	for _, p := range list {
		if p.ID == phone.ID {
			t.Errorf("after Remove, GET participants still lists the phone: %+v", p)
		}
	}
}

// consoleWait waits until the JavaScript expression expr is true.
func consoleWait(t *testing.T, b *browser, expr string, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, within+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(within))); err != nil {
		b.fail(t, fmt.Errorf("%s never held: %w", expr, err))
	}
}
