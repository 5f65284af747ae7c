package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// The dashboard and alert rules shipped for operators (README, Metrics).
const (
	alertRulesPath = "../docs/prometheus/parley-alerts.yml"
	alertTestsPath = "../docs/prometheus/parley-alerts.test.yml"
	dashboardPath  = "../docs/grafana/parley-dashboard.json"
)

// TestAlertRulesPromtool checks the alert rules with Prometheus' own
// promtool: their syntax (check rules) and that they fire, and only
// when they should, on the synthetic series of parley-alerts.test.yml
// (test rules).
func TestAlertRulesPromtool(t *testing.T) {
	if _, err := exec.LookPath("promtool"); err != nil {
		t.Fatal("promtool is not installed; run `make test`, which installs it (package prometheus)")
	}
	for _, args := range [][]string{
		{"check", "rules", filepath.Base(alertRulesPath)},
		{"test", "rules", filepath.Base(alertTestsPath)},
	} {
		cmd := exec.Command("promtool", args...)
		cmd.Dir = filepath.Dir(alertRulesPath)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// observabilityConfig is a room, an extension that may register, and SIP
// over UDP, TCP and TLS (the TLS listener's certificate feeds
// parley_tls_cert_expiry_seconds).
func observabilityConfig(cert, key string) string {
	return strings.Replace(registrarConfig, "listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]",
		fmt.Sprintf("listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0, tls://127.0.0.1:0]\n  tls: {cert: %s, key: %s}", cert, key), 1) +
		"admin_tokens: [\"" + adminToken + "\"]\n"
}

// TestObservability makes real SIP traffic with sipp (two answered calls
// over TCP, one to an unknown room, a registration with the right password
// and one with a wrong password, a call out that the callee refuses busy,
// one that it answers and Parley hangs up) and checks that /metrics moved
// by exactly
// that; then that every metric the Grafana dashboard and the alert rules
// name is one this Parley exports.
func TestObservability(t *testing.T) {
	made := time.Now()
	cert, key := writeCert(t, t.TempDir()) // expires an hour after made, to the second
	srv := startParley(t, observabilityConfig(cert, key))
	before := scrapeParley(t, srv)

	for i := range 2 {
		if out, err := runSipp(t, "call_bye.xml", "1000", srv.sipTCP, "-t", "t1"); err != nil {
			srv.dumpLogs(t)
			t.Fatalf("call %d: %v\n%s", i+1, err, out)
		}
	}
	if out, err := runSippWith(t, "refused.xml", map[string]string{"STATUS": "404"}, "9999", srv.sipTCP,
		"-t", "t1", "-key", "fmts", "0"); err != nil {
		t.Fatalf("call to an unknown room: %v\n%s", err, out)
	}
	if out, err := runSipp(t, "register.xml", "2001", srv.sipUDP, "-au", "2001", "-ap", "secret1"); err != nil {
		t.Fatalf("REGISTER: %v\n%s", err, out)
	}
	if out, err := runSipp(t, "register_refused.xml", "2001", srv.sipUDP, "-au", "2001", "-ap", "wrong"); err != nil {
		t.Fatalf("REGISTER with a wrong password: %v\n%s", err, out)
	}
	uas := startUAS(t, "uas_reject.xml", map[string]string{"STATUS": "486 Busy Here"}, 10*time.Second)
	id := srv.dial(t, "1000", fmt.Sprintf("#sip:alice@127.0.0.1:%d", uas.port), nil)
	if d := srv.waitDial(t, "1000", id, 10*time.Second); d.Status != "busy" {
		uas.dump(t)
		t.Fatalf("dial: %+v, want busy", d)
	}
	if err := uas.wait(t); err != nil {
		uas.dump(t)
		t.Fatalf("the callee's scenario failed: %v", err)
	}
	// A call out that the callee answers with a reliable 183 (Parley
	// PRACKs it) and that Parley hangs up: its ACK and BYE count as sent.
	callee := startUAS(t, "uas_100rel.xml", nil, 20*time.Second)
	id = srv.dial(t, "1000", fmt.Sprintf("#sip:callee@127.0.0.1:%d", callee.port), nil)
	if d := srv.waitDial(t, "1000", id, 10*time.Second); d.Status != "answered" {
		callee.dump(t)
		t.Fatalf("dial: %+v, want answered", d)
	}
	if code := srv.apiCall(t, "DELETE", "/api/v1/rooms/1000/participants/"+id, nil, nil); code != 204 {
		t.Fatalf("DELETE participant: %d, want 204", code)
	}
	if err := callee.wait(t); err != nil {
		callee.dump(t)
		t.Fatalf("the answering callee's scenario failed: %v", err)
	}

	counters := []struct {
		series string
		want   float64
	}{
		{`parley_sip_requests_total{direction="received",method="INVITE"}`, 3},
		{`parley_sip_requests_total{direction="received",method="BYE"}`, 2},
		{`parley_sip_requests_total{direction="received",method="REGISTER"}`, 4},
		{`parley_sip_requests_total{direction="received",method="OPTIONS"}`, 0},
		{`parley_sip_responses_total{class="2xx",code="200",direction="sent",method="INVITE"}`, 2},
		{`parley_sip_responses_total{class="4xx",code="404",direction="sent",method="INVITE"}`, 1},
		{`parley_sip_responses_total{class="2xx",code="200",direction="sent",method="BYE"}`, 2},
		{`parley_sip_responses_total{class="4xx",code="401",direction="sent",method="REGISTER"}`, 3},
		{`parley_sip_responses_total{class="2xx",code="200",direction="sent",method="REGISTER"}`, 1},
		{`parley_registrations_total{result="success"}`, 1},
		{`parley_registrations_total{result="failure"}`, 1},
		{`parley_calls_total{direction="in",result="answered"}`, 2},
		{`parley_calls_total{direction="in",result="not_found"}`, 1},
		{`parley_calls_total{direction="in",result="failed"}`, 0},
		{`parley_sip_requests_total{direction="sent",method="INVITE"}`, 2},
		{`parley_sip_responses_total{class="4xx",code="486",direction="received",method="INVITE"}`, 1},
		{`parley_sip_responses_total{class="2xx",code="200",direction="received",method="INVITE"}`, 1},
		{`parley_sip_requests_total{direction="sent",method="ACK"}`, 2}, // the 486's (its transaction's) and the 200's
		{`parley_sip_requests_total{direction="sent",method="PRACK"}`, 1},
		{`parley_sip_responses_total{class="2xx",code="200",direction="received",method="PRACK"}`, 1},
		{`parley_sip_requests_total{direction="sent",method="BYE"}`, 1},
		{`parley_sip_responses_total{class="2xx",code="200",direction="received",method="BYE"}`, 1},
		{`parley_calls_total{direction="out",result="busy"}`, 1},
		{`parley_store_errors_total`, 0},
	}
	// The last counts (a call's result) may trail sipp's exit by a moment:
	// scrape until they are all there, or give up and report.
	moved := func(now, before scraped) bool {
		for _, c := range counters {
			if now.delta(before, c.series) != c.want {
				return false
			}
		}
		return true
	}
	after := scrapeParley(t, srv)
	for deadline := time.Now().Add(5 * time.Second); !moved(after, before) && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		after = scrapeParley(t, srv)
	}
	for _, c := range counters {
		if got := after.delta(before, c.series); got != c.want {
			t.Errorf("%s moved by %v, want %v", c.series, got, c.want)
		}
	}
	// The ACK of the 404 counts whether the INVITE's transaction takes it
	// or it reaches the handlers after the transaction ended.
	if got := after.delta(before, `parley_sip_requests_total{direction="received",method="ACK"}`); got != 3 {
		t.Errorf("ACKs received moved by %v, want 3 (the calls' and the 404's)", got)
	}
	if got := after.value(`parley_registrations_active`); got != 1 {
		t.Errorf("parley_registrations_active = %v, want 1", got)
	}
	expiry := after.value(`parley_tls_cert_expiry_seconds{listener="sip"}`)
	if lo, hi := float64(made.Add(time.Hour).Unix()-1), float64(time.Now().Add(time.Hour).Unix()); expiry < lo || expiry > hi {
		t.Errorf("parley_tls_cert_expiry_seconds{listener=\"sip\"} = %.0f, want between %.0f and %.0f", expiry, lo, hi)
	}
	if t.Failed() {
		srv.dumpLogs(t)
	}

	// Every metric named by the dashboard and the alerts is exported.
	exprs := append(dashboardExprs(t), alertExprs(t)...)
	synthetic := map[string]bool{"up": true} // made by Prometheus for each scrape
	checked := 0
	for _, e := range exprs {
		for _, name := range promqlMetrics(e.expr) {
			checked++
			if !after.names[name] && !synthetic[name] {
				t.Errorf("%s names %s, which /metrics does not export:\n%s", e.where, name, e.expr)
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d metric names found in %d expressions: is the tokenizer reading them?", checked, len(exprs))
	}
}

// scraped is one scrape of /metrics: each series' value by its name and
// sorted labels (name{a="1",b="2"}), and the names a query may select
// (a histogram's _bucket, _sum and _count).
type scraped struct {
	series map[string]float64
	names  map[string]bool
}

// value returns the series' value, 0 if it is absent.
func (s scraped) value(series string) float64 { return s.series[series] }

// delta returns how much a series moved since before.
func (s scraped) delta(before scraped, series string) float64 {
	return s.series[series] - before.series[series]
}

// scrapeParley GETs srv's /metrics and parses it.
func scrapeParley(t *testing.T, srv *server) scraped {
	t.Helper()
	res, err := http.Get("http://" + srv.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", res.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	s := scraped{series: make(map[string]float64), names: make(map[string]bool)}
	for name, f := range fams {
		s.names[name] = true
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM, dto.MetricType_SUMMARY:
			s.names[name+"_sum"], s.names[name+"_count"] = true, true
			if f.GetType() == dto.MetricType_HISTOGRAM {
				s.names[name+"_bucket"] = true
			}
		}
		for _, m := range f.GetMetric() {
			labels := make([]string, 0, len(m.GetLabel()))
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			sort.Strings(labels)
			key := name
			if len(labels) > 0 {
				key += "{" + strings.Join(labels, ",") + "}"
			}
			s.series[key] = m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetUntyped().GetValue()
		}
	}
	return s
}

// namedExpr is a PromQL expression and where it was found, for messages.
type namedExpr struct{ where, expr string }

// labelValues is Grafana's label_values(query, label) template query.
var labelValues = regexp.MustCompile(`^label_values\((.*),\s*\w+\)$`)

// dashboardExprs returns the PromQL of every panel of the dashboard (rows'
// panels too) and of its template variables.
func dashboardExprs(t *testing.T) []namedExpr {
	t.Helper()
	data, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var dash struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	var out []namedExpr
	var walk func([]json.RawMessage)
	walk = func(raw []json.RawMessage) {
		for _, r := range raw {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatalf("%s: panel: %v", dashboardPath, err)
			}
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("%s: panel %q has a target without expr", dashboardPath, p.Title)
				}
				out = append(out, namedExpr{"dashboard panel " + p.Title, tg.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(string)
		if m, ok := v.Query.(map[string]any); ok {
			q, _ = m["query"].(string)
		}
		sub := labelValues.FindStringSubmatch(q)
		if sub == nil {
			t.Errorf("%s: variable %s: query %q is not label_values(query, label)", dashboardPath, v.Name, q)
			continue
		}
		out = append(out, namedExpr{"dashboard variable " + v.Name, sub[1]})
	}
	return out
}

// alertExprs returns the expression of every rule of the alert rules.
func alertExprs(t *testing.T) []namedExpr {
	t.Helper()
	data, err := os.ReadFile(alertRulesPath)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Record, Expr string
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &rules); err != nil {
		t.Fatalf("%s: %v", alertRulesPath, err)
	}
	var out []namedExpr
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			out = append(out, namedExpr{"alert " + r.Alert + r.Record, r.Expr})
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no rules", alertRulesPath)
	}
	return out
}
