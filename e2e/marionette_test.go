package e2e

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// firefoxPrefs is the user.js of every test profile: Marionette on a port
// of the system's choosing (Firefox writes it to MarionetteActivePort);
// cubeb's mock audio backend, because test machines have no sound device
// and without one Firefox's AudioContext never leaves "suspended", so the
// page's analysers would read silence; fake media devices without a
// permission prompt (the microphone is a sine of
// media.navigator.audio.fake_frequency Hz, the camera a frame of one
// colour that changes over time); autoplay allowed; host candidates on
// loopback with their real addresses (no mDNS names, which the server
// does not resolve); and nothing that opens a page or reaches the network
// by itself: no first-run pages, updates, telemetry, or download of the
// OpenH264 plugin (so this Firefox has no H.264).
const firefoxPrefs = `user_pref("marionette.port", 0);
user_pref("media.cubeb.force_mock_context", true);
user_pref("media.navigator.streams.fake", true);
user_pref("media.navigator.permission.disabled", true);
user_pref("media.autoplay.default", 0);
user_pref("media.autoplay.blocking_policy", 0);
user_pref("media.peerconnection.ice.loopback", true);
user_pref("media.peerconnection.ice.obfuscate_host_addresses", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.page", 0);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("startup.homepage_welcome_url", "about:blank");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.disabledForTesting", true);
user_pref("media.gmp-manager.url", "");
user_pref("extensions.update.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
`

// firefox is one headless Firefox ESR with a fresh profile, driven over
// its built-in Marionette protocol: frames "LEN:JSON" on a TCP
// connection, commands [0, id, name, params], replies [1, id, error,
// result]. One command is in flight at a time.
type firefox struct {
	cmd       *exec.Cmd
	conn      net.Conn
	rd        *bufio.Reader
	id        int // of the last command sent
	log       string
	artifacts string
}

// newFirefox starts `firefox-esr --headless --marionette` on a fresh
// profile (firefoxPrefs), connects and opens a WebDriver session; the
// browser, with its content processes, is killed when the test ends.
func newFirefox(t *testing.T) *firefox {
	t.Helper()
	path, err := exec.LookPath("firefox-esr")
	if err != nil {
		t.Fatal("firefox-esr is not installed; run `make test`, which installs it")
	}
	profile := t.TempDir()
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(firefoxPrefs), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &firefox{log: filepath.Join(t.TempDir(), "firefox.log"), artifacts: artifactDir(t)}
	logFile, err := os.Create(f.log)
	if err != nil {
		t.Fatal(err)
	}
	f.cmd = exec.Command(path, "--headless", "--marionette", "--no-remote", "--profile", profile, "about:blank")
	f.cmd.Env = append(os.Environ(), "MOZ_HEADLESS_WIDTH=900", "MOZ_HEADLESS_HEIGHT=1100")
	f.cmd.Stdout, f.cmd.Stderr = logFile, logFile
	f.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its content processes are killed with it
	if err := f.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() {
		_ = f.cmd.Wait()
		logFile.Close()
		close(exited)
	}()
	t.Cleanup(func() { // before t.TempDir removes the profile
		if f.conn != nil {
			f.conn.Close()
		}
		_ = syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})
	port, err := activePort(profile, exited, 30*time.Second)
	if err != nil {
		f.fatal(t, err)
	}
	if f.conn, err = net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second); err != nil {
		f.fatal(t, err)
	}
	f.rd = bufio.NewReader(f.conn)
	_ = f.conn.SetDeadline(time.Now().Add(10 * time.Second))
	var hello struct {
		Protocol int `json:"marionetteProtocol"`
	}
	if err := f.read(&hello); err != nil || hello.Protocol < 3 {
		f.fatal(t, fmt.Errorf("marionette hello: protocol %d, %v", hello.Protocol, err))
	}
	if _, err := f.call("WebDriver:NewSession", map[string]any{"pageLoadStrategy": "normal"}, 30*time.Second); err != nil {
		f.fatal(t, err)
	}
	return f
}

