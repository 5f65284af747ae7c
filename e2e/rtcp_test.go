package e2e

import (
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// rtcpConfig is a room with the API and a store, for the attendance.
func rtcpConfig(dir string) string {
	return `
sip:
  listen: [udp://127.0.0.1:0]
  domain: 127.0.0.1
rtp:
  ports: 45000-45098
http:
  listen: 127.0.0.1:0
log:
  format: json
  level: info
admin_tokens: ["` + adminToken + `"]
store:
  path: ` + filepath.Join(dir, "parley.db") + `
prompts:
  announce_join_leave: false
rooms:
  - number: "1000"
    name: RTCP room
`
}

// withRTCPSummary turns on baresip's rtcpsummary module, which logs the
// RTCP figures of each call as it closes, and RTCP multiplexing if mux.
func withRTCPSummary(t *testing.T, p *phone, mux bool) {
	t.Helper()
	path := filepath.Join(p.dir, "config")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(b), "module sndfile.so\n", "module sndfile.so\nmodule rtcpsummary.so\n", 1)
	if mux {
		cfg = strings.Replace(cfg, "rtcp_mux no", "rtcp_mux yes", 1)
	}
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
}

// quality is the API's CallQuality.
type quality struct {
	LossIn  float64 `json:"loss_in_pct"`
	LossOut float64 `json:"loss_out_pct"`
	Jitter  float64 `json:"jitter_ms"`
	RTT     float64 `json:"rtt_ms"`
	MOS     float64 `json:"mos"`
}

// rtcpSummary reads baresip's rtcpsummary line: packets sent, and the
// packets lost of its stream as Parley's RTCP reports them.
var rtcpSummary = regexp.MustCompile(`EX=BareSip;.*PS=(\d+);PL=(-?\d+),(-?\d+);`)

