package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleyhq/parley/internal/testslapd"
)

// pickerConfig is directoryConfig with an extension whose name is HTML,
// which the picker must show as text.
const pickerExtension = `  - {number: "1004", name: "<img src=x onerror=window.injected=1>Eve", password: sip-secret-1004}
rooms:`

// TestDirectoryPicker drives picker.js in headless Chromium on /app/: the
// page signs in with fetch (POST /api/v1/session, as its own sign-in
// form would), a test input gets ParleyPicker.attach; typing part of a
// name lists the directory's match in an ARIA combobox, Down makes it
// the active option, Enter picks it (onPick gets the user), Escape
// closes the list; a name holding HTML shows as text; with the LDAP
// server stopped the list shows the local users, one registered by sipp
// marked online, and the warning.
func TestDirectoryPicker(t *testing.T) {
	dir := testslapd.Start(t)
	cfg := strings.Replace(fmt.Sprintf(directoryConfig, hashPW(t, "local-pw"), ldapSection(dir, true, dir.URL)), "rooms:", pickerExtension, 1)
	srv := startParley(t, cfg)
	b := newBrowser(t, "")
	b.do(t, chromedp.Navigate("http://"+srv.http+"/app/"))
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	status, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`fetch('/api/v1/session', {method: 'POST',
		credentials: 'same-origin', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({user: '2001', password: 'local-pw'})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 201 {
		t.Fatalf("sign-in from the page: %v %v", status, err)
	}
	b.eval(t, `(() => {
		const label = document.createElement('label');
		label.htmlFor = 'picked-person';
		label.textContent = 'Person';
		const input = document.createElement('input');
		input.id = 'picked-person';
		const box = document.createElement('div');
		box.id = 'picker-test';
		box.append(label, input);
		document.getElementById('app').append(box);
		window.picked = [];
		ParleyPicker.attach(input, {onPick: u => window.picked.push(u)});
		return true;
	})()`)
	box := byAX("combobox", "Person", true) // the input is a combobox named by its label
	b.do(t, chromedp.SendKeys("", "arch", box))
	b.waitText(t, "#picker-test [role=listbox]", "Alice Archer", 10*time.Second)
	if got := b.eval(t, `[document.getElementById('picked-person').getAttribute('aria-expanded'),
		document.getElementById('picked-person').getAttribute('aria-controls') === document.querySelector('#picker-test [role=listbox]').id,
		document.querySelectorAll('#picker-test [role=option]').length].join(' ')`); got != "true true 1" {
		t.Errorf("expanded, controls, options: %v", got)
	}
	b.waitText(t, "#picker-test .picker-live[role=status][aria-live=polite]", "1 found", 5*time.Second)
	if got := b.text(t, "#picker-test [role=option]"); !strings.Contains(got, "ext. 1001") || !strings.Contains(got, "alice@parley.test") {
		t.Errorf("option shows %q, want the extension and the email", got)
	}
	b.screenshot(t, "picker-open.png")

	b.do(t, chromedp.KeyEvent(kb.ArrowDown))
	if got := b.eval(t, `(() => { const id = document.getElementById('picked-person').getAttribute('aria-activedescendant');
		return id + ' ' + document.getElementById(id).getAttribute('aria-selected'); })()`); !strings.HasSuffix(got.(string), "-0 true") {
		t.Errorf("after Down: active %v", got)
	}
	b.screenshot(t, "picker-active.png")
	b.do(t, chromedp.KeyEvent(kb.Enter))
	if got := b.eval(t, `window.picked.map(u => u.login + ' ' + u.source + ' ' + u.extension).join(',')`); got != "alice ldap 1001" {
		t.Errorf("onPick got %v, want alice", got)
	}
	if got := b.eval(t, `document.getElementById('picked-person').value + '|' + document.getElementById('picked-person').getAttribute('aria-expanded')`); got != "Alice Archer|false" {
		t.Errorf("after Enter: %v", got)
	}

	// HTML in a name is text; Escape closes the list.
	b.eval(t, `document.getElementById('picked-person').value = ''`)
	b.do(t, chromedp.SendKeys("", "eve", box))
	b.waitText(t, "#picker-test [role=listbox]", "<img src=x", 10*time.Second)
	if got := b.eval(t, `String(document.querySelectorAll('#picker-test [role=listbox] img').length) + ' ' + String(window.injected)`); got != "0 undefined" {
		t.Errorf("a name's HTML was parsed: %v", got)
	}
	b.do(t, chromedp.KeyEvent(kb.Escape))
	if got := b.eval(t, `document.getElementById('picked-person').getAttribute('aria-expanded') + ' ' + document.querySelector('#picker-test [role=listbox]').hidden`); got != "false true" {
		t.Errorf("after Escape: %v", got)
	}

	// 1002 registers (sipp); the directory goes away: local users, 1002
	// marked online in words, and the warning.
	if out, err := runSipp(t, "register.xml", "1002", srv.sipUDP, "-au", "1002", "-ap", "sip-secret-1002"); err != nil {
		t.Fatalf("REGISTER 1002: %v\n%s", err, out)
	}
	dir.Stop(t)
	b.eval(t, `document.getElementById('picked-person').value = ''`)
	b.do(t, chromedp.SendKeys("", "desk", box))
	b.waitText(t, "#picker-test .picker-warning", "cannot be reached", 10*time.Second)
	b.waitText(t, "#picker-test [role=listbox]", "Carol Desk", 5*time.Second)
	if got := b.eval(t, `[...document.querySelectorAll('#picker-test [role=option]')].map(o => o.innerText).join('|')`); got !=
		"Bob Desk · ext. 1002 · ● online|Carol Desk · ext. 1003" {
		t.Errorf("options %q, want Bob Desk marked online", got)
	}
	b.screenshot(t, "picker-warning.png")
}
