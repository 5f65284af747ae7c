package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/media"
	"github.com/parleyhq/parley/sip"
)

// scrape GETs h as Prometheus would and parses the text exposition.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain; version=0.0.4")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the series name{labels} (the sample count of
// a histogram), and whether it is there.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		if len(m.GetLabel()) != len(labels) {
			continue
		}
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] != l.GetValue() {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

func wantValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels map[string]string, want float64) {
	t.Helper()
	got, ok := value(fams, name, labels)
	if !ok {
		t.Errorf("%s%v: missing", name, labels)
		return
	}
	if got != want {
		t.Errorf("%s%v = %v, want %v", name, labels, got, want)
	}
}

type fakeRooms []bridge.RoomStats

func (f fakeRooms) RoomStats() []bridge.RoomStats { return f }

type fakeRTP struct {
	mu sync.Mutex
	s  sip.RTPStats
}

func (f *fakeRTP) RTPStats() sip.RTPStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s
}

func (f *fakeRTP) set(s sip.RTPStats) {
	f.mu.Lock()
	f.s = s
	f.mu.Unlock()
}

func newMetrics(t *testing.T) *Metrics {
	t.Helper()
	m, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestScrapeFakeSources(t *testing.T) {
	m := newMetrics(t)
	rooms := fakeRooms{
		{Number: "1000", Mixing: true, Participants: map[bridge.ParticipantKey]int{
			{Role: bridge.RoleAttendee, Via: "sip"}:     2,
			{Role: bridge.RoleModerator, Via: "webrtc"}: 1,
			{Role: bridge.RoleSpectator, Via: ""}:       1,
		}},
		{Number: "2000", Mixing: true, Participants: map[bridge.ParticipantKey]int{
			{Role: bridge.RoleAttendee, Via: "sip"}: 1,
		}},
		{Number: "3000", Participants: map[bridge.ParticipantKey]int{}},
	}
	rooms[0].Mixer.Talkers = 2
	rtp := &fakeRTP{s: sip.RTPStats{Streams: 2, PacketsIn: 100, PacketsOut: 90, PacketsLost: 3,
		PacketsIgnored: 7, PacketsWithheld: 11, JitterDelaySum: 100 * time.Millisecond, JitterDelayMax: 60 * time.Millisecond}}
	if err := m.Start(Sources{Rooms: rooms, RTP: rtp}); err != nil {
		t.Fatal(err)
	}
	m.ObserveTick(300*time.Microsecond, false)
	m.ObserveTick(25*time.Millisecond, true)
	m.CallIn("answered")
	m.CallIn("answered")
	m.CallIn("busy")
	m.CallIn("nonsense") // counted as failed, not as a new label value

	f := scrape(t, m.Handler())
	wantValue(t, f, "parley_rooms_active", nil, 2)
	wantValue(t, f, "parley_talkers", nil, 2)
	wantValue(t, f, "parley_participants", map[string]string{"role": "attendee", "via": "sip"}, 3)
	wantValue(t, f, "parley_participants", map[string]string{"role": "moderator", "via": "webrtc"}, 1)
	wantValue(t, f, "parley_participants", map[string]string{"role": "spectator", "via": "unknown"}, 1)
	wantValue(t, f, "parley_participants", map[string]string{"role": "owner", "via": "sip"}, 0)
	wantValue(t, f, "parley_calls_active", nil, 2)
	wantValue(t, f, "parley_rtp_packets_received_total", nil, 100)
	wantValue(t, f, "parley_rtp_packets_sent_total", nil, 90)
	wantValue(t, f, "parley_rtp_packets_lost_total", nil, 3)
	wantValue(t, f, "parley_rtp_packets_ignored_total", nil, 7)
	wantValue(t, f, "parley_rtp_packets_withheld_total", nil, 11)
	wantValue(t, f, "parley_jitter_buffer_delay_mean_seconds", nil, 0.05)
	wantValue(t, f, "parley_jitter_buffer_delay_max_seconds", nil, 0.06)
	wantValue(t, f, "parley_calls_total", map[string]string{"direction": "in", "result": "answered"}, 2)
	wantValue(t, f, "parley_calls_total", map[string]string{"direction": "in", "result": "busy"}, 1)
	wantValue(t, f, "parley_calls_total", map[string]string{"direction": "in", "result": "failed"}, 1)
	wantValue(t, f, "parley_calls_total", map[string]string{"direction": "out", "result": "no_answer"}, 0)
	if _, ok := value(f, "parley_calls_total", map[string]string{"direction": "in", "result": "nonsense"}); ok {
		t.Error("an unknown result got a series of its own")
	}
	wantValue(t, f, "parley_mixer_tick_seconds", nil, 2)
	wantValue(t, f, "parley_mixer_late_ticks_total", nil, 1)

	h := f["parley_mixer_tick_seconds"].GetMetric()[0].GetHistogram()
	if got := h.GetSampleSum(); got < 0.0253 || got > 0.0254 {
		t.Errorf("tick seconds sum = %v, want 0.0253", got)
	}
	for _, b := range h.GetBucket() {
		want := uint64(0)
		switch ub := b.GetUpperBound(); {
		case ub >= 0.025:
			want = 2
		case ub >= 0.0005:
			want = 1
		}
		if b.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	for _, name := range []string{"process_cpu_seconds_total", "go_goroutines"} {
		if _, ok := f[name]; !ok && (name != "process_cpu_seconds_total" || runtime.GOOS == "linux") {
			t.Errorf("%s missing: process and Go collectors should be on the registry", name)
		}
	}
	for name, fam := range f {
		if fam.GetHelp() == "" {
			t.Errorf("%s has no help text", name)
		}
	}
}

// The RTP counters never go back: a call that ends takes its packets out of
// the live sum, and MediaEnded puts them back; a scrape between the two
// holds the last value.
func TestRTPCountersMonotonic(t *testing.T) {
	m := newMetrics(t)
	rtp := &fakeRTP{s: sip.RTPStats{Streams: 2, PacketsIn: 100, PacketsOut: 100, PacketsLost: 4}}
	if err := m.Start(Sources{RTP: rtp}); err != nil {
		t.Fatal(err)
	}
	f := scrape(t, m.Handler())
	wantValue(t, f, "parley_rtp_packets_received_total", nil, 100)

	// One call (60 in, 55 out, 3 lost) ends; the hook has not run yet.
	rtp.set(sip.RTPStats{Streams: 1, PacketsIn: 45, PacketsOut: 50, PacketsLost: 1})
	f = scrape(t, m.Handler())
	wantValue(t, f, "parley_rtp_packets_received_total", nil, 100)
	wantValue(t, f, "parley_rtp_packets_sent_total", nil, 100)
	wantValue(t, f, "parley_rtp_packets_lost_total", nil, 4)
	wantValue(t, f, "parley_calls_active", nil, 1)

	m.MediaEnded(sip.RTPStats{Streams: 1, PacketsIn: 60, PacketsOut: 55, PacketsLost: 3, PacketsIgnored: 9, PacketsWithheld: 2})
	f = scrape(t, m.Handler())
	wantValue(t, f, "parley_rtp_packets_received_total", nil, 105)
	wantValue(t, f, "parley_rtp_packets_sent_total", nil, 105)
	wantValue(t, f, "parley_rtp_packets_lost_total", nil, 4)
	wantValue(t, f, "parley_rtp_packets_ignored_total", nil, 9) // the ended stream's, none live
	wantValue(t, f, "parley_rtp_packets_withheld_total", nil, 2)

	rtp.set(sip.RTPStats{})
	m.MediaEnded(sip.RTPStats{Streams: 1, PacketsIn: 50, PacketsOut: 52, PacketsLost: 2})
	f = scrape(t, m.Handler())
	wantValue(t, f, "parley_rtp_packets_received_total", nil, 110)
	wantValue(t, f, "parley_rtp_packets_sent_total", nil, 107)
	wantValue(t, f, "parley_rtp_packets_lost_total", nil, 5)
	wantValue(t, f, "parley_calls_active", nil, 0)
	wantValue(t, f, "parley_jitter_buffer_delay_mean_seconds", nil, 0)
}

// Before Start, the hook-fed metrics are served and the scrape-time ones
// read nothing.
func TestBeforeStart(t *testing.T) {
	m := newMetrics(t)
	m.ObserveTick(time.Millisecond, false)
	f := scrape(t, m.Handler())
	wantValue(t, f, "parley_mixer_tick_seconds", nil, 1)
	wantValue(t, f, "parley_rtp_packets_received_total", nil, 0)
	if _, ok := f["parley_rooms_active"]; ok {
		t.Error("parley_rooms_active served without a room source")
	}
}

func TestStartClose(t *testing.T) {
	m := newMetrics(t)
	if err := m.Start(Sources{}); err != nil {
		t.Fatal(err)
	}
	if err := m.Start(Sources{}); !errors.Is(err, ErrStarted) {
		t.Errorf("second Start: %v, want ErrStarted", err)
	}
	m.Close()
	m.Close()
	m2 := newMetrics(t)
	m2.Close()
	if err := m2.Start(Sources{}); !errors.Is(err, ErrStarted) {
		t.Errorf("Start after Close: %v, want ErrStarted", err)
	}
}

// Two Metrics have registries of their own: no clash, no shared state.
func TestOwnRegistry(t *testing.T) {
	a, b := newMetrics(t), newMetrics(t)
	a.CallIn("answered")
	wantValue(t, scrape(t, b.Handler()), "parley_calls_total", map[string]string{"direction": "in", "result": "answered"}, 0)
	wantValue(t, scrape(t, a.Handler()), "parley_calls_total", map[string]string{"direction": "in", "result": "answered"}, 1)
}

// fakeLeg is a silent leg of a real bridge room.
type fakeLeg struct {
	once sync.Once
	done chan struct{}
}

func newFakeLeg() *fakeLeg                                { return &fakeLeg{done: make(chan struct{})} }
func (l *fakeLeg) ReadAudio(frame []int16, rate int) bool { return false }
func (l *fakeLeg) Format() media.Format                   { return media.PCMU }
func (l *fakeLeg) WriteAudio(payload []byte)              {}
func (l *fakeLeg) Hangup(reason string)                   { l.once.Do(func() { close(l.done) }) }
func (l *fakeLeg) Done() <-chan struct{}                  { return l.done }

func newBridge(t *testing.T, dialer bridge.Dialer) *bridge.Bridge {
	t.Helper()
	b, err := bridge.New(bridge.Options{Rooms: []bridge.RoomSettings{{Number: "1000"}, {Number: "2000"}}, Dialer: dialer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// A real bridge with two SIP legs in one room.
func TestBridgeParticipants(t *testing.T) {
	b := newBridge(t, nil)
	m := newMetrics(t)
	if err := m.Start(Sources{Rooms: b}); err != nil {
		t.Fatal(err)
	}
	room, err := b.Room("1000")
	if err != nil {
		t.Fatal(err)
	}
	legs := []*fakeLeg{newFakeLeg(), newFakeLeg()}
	for _, l := range legs {
		if _, err := room.Join(l, bridge.JoinOptions{Name: "phone", Via: "sip"}); err != nil {
			t.Fatal(err)
		}
	}
	f := scrape(t, m.Handler())
	wantValue(t, f, "parley_participants", map[string]string{"role": "attendee", "via": "sip"}, 2)
	wantValue(t, f, "parley_participants", map[string]string{"role": "spectator", "via": "sip"}, 0)
	wantValue(t, f, "parley_rooms_active", nil, 1)

	for _, l := range legs {
		l.Hangup("test over")
	}
	deadline := time.Now().Add(5 * time.Second)
	for room.Len() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	f = scrape(t, m.Handler())
	wantValue(t, f, "parley_participants", map[string]string{"role": "attendee", "via": "sip"}, 0)
	wantValue(t, f, "parley_rooms_active", nil, 0)
}

// Calls out are counted from the bridge's dial events, by final status.
func TestBridgeDialsCounted(t *testing.T) {
	dialer := bridge.DialerFunc(func(ctx context.Context, out bridge.Outbound) (bridge.Leg, error) {
		return nil, &bridge.DialError{Status: bridge.DialBusy, Code: 486, Reason: "Busy Here"}
	})
	b := newBridge(t, dialer)
	m := newMetrics(t)
	if err := m.Start(Sources{Rooms: b, Events: b}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		d, err := b.Dial("1000", bridge.DialRequest{To: "sip:bob@192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		<-d.Done()
	}
	want := map[string]string{"direction": "out", "result": "busy"}
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := value(scrape(t, m.Handler()), "parley_calls_total", want)
		if got == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley_calls_total%v = %v, want 2", want, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	f := scrape(t, m.Handler())
	wantValue(t, f, "parley_calls_total", map[string]string{"direction": "out", "result": "answered"}, 0)
	// Close stops the event goroutine and waits for it.
	m.Close()
	select {
	case <-m.done:
	default:
		t.Error("Close returned before the event loop ended")
	}
}