// TestRTCPQualityPerLeg: two baresip phones in room 1000, one through an
// in-process UDP relay that drops every 20th RTP packet it sends Parley
// (RTCP multiplexed, rtcp-mux), one straight (RTCP on RTP + 1). Parley's
// RTCP figures must show it: in the participants API during the call and
// in the attendance record after hang-up, the lossy leg's loss toward
// Parley is 5 ± 1.5 % and its MOS lower than the clean leg's; /metrics
// has both legs in the quality histograms; and each phone's rtcpsummary
// shows Parley's reports of its stream (lost packets for the lossy one,
// none for the clean one).
func TestRTCPQualityPerLeg(t *testing.T) {
	dir := t.TempDir()
	srv := startParley(t, rtcpConfig(dir))
	proxy := newImpairProxy(t, srv.sipUDP, impairment{}, 1)
	rtpIn := 0
	proxy.rtp.mu.Lock()
	proxy.rtp.drop = func(pkt []byte) bool { // every 20th RTP packet; RTCP (RFC 5761 §4) passes
		if len(pkt) < 2 || (pkt[1]&0x7f >= 64 && pkt[1]&0x7f <= 95) {
			return false
		}
		rtpIn++
		return rtpIn%20 == 0
	}
	proxy.rtp.mu.Unlock()

	// The phones hang up after call (rtcpsummary logs only then: at
	// baresip's exit its modules are gone before the calls close) and exit
	// after seconds.
	const call, seconds = 12 * time.Second, 18
	wav := filepath.Join(dir, "tone.wav")
	if err := writeTone(wav, 8000, 440, 0.25, seconds+20); err != nil {
		t.Fatal(err)
	}
	lossy := newPhone(t, "lossy", wav, "PCMU/8000/1", 43600)
	withRTCPSummary(t, lossy, true)
	clean := newPhone(t, "clean", wav, "PCMU/8000/1", 43640)
	withRTCPSummary(t, clean, false)
	lossy.dial(t, "sip:1000@"+proxy.sip.conn.LocalAddr().String(), seconds)
	clean.dial(t, "sip:1000@"+srv.sipUDP, seconds)
	srv.waitLog(t, "call joined", 2, 10*time.Second)
	joined := time.Now()

	// During the call: the participants' list has both qualities.
	type participant struct {
		Name    string   `json:"name"`
		Quality *quality `json:"quality"`
	}
	byName := func(list []participant) (l, c *quality) {
		for _, p := range list {
			switch p.Name {
			case "lossy":
				l = p.Quality
			case "clean":
				c = p.Quality
			}
		}
		return l, c
	}
	var live []participant
	deadline := joined.Add(call)
	for {
		live = nil
		if code := srv.apiCall(t, "GET", "/api/v1/rooms/1000/participants", nil, &live); code != http.StatusOK {
			t.Fatalf("participants: %d", code)
		}
		// Loss converges on 5% (one in 20); wait for enough packets that
		// one more or less does not matter.
		if l, c := byName(live); l != nil && c != nil && math.Abs(l.LossIn-5) <= 1.5 && l.MOS > 0 && c.MOS > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lossy leg's quality never showed 5%% loss during the call: %+v", live)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if l, c := byName(live); !(l.MOS < c.MOS) || c.LossIn > 0.5 {
		t.Errorf("live: lossy %+v, clean %+v: want the lossy leg's MOS lower, the clean one without loss", *l, *c)
	}

	time.Sleep(time.Until(joined.Add(call)))
	for _, p := range []*phone{lossy, clean} {
		if err := p.command(t, "/hangup"); err != nil {
			t.Fatalf("%s: hangup: %v", p.name, err)
		}
	}
	lossy.wait(t)
	clean.wait(t)

	// After hang-up: the attendance record.
	type visit struct {
		Name    string   `json:"name"`
		Quality *quality `json:"quality"`
	}
	var visits []visit
	var l, c *quality
	deadline = time.Now().Add(10 * time.Second)
	for l == nil || c == nil {
		if time.Now().After(deadline) {
			t.Fatalf("attendance without both qualities: %+v", visits)
		}
		time.Sleep(100 * time.Millisecond)
		visits = nil
		if code := srv.apiCall(t, "GET", "/api/v1/rooms/1000/attendance", nil, &visits); code != http.StatusOK {
			t.Fatalf("attendance: %d", code)
		}
		l, c = nil, nil
		for _, v := range visits {
			switch {
			case v.Name == "lossy" && v.Quality != nil:
				l = v.Quality
			case v.Name == "clean" && v.Quality != nil:
				c = v.Quality
			}
		}
	}
	t.Logf("attendance: lossy %+v, clean %+v", *l, *c)
	if math.Abs(l.LossIn-5) > 1.5 {
		t.Errorf("lossy leg's recorded loss toward Parley %.2f%%, want 5 ± 1.5%%", l.LossIn)
	}
	if c.LossIn > 0.5 || !(l.MOS < c.MOS) || c.MOS < 4 {
		t.Errorf("recorded: lossy MOS %.2f, clean %+v: want the clean leg without loss, MOS ≥ 4 and above the lossy one's", l.MOS, *c)
	}
	_, _, csv := srv.apiRaw(t, "GET", "/api/v1/rooms/1000/attendees.csv", "", nil)
	if !strings.Contains(string(csv), "loss_in_pct") || !strings.Contains(string(csv), strconv.FormatFloat(l.MOS, 'f', -1, 64)) {
		t.Errorf("attendees.csv lacks the quality columns or the lossy leg's MOS %v:\n%s", l.MOS, csv)
	}

	// /metrics: both legs observed.
	deadline = time.Now().Add(10 * time.Second)
	for {
		lossCount, lossSum := histogram(t, srv, "parley_call_loss_ratio", map[string]string{"codec": "pcmu", "transport": "udp", "direction": "in"})
		mosCount, mosSum := histogram(t, srv, "parley_call_mos", map[string]string{"codec": "pcmu", "transport": "udp"})
		if lossCount == 2 && mosCount == 2 {
			if lossSum < 0.035 || lossSum > 0.065 {
				t.Errorf("sum of the legs' loss ratios toward Parley %.4f, want 0.05 ± 0.015", lossSum)
			}
			if want := l.MOS + c.MOS; math.Abs(mosSum-want) > 0.05 {
				t.Errorf("sum of MOS in /metrics %.3f, want the recorded %.3f", mosSum, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics: %v loss and %v MOS observations, want 2 of each", lossCount, mosCount)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Each phone read Parley's reports of its stream.
	for _, ph := range []struct {
		p     *phone
		lossy bool
	}{{lossy, true}, {clean, false}} {
		m := rtcpSummary.FindStringSubmatch(ph.p.logText())
		if m == nil {
			t.Errorf("%s: no rtcpsummary line with Parley's reports; baresip log:\n%s", ph.p.name, ph.p.logText())
			continue
		}
		sent, _ := strconv.Atoi(m[1])
		lost, _ := strconv.Atoi(m[3])
		t.Logf("%s rtcpsummary: sent %d, lost as Parley reports it %d", ph.p.name, sent, lost)
		switch {
		case ph.lossy && (lost <= 0 || float64(lost) > 0.065*float64(sent)):
			t.Errorf("%s: Parley reported %d of %d packets lost, want some, at most 6.5%%", ph.p.name, lost, sent)
		case !ph.lossy && lost != 0:
			t.Errorf("%s: Parley reported %d packets lost on a clean leg", ph.p.name, lost)
		}
	}
}

// histogram returns the sample count and sum of the series name{labels}
// in srv's /metrics.
func histogram(t *testing.T, srv *server, name string, labels map[string]string) (float64, float64) {
	t.Helper()
	res, err := http.Get("http://" + srv.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
next:
	for _, m := range fams[name].GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		h := m.GetHistogram()
		return float64(h.GetSampleCount()), h.GetSampleSum()
	}
	return 0, 0
}