// activePort waits for Firefox to write the port Marionette listens on
// into the profile, as it does when marionette.port is 0.
func activePort(profile string, exited <-chan struct{}, within time.Duration) (int, error) {
	deadline := time.After(within)
	for {
		b, err := os.ReadFile(filepath.Join(profile, "MarionetteActivePort"))
		if port, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && port > 0 {
			return port, nil
		}
		select {
		case <-exited:
			return 0, errors.New("firefox exited before Marionette listened")
		case <-deadline:
			return 0, fmt.Errorf("no MarionetteActivePort after %v", within)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// read reads one frame and decodes its JSON into v.
func (f *firefox) read(v any) error {
	head, err := f.rd.ReadString(':')
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSuffix(head, ":"))
	if err != nil || n < 0 || n > 64<<20 {
		return fmt.Errorf("marionette: bad frame length %q", head)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(f.rd, body); err != nil {
		return err
	}
	return json.Unmarshal(body, v)
}

// call sends command name with params and returns the reply's result; a
// reply of an older command (one that timed out) is skipped. An error
// reply, or none within timeout, is an error.
func (f *firefox) call(name string, params any, timeout time.Duration) (json.RawMessage, error) {
	f.id++
	msg, err := json.Marshal([]any{0, f.id, name, params})
	if err != nil {
		return nil, err
	}
	_ = f.conn.SetDeadline(time.Now().Add(timeout))
	defer f.conn.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(f.conn, "%d:%s", len(msg), msg); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for {
		var reply []json.RawMessage
		if err := f.read(&reply); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		var id int
		if len(reply) != 4 || json.Unmarshal(reply[1], &id) != nil {
			return nil, fmt.Errorf("%s: bad reply %s", name, reply)
		}
		if id != f.id {
			continue
		}
		if string(reply[2]) != "null" {
			var e struct{ Error, Message string }
			_ = json.Unmarshal(reply[2], &e)
			return nil, fmt.Errorf("%s: %s: %s", name, e.Error, e.Message)
		}
		return reply[3], nil
	}
}

// do runs command name and ends the test if it fails.
func (f *firefox) do(t *testing.T, name string, params any) json.RawMessage {
	t.Helper()
	res, err := f.call(name, params, 30*time.Second)
	if err != nil {
		f.fail(t, err)
	}
	return res
}

// fatal ends the test with err and the end of Firefox's own log.
func (f *firefox) fatal(t *testing.T, err error) {
	t.Helper()
	b, _ := os.ReadFile(f.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	t.Fatalf("firefox: %v\nfirefox log:\n%s", err, b)
}

// fail ends the test with err and what the page shows.
func (f *firefox) fail(t *testing.T, err error) {
	t.Helper()
	var body string
	if res, e := f.call("WebDriver:ExecuteScript", map[string]any{
		"script": `return document.body ? document.body.innerText : ''`, "args": []any{}}, 5*time.Second); e == nil {
		var v struct{ Value string }
		_ = json.Unmarshal(res, &v)
		body = v.Value
	}
	t.Fatalf("firefox: %v\npage text:\n%s", err, body)
}

// navigate loads url and waits for it to load.
func (f *firefox) navigate(t *testing.T, url string) {
	t.Helper()
	f.do(t, "WebDriver:Navigate", map[string]any{"url": url})
}

// evalInto evaluates a JavaScript expression in the page (awaiting it if
// it is a promise, as WebDriver's Execute Script does) and decodes its
// value into v.
func (f *firefox) evalInto(t *testing.T, expr string, v any) {
	t.Helper()
	res := f.do(t, "WebDriver:ExecuteScript", map[string]any{"script": "return (" + expr + ");", "args": []any{}})
	var out struct{ Value json.RawMessage }
	if err := json.Unmarshal(res, &out); err != nil {
		f.fail(t, err)
	}
	if err := json.Unmarshal(out.Value, v); err != nil {
		f.fail(t, fmt.Errorf("%s: %w: %s", expr, err, out.Value))
	}
}

// eval evaluates a JavaScript expression in the page.
func (f *firefox) eval(t *testing.T, expr string) any {
	t.Helper()
	var v any
	f.evalInto(t, expr, &v)
	return v
}

// poll waits until the JavaScript expression cond is true.
func (f *firefox) poll(t *testing.T, cond string, within time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for f.eval(t, cond) != true {
		if time.Now().After(deadline) {
			f.fail(t, fmt.Errorf("%s did not happen within %v", what, within))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// element finds, by a JavaScript expression that yields an element or
// null, the one element a user would act on: WebDriver's reference to it.
func (f *firefox) element(t *testing.T, expr string) map[string]string {
	t.Helper()
	var ref map[string]string
	deadline := time.Now().Add(10 * time.Second)
	for f.evalInto(t, expr, &ref); len(ref) == 0; f.evalInto(t, expr, &ref) {
		if time.Now().After(deadline) {
			f.fail(t, fmt.Errorf("no element %s", expr))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ref
}

// elementID is the ID of a WebDriver element reference.
func elementID(ref map[string]string) string {
	return ref["element-6066-11e4-a52e-4f735466cecf"]
}

// typeInto types text, key by key, into the visible text field whose
// label contains label (case aside), as a user would.
func (f *firefox) typeInto(t *testing.T, label, text string) {
	t.Helper()
	ref := f.element(t, fmt.Sprintf(`[...document.querySelectorAll('label')].map((l) => l.control)
		.find((c) => c && c.type === 'text' && c.checkVisibility() &&
			[...c.labels].some((l) => l.textContent.toLowerCase().includes(%q))) || null`, strings.ToLower(label)))
	f.do(t, "WebDriver:ElementSendKeys", map[string]any{"id": elementID(ref), "text": text})
}

// click clicks the visible, enabled button whose text is name.
func (f *firefox) click(t *testing.T, name string) {
	t.Helper()
	ref := f.element(t, fmt.Sprintf(`[...document.querySelectorAll('button')]
		.find((b) => b.textContent.trim() === %q && b.checkVisibility() && !b.disabled) || null`, name))
	f.do(t, "WebDriver:ElementClick", map[string]any{"id": elementID(ref)})
}

// screenshot saves the whole page as a PNG among the test's artifacts.
func (f *firefox) screenshot(t *testing.T, name string) {
	t.Helper()
	var shot struct{ Value string }
	if err := json.Unmarshal(f.do(t, "WebDriver:TakeScreenshot", map[string]any{"full": true}), &shot); err != nil {
		f.fail(t, err)
	}
	png, err := base64.StdEncoding.DecodeString(shot.Value)
	if err != nil {
		f.fail(t, err)
	}
	path := filepath.Join(f.artifacts, strings.TrimSuffix(t.Name(), "/")+"-"+name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
