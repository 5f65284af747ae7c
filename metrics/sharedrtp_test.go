package metrics

import (
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/parleyhq/parley/media"
)

type fakeShared media.SharedStats

func (f *fakeShared) Stats() media.SharedStats { return media.SharedStats(*f) }

// TestSharedRTP: each counter of the shared sockets is exported under its
// name and type, read anew at each scrape, and passes Prometheus' lint
// (promlint, what `promtool check metrics` runs; promtool itself too when
// installed).
func TestSharedRTP(t *testing.T) {
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeShared{Legs: 3, Reads: 10, Received: 400, Unrouted: 2, Invalid: 1, Batches: 7, Sent: 390, SendFailed: 4, Dropped: 5}
	if err := m.WatchSharedRTP(src); err != nil {
		t.Fatal(err)
	}
	if err := m.WatchSharedRTP(src); err == nil {
		t.Error("a second WatchSharedRTP was accepted")
	}
	scrape := func() string {
		w := httptest.NewRecorder()
		m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		return w.Body.String()
	}
	body := scrape()
	for _, want := range []string{
		"# TYPE parley_rtp_shared_legs gauge\nparley_rtp_shared_legs 3\n",
		"# TYPE parley_rtp_shared_reads_total counter\nparley_rtp_shared_reads_total 10\n",
		"parley_rtp_shared_datagrams_received_total 400\n",
		"parley_rtp_shared_datagrams_unrouted_total 2\n",
		"parley_rtp_shared_datagrams_invalid_total 1\n",
		"# TYPE parley_rtp_shared_writes_total counter\nparley_rtp_shared_writes_total 7\n",
		"parley_rtp_shared_datagrams_sent_total 390\n",
		"parley_rtp_shared_datagrams_send_failed_total 4\n",
		"parley_rtp_shared_datagrams_dropped_total 5\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q", want)
		}
	}
	src.Received, src.Legs = 500, 0
	if body := scrape(); !strings.Contains(body, "parley_rtp_shared_datagrams_received_total 500\n") ||
		!strings.Contains(body, "parley_rtp_shared_legs 0\n") {
		t.Error("a second scrape did not read the source anew")
	}
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "parley_rtp_shared_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
	if _, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command("promtool", "check", "metrics")
		cmd.Stdin = strings.NewReader(body)
		if out, err := cmd.CombinedOutput(); err != nil && strings.Contains(string(out), "parley_rtp_shared_") {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}
}
