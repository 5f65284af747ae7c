package e2e

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// buildStamp returns the -ldflags that `make build` gives (scripts/
// ldflags.sh: the git commit of the tree), so that the binary under test
// says which commit it is even where the go command cannot stamp it.
func buildStamp() string {
	out, err := exec.Command("sh", "../scripts/ldflags.sh").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// configAsArgument runs `parley serve FILE` instead of `parley serve
// --config FILE`.
func configAsArgument() parleyOption {
	return func(r *parleyRun) { r.configArg = true }
}

// runCLI runs the parley binary with args and env added to the test's
// environment, and returns its output and exit code.
func runCLI(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(parleyBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// headCommit returns the commit the tree is at, or "" when it is not a git
// checkout.
func headCommit(t *testing.T) string {
	out, err := exec.Command("git", "-C", "..", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Logf("not a git checkout (%v): the commit is not compared", err)
		return ""
	}
	return strings.TrimSpace(string(out))
}

// TestVersionAndBuildInfo: `parley --version` and `parley version` name the commit the
// binary was built from; `parley serve` logs it, with the config file, and
// /metrics exports it as parley_build_info.
func TestVersionAndBuildInfo(t *testing.T) {
	head := headCommit(t)
	out, stderr, code := runCLI(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(out, "parley ") || stderr != "" {
		t.Fatalf("parley --version: exit %d, %q, stderr %q", code, out, stderr)
	}
	if head != "" && !strings.Contains(out, "commit "+head) {
		t.Errorf("parley --version = %q, want commit %s", out, head)
	}
	if again, _, code := runCLI(t, nil, "version"); code != 0 || again != out {
		t.Errorf("parley version = %q (exit %d), want %q as --version", again, code, out)
	}

	srv := startParley(t, roomConfig)
	started := srv.logged("parley starting")
	if len(started) != 1 || !strings.HasSuffix(started[0]["config"].(string), "parley.yaml") {
		t.Errorf("start-up lines %v, want one naming the config file", started)
	}
	if ready := srv.logged("parley ready"); head != "" && (len(ready) != 1 || ready[0]["commit"] != head) {
		t.Errorf("ready lines %v, want one with commit %s", ready, head)
	}
	res, err := http.Get("http://" + srv.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var info string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "parley_build_info{") {
			info = line
		}
	}
	if info == "" || !strings.HasSuffix(info, "} 1") || !strings.Contains(info, `go_version="go`) ||
		(head != "" && !strings.Contains(info, `commit="`+head+`"`)) {
		t.Errorf("/metrics: parley_build_info line %q, want commit %q at 1", info, head)
	}
}

// TestServeConfigArgument: `parley serve FILE` serves FILE (a room only
// FILE has answers a call), and a second argument or an unknown flag is a
// usage error, exit 2, before anything is bound.
func TestServeConfigArgument(t *testing.T) {
	srv := startParley(t, strings.Replace(roomConfig, `"1000"`, `"4242"`, 1), configAsArgument())
	if out, err := runSipp(t, "call_bye.xml", "4242", srv.sipUDP); err != nil {
		t.Fatalf("a call to room 4242, which only FILE has: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"serve", "a.yaml", "b.yaml"}, {"serve", "--colour", "blue"}} {
		_, stderr, code := runCLI(t, nil, args...)
		if code != 2 || !strings.Contains(stderr, "usage: parley serve [FILE]") {
			t.Errorf("parley %s: exit %d, stderr %q; want 2 and the usage", strings.Join(args, " "), code, stderr)
		}
	}
}

// TestRouteAsksTheServer: with PARLEY_API, `parley route` asks the running
// server, so a trunk only the server's config has carries the call;
// without it, the embedded default config has no trunk and refuses.
func TestRouteAsksTheServer(t *testing.T) {
	srv := startParley(t, roomConfig+`admin_tokens: ["`+adminToken+`"]
trunks:
  - name: server-only
    proxy: "sip:127.0.0.1:5099"
    allow: ['^\+44[0-9]{10}$']
`)
	env := []string{"PARLEY_API=http://" + srv.http, "PARLEY_TOKEN=" + adminToken}
	out, stderr, code := runCLI(t, env, "route", "+441632960123", "--room", "1000")
	if code != 0 || !strings.Contains(out, "route: via trunk server-only: sip:+441632960123@127.0.0.1:5099") {
		t.Errorf("route with PARLEY_API: exit %d\n%s%s", code, out, stderr)
	}
	if _, err := os.Stat("/etc/parley/parley.yaml"); err == nil {
		t.Skip("/etc/parley/parley.yaml exists: the offline answer depends on it")
	}
	out, stderr, code = runCLI(t, []string{"PARLEY_API="}, "route", "+441632960123", "--room", "1000")
	if code != 1 || !strings.Contains(out, "refused:") {
		t.Errorf("route offline from the embedded config: exit %d, want 1 and refused\n%s%s", code, out, stderr)
	}
}
