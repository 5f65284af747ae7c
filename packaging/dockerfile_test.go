package packaging

import (
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/config"
)

// TestDockerfileMatchesDefaults reads the Dockerfile, which no test can
// build here: what it exposes and health-checks are the default config's
// ports, so a change of the defaults cannot leave it behind unnoticed.
func TestDockerfileMatchesDefaults(t *testing.T) {
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	var exposed []string
	for line := range strings.Lines(text) {
		if rest, ok := strings.CutPrefix(line, "EXPOSE "); ok {
			exposed = append(exposed, strings.Fields(rest)...)
		}
	}
	cfg := config.Default()
	var want []string
	for _, l := range cfg.SIP.Listen {
		u, err := url.Parse(l)
		if err != nil {
			t.Fatal(err)
		}
		proto := map[string]string{"udp": "udp", "tcp": "tcp", "tls": "tcp"}[u.Scheme]
		want = append(want, u.Port()+"/"+proto)
	}
	_, httpPort, err := net.SplitHostPort(cfg.HTTP.Listen)
	if err != nil {
		t.Fatal(err)
	}
	_, h323Port, err := net.SplitHostPort(cfg.H323.Listen)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, httpPort+"/tcp", h323Port+"/tcp", strconv.Itoa(cfg.WebRTC.UDPPort)+"/udp")
	slices.Sort(exposed)
	slices.Sort(want)
	if !slices.Equal(exposed, want) {
		t.Errorf("EXPOSE %v, want the default config's %v", exposed, want)
	}
	if health := "http://127.0.0.1:" + httpPort + "/healthz"; !strings.Contains(text, "HEALTHCHECK") || !strings.Contains(text, health) {
		t.Errorf("the HEALTHCHECK does not ask %s", health)
	}
	for _, f := range []string{"packaging/server-config.sh", "config/default.yaml", "./cmd/parley"} {
		if !strings.Contains(text, f) {
			t.Errorf("the Dockerfile no longer names %s", f)
		} else if _, err := os.Stat("../" + strings.TrimPrefix(f, "./")); err != nil {
			t.Errorf("the Dockerfile names %s: %v", f, err)
		}
	}
}
